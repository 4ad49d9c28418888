//! The Logs tab over HTTP against known calls: each filter, keyset pages that stay put while
//! calls keep arriving, the details of one call (and its download), retention applied at read
//! time, and exports that hold exactly the rows of their filter (with bodies when asked).

use std::collections::BTreeSet;

use app::model::{LogDetail, LogPage};
use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{now_ms, spawn_app, TestApp, WS};

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

/// 90 calls, one a minute back from `now - 1 min`: model `alpha` for even k, `beta` for odd;
/// status 500 every 10th, 429 every 15th (when not 500), else 200.
fn known_calls(now: i64) -> Vec<serde_json::Value> {
    (0..90)
        .map(|k: i64| {
            let status = if k % 10 == 0 {
                500
            } else if k % 15 == 0 {
                429
            } else {
                200
            };
            json!({
                "request_id": format!("call-{k:03}"),
                "timestamp": now - (k + 1) * MINUTE,
                "model": if k % 2 == 0 { "alpha" } else { "beta" },
                "status": status,
                "latency_ms": 1000 + k,
                "usage": { "input_tokens": 10 * k, "output_tokens": k },
            })
        })
        .collect()
}

async fn ingest(app: &TestApp, calls: &[serde_json::Value]) {
    let response = app
        .ingest(serde_json::to_string(calls).expect("json"))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json()["accepted"], calls.len());
}

pub async fn page(app: &TestApp, query: &str) -> LogPage {
    let path = format!(
        "/api/list_logs?query={}",
        app::url_state::encode_value(query)
    );
    let response = app.get_json(&path).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{query}: {}",
        response.body
    );
    serde_json::from_str(&response.body).expect("a page")
}

fn ids(page: &LogPage) -> Vec<String> {
    page.rows.iter().map(|row| row.request_id.clone()).collect()
}

fn expected(range: impl Iterator<Item = i64>, keep: impl Fn(i64) -> bool) -> Vec<String> {
    range
        .filter(|k| keep(*k))
        .map(|k| format!("call-{k:03}"))
        .collect()
}

#[tokio::test]
async fn each_filter_keeps_exactly_its_calls() {
    let app = spawn_app().await;
    let now = now_ms();
    ingest(&app, &known_calls(now)).await;

    let all = page(&app, "range=6h").await;
    assert_eq!(
        ids(&all),
        expected(0..50, |_| true),
        "newest first, 50 a page"
    );
    assert_eq!(all.matching, Some(90));
    assert_eq!(all.retention_days, 14);
    assert!(all.older.is_some() && all.newer.is_none());

    let alpha = page(&app, "range=6h&model=alpha").await;
    assert_eq!(ids(&alpha), expected(0..90, |k| k % 2 == 0));
    assert_eq!(alpha.matching, Some(45));
    assert!(alpha.older.is_none(), "45 calls fit one page");

    let both = page(&app, "range=6h&model=alpha,beta").await;
    assert_eq!(both.matching, Some(90));

    let errors = page(&app, "range=6h&status=5xx").await;
    assert_eq!(ids(&errors), expected(0..90, |k| k % 10 == 0));
    assert_eq!(errors.matching, Some(9));

    let throttled = page(&app, "range=6h&status=429").await;
    assert_eq!(
        ids(&throttled),
        expected(0..90, |k| k % 15 == 0 && k % 10 != 0)
    );
    assert_eq!(throttled.matching, Some(3));

    let exact_500 = page(&app, "range=6h&status=500&model=beta").await;
    assert!(
        exact_500.rows.is_empty(),
        "beta never failed: every 10th call is alpha"
    );
    assert_eq!(
        exact_500.matching, None,
        "rollups do not count single codes"
    );

    let ok = page(&app, "range=6h&status=2xx&model=beta").await;
    assert_eq!(ids(&ok), expected(0..90, |k| k % 2 == 1 && k % 15 != 0));

    let one = page(&app, "range=6h&request_id=call-042").await;
    assert_eq!(ids(&one), vec!["call-042"]);
    assert_eq!(one.matching, Some(1));
    assert_eq!(one.rows[0].model, "alpha");
    assert_eq!(one.rows[0].usage.input_tokens, Some(420));

    let prefix = page(&app, "range=6h&request_id=call-04*").await;
    assert_eq!(ids(&prefix), expected(40..50, |_| true));

    let none = page(&app, "range=6h&request_id=call-04").await;
    assert!(none.rows.is_empty(), "an exact ID is not a prefix");

    // A custom range: calls 10 to 19 lie in [now - 20.5 min, now - 10.5 min).
    let from = app::url_state::format_time(now - 20 * MINUTE - 30_000);
    let to = app::url_state::format_time(now - 10 * MINUTE - 30_000);
    let custom = page(&app, &format!("from={from}&to={to}")).await;
    assert_eq!(ids(&custom), expected(10..20, |_| true));
    assert_eq!(
        custom.matching,
        Some(10),
        "partial minutes at both edges are counted"
    );

    let unknown_model = page(&app, "range=6h&model=nope").await;
    assert!(unknown_model.rows.is_empty());
    assert_eq!(unknown_model.matching, Some(0));
}

#[tokio::test]
async fn pages_stay_put_while_new_calls_arrive() {
    let app = spawn_app().await;
    let now = now_ms();
    ingest(&app, &known_calls(now)).await;

    let first = page(&app, "range=6h").await;
    let older = first.older.expect("a second page");
    let second_query = format!("range=6h&before={}", older.to_param());
    let second = page(&app, &second_query).await;
    assert_eq!(ids(&second), expected(50..90, |_| true));
    assert!(second.older.is_none());

    // Thirty newer calls arrive (and one late call, older than everything shown).
    let newer: Vec<serde_json::Value> = (0..30)
        .map(|k| json!({ "request_id": format!("new-{k}"), "timestamp": now - k * 1000, "model": "alpha", "status": 200 }))
        .collect();
    ingest(&app, &newer).await;

    let second_again = page(&app, &second_query).await;
    assert_eq!(
        ids(&second_again),
        ids(&second),
        "the page behind a cursor does not move"
    );

    // Back from the second page: exactly the first page as it was.
    let back = page(
        &app,
        &format!(
            "range=6h&after={}",
            second.newer.expect("newer link").to_param()
        ),
    )
    .await;
    assert_eq!(ids(&back), ids(&first));
    assert!(back.newer.is_some(), "the new calls are newer still");

    // The newest page now starts with the new calls.
    let newest = page(&app, "range=6h").await;
    assert_eq!(newest.rows[0].request_id, "new-0");
    assert_eq!(newest.matching, Some(120));
}

#[tokio::test]
async fn calls_older_than_retention_are_never_shown() {
    let app = spawn_app().await;
    let now = now_ms();
    let mut calls = known_calls(now);
    calls.push(json!({ "request_id": "ancient", "timestamp": now - 15 * DAY, "model": "alpha", "status": 200 }));
    ingest(&app, &calls).await;

    let month = page(&app, "range=30d&model=alpha").await;
    assert!(!ids(&month).contains(&"ancient".to_owned()));
    assert_eq!(month.matching, Some(45));
    assert!(month.from_ms >= now - 14 * DAY - MINUTE);

    let response = app.get_json("/api/get_log?request_id=ancient").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND, "{}", response.body);
    let exported = app.get("/api/v1/logs/export?format=jsonl&range=30d").await;
    assert!(!exported.body.contains("ancient"));
}

#[tokio::test]
async fn one_call_has_every_stored_field_and_its_text_stays_text() {
    let app = spawn_app().await;
    let now = now_ms();
    let hostile = "<script>alert('x')</script> & \"quotes\"";
    ingest(
        &app,
        &[json!({
            "request_id": "req_detail",
            "timestamp": now - MINUTE,
            "model": "alpha",
            "status": 429,
            "error_type": "rate_limit",
            "error_message": hostile,
            "latency_ms": 321,
            "ttft_ms": 45,
            "first_byte_ms": 30,
            "stream": true,
            "upstream_request_id": "up-1",
            "metadata": { "user": "u1", "tags": ["a", "b"] },
            "usage": { "input_tokens": 7, "output_tokens": 3, "provider_units": 9 },
            "request_body": hostile,
            "response_body": "{\"ok\":false}",
        })],
    )
    .await;

    let response = app.get_json("/api/get_log?request_id=req_detail").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let detail: LogDetail = serde_json::from_str(&response.body).expect("detail");
    assert_eq!(detail.status, 429);
    assert_eq!(detail.error_message.as_deref(), Some(hostile));
    assert_eq!(
        (detail.latency_ms, detail.ttft_ms, detail.first_byte_ms),
        (Some(321), Some(45), Some(30))
    );
    assert_eq!(detail.usage.other["provider_units"], 9);
    assert_eq!(
        detail.metadata,
        Some(json!({ "user": "u1", "tags": ["a", "b"] }))
    );
    assert_eq!(detail.request_body.as_deref(), Some(hostile));
    assert_eq!(detail.upstream_request_id.as_deref(), Some("up-1"));
    assert_eq!(detail.operation, "chat");

    // The page rendered on the server with the panel open: the text is escaped.
    let html = app.get("/logs?range=1h&id=req_detail").await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(
        html.body.contains("data-testid=\"log-details\""),
        "the panel is open"
    );
    assert!(
        !html.body.contains("<script>alert"),
        "untrusted text never becomes markup"
    );
    assert!(html.body.contains("&lt;script&gt;alert"));

    let missing = app.get_json("/api/get_log?request_id=nope").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let blank = app.get_json("/api/get_log?request_id=").await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn invalid_filters_are_refused_with_the_parameter_named() {
    let app = spawn_app().await;
    for (query, parameter) in [
        ("status=teapot", "status"),
        ("request_id=a*b", "request_id"),
        ("before=yesterday", "before"),
        ("range=2d", "range"),
    ] {
        let path = format!(
            "/api/list_logs?query={}",
            app::url_state::encode_value(query)
        );
        let response = app.get_json(&path).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            response.body.contains(parameter),
            "{query}: {}",
            response.body
        );
        let export = app.get(&format!("/api/v1/logs/export?{query}")).await;
        assert_eq!(export.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(export.body.contains(parameter), "{}", export.body);
    }
    let format = app.get("/api/v1/logs/export?format=xlsx").await;
    assert_eq!(format.status, StatusCode::BAD_REQUEST);
    assert!(format.body.contains("format"), "{}", format.body);
}

#[tokio::test]
async fn a_search_out_of_time_continues_where_it_stopped_and_misses_nothing() {
    let app = spawn_app().await;
    let now = now_ms();
    // Sparse matches: one 5xx call every 40 minutes over 10 hours among 200s.
    let calls: Vec<serde_json::Value> = (0..300)
        .map(|k: i64| {
            json!({
                "request_id": format!("c{k:03}"),
                "timestamp": now - (k * 2 + 1) * MINUTE,
                "model": "alpha",
                "status": if k % 20 == 0 { 503 } else { 200 },
            })
        })
        .collect();
    ingest(&app, &calls).await;
    // No time at all: each answer searches only its first window of time.
    let engine = server::engine::Engine::new(app.storage.clone())
        .with_search_budget(std::time::Duration::ZERO);
    let mut filter = app::url_state::LogsFilter::from_query("range=24h&status=5xx").expect("valid");
    let mut seen = Vec::new();
    let mut answers = 0;
    loop {
        let page = engine.logs_page(WS, &filter, now).await.expect("page");
        answers += 1;
        // Each answer searches at least its first five minutes: 24 h take at most 289.
        assert!(answers <= 289, "the search must make progress");
        seen.extend(ids(&page));
        match page.older {
            Some(cursor) => filter.page = app::url_state::PageAt::Before(cursor),
            None => break,
        }
    }
    assert!(
        answers > 2,
        "the budget made the search stop early ({answers} answers)"
    );
    let wanted: Vec<String> = (0..300)
        .filter(|k| k % 20 == 0)
        .map(|k| format!("c{k:03}"))
        .collect();
    assert_eq!(seen, wanted);
}

mod bodies;
mod export;
pub mod narrowing;
mod users;

pub(crate) use export::parse_csv;
