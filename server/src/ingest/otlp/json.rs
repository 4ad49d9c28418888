//! OTLP/JSON decoding with the proto crate's serde types, and a repair pass for empty values.
//!
//! OTLP/JSON writes an `AnyValue` whose value is unset as `{}` (protobuf's default), and
//! exporters do send it: an attribute whose value was never set, an empty element of a list.
//! `opentelemetry-proto` refuses such an object, which would turn one odd attribute into a
//! refused export. So when the first decode fails on exactly that, the document is read as plain
//! JSON, each empty value is dropped (the attribute keeps its key and has no value; a list loses
//! that element) and it is decoded again; any other error is the answer as it is, so a broken
//! export is never read twice. The document has been counted before (`limits/json.rs`: every
//! value of it counts), so neither the decoder's buffering of attribute values nor that
//! `serde_json::Value` can grow past the limit on objects.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::ResourceSpans;
use serde_json::Value;

/// The keys that carry an `AnyValue`'s value in OTLP/JSON.
const VALUE_KEYS: [&str; 7] = [
    "stringValue",
    "boolValue",
    "intValue",
    "doubleValue",
    "arrayValue",
    "kvlistValue",
    "bytesValue",
];

/// What `opentelemetry-proto`'s deserializer says of an `AnyValue` without a value (0.32; a
/// test fails when it changes).
const EMPTY_VALUE_ERROR: &str = "no known keys found";

/// The JSON form of an export: a missing `resourceSpans` is an empty export, as in protobuf.
#[derive(serde::Deserialize)]
struct JsonExport {
    #[serde(default, rename = "resourceSpans")]
    resource_spans: Vec<ResourceSpans>,
}

impl From<JsonExport> for ExportTraceServiceRequest {
    fn from(export: JsonExport) -> Self {
        ExportTraceServiceRequest {
            resource_spans: export.resource_spans,
        }
    }
}

/// Decodes an OTLP/JSON trace export, repairing empty values when they are what failed.
pub fn decode(bytes: &[u8]) -> Result<ExportTraceServiceRequest, serde_json::Error> {
    let error = match serde_json::from_slice::<JsonExport>(bytes) {
        Ok(export) => return Ok(export.into()),
        Err(error) => error,
    };
    if !error.to_string().contains(EMPTY_VALUE_ERROR) {
        return Err(error);
    }
    let mut document = serde_json::from_slice::<Value>(bytes)?;
    if !drop_empty_values(&mut document) {
        return Err(error);
    }
    // What still fails now is a real error elsewhere in the export.
    serde_json::from_value::<JsonExport>(document).map(Into::into)
}

/// An `AnyValue` object with none of the value keys: `{}`.
fn is_empty_value(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|object| !VALUE_KEYS.iter().any(|key| object.contains_key(*key)))
}

/// Drops every empty value below `node`; says whether there was one. The depth is bounded by
/// serde_json's recursion limit, which the document has already passed.
fn drop_empty_values(node: &mut Value) -> bool {
    let mut dropped = false;
    match node {
        Value::Object(object) => {
            if object.contains_key("key") && object.get("value").is_some_and(is_empty_value) {
                object.remove("value");
                dropped = true;
            }
            if let Some(Value::Array(values)) = object
                .get_mut("arrayValue")
                .and_then(|array| array.get_mut("values"))
            {
                let before = values.len();
                values.retain(|value| !is_empty_value(value));
                dropped |= values.len() != before;
            }
            for child in object.values_mut() {
                dropped |= drop_empty_values(child);
            }
        }
        Value::Array(items) => {
            for item in items {
                dropped |= drop_empty_values(item);
            }
        }
        _ => {}
    }
    dropped
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::common::v1::any_value;

    use super::*;

    fn export_with_attributes(attributes: &str) -> String {
        format!(
            r#"{{"resourceSpans": [{{"scopeSpans": [{{"spans": [{{
                "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
                "name": "chat", "startTimeUnixNano": "1", "endTimeUnixNano": "2",
                "attributes": {attributes} }}]}}]}}]}}"#
        )
    }

    fn attributes(
        export: &ExportTraceServiceRequest,
    ) -> &[opentelemetry_proto::tonic::common::v1::KeyValue] {
        &export.resource_spans[0].scope_spans[0].spans[0].attributes
    }

    #[test]
    fn an_attribute_with_an_empty_value_keeps_its_key_and_loses_only_the_value() {
        let json = export_with_attributes(
            r#"[{"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                {"key": "unset", "value": {}}]"#,
        );
        assert!(
            serde_json::from_slice::<JsonExport>(json.as_bytes()).is_err(),
            "the proto crate alone refuses it"
        );
        let export = decode(json.as_bytes()).expect("repaired");
        let attributes = attributes(&export);
        assert_eq!(attributes.len(), 2);
        assert_eq!(attributes[0].key, "gen_ai.request.model");
        assert!(attributes[0].value.is_some());
        assert_eq!(attributes[1].key, "unset");
        assert!(attributes[1].value.is_none());
    }

    #[test]
    fn empty_elements_of_lists_are_dropped_at_any_depth() {
        let json = export_with_attributes(
            r#"[{"key": "gen_ai.response.finish_reasons", "value": {"arrayValue": {"values": [
                  {"stringValue": "stop"}, {},
                  {"kvlistValue": {"values": [{"key": "inner", "value": {}}]}}]}}}]"#,
        );
        let export = decode(json.as_bytes()).expect("repaired");
        let value = attributes(&export)[0]
            .value
            .as_ref()
            .and_then(|value| value.value.as_ref());
        let Some(any_value::Value::ArrayValue(array)) = value else {
            panic!("an array, not {value:?}");
        };
        assert_eq!(array.values.len(), 2);
        let Some(any_value::Value::KvlistValue(list)) = &array.values[1].value else {
            panic!("a key-value list, not {:?}", array.values[1]);
        };
        assert_eq!(list.values[0].key, "inner");
        assert!(list.values[0].value.is_none());
    }

    #[test]
    fn other_errors_are_reported_as_they_are() {
        let wrong_type = export_with_attributes(r#"[{"key": "a", "value": {"intValue": "x"}}]"#);
        let error = decode(wrong_type.as_bytes()).expect_err("not an int");
        assert!(error.to_string().contains("invalid digit"), "{error}");
        assert!(error.line() > 0, "with its position: {error}");
        // An empty value before a real error: the answer names the real one.
        let both = export_with_attributes(
            r#"[{"key": "a", "value": {}}, {"key": "b", "value": {"intValue": "x"}}]"#,
        );
        let error = decode(both.as_bytes()).expect_err("not an int");
        assert!(error.to_string().contains("invalid digit"), "{error}");
        assert!(decode(b"{\"resourceSpans\": 3}").is_err());
        assert!(decode(b"not json").is_err());
    }
}
