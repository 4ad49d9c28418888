//! Fixtures of the OTLP tests: spans and exports, sending them, and reading stored calls back.

use std::io::Write;

use axum::http::StatusCode;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use sqlx::Row;

use crate::helpers::{now_ms, BytesResponse, TestApp};

pub const PROTOBUF: &str = "application/x-protobuf";
pub const JSON: &str = "application/json";

pub fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        key_strindex: 0,
    }
}

pub fn text(value: &str) -> Value {
    Value::StringValue(value.to_owned())
}

/// A span with ids made of `id` bytes, started a minute ago, lasting 1.5 s.
pub fn span(id: u8, name: &str, attributes: Vec<KeyValue>) -> Span {
    let start = (now_ms() - 60_000) as u64 * 1_000_000;
    Span {
        trace_id: vec![id; 16],
        span_id: vec![id; 8],
        name: name.to_owned(),
        start_time_unix_nano: start,
        end_time_unix_nano: start + 1_500_000_000,
        attributes,
        ..Span::default()
    }
}

/// A streamed chat call with current semantic-convention attributes.
pub fn chat_span(id: u8) -> Span {
    span(
        id,
        "chat gpt-4o",
        vec![
            kv("gen_ai.operation.name", text("chat")),
            kv("gen_ai.provider.name", text("openai")),
            kv("gen_ai.request.model", text("gpt-4o")),
            kv("gen_ai.response.model", text("gpt-4o-2024-08-06")),
            kv("gen_ai.response.id", text("chatcmpl-abc")),
            kv("gen_ai.request.stream", Value::BoolValue(true)),
            kv("gen_ai.usage.input_tokens", Value::IntValue(100)),
            kv("gen_ai.usage.output_tokens", Value::IntValue(40)),
            kv("gen_ai.usage.cache_read.input_tokens", Value::IntValue(10)),
            kv("gen_ai.usage.reasoning.output_tokens", Value::IntValue(4)),
            kv(
                "gen_ai.response.time_to_first_chunk",
                Value::DoubleValue(0.2),
            ),
        ],
    )
}

pub fn export(service: &str, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", text(service))],
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("compress")
}

/// POSTs `body` to `/v1/traces` with the app's key.
pub async fn send(
    app: &TestApp,
    content_type: &str,
    encoding: Option<&str>,
    body: Vec<u8>,
) -> BytesResponse {
    let authorization = format!("Bearer {}", app.key);
    let mut headers = vec![
        ("authorization", authorization.as_str()),
        ("content-type", content_type),
    ];
    if let Some(encoding) = encoding {
        headers.push(("content-encoding", encoding));
    }
    app.raw_bytes("POST", "/v1/traces", &headers, body).await
}

pub fn protobuf_answer(response: &BytesResponse) -> ExportTraceServiceResponse {
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(response.headers["content-type"], PROTOBUF);
    ExportTraceServiceResponse::decode(response.body.as_slice()).expect("a protobuf response")
}

pub fn json_answer(response: &BytesResponse) -> serde_json::Value {
    assert_eq!(response.headers["content-type"], JSON);
    serde_json::from_slice(&response.body).expect("a JSON response")
}

/// A stored call, read back from the `requests` table.
#[derive(Debug)]
pub struct Stored {
    pub workspace_id: i64,
    pub ts_ms: i64,
    pub model: String,
    pub kind: i64,
    pub operation: Option<String>,
    pub status: i64,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub total_tokens: Option<i64>,
    pub cached_tokens: Option<i64>,
    pub reasoning_tokens: Option<i64>,
    pub latency_ms: Option<i64>,
    pub ttft_ms: Option<i64>,
    pub source: i64,
    pub stream: bool,
    pub ingest_key_id: Option<i64>,
    pub metadata: serde_json::Value,
    pub upstream_request_id: Option<String>,
}

/// The calls whose `condition` (SQL over `r`, the requests row) holds for `value`.
pub async fn stored_where(app: &TestApp, condition: &str, value: &str) -> Vec<Stored> {
    let sql = format!(
        "SELECT r.workspace_id, r.ts_ms, m.name AS model, r.kind, r.operation, r.status, \
         r.error_type, r.error_message, r.input_tokens, r.output_tokens, r.total_tokens, \
         r.cached_tokens, r.reasoning_tokens, r.latency_ms, r.ttft_ms, r.source, CASE WHEN r.stream THEN 1 ELSE 0 END AS stream, \
         r.ingest_key_id, r.metadata, r.upstream_request_id \
         FROM requests r JOIN models m ON m.id = r.model_id WHERE {condition} ORDER BY r.ts_ms"
    );
    sqlx::query(&sql)
        .bind(value)
        .fetch_all(&app.pool)
        .await
        .expect("query")
        .into_iter()
        .map(|row| Stored {
            workspace_id: row.get("workspace_id"),
            ts_ms: row.get("ts_ms"),
            model: row.get("model"),
            kind: row.get("kind"),
            operation: row.get("operation"),
            status: row.get("status"),
            error_type: row.get("error_type"),
            error_message: row.get("error_message"),
            input_tokens: row.get("input_tokens"),
            output_tokens: row.get("output_tokens"),
            total_tokens: row.get("total_tokens"),
            cached_tokens: row.get("cached_tokens"),
            reasoning_tokens: row.get("reasoning_tokens"),
            latency_ms: row.get("latency_ms"),
            ttft_ms: row.get("ttft_ms"),
            source: row.get("source"),
            stream: row.get::<i64, _>("stream") != 0,
            ingest_key_id: row.get("ingest_key_id"),
            metadata: serde_json::from_str(
                row.get::<Option<String>, _>("metadata")
                    .as_deref()
                    .unwrap_or("null"),
            )
            .expect("metadata is JSON"),
            upstream_request_id: row.get("upstream_request_id"),
        })
        .collect()
}

pub async fn stored(app: &TestApp, request_id: &str) -> Stored {
    let mut rows = stored_where(app, "r.request_id = $1", request_id).await;
    assert_eq!(rows.len(), 1, "exactly one row for {request_id}");
    rows.remove(0)
}

pub async fn key_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM api_keys")
        .fetch_one(&app.pool)
        .await
        .expect("the test key")
}

pub fn request_id(id: u8) -> String {
    format!(
        "{}-{}",
        format!("{id:02x}").repeat(16),
        format!("{id:02x}").repeat(8)
    )
}
