//! The export against hostile data and hostile clients: formula text from calls, a client that
//! stops reading, and one user opening many exports.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::helpers::{now_ms, serve, spawn_app, spawn_app_configured, TestApp};
use crate::logs::parse_csv;

/// Waits until `done` holds, for at most 20 s.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Ingests `count` plain calls of the last hour.
async fn ingest_many(app: &TestApp, count: usize) {
    let now = now_ms();
    for start in (0..count).step_by(10_000) {
        let calls: Vec<_> = (start..count.min(start + 10_000))
            .map(|index| {
                json!({
                    "request_id": format!("bulk-{index}"),
                    "timestamp": now - 60_000 - index as i64,
                    "model": "bulk-model",
                    "status": 200,
                    "latency_ms": 100,
                    "metadata": { "note": "x".repeat(200) },
                })
            })
            .collect();
        let answer = app.ingest(serde_json::to_vec(&calls).expect("json")).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
}

async fn user_id(app: &TestApp) -> i64 {
    app.storage
        .user_by_email("admin@test.local")
        .await
        .expect("lookup")
        .expect("the test admin")
        .id
}

#[tokio::test]
async fn text_that_would_open_as_a_formula_is_exported_as_text_in_csv_and_exact_in_json_lines() {
    let app = spawn_app().await;
    let formula_model = "=HYPERLINK(\"http://evil.example\",\"open\")";
    let call = json!({
        "request_id": "-2+3",
        "timestamp": now_ms() - 30_000,
        "model": formula_model,
        "status": 500,
        "error_type": "+cmd",
        "error_message": "@SUM(1+1)",
        "latency_ms": 10,
    });
    let answer = app.ingest(json!([call]).to_string()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);

    let csv = app.get("/api/v1/logs/export?format=csv&range=1h").await;
    assert_eq!(csv.status, StatusCode::OK);
    let records = parse_csv(&csv.body);
    let header = &records[0];
    let cell = |name: &str| {
        let column = header.iter().position(|c| c == name).expect(name);
        records[1][column].clone()
    };
    assert_eq!(cell("request_id"), "'-2+3");
    assert_eq!(cell("model"), format!("'{formula_model}"));
    assert_eq!(cell("error_type"), "'+cmd");
    assert_eq!(cell("error_message"), "'@SUM(1+1)");
    assert_eq!(cell("status"), "500", "numbers stay numbers");

    let jsonl = app.get("/api/v1/logs/export?format=jsonl&range=1h").await;
    let line: serde_json::Value = serde_json::from_str(jsonl.body.trim()).expect("one line");
    assert_eq!(line["request_id"], "-2+3");
    assert_eq!(line["model"], formula_model);
    assert_eq!(line["error_message"], "@SUM(1+1)");
}

#[tokio::test]
async fn an_export_whose_client_stops_reading_ends_and_frees_its_thread_and_transaction() {
    let app = spawn_app_configured(Default::default(), |state| {
        state.with_export_stall(Duration::from_secs(1))
    })
    .await;
    ingest_many(&app, 50_000).await;
    let addr = serve(app.router.clone()).await;
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4_096).expect("small buffer");
    let mut stream = socket.connect(addr).await.expect("connect");
    let request = format!(
        "GET /api/v1/logs/export?format=csv&range=1h HTTP/1.1\r\nhost: {}\r\ncookie: mw_session={}\r\n\r\n",
        crate::helpers::HOST,
        app.session
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    // The client never reads: the export runs, fills every buffer, then waits.
    let reader = app.state.engine.reader();
    eventually("the export started", || reader.running() == 1).await;
    let user = user_id(&app).await;
    assert_eq!(app.state.exports.open_for(user), 1);
    eventually("the stalled export ended", || reader.running() == 0).await;
    eventually("its slot was freed", || {
        app.state.exports.open_for(user) == 0
    })
    .await;
    drop(stream);
    // The server is none the worse: the next export runs to its end.
    let next = app.get("/api/v1/logs/export?format=jsonl&range=1h").await;
    assert_eq!(next.status, StatusCode::OK);
    assert_eq!(next.body.lines().count(), 50_000);
}

#[tokio::test]
async fn one_user_runs_at_most_four_exports_at_once() {
    let app = spawn_app().await;
    ingest_many(&app, 5_000).await;
    let user = user_id(&app).await;
    let mut open = Vec::new();
    for _ in 0..4 {
        let response = app
            .get_streaming("/api/v1/logs/export?format=csv&range=1h")
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        open.push(response);
    }
    assert_eq!(app.state.exports.open_for(user), 4);
    let fifth = app.get("/api/v1/logs/export?format=csv&range=1h").await;
    assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(fifth.body.contains("at most 4"), "{}", fifth.body);
    // Leaving a download frees its place.
    open.pop();
    eventually("a place was freed", || {
        app.state.exports.open_for(user) == 3
    })
    .await;
    let again = app.get("/api/v1/logs/export?format=csv&range=1h").await;
    assert_eq!(again.status, StatusCode::OK);
}
