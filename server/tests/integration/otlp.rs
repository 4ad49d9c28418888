//! `POST /v1/traces`: the OTLP/HTTP receiver over the real router and a real SQLite file, and
//! the real OpenTelemetry Python SDK exporting to a listening server in both encodings.

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
use serde_json::json;
use sqlx::Row;

use crate::helpers::{now_ms, python, serve, spawn_app, spawn_app_with, BytesResponse, TestApp};

const PROTOBUF: &str = "application/x-protobuf";
const JSON: &str = "application/json";

fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        key_strindex: 0,
    }
}

fn text(value: &str) -> Value {
    Value::StringValue(value.to_owned())
}

/// A span with ids made of `id` bytes, started a minute ago, lasting 1.5 s.
fn span(id: u8, name: &str, attributes: Vec<KeyValue>) -> Span {
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
fn chat_span(id: u8) -> Span {
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

fn export(service: &str, spans: Vec<Span>) -> ExportTraceServiceRequest {
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

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("compress")
}

/// POSTs `body` to `/v1/traces` with the app's key.
async fn send(
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

fn protobuf_answer(response: &BytesResponse) -> ExportTraceServiceResponse {
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(response.headers["content-type"], PROTOBUF);
    ExportTraceServiceResponse::decode(response.body.as_slice()).expect("a protobuf response")
}

fn json_answer(response: &BytesResponse) -> serde_json::Value {
    assert_eq!(response.headers["content-type"], JSON);
    serde_json::from_slice(&response.body).expect("a JSON response")
}

/// A stored call, read back from the `requests` table.
#[derive(Debug)]
struct Stored {
    workspace_id: i64,
    ts_ms: i64,
    model: String,
    kind: i64,
    operation: Option<String>,
    status: i64,
    error_type: Option<String>,
    error_message: Option<String>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    total_tokens: Option<i64>,
    cached_tokens: Option<i64>,
    reasoning_tokens: Option<i64>,
    latency_ms: Option<i64>,
    ttft_ms: Option<i64>,
    source: i64,
    stream: bool,
    ingest_key_id: Option<i64>,
    metadata: serde_json::Value,
    upstream_request_id: Option<String>,
}

/// The calls whose `condition` (SQL over `r`, the requests row) holds for `value`.
async fn stored_where(app: &TestApp, condition: &str, value: &str) -> Vec<Stored> {
    let sql = format!(
        "SELECT r.workspace_id, r.ts_ms, m.name AS model, r.kind, r.operation, r.status, \
         r.error_type, r.error_message, r.input_tokens, r.output_tokens, r.total_tokens, \
         r.cached_tokens, r.reasoning_tokens, r.latency_ms, r.ttft_ms, r.source, r.stream, \
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
            stream: row.get("stream"),
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

async fn stored(app: &TestApp, request_id: &str) -> Stored {
    let mut rows = stored_where(app, "r.request_id = ?", request_id).await;
    assert_eq!(rows.len(), 1, "exactly one row for {request_id}");
    rows.remove(0)
}

async fn key_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM api_keys")
        .fetch_one(&app.pool)
        .await
        .expect("the test key")
}

fn request_id(id: u8) -> String {
    format!(
        "{}-{}",
        format!("{id:02x}").repeat(16),
        format!("{id:02x}").repeat(8)
    )
}

#[tokio::test]
async fn a_protobuf_export_stores_genai_spans_and_explains_the_rest_in_partial_success() {
    let app = spawn_app().await;
    let mut negative = chat_span(3);
    negative.name = "chat broken".to_owned();
    for pair in &mut negative.attributes {
        if pair.key == "gen_ai.usage.input_tokens" {
            pair.value = Some(AnyValue {
                value: Some(Value::IntValue(-1)),
            });
        }
    }
    let http = span(2, "GET /", vec![kv("http.request.method", text("GET"))]);
    let body = export("checkout", vec![chat_span(1), http, negative]).encode_to_vec();

    let response = send(&app, PROTOBUF, None, body).await;
    let partial = protobuf_answer(&response)
        .partial_success
        .expect("partial success");
    assert_eq!(partial.rejected_spans, 2);
    let message = partial.error_message;
    assert!(message.starts_with("2 spans rejected: "), "{message}");
    assert!(
        message.contains(&format!(
            "span \"GET /\" (trace {}, span {}): not a GenAI call (no model attribute)",
            "02".repeat(16),
            "02".repeat(8)
        )),
        "{message}"
    );
    assert!(
        message.contains("span \"chat broken\"")
            && message.contains("attribute gen_ai.usage.input_tokens: must not be negative"),
        "{message}"
    );

    assert_eq!(app.count("SELECT count(*) FROM requests").await, 1);
    let row = stored(&app, &request_id(1)).await;
    assert_eq!(row.workspace_id, 1);
    assert_eq!(row.ingest_key_id, Some(key_id(&app).await));
    assert_eq!(row.model, "gpt-4o-2024-08-06", "the answering model wins");
    assert_eq!(row.kind, 0, "llm");
    assert_eq!(row.operation, None, "chat is the llm kind's default");
    assert_eq!(row.status, 200);
    assert_eq!(row.source, 1, "otlp");
    assert!(row.stream);
    assert_eq!(row.input_tokens, Some(100));
    assert_eq!(row.output_tokens, Some(40));
    assert_eq!(row.total_tokens, Some(140));
    assert_eq!(row.cached_tokens, Some(10));
    assert_eq!(row.reasoning_tokens, Some(4));
    assert_eq!(row.latency_ms, Some(1_500));
    assert_eq!(row.ttft_ms, Some(200));
    assert_eq!(row.upstream_request_id.as_deref(), Some("chatcmpl-abc"));
    assert!((now_ms() - 61_000..=now_ms() - 59_000).contains(&row.ts_ms));
    assert_eq!(
        row.metadata,
        json!({
            "provider": "openai",
            "service_name": "checkout",
            "span_name": "chat gpt-4o",
            "trace_id": "01".repeat(16),
            "span_id": "01".repeat(8),
        })
    );
}

#[tokio::test]
async fn a_gzip_json_export_with_string_ints_is_stored_and_answered_in_json() {
    let app = spawn_app().await;
    let start_ns = (now_ms() - 5_000) as u64 * 1_000_000;
    let body = json!({
        "resourceSpans": [{
            "resource": { "attributes": [
                { "key": "service.name", "value": { "stringValue": "embedder" } }
            ]},
            "scopeSpans": [{ "scope": { "name": "test" }, "spans": [
                {
                    "traceId": "0a".repeat(16),
                    "spanId": "0b".repeat(8),
                    "name": "embeddings",
                    "kind": 3,
                    "startTimeUnixNano": start_ns.to_string(),
                    "endTimeUnixNano": (start_ns + 42_000_000).to_string(),
                    "attributes": [
                        { "key": "gen_ai.operation.name", "value": { "stringValue": "embeddings" } },
                        { "key": "gen_ai.system", "value": { "stringValue": "openai" } },
                        { "key": "llm.model_name", "value": { "stringValue": "text-embedding-3-small" } },
                        { "key": "llm.token_count.prompt", "value": { "intValue": "8" } }
                    ]
                },
                {
                    "traceId": "0c".repeat(16),
                    "spanId": "0d".repeat(8),
                    "name": "chat claude",
                    "startTimeUnixNano": start_ns.to_string(),
                    "endTimeUnixNano": (start_ns + 900_000_000).to_string(),
                    "status": { "code": 2, "message": "Overloaded" },
                    "attributes": [
                        { "key": "llm.request.model", "value": { "stringValue": "claude-sonnet-4" } },
                        { "key": "error.type", "value": { "stringValue": "overloaded_error" } },
                        { "key": "http.status_code", "value": { "intValue": 529 } }
                    ]
                }
            ]}]
        }]
    });
    let response = send(
        &app,
        "application/json; charset=utf-8",
        Some("gzip"),
        gzip(body.to_string().as_bytes()),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(json_answer(&response), json!({}));

    let embedding = stored(&app, &format!("{}-{}", "0a".repeat(16), "0b".repeat(8))).await;
    assert_eq!(embedding.model, "text-embedding-3-small");
    assert_eq!(embedding.kind, 5, "embedding");
    assert_eq!(embedding.input_tokens, Some(8));
    assert_eq!(embedding.latency_ms, Some(42));
    assert_eq!(embedding.ttft_ms, None);
    assert!(!embedding.stream);
    assert_eq!(embedding.metadata["provider"], "openai");
    assert_eq!(embedding.metadata["service_name"], "embedder");

    let failed = stored(&app, &format!("{}-{}", "0c".repeat(16), "0d".repeat(8))).await;
    assert_eq!(failed.status, 529);
    assert_eq!(failed.error_type.as_deref(), Some("overloaded_error"));
    assert_eq!(failed.error_message.as_deref(), Some("Overloaded"));
    assert_eq!(failed.model, "claude-sonnet-4");
}

#[tokio::test]
async fn re_exporting_the_same_spans_stores_them_once() {
    let app = spawn_app().await;
    let body = export("svc", vec![chat_span(1), chat_span(2)]).encode_to_vec();
    for _ in 0..2 {
        let answer = protobuf_answer(&send(&app, PROTOBUF, None, body.clone()).await);
        assert_eq!(
            answer.partial_success, None,
            "duplicates are not rejections"
        );
    }
    let json_body = serde_json::to_vec(&export("svc", vec![chat_span(1)])).expect("JSON");
    let response = send(&app, JSON, None, json_body).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(app.count("SELECT count(*) FROM requests").await, 2);
    assert_eq!(
        app.count("SELECT sum(requests) FROM rollup_all_1d").await,
        2,
        "rollups count each call once"
    );
}

#[tokio::test]
async fn an_export_over_20_mib_once_decompressed_is_refused_with_413() {
    let app = spawn_app().await;
    // 21 gzip members of 1 MiB each: small on the wire, over the cap inflated.
    let member = gzip(&vec![0u8; 1 << 20]);
    let bomb: Vec<u8> = member
        .iter()
        .copied()
        .cycle()
        .take(member.len() * 21)
        .collect();
    let response = send(&app, PROTOBUF, Some("gzip"), bomb).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.headers["content-type"], PROTOBUF);

    let plain = vec![b' '; 20 * 1024 * 1024 + 1];
    let response = send(&app, JSON, None, plain).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    let answer = json_answer(&response);
    assert!(
        answer["error"]
            .as_str()
            .unwrap_or_default()
            .contains("larger than"),
        "{answer}"
    );
    assert_eq!(app.count("SELECT count(*) FROM requests").await, 0);
}

#[tokio::test]
async fn other_content_types_and_encodings_are_refused_with_415() {
    let app = spawn_app().await;
    let body = export("svc", vec![chat_span(1)]).encode_to_vec();
    let response = send(&app, "text/plain", None, body.clone()).await;
    assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let answer = json_answer(&response);
    assert!(
        answer["error"]
            .as_str()
            .unwrap_or_default()
            .contains("application/x-protobuf or application/json"),
        "{answer}"
    );
    for encoding in ["br", "deflate"] {
        let response = send(&app, JSON, Some(encoding), body.clone()).await;
        assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(
            json_answer(&response)["message"]
                .as_str()
                .unwrap_or_default()
                .contains(encoding),
            "{encoding}"
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM requests").await, 0);
}

#[tokio::test]
async fn exports_without_a_valid_key_are_refused_with_401() {
    let app = spawn_app().await;
    let body = export("svc", vec![chat_span(1)]).encode_to_vec();
    let missing = app
        .raw_bytes(
            "POST",
            "/v1/traces",
            &[("content-type", JSON)],
            body.clone(),
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    let answer = json_answer(&missing);
    assert_eq!(answer["code"], 16);
    assert!(
        answer["error"]
            .as_str()
            .unwrap_or_default()
            .contains("Authorization: Bearer"),
        "{answer}"
    );

    let wrong = app
        .raw_bytes(
            "POST",
            "/v1/traces",
            &[
                ("content-type", PROTOBUF),
                ("authorization", "Bearer mw_not_a_key"),
            ],
            body,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.headers["content-type"], PROTOBUF);
    // google.rpc.Status: code 16 (field 1), then the message (field 2).
    assert_eq!(&wrong.body[..2], &[0x08, 16]);
    assert!(String::from_utf8_lossy(&wrong.body).contains("invalid or revoked API key"));
    assert_eq!(app.count("SELECT count(*) FROM requests").await, 0);
}

#[tokio::test]
async fn an_undecodable_body_is_a_400_with_the_decoder_reason() {
    let app = spawn_app().await;
    let response = send(&app, JSON, None, b"{\"resourceSpans\": {}}".to_vec()).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let answer = json_answer(&response);
    let message = answer["error"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("the body is not an OTLP/JSON trace export: invalid type"),
        "{message}"
    );

    let response = send(&app, PROTOBUF, None, vec![0x0a, 0xff, 0xff]).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&response.body).contains("not a protobuf trace export"));

    let response = send(&app, PROTOBUF, Some("gzip"), b"plain".to_vec()).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&response.body).contains("could not be decompressed"));
}

#[tokio::test]
async fn a_full_writer_answers_503_with_retry_after_and_the_retry_succeeds() {
    let config = server::ingest::writer::WriterConfig {
        queue_records: 3,
        ..server::ingest::writer::WriterConfig::default()
    };
    let app = std::sync::Arc::new(spawn_app_with(config).await);
    // Hold the write lock so the first export stays queued.
    let mut blocker = app.pool.acquire().await.expect("connection");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *blocker)
        .await
        .expect("lock");
    let first = tokio::spawn({
        let app = app.clone();
        async move {
            let body = export("svc", vec![chat_span(1), chat_span(2)]).encode_to_vec();
            send(&app, PROTOBUF, None, body).await
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let body = export("svc", vec![chat_span(3), chat_span(4)]).encode_to_vec();
    let refused = send(&app, PROTOBUF, None, body.clone()).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers["retry-after"], "1");
    assert!(String::from_utf8_lossy(&refused.body).contains("queue is full"));

    sqlx::query("ROLLBACK")
        .execute(&mut *blocker)
        .await
        .expect("unlock");
    drop(blocker);
    assert_eq!(first.await.expect("join").status, StatusCode::OK);
    assert_eq!(
        send(&app, PROTOBUF, None, body).await.status,
        StatusCode::OK
    );
    assert_eq!(app.count("SELECT count(*) FROM requests").await, 4);
}

/// Runs `end2end/clients/otel_export.py` against `endpoint` and hands back its outcome.
async fn python_export(
    endpoint: String,
    key: String,
    encoding: &str,
    compression: &str,
) -> std::process::Output {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/clients/otel_export.py");
    let interpreter = python();
    let (encoding, compression) = (encoding.to_owned(), compression.to_owned());
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(interpreter)
            .arg(script)
            .args([endpoint, key, encoding, compression])
            .output()
    })
    .await
    .expect("join")
    .expect("python runs")
}

fn assert_exported(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "the exporter failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn the_python_exporter_reports_a_refused_export_as_a_failure() {
    let app = spawn_app().await;
    let addr = serve(app.router.clone()).await;
    let endpoint = format!("http://{addr}/v1/traces");
    let output = python_export(endpoint, "mw_wrong_key".to_owned(), "json", "gzip").await;
    assert!(!output.status.success(), "a 401 must fail the script");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("exports failed"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(app.count("SELECT count(*) FROM requests").await, 0);
}

#[tokio::test]
async fn the_opentelemetry_python_sdk_exports_in_both_encodings() {
    let app = spawn_app().await;
    let addr = serve(app.router.clone()).await;
    let endpoint = format!("http://{addr}/v1/traces");
    assert_exported(&python_export(endpoint.clone(), app.key.clone(), "protobuf", "gzip").await);
    assert_exported(&python_export(endpoint, app.key.clone(), "json", "none").await);

    // Three GenAI spans per run; the health check is refused.
    assert_eq!(app.count("SELECT count(*) FROM requests").await, 6);
    let key_id = key_id(&app).await;
    for encoding in ["protobuf", "json"] {
        let by_span = "json_extract(r.metadata, '$.span_name') = ?";
        let chat = stored_where(&app, by_span, &format!("chat {encoding}")).await;
        assert_eq!(chat.len(), 1, "{encoding}: {chat:?}");
        let chat = &chat[0];
        assert_eq!(chat.model, "gpt-4o-mini-2024-07-18");
        assert_eq!(chat.status, 200);
        assert_eq!(chat.source, 1);
        assert_eq!(chat.ingest_key_id, Some(key_id));
        assert!(chat.stream);
        assert_eq!(chat.input_tokens, Some(120));
        assert_eq!(chat.output_tokens, Some(45));
        assert_eq!(chat.total_tokens, Some(165));
        assert_eq!(chat.cached_tokens, Some(20));
        assert_eq!(chat.reasoning_tokens, Some(5));
        assert_eq!(chat.latency_ms, Some(300));
        assert_eq!(chat.ttft_ms, Some(50));
        let upstream = format!("chatcmpl-{encoding}");
        assert_eq!(chat.upstream_request_id.as_deref(), Some(upstream.as_str()));
        assert_eq!(chat.metadata["provider"], "openai");
        assert_eq!(
            chat.metadata["service_name"],
            format!("otel-{encoding}-client")
        );
        assert!((now_ms() - 120_000..=now_ms()).contains(&chat.ts_ms));

        let embeddings = stored_where(&app, by_span, &format!("embeddings {encoding}")).await;
        assert_eq!(embeddings.len(), 1, "{encoding}");
        assert_eq!(embeddings[0].model, "text-embedding-3-small");
        assert_eq!(embeddings[0].kind, 5);
        assert_eq!(embeddings[0].input_tokens, Some(8));
        assert_eq!(embeddings[0].latency_ms, Some(40));
        assert_eq!(embeddings[0].ts_ms - chat.ts_ms, 500);

        let failed = stored_where(&app, by_span, &format!("chat claude {encoding}")).await;
        assert_eq!(failed.len(), 1, "{encoding}");
        assert_eq!(failed[0].model, "claude-sonnet-4");
        assert_eq!(failed[0].status, 529);
        assert_eq!(failed[0].error_type.as_deref(), Some("overloaded_error"));
        assert_eq!(failed[0].error_message.as_deref(), Some("Overloaded"));
        assert_eq!(failed[0].input_tokens, Some(900));
        assert_eq!(failed[0].latency_ms, Some(1_200));
        assert_eq!(failed[0].metadata["provider"], "anthropic");
        assert_eq!(failed[0].operation, None);
    }
}
