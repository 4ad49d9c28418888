//! A span's times, status, ids and names in the record, and the reasons spans are refused.

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::{status::StatusCode, Span, Status};

use super::*;
use crate::ingest::record::Source;

mod failures;
mod ttft;

/// The receiving time of every test export (shared with the alias tests).
pub(in crate::ingest::otlp) const NOW_MS: i64 = 1_790_000_000_000;

pub(in crate::ingest::otlp) fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        key_strindex: 0,
    }
}

fn model(name: &str) -> KeyValue {
    kv("gen_ai.request.model", Value::StringValue(name.to_owned()))
}

/// A span that started `ago_ms` before now and lasted `duration_ns`.
fn span(attributes: Vec<KeyValue>, ago_ms: i64, duration_ns: u64) -> Span {
    let start = (NOW_MS - ago_ms) as u64 * 1_000_000 + 123_456;
    Span {
        trace_id: (1..=16).collect(),
        span_id: (1..=8).collect(),
        name: "chat gpt-4o".to_owned(),
        start_time_unix_nano: start,
        end_time_unix_nano: start + duration_ns,
        attributes,
        ..Span::default()
    }
}

fn failed(mut span: Span, message: &str) -> Span {
    span.status = Some(Status {
        message: message.to_owned(),
        code: StatusCode::Error as i32,
    });
    span
}

#[test]
fn a_plain_genai_span_becomes_a_record_with_its_times_ids_and_names() {
    let record = to_record(
        &span(vec![model("gpt-4o")], 60_000, 1_234_600_000),
        Some("checkout"),
        NOW_MS,
    )
    .expect("mapped");
    assert_eq!(
        record.request_id,
        "0102030405060708090a0b0c0d0e0f10-0102030405060708"
    );
    assert_eq!(record.ts_ms, NOW_MS - 60_000);
    assert_eq!(record.latency_ms, Some(1235));
    assert_eq!(record.status, 200);
    assert_eq!(record.source, Source::Otlp);
    assert_eq!(record.ttft_ms, None, "never derived from latency");
    assert!(!record.stream);
    let metadata: serde_json::Value =
        serde_json::from_str(record.metadata.as_deref().expect("metadata")).expect("JSON");
    assert_eq!(
        metadata,
        serde_json::json!({
            "service_name": "checkout",
            "span_name": "chat gpt-4o",
            "trace_id": "0102030405060708090a0b0c0d0e0f10",
            "span_id": "0102030405060708",
        })
    );
}

#[test]
fn an_error_span_takes_its_http_status_or_500_and_its_message() {
    let with_status = failed(
        span(
            vec![
                model("m"),
                kv("http.response.status_code", Value::IntValue(429)),
            ],
            1_000,
            10,
        ),
        "Too many requests",
    );
    let record = to_record(&with_status, None, NOW_MS).expect("mapped");
    assert_eq!(record.status, 429);
    assert_eq!(record.error_message.as_deref(), Some("Too many requests"));

    let without = failed(span(vec![model("m")], 1_000, 10), "");
    let record = to_record(&without, None, NOW_MS).expect("mapped");
    assert_eq!(record.status, 500);
    assert_eq!(record.error_message, None);

    // An error after a 200 (a stream that broke) is still a failed call.
    let after_ok = failed(
        span(
            vec![model("m"), kv("http.status_code", Value::IntValue(200))],
            1_000,
            10,
        ),
        "stream interrupted",
    );
    assert_eq!(
        to_record(&after_ok, None, NOW_MS).expect("mapped").status,
        500
    );
}

#[test]
fn an_ok_span_takes_its_http_status_and_never_an_error_message() {
    let mut ok = span(
        vec![
            model("m"),
            kv("http.response.status_code", Value::IntValue(201)),
        ],
        1_000,
        10,
    );
    ok.status = Some(Status {
        message: "ignored".into(),
        code: StatusCode::Ok as i32,
    });
    let record = to_record(&ok, None, NOW_MS).expect("mapped");
    assert_eq!(record.status, 201);
    assert_eq!(record.error_message, None);
}

#[test]
fn spans_without_a_model_are_not_genai_calls() {
    let http = span(
        vec![kv("http.request.method", Value::StringValue("GET".into()))],
        1_000,
        10,
    );
    assert_eq!(
        to_record(&http, None, NOW_MS),
        Err(Refusal::NotGenAi("no model attribute".into()))
    );
    let tool = span(
        vec![kv(
            "gen_ai.operation.name",
            Value::StringValue("execute_tool".into()),
        )],
        1_000,
        10,
    );
    let refusal = to_record(&tool, None, NOW_MS).expect_err("refused");
    assert_eq!(
        refusal.to_string(),
        "not a GenAI call (gen_ai.operation.name but no model attribute)"
    );
}

#[test]
fn invalid_ids_and_times_are_refused_with_a_reason() {
    let mut no_ids = span(vec![model("m")], 1_000, 10);
    no_ids.trace_id = vec![0; 16];
    assert!(to_record(&no_ids, None, NOW_MS)
        .expect_err("refused")
        .to_string()
        .contains("trace id"));

    let mut backwards = span(vec![model("m")], 1_000, 10);
    backwards.end_time_unix_nano = backwards.start_time_unix_nano - 1;
    assert!(to_record(&backwards, None, NOW_MS)
        .expect_err("refused")
        .to_string()
        .contains("ends before it starts"));

    let ancient = span(vec![model("m")], 500 * 86_400_000, 10);
    let message = to_record(&ancient, None, NOW_MS)
        .expect_err("refused")
        .to_string();
    assert!(message.contains("startTimeUnixNano"), "{message}");
    assert!(message.contains("400 days"), "{message}");

    let mut unstarted = span(vec![model("m")], 1_000, 10);
    unstarted.start_time_unix_nano = 0;
    assert!(to_record(&unstarted, None, NOW_MS).is_err());
}

#[test]
fn a_span_without_an_end_has_no_latency() {
    let mut open = span(vec![model("m")], 1_000, 10);
    open.end_time_unix_nano = 0;
    assert_eq!(
        to_record(&open, None, NOW_MS).expect("mapped").latency_ms,
        None
    );
}

#[test]
fn validation_failures_name_the_attribute_that_fed_the_field() {
    let cached_over_input = span(
        vec![
            model("m"),
            kv("gen_ai.usage.input_tokens", Value::IntValue(10)),
            kv("gen_ai.usage.cache_read.input_tokens", Value::IntValue(11)),
        ],
        1_000,
        1_000_000_000,
    );
    let message = to_record(&cached_over_input, None, NOW_MS)
        .expect_err("refused")
        .to_string();
    assert!(
        message.contains("attribute gen_ai.usage.cache_read.input_tokens"),
        "{message}"
    );

    let empty_model = span(vec![model("  ")], 1_000, 10);
    let message = to_record(&empty_model, None, NOW_MS)
        .expect_err("refused")
        .to_string();
    assert!(
        message.contains("attribute gen_ai.request.model (model): must not be empty"),
        "{message}"
    );
}

#[test]
fn long_names_and_messages_are_clipped_to_what_a_record_holds() {
    let mut long = failed(span(vec![model("m")], 1_000, 10), &"x".repeat(20_000));
    long.name = "n".repeat(1_000);
    let record = to_record(&long, Some(&"s".repeat(1_000)), NOW_MS).expect("mapped");
    assert_eq!(
        record.error_message.as_deref().map(|m| m.chars().count()),
        Some(limits::ERROR_MESSAGE_CHARS)
    );
    let metadata: serde_json::Value =
        serde_json::from_str(record.metadata.as_deref().expect("metadata")).expect("JSON");
    assert_eq!(
        metadata["span_name"]
            .as_str()
            .map(|name| name.chars().count()),
        Some(limits::SHORT_TEXT_CHARS + 1)
    );
}
