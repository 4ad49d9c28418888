//! The official `openai` Python package (`end2end/clients/openai_proxy.py`, run with the test
//! venv) pointed at the proxy of a listening server: chat (whole, streamed with and without
//! usage), a provider error, a wrong key, embeddings, images, speech and a transcription
//! upload, then each call's record.

use std::time::Instant;

use serde_json::{json, Value};

use super::support::stored;
use super::upstream::Upstream;
use crate::helpers::{python, serve, spawn_app_configured};

#[tokio::test]
async fn the_openai_python_package_works_through_the_proxy() {
    let (upstream, upstream_addr) = Upstream::start().await;
    let app = spawn_app_configured(server::ingest::writer::WriterConfig::default(), |state| {
        state
            .with_proxy(super::support::config(upstream_addr, 30))
            .expect("proxy")
    })
    .await;
    let addr = serve(app.router.clone()).await;
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/clients/openai_proxy.py");
    let (interpreter, base_url, key) =
        (python(), format!("http://{addr}/proxy/v1"), app.key.clone());
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(interpreter)
            .arg(script)
            .args([base_url, key])
            .output()
    })
    .await
    .expect("join")
    .expect("python runs");
    assert!(
        output.status.success(),
        "the openai client failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let ids: Value =
        serde_json::from_slice(&output.stdout).expect("the script prints the record ids");
    let id = |name: &str| {
        ids[name]
            .as_str()
            .unwrap_or_else(|| panic!("no id for {name}"))
            .to_owned()
    };

    let stream = stored(&app, &id("stream")).await;
    assert!(
        stream.stream && stream.ttft_ms.expect("ttft") >= 300,
        "{stream:?}"
    );
    assert!(stream.ttft_ms < stream.latency_ms.map(|latency| latency + 1));
    assert_eq!(
        stream.usage.total_tokens,
        Some(17),
        "usage asked for on the client's behalf"
    );
    assert!(started.elapsed().as_secs() < 20);

    let whole = stored(&app, &id("whole")).await;
    assert_eq!(
        (whole.stream, whole.ttft_ms, whole.usage.total_tokens),
        (false, None, Some(17))
    );
    let tags = whole.metadata.as_ref().expect("metadata");
    assert_eq!(
        (&tags["app"], &tags["tags"], &tags["user"]),
        (&json!("checkout"), &json!(["beta"]), &json!("user-42"))
    );
    let with_usage = stored(&app, &id("stream_usage")).await;
    assert_eq!(with_usage.usage.output_tokens, Some(5));
    let limited = stored(&app, &id("rate_limited")).await;
    assert_eq!(
        (limited.status, limited.error_type.as_deref()),
        (429, Some("requests"))
    );
    assert_eq!(
        stored(&app, &id("embedding")).await.usage.input_tokens,
        Some(8)
    );
    assert_eq!(stored(&app, &id("image")).await.usage.images, Some(2));
    assert_eq!(stored(&app, &id("speech")).await.usage.characters, Some(12));
    let transcription = stored(&app, &id("transcription")).await;
    assert_eq!(
        (
            transcription.model.as_str(),
            transcription.usage.audio_seconds
        ),
        ("whisper-1", Some(3.5))
    );

    // The SDK's own headers went upstream; its key (the workspace key) did not.
    let seen = upstream.seen();
    assert!(seen.iter().all(|request| request.headers["authorization"]
        == format!("Bearer {}", super::support::PROVIDER_KEY)));
    assert!(seen
        .iter()
        .any(|request| request.headers.contains_key("x-stainless-lang")));
}
