//! The real OpenTelemetry Python SDK (`end2end/clients/otel_export.py`, run with the test venv)
//! exporting GenAI spans over OTLP/HTTP to a listening server, in both encodings and with each
//! compression.

use super::fixtures::{key_id, stored_where};
use crate::helpers::{now_ms, python, serve, spawn_app};

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
        let by_span = &format!(
            "{} = $1",
            crate::database::json_text("r.metadata", "span_name")
        );
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

#[tokio::test]
async fn deflate_compressed_exports_from_the_python_sdk_are_read() {
    let app = spawn_app().await;
    let addr = serve(app.router.clone()).await;
    let endpoint = format!("http://{addr}/v1/traces");
    for encoding in ["protobuf", "json"] {
        let output = python_export(endpoint.clone(), app.key.clone(), encoding, "deflate").await;
        assert_exported(&output);
    }
    assert_eq!(app.count("SELECT count(*) FROM requests").await, 6);
    for encoding in ["protobuf", "json"] {
        let by_span = &format!(
            "{} = $1",
            crate::database::json_text("r.metadata", "span_name")
        );
        let chat = stored_where(&app, by_span, &format!("chat {encoding}")).await;
        assert_eq!(chat.len(), 1, "{encoding}: {chat:?}");
        assert_eq!(chat[0].output_tokens, Some(45), "{encoding}");
        assert_eq!(chat[0].ttft_ms, Some(50), "{encoding}");
    }
}
