//! Bad input gets a clear 4xx and stores nothing.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{now_ms, record, spawn_app, TestApp};

async fn assert_nothing_stored(app: &TestApp) {
    assert_eq!(app.count("SELECT count(*) FROM requests").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM rollup_1m").await, 0);
}

fn with(field: &str, value: Value) -> Value {
    let mut base = record("r1", "qwen-plus", now_ms());
    base[field] = value;
    base
}

#[tokio::test]
async fn each_invalid_field_is_named_in_a_422_and_nothing_is_stored() {
    let app = spawn_app().await;
    let mut no_model = record("r1", "qwen-plus", now_ms());
    no_model.as_object_mut().expect("object").remove("model");
    let mut usage_negative = record("r1", "qwen-plus", now_ms());
    usage_negative["usage"]["input_tokens"] = json!(-1);
    let mut usage_absurd = record("r1", "qwen-plus", now_ms());
    usage_absurd["usage"]["output_tokens"] = json!(5_000_000_000_i64);
    let mut usage_wrong_type = record("r1", "qwen-plus", now_ms());
    usage_wrong_type["usage"]["images"] = json!("three");
    let cases: Vec<(Value, &str, &str)> = vec![
        (no_model, "model", "is required"),
        (with("model", json!(42)), "model", "must be a string"),
        (with("status", json!("ok")), "status", "must be a number"),
        (with("status", json!(700)), "status", "between 100 and 599"),
        (with("latency_ms", json!(-3)), "latency_ms", "non-negative"),
        (
            with("latency_ms", json!(1e12)),
            "latency_ms",
            "at most one day",
        ),
        (
            with("ttft_ms", json!(5_000)),
            "ttft_ms",
            "must not exceed latency_ms",
        ),
        (
            with("timestamp", json!(now_ms() + 3_600_000)),
            "timestamp",
            "in the future",
        ),
        (
            with("timestamp", json!(now_ms() / 1000)),
            "timestamp",
            "400 days old",
        ),
        (
            with("timestamp", json!("yesterday")),
            "timestamp",
            "RFC 3339",
        ),
        (with("stream", json!("yes")), "stream", "true or false"),
        (
            with("model_kind", json!("robot")),
            "model_kind",
            "must be one of",
        ),
        (with("metadata", json!([1, 2])), "metadata", "JSON object"),
        (with("surprise", json!(1)), "surprise", "unknown field"),
        (usage_negative, "usage.input_tokens", "between 0 and"),
        (usage_absurd, "usage.output_tokens", "between 0 and"),
        (usage_wrong_type, "usage.images", "must be a number"),
        (json!("just a string"), "", "JSON object"),
    ];
    for (bad, field, message) in cases {
        let response = app.ingest(json!([bad]).to_string()).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            response.body
        );
        let reply = response.json();
        assert_eq!(reply["accepted"], 0);
        assert_eq!(reply["rejected"], 1);
        assert_eq!(reply["errors"][0]["field"], field, "{}", response.body);
        let text = reply["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(text.contains(message), "{field}: {text}");
        assert!(reply["error"]
            .as_str()
            .unwrap_or_default()
            .contains("nothing was stored"));
    }
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn unreadable_bodies_are_400s() {
    let app = spawn_app().await;
    let truncated = format!("[{},{{\"model\":", record("a", "m", now_ms()));
    for (body, expected) in [
        (truncated.into_bytes(), "invalid JSON"),
        (b"[{\"model\": \"\xff\xfe\"}]".to_vec(), "not valid UTF-8"),
        (b"".to_vec(), "no records"),
        (b"[]".to_vec(), "no records"),
        (b"{\"records\": []}".to_vec(), "\"requests\" array"),
    ] {
        let response = app.ingest(body).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{}",
            response.body
        );
        assert!(
            response.json()["error"]
                .as_str()
                .unwrap_or_default()
                .contains(expected),
            "{}",
            response.body
        );
    }
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn oversized_bodies_and_too_many_records_are_413s() {
    let app = spawn_app().await;
    let padding = "x".repeat(11 * 1024 * 1024);
    let response = app.ingest(format!("[{{\"model\":\"{padding}\"}}]")).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(response.json()["error"]
        .as_str()
        .unwrap_or_default()
        .contains("larger than"));

    let many: Vec<Value> = (0..10_001)
        .map(|i| record(&format!("r{i}"), "m", now_ms()))
        .collect();
    let body = serde_json::to_string(&many).expect("json");
    assert!(
        body.len() < 10 * 1024 * 1024,
        "stays under the byte limit: {}",
        body.len()
    );
    let response = app.ingest(body).await;
    assert_eq!(
        response.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        response.body
    );
    assert!(response.json()["error"]
        .as_str()
        .unwrap_or_default()
        .contains("at most 10000"));
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_small_body_of_millions_of_values_is_a_413_before_they_are_built() {
    let app = spawn_app().await;
    // 2 MB of text, 1.5 million values: ~50 MB once built, refused by the count instead.
    let mut zeros = record("r1", "qwen-plus", now_ms());
    zeros["metadata"] = json!({ "padding": [] });
    let zeros = zeros
        .to_string()
        .replace("[]", &format!("[{}0]", "0,".repeat(1_500_000)));
    let empty_objects = format!("[{}{{}}]", "{},".repeat(1_500_000));
    let ndjson = format!("{}\n", &zeros).repeat(2);
    for (body, what) in [(zeros, "zeros"), (empty_objects, "{}"), (ndjson, "ndjson")] {
        assert!(
            body.len() < 10 * 1024 * 1024,
            "{what}: under the byte limit"
        );
        let response = app.ingest(body).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{what}");
        assert!(
            response.json()["error"]
                .as_str()
                .unwrap_or_default()
                .contains("too many JSON values: at most 1000000"),
            "{what}: {}",
            response.body
        );
    }
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_body_without_content_length_is_cut_off_while_reading() {
    let app = spawn_app().await;
    // A streamed body: no Content-Length, so the limit must apply while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..12).map(|_| Ok(vec![b' '; 1024 * 1024])).collect();
    let stream = futures_util::stream::iter(chunks);
    let authorization = format!("Bearer {}", app.key);
    let response = app
        .post(
            "/api/v1/requests",
            &[("authorization", authorization.as_str())],
            axum::body::Body::from_stream(stream),
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        response.body
    );
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn missing_wrong_and_revoked_keys_are_401s() {
    let app = spawn_app().await;
    let body = json!([record("r1", "qwen-plus", now_ms())]).to_string();

    let missing = app.post("/api/v1/requests", &[], body.clone()).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert!(missing.json()["error"]
        .as_str()
        .unwrap_or_default()
        .contains("Bearer"));

    let wrong = app
        .post(
            "/api/v1/requests",
            &[("authorization", "Bearer mw_0000000000000000")],
            body.clone(),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    let not_bearer = app
        .post(
            "/api/v1/requests",
            &[("authorization", app.key.as_str())],
            body.clone(),
        )
        .await;
    assert_eq!(not_bearer.status, StatusCode::UNAUTHORIZED);

    let revoked = app
        .storage
        .revoke_key(&app.key[..11], now_ms())
        .await
        .expect("revoke");
    assert_eq!(revoked, 1);
    let after = app.ingest(body).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert!(after.json()["error"]
        .as_str()
        .unwrap_or_default()
        .contains("revoked"));
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_full_queue_answers_503_with_retry_after_and_the_retry_succeeds() {
    let config = server::ingest::writer::WriterConfig {
        queue_records: 3,
        ..server::ingest::writer::WriterConfig::default()
    };
    let app = std::sync::Arc::new(crate::helpers::spawn_app_with(config).await);
    // Hold the write lock so the first submission stays queued.
    let mut blocker = app.hold_write_lock().await;
    let first = tokio::spawn({
        let app = app.clone();
        async move {
            let body = json!([record("q1", "m", now_ms()), record("q2", "m", now_ms())]);
            app.ingest(body.to_string()).await
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let body = json!([record("q3", "m", now_ms()), record("q4", "m", now_ms())]).to_string();
    let refused = app.ingest(body.clone()).await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.body
    );
    assert_eq!(refused.headers["retry-after"], "1");
    assert!(refused.json()["error"]
        .as_str()
        .unwrap_or_default()
        .contains("queue is full"));

    sqlx::query("ROLLBACK")
        .execute(&mut *blocker)
        .await
        .expect("unlock");
    drop(blocker);
    assert_eq!(first.await.expect("join").json()["accepted"], 2);
    assert_eq!(
        app.ingest(body).await.json()["accepted"],
        2,
        "the retry is stored"
    );
    assert_eq!(app.count("SELECT count(*) FROM requests").await, 4);
}
