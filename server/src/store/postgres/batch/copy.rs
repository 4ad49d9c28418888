//! Rows in COPY's text format: one line per row, columns separated by tabs, `\N` for NULL, and
//! backslash, tab, newline and carriage return escaped.
//!
//! PostgreSQL text cannot hold the NUL character at all; the few fields that may carry one (an
//! error message, a body) get U+FFFD in its place rather than failing the whole batch.

use std::fmt::Write as _;
use std::sync::LazyLock;

use app::model::{Amount, ModelKind, UNITS};

use crate::store::reads::request_key;
use crate::store::Pending;

/// The staging table's columns, in the order each line lists them.
pub static COLUMNS: LazyLock<String> = LazyLock::new(|| {
    let mut columns = vec!["id", "workspace_id", "hour", "ts_ms", "model_id"];
    columns.extend(UNITS.iter().map(|spec| spec.column));
    columns.extend([
        "latency_ms",
        "ttft_ms",
        "first_byte_ms",
        "cost",
        "ingest_key_id",
        "request_key",
        "status",
        "kind",
        "source",
        "stream",
        "has_body",
        "request_id",
        "operation",
        "error_type",
        "error_message",
        "usage_other",
        "api_key",
        "metadata",
        "upstream_request_id",
    ]);
    columns.join(", ")
});

/// The body table's columns, in line order.
pub const BODY_COLUMNS: &str = "request_row_id, hour, request_body, response_body";

/// Appends `text` escaped for COPY.
fn push_text(line: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '\\' => line.push_str("\\\\"),
            '\t' => line.push_str("\\t"),
            '\n' => line.push_str("\\n"),
            '\r' => line.push_str("\\r"),
            '\0' => line.push('\u{FFFD}'),
            other => line.push(other),
        }
    }
}

fn push_null(line: &mut String) {
    line.push_str("\\N");
}

fn push_optional_text(line: &mut String, text: Option<&str>) {
    match text {
        Some(text) => push_text(line, text),
        None => push_null(line),
    }
}

fn push_int(line: &mut String, value: Option<i64>) {
    match value {
        Some(value) => {
            let _ = write!(line, "{value}");
        }
        None => push_null(line),
    }
}

/// Finite floats in Rust's shortest round-trip form, which PostgreSQL reads back exactly.
fn push_float(line: &mut String, value: Option<f64>) {
    match value.filter(|value| value.is_finite()) {
        Some(value) => {
            let _ = write!(line, "{value:?}");
        }
        None => push_null(line),
    }
}

fn push_bool(line: &mut String, value: bool) {
    line.push(if value { 't' } else { 'f' });
}

/// One call's line, as its row `row_id` of model `model_id`.
pub fn push_call(
    line: &mut String,
    row_id: i64,
    pending: &Pending,
    model_id: i64,
    kind: ModelKind,
    cost: Option<f64>,
) {
    let record = &pending.record;
    let usage = &record.usage;
    let tab = |line: &mut String| line.push('\t');
    push_int(line, Some(row_id));
    tab(line);
    push_int(line, Some(pending.workspace_id.get()));
    tab(line);
    push_int(line, Some(record.ts_ms.div_euclid(3_600_000)));
    tab(line);
    push_int(line, Some(record.ts_ms));
    tab(line);
    push_int(line, Some(model_id));
    for spec in UNITS.iter() {
        tab(line);
        match usage.get(spec.unit) {
            None => push_null(line),
            Some(Amount::Count(count)) => push_int(line, Some(count)),
            Some(Amount::Seconds(seconds)) => push_float(line, Some(seconds)),
        }
    }
    tab(line);
    push_int(line, record.latency_ms);
    tab(line);
    push_int(line, record.ttft_ms);
    tab(line);
    push_int(line, record.first_byte_ms);
    tab(line);
    push_float(line, cost);
    tab(line);
    push_int(line, pending.ingest_key_id);
    tab(line);
    push_int(line, Some(request_key(&record.request_id)));
    tab(line);
    push_int(line, Some(i64::from(record.status)));
    tab(line);
    push_int(line, Some(kind.code()));
    tab(line);
    push_int(line, Some(record.source.code()));
    tab(line);
    push_bool(line, record.stream);
    tab(line);
    push_bool(
        line,
        record.request_body.is_some() || record.response_body.is_some(),
    );
    tab(line);
    push_text(line, &record.request_id);
    tab(line);
    // The kind's default operation is stored as NULL.
    let operation = record
        .operation
        .as_deref()
        .filter(|operation| *operation != kind.default_operation());
    push_optional_text(line, operation);
    tab(line);
    push_optional_text(line, record.error_type.as_deref());
    tab(line);
    push_optional_text(line, record.error_message.as_deref());
    tab(line);
    let usage_other = (!usage.other.is_empty())
        .then(|| serde_json::Value::Object(usage.other.clone()).to_string());
    push_optional_text(line, usage_other.as_deref());
    tab(line);
    push_optional_text(line, record.api_key.as_deref());
    tab(line);
    push_optional_text(line, record.metadata.as_deref());
    tab(line);
    push_optional_text(line, record.upstream_request_id.as_deref());
    line.push('\n');
}

/// One call's bodies line.
pub fn push_bodies(line: &mut String, row_id: i64, pending: &Pending) {
    let record = &pending.record;
    let _ = write!(line, "{row_id}\t{}\t", record.ts_ms.div_euclid(3_600_000));
    push_optional_text(line, record.request_body.as_deref());
    line.push('\t');
    push_optional_text(line, record.response_body.as_deref());
    line.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_nul_replaced() {
        let mut line = String::new();
        push_text(&mut line, "a\tb\nc\\d\re\0f");
        assert_eq!(line, "a\\tb\\nc\\\\d\\re\u{FFFD}f");
    }

    #[test]
    fn numbers_and_nulls_take_copy_forms() {
        let mut line = String::new();
        push_float(&mut line, Some(0.1));
        push_float(&mut line, Some(f64::NAN));
        push_int(&mut line, None);
        push_bool(&mut line, true);
        assert_eq!(line, "0.1\\N\\Nt");
    }
}
