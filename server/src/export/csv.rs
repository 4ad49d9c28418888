//! CSV per RFC 4180: a header line, CRLF line ends, and a field quoted (with its quotes
//! doubled) whenever it holds a comma, a quote, CR or LF.
//!
//! Text from clients (model names, request ids, error messages, metadata) could open as a
//! formula in a spreadsheet program (CSV injection). As OWASP recommends, a text field that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written quoted with a `'`
//! in front, which spreadsheets show as text. Numbers are written as numbers; JSON Lines keep
//! every value exact. With `bodies=1` the request and response bodies are two more text
//! columns at the end, neutralised the same way.

use std::io::Write;

use app::model::{Amount, UNITS};

use super::{timestamp, ExportRow};

/// The columns before the usage units, the units (from the units table), and the rest.
const HEAD: [&str; 8] = [
    "request_id",
    "timestamp",
    "model",
    "model_kind",
    "operation",
    "status",
    "error_type",
    "error_message",
];
const TAIL: [&str; 11] = [
    "usage_other",
    "latency_ms",
    "ttft_ms",
    "first_byte_ms",
    "cost",
    "cost_status",
    "source",
    "stream",
    "api_key",
    "upstream_request_id",
    "metadata",
];

/// The columns of an export with bodies, after the others.
const BODIES: [&str; 2] = ["request_body", "response_body"];

/// The header line's names, in order (with the body columns when `bodies`).
pub fn columns(bodies: bool) -> Vec<&'static str> {
    HEAD.into_iter()
        .chain(UNITS.iter().map(|spec| spec.key))
        .chain(TAIL)
        .chain(BODIES.into_iter().filter(|_| bodies))
        .collect()
}

/// The header line (with the body columns when `bodies`).
pub fn header(out: &mut Vec<u8>, bodies: bool) {
    out.extend_from_slice(columns(bodies).join(",").as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Whether a spreadsheet would read `text` as the start of a formula.
fn opens_formula(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// Writes `text` as one field, neutralised when it would open as a formula.
pub fn field(out: &mut Vec<u8>, text: &str) {
    let formula = opens_formula(text);
    if formula
        || text
            .bytes()
            .any(|byte| matches!(byte, b',' | b'"' | b'\r' | b'\n'))
    {
        out.push(b'"');
        if formula {
            out.push(b'\'');
        }
        for byte in text.bytes() {
            if byte == b'"' {
                out.push(b'"');
            }
            out.push(byte);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

fn optional_text(out: &mut Vec<u8>, text: Option<&str>) {
    if let Some(text) = text {
        field(out, text);
    }
    out.push(b',');
}

fn optional_int(out: &mut Vec<u8>, value: Option<i64>) {
    if let Some(value) = value {
        out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }
    out.push(b',');
}

fn optional_float(out: &mut Vec<u8>, value: Option<f64>) {
    if let Some(value) = value {
        let _ = write!(out, "{value}");
    }
    out.push(b',');
}

/// One call as one line.
pub fn row(out: &mut Vec<u8>, row: &ExportRow<'_>) {
    let call = row.call;
    let usage = &call.usage;
    field(out, &call.request_id);
    out.push(b',');
    timestamp(out, call.ts_ms);
    out.push(b',');
    field(out, row.model);
    out.push(b',');
    out.extend_from_slice(call.kind.as_str().as_bytes());
    out.push(b',');
    optional_text(out, Some(call.operation_name()));
    out.extend_from_slice(itoa::Buffer::new().format(call.status).as_bytes());
    out.push(b',');
    optional_text(out, call.error_type.as_deref());
    optional_text(out, call.error_message.as_deref());
    for spec in &UNITS {
        match usage.get(spec.unit) {
            Some(Amount::Count(count)) => optional_int(out, Some(count)),
            Some(Amount::Seconds(seconds)) => optional_float(out, Some(seconds)),
            None => out.push(b','),
        }
    }
    optional_text(out, call.usage_other.as_deref());
    optional_int(out, call.latency_ms);
    optional_int(out, call.ttft_ms);
    optional_int(out, call.first_byte_ms);
    optional_float(out, call.cost);
    out.extend_from_slice(super::cost_status(call).as_bytes());
    out.push(b',');
    out.extend_from_slice(call.source_name().as_bytes());
    out.push(b',');
    out.extend_from_slice(if call.stream { b"true," } else { b"false," });
    optional_text(out, call.api_key.as_deref());
    optional_text(out, call.upstream_request_id.as_deref());
    if let Some(metadata) = call.metadata.as_deref() {
        field(out, metadata);
    }
    if let Some((request, response)) = row.bodies {
        out.push(b',');
        optional_text(out, request.as_deref());
        if let Some(response) = response.as_deref() {
            field(out, response);
        }
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(text: &str) -> String {
        let mut out = Vec::new();
        field(&mut out, text);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn fields_are_quoted_only_when_rfc_4180_needs_it() {
        assert_eq!(written("plain text"), "plain text");
        assert_eq!(written("a,b"), "\"a,b\"");
        assert_eq!(written("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(written("two\nlines\r\n"), "\"two\nlines\r\n\"");
        assert_eq!(written(""), "");
        assert_eq!(written("模型"), "模型");
    }

    #[test]
    fn text_that_would_open_as_a_formula_is_neutralised() {
        assert_eq!(
            written("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(written("+1"), "\"'+1\"");
        assert_eq!(written("-2+3"), "\"'-2+3\"");
        assert_eq!(written("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(written("\tcmd"), "\"'\tcmd\"");
        assert_eq!(written("\r=1"), "\"'\r=1\"");
        assert_eq!(written("=a,b"), "\"'=a,b\"");
        // Only a leading character opens a formula.
        assert_eq!(written("a=b"), "a=b");
        assert_eq!(written("gpt-4o"), "gpt-4o");
    }

    #[test]
    fn the_header_names_every_column_once() {
        let mut out = Vec::new();
        header(&mut out, false);
        let line = String::from_utf8(out).expect("utf-8");
        assert!(line.ends_with("\r\n"));
        assert_eq!(line.trim_end().split(',').count(), columns(false).len());
        assert!(line.starts_with("request_id,timestamp,model,model_kind,operation,status,"));
        assert!(line.contains(",error_message,input_tokens,output_tokens,total_tokens,"));
        assert!(line.contains(",images,video_seconds,audio_seconds,characters,usage_other,"));
        assert!(line.ends_with(",upstream_request_id,metadata\r\n"));
        let mut with_bodies = Vec::new();
        header(&mut with_bodies, true);
        let line = String::from_utf8(with_bodies).expect("utf-8");
        assert!(
            line.ends_with(",metadata,request_body,response_body\r\n"),
            "{line}"
        );
        assert_eq!(columns(true).len(), columns(false).len() + 2);
    }
}
