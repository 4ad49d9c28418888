//! Splitting an ingest body into records: a JSON array, `{"requests": [...]}`, or NDJSON.

use serde_json::Value;

use super::json_budget::{self, BudgetError};
use super::record::wire::{self, WireRecord};

/// Most records one call may carry.
pub const MAX_RECORDS: usize = 10_000;
/// Most JSON values (objects, arrays, strings, numbers... nested ones included) one call may
/// carry: 100 a record on average at the record limit. Counted before any is built.
pub const MAX_VALUES: usize = 1_000_000;

/// Why a body could not be split into records at all.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the body is not valid UTF-8 (at byte {0})")]
    NotUtf8(usize),
    #[error("the body contains no records")]
    Empty,
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("a JSON object body must have a \"requests\" array")]
    NoRequestsArray,
    #[error("too many records: at most {MAX_RECORDS} per call, got {0}")]
    TooMany(usize),
    #[error("too many JSON values: at most {MAX_VALUES} per call (objects, arrays and their members counted); send fewer or smaller records per call")]
    TooManyValues,
}

/// The budget's verdict on a whole document.
fn within_budget(text: &str) -> Result<(), ParseError> {
    let mut left = MAX_VALUES;
    match json_budget::take(text, &mut left) {
        Ok(()) => Ok(()),
        Err(BudgetError::TooManyValues) => Err(ParseError::TooManyValues),
        Err(BudgetError::Json(reason)) => Err(ParseError::Json(reason)),
    }
}

/// One line of NDJSON or one element of an array: a record read into its typed form, to be
/// checked, or a line that is not JSON (rejected on its own, so the other lines still count).
pub type Item = Result<WireRecord, String>;

/// Splits `body` into records. `ndjson` is true when the client said so in `Content-Type`.
pub fn split(body: &[u8], ndjson: bool) -> Result<Vec<Item>, ParseError> {
    let text =
        std::str::from_utf8(body).map_err(|error| ParseError::NotUtf8(error.valid_up_to()))?;
    let trimmed = text.trim_start();
    if trimmed.trim_end().is_empty() {
        return Err(ParseError::Empty);
    }
    let items = if !ndjson && trimmed.starts_with('[') {
        array(trimmed)?
    } else if !ndjson && trimmed.starts_with('{') && looks_like_single_document(trimmed) {
        wrapped(trimmed)?
    } else {
        lines(text)?
    };
    if items.is_empty() {
        return Err(ParseError::Empty);
    }
    if items.len() > MAX_RECORDS {
        return Err(ParseError::TooMany(items.len()));
    }
    Ok(items)
}

fn array(text: &str) -> Result<Vec<Item>, ParseError> {
    within_budget(text)?;
    let records: Vec<WireRecord> =
        serde_json::from_str(text).map_err(|error| ParseError::Json(error.to_string()))?;
    Ok(records.into_iter().map(Ok).collect())
}

/// A body starting with `{` is either one wrapper object or NDJSON: it is one document when the
/// first complete JSON value runs to the end of the body.
fn looks_like_single_document(text: &str) -> bool {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    match stream.next() {
        Some(Ok(_)) => text[stream.byte_offset()..].trim().is_empty(),
        // Malformed: report it as one document so the error names the JSON problem.
        _ => !text.trim_end().contains('\n'),
    }
}

fn wrapped(text: &str) -> Result<Vec<Item>, ParseError> {
    within_budget(text)?;
    let mut value: Value =
        serde_json::from_str(text).map_err(|error| ParseError::Json(error.to_string()))?;
    match value.get_mut("requests").map(Value::take) {
        Some(Value::Array(values)) => Ok(values
            .into_iter()
            .map(|value| Ok(wire::from_value(value)))
            .collect()),
        // A lone record object: treat it as a one-line NDJSON body.
        None if value.get("model").is_some() => Ok(vec![Ok(wire::from_value(value))]),
        _ => Err(ParseError::NoRequestsArray),
    }
}

fn lines(text: &str) -> Result<Vec<Item>, ParseError> {
    let mut items = Vec::new();
    let mut left = MAX_VALUES;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if items.len() == MAX_RECORDS {
            // Count the rest without parsing it.
            let rest = text.lines().filter(|l| !l.trim().is_empty()).count();
            return Err(ParseError::TooMany(rest));
        }
        // A line that is not JSON is rejected on its own; one over the budget ends the call.
        let item = match json_budget::take(line, &mut left) {
            Err(BudgetError::TooManyValues) => return Err(ParseError::TooManyValues),
            Err(BudgetError::Json(reason)) => Err(format!("invalid JSON: {reason}")),
            Ok(()) => serde_json::from_str::<WireRecord>(line)
                .map_err(|error| format!("invalid JSON: {error}")),
        };
        items.push(item);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok_count(items: &[Item]) -> usize {
        items.iter().filter(|item| item.is_ok()).count()
    }

    #[test]
    fn an_array_a_wrapper_and_ndjson_give_the_same_records() {
        let array = split(br#"[{"model":"a"},{"model":"b"}]"#, false).expect("array");
        let wrapper =
            split(br#"{"requests":[{"model":"a"},{"model":"b"}]}"#, false).expect("wrapper");
        let ndjson = split(b"{\"model\":\"a\"}\n\n{\"model\":\"b\"}\n", false).expect("ndjson");
        assert_eq!(array, wrapper);
        assert_eq!(array, ndjson);
        assert_eq!(ok_count(&array), 2);
    }

    #[test]
    fn a_bad_ndjson_line_is_rejected_alone() {
        let items =
            split(b"{\"model\":\"a\"}\n{\"model\":\n{\"model\":\"c\"}", true).expect("split");
        assert_eq!(items.len(), 3);
        assert!(items[1].is_err());
        assert_eq!(ok_count(&items), 2);
    }

    #[test]
    fn truncated_json_and_invalid_utf8_are_errors() {
        assert!(matches!(
            split(br#"[{"model":"a"},{"mod"#, false),
            Err(ParseError::Json(_))
        ));
        assert!(matches!(
            split(br#"{"requests":[{"model":"a"}"#, false),
            Err(ParseError::Json(_))
        ));
        assert_eq!(split(b"[\"\xff\"]", false), Err(ParseError::NotUtf8(2)));
        assert_eq!(split(b"  \n ", false), Err(ParseError::Empty));
        assert_eq!(split(b"[]", false), Err(ParseError::Empty));
        assert_eq!(
            split(br#"{"other":1}"#, false),
            Err(ParseError::NoRequestsArray)
        );
    }

    #[test]
    fn a_small_body_of_many_values_is_refused_before_they_are_built() {
        let zeros = format!(
            "[{{\"metadata\": {{\"a\": [{}0]}}}}]",
            "0,".repeat(MAX_VALUES)
        );
        assert_eq!(
            split(zeros.as_bytes(), false),
            Err(ParseError::TooManyValues)
        );
        let wrapped = format!("{{\"requests\": [{}{{}}]}}", "[],".repeat(MAX_VALUES));
        assert_eq!(
            split(wrapped.as_bytes(), false),
            Err(ParseError::TooManyValues)
        );
        let line = format!("[{}0]\n", "0,".repeat(MAX_VALUES / 4));
        assert_eq!(
            split(line.repeat(5).as_bytes(), true),
            Err(ParseError::TooManyValues)
        );
    }

    #[test]
    fn more_than_the_limit_is_refused() {
        let body = format!("[{}{{}}]", "{},".repeat(MAX_RECORDS));
        assert_eq!(
            split(body.as_bytes(), false),
            Err(ParseError::TooMany(MAX_RECORDS + 1))
        );
        let ndjson = "{}\n".repeat(MAX_RECORDS + 5);
        assert_eq!(
            split(ndjson.as_bytes(), true),
            Err(ParseError::TooMany(MAX_RECORDS + 5))
        );
    }
}
