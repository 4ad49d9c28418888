//! Hostile and stray exports over the real router: the decode amplification of empty spans is
//! refused by the counter before decoding, per-span limits are named, and the OTLP metrics and
//! logs paths say that only traces are received instead of refusing a "cross-site request".

use axum::http::StatusCode;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use prost::Message;
use server::ingest::otlp::hostile::hostile_export;
use server::ingest::otlp::{Compression, Encoding};

use super::fixtures::*;
use crate::helpers::spawn_app;

/// The refusal's message, from a `google.rpc.Status` (protobuf) or the JSON `error` field.
fn refusal(response: &crate::helpers::BytesResponse, content_type: &str) -> String {
    assert_eq!(response.headers["content-type"], content_type);
    if content_type == PROTOBUF {
        // google.rpc.Status { code = 1, message = 2 }: the message is readable in the bytes.
        return String::from_utf8_lossy(&response.body).into_owned();
    }
    json_answer(response)["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn ten_million_empty_spans_a_few_kb_compressed_are_refused_with_400_naming_the_limit() {
    let app = spawn_app().await;
    for (encoding, content_type, compression, header) in [
        (
            Encoding::Protobuf,
            PROTOBUF,
            Compression::Gzip,
            Some("gzip"),
        ),
        (Encoding::Json, JSON, Compression::Gzip, Some("gzip")),
        (
            Encoding::Protobuf,
            PROTOBUF,
            Compression::Deflate,
            Some("deflate"),
        ),
    ] {
        let body = hostile_export(encoding, compression);
        assert!(body.len() < 64 * 1024, "{} bytes on the wire", body.len());
        let response = send(&app, content_type, header, body).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{encoding:?}");
        let message = refusal(&response, content_type);
        assert!(
            message.contains(
                "the export holds more than 10000 spans; send at most 10000 spans per export"
            ),
            "{message}"
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM requests").await, 0);
}

#[tokio::test]
async fn a_span_over_128_attributes_is_refused_and_one_at_128_is_stored() {
    let app = spawn_app().await;
    let padded = |id: u8, total: usize| {
        let mut span = chat_span(id);
        let padding = total - span.attributes.len();
        span.attributes
            .extend((0..padding).map(|i| kv(&format!("app.pad.{i}"), Value::IntValue(i as i64))));
        span
    };
    let over = export("svc", vec![padded(1, 129)]).encode_to_vec();
    let response = send(&app, PROTOBUF, None, over).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(
        refusal(&response, PROTOBUF).contains("a span holds more than 128 attributes"),
        "{:?}",
        response.body
    );

    let at = serde_json::to_vec(&export("svc", vec![padded(2, 128)])).expect("JSON");
    let response = send(&app, JSON, None, at).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(app.count("SELECT count(*) FROM requests").await, 1);
}

#[tokio::test]
async fn metrics_and_logs_exports_get_a_404_saying_only_traces_are_received() {
    let app = spawn_app().await;
    let authorization = format!("Bearer {}", app.key);
    for (path, signal, exporter) in [
        ("/v1/metrics", "metrics", "OTEL_METRICS_EXPORTER=none"),
        ("/v1/logs", "logs", "OTEL_LOGS_EXPORTER=none"),
    ] {
        for content_type in [PROTOBUF, JSON] {
            // With the workspace key, and without any (no Origin either: SDKs send none).
            for headers in [
                vec![
                    ("content-type", content_type),
                    ("authorization", authorization.as_str()),
                ],
                vec![("content-type", content_type)],
            ] {
                let response = app
                    .raw_bytes("POST", path, &headers, vec![0x0a, 0x00])
                    .await;
                assert_eq!(
                    response.status,
                    StatusCode::NOT_FOUND,
                    "{path} {content_type}"
                );
                let message = refusal(&response, content_type);
                assert!(
                    message.contains("Modelwatch receives OpenTelemetry traces only"),
                    "{message}"
                );
                assert!(message.contains(&format!("OTLP {signal} are not received")));
                assert!(message.contains(exporter), "{message}");
                assert!(!message.contains("cross-site"), "{message}");
                if content_type == PROTOBUF {
                    // google.rpc.Status code 12, UNIMPLEMENTED.
                    assert_eq!(&response.body[..2], &[0x08, 12]);
                } else {
                    assert_eq!(json_answer(&response)["code"], 12);
                }
            }
        }
    }
}
