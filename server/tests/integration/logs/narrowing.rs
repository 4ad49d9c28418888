//! Logs filtered by who and what (user, app, key, tag, operation, kind, provider), by a
//! metadata pair, the error type and at-least values: exactly the matching calls, a count where
//! the dimension's cells can give it, the export the same, and bad values refused by name.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::page;
use crate::alerts::ingest;
use crate::helpers::now_ms;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

fn sorted_ids(page: &app::model::LogPage) -> Vec<String> {
    let mut ids: Vec<String> = page.rows.iter().map(|row| row.request_id.clone()).collect();
    ids.sort();
    ids
}

/// Twelve calls over three hours: users u0..u2, apps a/b, tags, two kinds, errors, latencies.
pub fn calls(start: i64) -> Vec<Value> {
    (0..12)
        .map(|k: i64| {
            let mut call = json!({
                "request_id": format!("n{k:02}"),
                "timestamp": start + k * 15 * MINUTE,
                "model": if k % 4 == 3 { "dall-e-3" } else { "gpt-4o-mini" },
                "status": if k % 5 == 4 { 429 } else { 200 },
                "latency_ms": 100 * (k + 1),
                "usage": if k % 4 == 3 { json!({"images": 1}) } else { json!({"input_tokens": 1000 * (k + 1), "output_tokens": 10}) },
                "metadata": {
                    "user": format!("u{}", k % 3),
                    "app": if k < 6 { "a" } else { "b" },
                    "tags": if k % 2 == 0 { json!(["even", "all"]) } else { json!(["all"]) },
                    "plan": if k % 3 == 0 { "pro" } else { "free" }
                }
            });
            if k % 5 == 4 {
                call["error_type"] = json!("rate_limit_exceeded");
            }
            call
        })
        .collect()
}

pub fn names(keep: impl Fn(i64) -> bool) -> Vec<String> {
    (0..12)
        .filter(|k| keep(*k))
        .map(|k| format!("n{k:02}"))
        .collect()
}

#[tokio::test]
async fn each_narrowing_filter_keeps_exactly_its_calls() {
    let app = crate::helpers::spawn_app().await;
    let start = (now_ms() / HOUR - 4) * HOUR + 10 * MINUTE;
    ingest(&app, calls(start)).await;
    let range = format!(
        "from={}&to={}",
        app::url_state::format_time(start - MINUTE),
        app::url_state::format_time(start + 4 * HOUR)
    );
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("user=u1", names(|k| k % 3 == 1)),
        ("app=b", names(|k| k >= 6)),
        ("tag=even", names(|k| k % 2 == 0)),
        ("tag=all&user=u0", names(|k| k % 3 == 0)),
        ("key=test", names(|_| true)),
        ("key=nobody", vec![]),
        ("kind=image", names(|k| k % 4 == 3)),
        ("operation=image_generation", names(|k| k % 4 == 3)),
        ("operation=chat", names(|k| k % 4 != 3)),
        ("provider=openai", names(|_| true)),
        ("user=stranger", vec![]),
        ("meta=plan:pro", names(|k| k % 3 == 0)),
        ("meta=user:u2", names(|k| k % 3 == 2)),
        ("error_type=rate_limit_exceeded", names(|k| k % 5 == 4)),
        ("min_latency=1000", names(|k| k >= 9)),
        // gpt-4o-mini: (150 (k + 1) + 6) / 1e6 USD, at least $0.001 from k = 6 on; every
        // dall-e-3 image (k = 3, 7, 11) $0.04.
        (
            "min_cost=0.001",
            names(|k| [3, 6, 7, 8, 9, 10, 11].contains(&k)),
        ),
    ];
    for (narrowing, expected) in cases {
        let query = format!("{range}&{narrowing}");
        let got = page(&app, &query).await;
        assert_eq!(sorted_ids(&got), expected, "{narrowing}");
        let export = app
            .get(&format!("/api/v1/logs/export?format=jsonl&{query}"))
            .await;
        assert_eq!(export.status, StatusCode::OK, "{}", export.body);
        let mut exported: Vec<String> = export
            .body
            .lines()
            .map(|line| {
                serde_json::from_str::<Value>(line).expect("json")["request_id"]
                    .as_str()
                    .expect("id")
                    .to_owned()
            })
            .collect();
        exported.sort();
        assert_eq!(exported, expected, "export {narrowing}");
    }
}

#[tokio::test]
async fn a_single_dimension_filter_counts_its_calls_and_others_do_not_guess() {
    let app = crate::helpers::spawn_app().await;
    let start = (now_ms() / HOUR - 4) * HOUR + 10 * MINUTE;
    ingest(&app, calls(start)).await;
    let range = format!(
        "from={}&to={}",
        app::url_state::format_time(start + 5 * MINUTE),
        app::url_state::format_time(start + 3 * HOUR)
    );
    // Calls 1..=11 are inside; whole hours in the middle come from cells.
    for (narrowing, expected) in [
        ("app=a", Some(5)),
        ("tag=even", Some(5)),
        ("user=u0", Some(3)),
        ("kind=image", Some(3)),
        ("user=stranger", Some(0)),
        ("app=a&tag=even", None),
        ("min_latency=500", None),
    ] {
        let got = page(&app, &format!("{range}&{narrowing}")).await;
        assert_eq!(got.matching, expected, "{narrowing}");
        if let Some(count) = expected {
            assert_eq!(
                got.rows.len() as i64,
                count,
                "{narrowing}: rows and count agree"
            );
        }
    }
}

#[tokio::test]
async fn bad_narrowing_is_a_400_naming_the_parameter() {
    let app = crate::helpers::spawn_app().await;
    for (query, parameter) in [
        ("min_cost=lots", "min_cost"),
        ("meta=nocolon", "meta"),
        ("min_latency=-5", "min_latency"),
    ] {
        let path = format!(
            "/api/list_logs?query={}",
            app::url_state::encode_value(query)
        );
        let response = app.get_json(&path).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(response.body.contains(parameter), "{}", response.body);
        let export = app
            .get(&format!("/api/v1/logs/export?format=csv&{query}"))
            .await;
        assert_eq!(export.status, StatusCode::BAD_REQUEST, "{query}");
    }
}

/// Pages of a tag filter, followed by their `older` links, hold every tagged call once, newest
/// first (PostgreSQL orders such a page by the tag's entries, `reads/conditions.rs`).
#[tokio::test]
async fn tag_pages_walk_every_tagged_call_once_in_order() {
    let app = crate::helpers::spawn_app().await;
    let start = (now_ms() / HOUR - 3) * HOUR;
    // 240 calls, two in each of 120 seconds (ties broken by row); every third is tagged
    // "third" (80, two pages), and every sixth failed.
    let calls: Vec<Value> = (0..240i64)
        .map(|k| {
            json!({
                "request_id": format!("p{k:03}"),
                "timestamp": start + (k / 2) * 1000,
                "model": "gpt-4o-mini",
                "status": if k % 6 == 0 { 500 } else { 200 },
                "usage": {"input_tokens": 10, "output_tokens": 1},
                "metadata": {"tags": if k % 3 == 0 { json!(["third", "any"]) } else { json!(["any"]) }}
            })
        })
        .collect();
    ingest(&app, calls).await;
    let range = format!(
        "from={}&to={}",
        app::url_state::format_time(start),
        app::url_state::format_time(start + HOUR)
    );
    for (narrowing, keep) in [
        ("tag=third", (|k: i64| k % 3 == 0) as fn(i64) -> bool),
        ("tag=third&status=5xx", |k: i64| k % 6 == 0),
        ("tag=third&model=gpt-4o-mini", |k: i64| k % 3 == 0),
    ] {
        let mut seen: Vec<String> = Vec::new();
        let mut query = format!("{range}&{narrowing}");
        let mut pages = 0;
        for _ in 0..10 {
            pages += 1;
            let got = page(&app, &query).await;
            seen.extend(got.rows.iter().map(|row| row.request_id.clone()));
            match got.older {
                Some(older) => {
                    query = format!("{range}&{narrowing}&before={}", older.to_param());
                }
                None => break,
            }
        }
        // Newest first: the later of two calls at one time has the higher row.
        let expected: Vec<String> = (0..240i64)
            .rev()
            .filter(|k| keep(*k))
            .map(|k| format!("p{k:03}"))
            .collect();
        assert_eq!(seen, expected, "{narrowing}");
        assert_eq!(pages, expected.len().div_ceil(50), "{narrowing}: pages");
    }
}
