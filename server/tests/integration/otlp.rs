//! `POST /v1/traces`: the OTLP/HTTP receiver over the real router and a real SQLite file; the
//! real OpenTelemetry Python SDK exporting to a listening server is in `otlp/python.rs`.

mod abuse;
mod failures;
mod fixtures;
mod python;

use axum::http::StatusCode;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::AnyValue;
use prost::Message;
use serde_json::json;

use crate::helpers::{now_ms, spawn_app, spawn_app_with};
use fixtures::*;

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
async fn a_gzip_json_export_with_string_ints_and_empty_values_is_stored_and_answered_in_json() {
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
                        { "key": "llm.token_count.prompt", "value": { "intValue": "8" } },
                        // Empty values (protobuf's unset AnyValue) cost nothing but themselves.
                        { "key": "app.unset", "value": {} },
                        { "key": "app.tags", "value": { "arrayValue": { "values": [{}] } } }
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
    for encoding in ["br", "zstd"] {
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
    let mut blocker = app.hold_write_lock().await;
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
