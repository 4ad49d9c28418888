use serde_json::json;

use super::*;

const NOW_MS: i64 = 1_790_000_000_000;

fn checked(text: &str) -> Result<NewRequest, FieldError> {
    let from_text: WireRecord = serde_json::from_str(text).expect("JSON");
    let value: Value = serde_json::from_str(text).expect("JSON");
    assert_eq!(from_text, from_value(value), "text and value read alike");
    from_text.validate(NOW_MS, Source::Api)
}

fn refusal(text: &str) -> (String, String) {
    let error = checked(text).expect_err("refused");
    (error.field, error.message)
}

#[test]
fn a_full_record_reads_into_its_typed_form() {
    let text = json!({
        "request_id": " r1 ",
        "timestamp": "2026-09-21T14:13:20.000Z",
        "model": "qwen-plus",
        "model_kind": "omni",
        "operation": "chat",
        "status": 200,
        "latency_ms": 1200.4,
        "ttft_ms": 300,
        "stream": true,
        "api_key": "sk-0123456789abcdef",
        "metadata": { "user": "u1" },
        "usage": { "prompt_tokens": 10, "completion_tokens": 5 },
        "request_body": { "messages": [] },
        "response_body": "ok",
    })
    .to_string();
    let record = checked(&text).expect("valid");
    assert_eq!(record.request_id, "r1");
    assert_eq!(record.ts_ms, 1_790_000_000_000);
    assert_eq!(record.kind, Some(ModelKind::Omni));
    assert_eq!((record.latency_ms, record.ttft_ms), (Some(1200), Some(300)));
    assert_eq!(record.usage.total_tokens, Some(15));
    assert_eq!(record.api_key.as_deref(), Some("sk-…cdef"));
    assert_eq!(record.metadata, None, "user moved into its dimension");
    assert_eq!(record.dimensions.user.as_deref(), Some("u1"));
    assert_eq!(record.request_body.as_deref(), Some(r#"{"messages":[]}"#));
}

#[test]
fn a_value_of_the_wrong_type_is_named_with_its_type() {
    let base = |field: &str, value: Value| {
        let mut record = json!({ "model": "m", "timestamp": NOW_MS, "status": 200 });
        record[field] = value;
        record.to_string()
    };
    for (text, field, message) in [
        (
            base("model", json!(42)),
            "model",
            "must be a string, got a number",
        ),
        (
            base("status", json!("ok")),
            "status",
            "must be a number, got a string",
        ),
        (
            base("status", json!(70_000)),
            "status",
            "must be an HTTP status code between 100 and 599",
        ),
        (
            base("status", json!(-1)),
            "status",
            "must be an HTTP status code between 100 and 599",
        ),
        (
            base("timestamp", json!(true)),
            "timestamp",
            "must be an RFC 3339 string or epoch milliseconds, got a boolean",
        ),
        (
            base("timestamp", json!(1.5)),
            "timestamp",
            "epoch milliseconds must be a whole number",
        ),
        (
            base("timestamp", json!("yesterday")),
            "timestamp",
            "must be RFC 3339 (2026-11-26T09:30:00.123Z) or epoch milliseconds",
        ),
        (
            base("latency_ms", json!([1])),
            "latency_ms",
            "must be a number, got an array",
        ),
        (
            base("stream", json!("yes")),
            "stream",
            "must be true or false",
        ),
        (
            base("model_kind", json!("robot")),
            "model_kind",
            "must be one of llm, image, video, speech, omni, embedding",
        ),
        (
            base("model_kind", json!(" ")),
            "model_kind",
            "must not be empty",
        ),
        (
            base("metadata", json!([1, 2])),
            "metadata",
            "must be a JSON object",
        ),
        (base("usage", json!(3)), "usage", "must be a JSON object"),
        (
            base("usage", json!({ "images": "three" })),
            "usage.images",
            "must be a number, got a string",
        ),
        (
            base("surprise", json!(1)),
            "surprise",
            "unknown field (usage units go inside \"usage\", free data inside \"metadata\")",
        ),
        (
            "\"just a string\"".to_owned(),
            "",
            "a record must be a JSON object",
        ),
        ("[1, [2]]".to_owned(), "", "a record must be a JSON object"),
    ] {
        assert_eq!(
            refusal(&text),
            (field.to_owned(), message.to_owned()),
            "{text}"
        );
    }
}

#[test]
fn of_several_faults_the_first_in_check_order_is_named() {
    // The typed check of an earlier field beats a JSON fault of a later one...
    let text = json!({ "model": " ", "timestamp": NOW_MS, "status": "ok" }).to_string();
    assert_eq!(refusal(&text).0, "model");
    let text = json!({ "timestamp": NOW_MS, "status": "ok" }).to_string();
    assert_eq!(
        refusal(&text),
        ("model".to_owned(), "is required".to_owned())
    );
    // ...and a JSON fault beats the typed checks of later fields.
    let text = json!({ "model": "m", "timestamp": NOW_MS, "status": "ok", "latency_ms": -3 });
    assert_eq!(refusal(&text.to_string()).0, "status");
    // An unknown field comes first of all, the first in key order.
    let text = json!({ "zz": 1, "model": 5, "aa": 2, "timestamp": NOW_MS, "status": 200 });
    assert_eq!(refusal(&text.to_string()).0, "aa");
}

#[test]
fn a_repeated_key_counts_once_the_last_time() {
    let text = r#"{"model":"m","timestamp":1790000000000,"status":"ok","status":201}"#;
    assert_eq!(checked(text).expect("valid").status, 201);
    let text = r#"{"model":"m","timestamp":1790000000000,"status":201,"status":"ok"}"#;
    assert_eq!(refusal(text).0, "status");
}

#[test]
fn nulls_are_absent_fields() {
    let text = r#"{"model":"m","timestamp":1790000000000,"status":200,"usage":null,"stream":null,
        "metadata":null,"request_body":null,"ttft_ms":null,"request_id":null}"#;
    let record = checked(text).expect("valid");
    assert!(!record.stream);
    assert_eq!(
        (record.metadata, record.request_body, record.ttft_ms),
        (None, None, None)
    );
    assert_eq!(record.request_id.len(), 36, "a made-up uuid");
}
