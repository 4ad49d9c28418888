//! Analytics grouped by a dimension, over HTTP against known calls: every number of each group
//! exactly, the range widened to whole hours (days for users), tags counted once per tag, the
//! key, operation, kind and provider dimensions filled on every call, and the metadata a client
//! sent read back unchanged although its user, app and tags are stored as dimensions.

use app::model::{Dimension, GroupReport};
use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::alerts::ingest;
use crate::helpers::{now_ms, TestApp};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

pub async fn grouped(app: &TestApp, query: &str) -> GroupReport {
    crate::analytics_report::fetch_report(app, query)
        .await
        .groups
        .expect("grouped")
}

/// A call of `user` in `app` with `tags`, `latency` ms, at `ts`.
pub fn call(id: &str, ts: i64, user: &str, app: &str, tags: &[&str], status: u16) -> Value {
    json!({
        "request_id": id, "timestamp": ts, "model": "gpt-4o-mini", "status": status,
        "latency_ms": 100 * (1 + id.len() as i64), "usage": {"input_tokens": 1000, "output_tokens": 100},
        "metadata": {"user": user, "app": app, "tags": tags, "feature": "search"}
    })
}

#[tokio::test]
async fn groups_have_exact_numbers_and_cover_whole_hours() {
    let app = crate::helpers::spawn_app().await;
    let hour = (now_ms() / HOUR - 3) * HOUR;
    ingest(
        &app,
        vec![
            call(
                "a1",
                hour + 5 * MINUTE,
                "alice",
                "checkout",
                &["beta", "eu"],
                200,
            ),
            call("a2", hour + 6 * MINUTE, "alice", "checkout", &["eu"], 500),
            call("b1", hour + 7 * MINUTE, "bob", "search", &[], 200),
            call("b2", hour + HOUR + 1, "bob", "search", &["beta"], 200),
        ],
    )
    .await;
    // gpt-4o-mini: 1000 input at $0.15/M + 100 output at $0.60/M.
    let each = (1000.0 * 0.15 + 100.0 * 0.6) / 1e6;
    let query = format!(
        "from={}&to={}",
        app::url_state::format_time(hour + 5 * MINUTE),
        app::url_state::format_time(hour + 90 * MINUTE)
    );
    let apps = grouped(&app, &format!("{query}&group=app")).await;
    assert_eq!(apps.dimension, Dimension::App);
    assert_eq!(
        (apps.from_ms, apps.to_ms),
        (hour, hour + 2 * HOUR),
        "whole hours"
    );
    assert_eq!(apps.groups, 2);
    let names: Vec<Option<&str>> = apps.rows.iter().map(|row| row.value.as_deref()).collect();
    // Equal cost: more calls first, then the older value.
    assert_eq!(names, [Some("checkout"), Some("search")]);
    let checkout = &apps.rows[0];
    assert_eq!((checkout.requests, checkout.errors), (2, 1));
    assert_eq!(checkout.success_rate, Some(0.5));
    assert_eq!(checkout.units.input_tokens, 2000);
    assert_eq!(checkout.priced_requests, 2);
    assert!((checkout.cost.expect("priced") - 2.0 * each).abs() < 1e-12);
    assert_eq!(checkout.latency_avg_ms, Some(300.0));
    assert!((checkout.rpm_avg - 2.0 / 120.0).abs() < 1e-12);
    assert!(apps.other.is_none());
    // Charts: one band per app, hourly.
    assert_eq!(apps.series.len(), 2);
    let search = &apps.series[1];
    assert_eq!(search.name.as_deref(), Some("search"));
    assert_eq!(
        search.points.iter().map(|p| p.requests).collect::<Vec<_>>(),
        [1, 1]
    );

    // Tags: a call counts once under each of its tags.
    let tags = grouped(&app, &format!("{query}&group=tag&by=requests")).await;
    let counts: Vec<(Option<&str>, i64)> = tags
        .rows
        .iter()
        .map(|row| (row.value.as_deref(), row.requests))
        .collect();
    assert_eq!(counts, [(Some("beta"), 2), (Some("eu"), 2)]);

    // Users keep daily cells only: the range widens to whole UTC days.
    let users = grouped(&app, &format!("{query}&group=user&by=requests")).await;
    assert_eq!(users.from_ms % (24 * HOUR), 0);
    assert_eq!((users.to_ms - users.from_ms) % (24 * HOUR), 0);
    let by_user: Vec<(Option<&str>, i64)> = users
        .rows
        .iter()
        .map(|row| (row.value.as_deref(), row.requests))
        .collect();
    assert_eq!(by_user, [(Some("alice"), 2), (Some("bob"), 2)]);

    // Every call has a key, an operation, a kind and (from the catalog) a provider.
    for (dimension, value) in [
        ("key", "test"),
        ("operation", "chat"),
        ("kind", "llm"),
        ("provider", "openai"),
    ] {
        let report = grouped(&app, &format!("{query}&group={dimension}")).await;
        let rows: Vec<(Option<&str>, i64)> = report
            .rows
            .iter()
            .map(|row| (row.value.as_deref(), row.requests))
            .collect();
        assert_eq!(rows, [(Some(value), 4)], "{dimension}");
    }

    // The metadata reads back as sent.
    let detail = app.get_json("/api/get_log?request_id=a1").await;
    let detail: Value = serde_json::from_str(&detail.body).expect("json");
    assert_eq!(
        detail["metadata"],
        json!({"user": "alice", "app": "checkout", "tags": ["beta", "eu"], "feature": "search"})
    );
}

/// Sixty users, user i with one call of 1000 (i + 1) input tokens (failing when i % 7 == 0):
/// ranked by tokens, the first fifty are listed and the ten smallest make one "other" row and
/// one band, exactly, before and after SQLite's indexer has them and after it rebuilt them.
#[tokio::test]
async fn past_fifty_groups_the_rest_is_one_row_and_one_band() {
    let app = crate::helpers::spawn_app().await;
    let hour = (now_ms() / HOUR - 3) * HOUR;
    let calls = (0..60)
        .map(|i: i64| {
            json!({
                "request_id": format!("c{i}"), "timestamp": hour + i * MINUTE / 2,
                "model": "gpt-4o-mini", "status": if i % 7 == 0 { 500 } else { 200 },
                "latency_ms": 100, "usage": {"input_tokens": 1000 * (i + 1), "output_tokens": 0},
                "metadata": {"user": format!("u{i:02}")}
            })
        })
        .collect();
    ingest(&app, calls).await;
    let query = format!(
        "from={}&to={}&group=user&by=tokens",
        app::url_state::format_time(hour),
        app::url_state::format_time(hour + HOUR)
    );
    for state in ["as stored", "indexed", "rebuilt"] {
        if state == "rebuilt" {
            crate::dimension_index::forget(&app).await;
        }
        if state != "as stored" {
            crate::dimension_index::indexed(&app).await;
        }
        let report = grouped(&app, &query).await;
        assert_eq!(report.groups, 60, "{state}");
        let names: Vec<&str> = report
            .rows
            .iter()
            .map(|row| row.value.as_deref().expect("named"))
            .collect();
        let expected: Vec<String> = (10..60).rev().map(|i| format!("u{i:02}")).collect();
        assert_eq!(names, expected, "{state}");
        // u00..u09: 10 calls, 1000 * (1 + ... + 10) tokens, u00 and u07 failed.
        let other = report.other.expect("the rest");
        assert_eq!(
            (other.requests, other.errors, other.units.total_tokens),
            (10, 2, 55_000),
            "{state}"
        );
        assert_eq!(other.success_rate, Some(0.8));
        assert_eq!(other.latency_avg_ms, Some(100.0));
        assert_eq!(other.priced_requests, 10);
        assert!((other.cost.expect("priced") - 55_000.0 * 0.15 / 1e6).abs() < 1e-12);
        // Five bands and the rest: 55 calls.
        assert_eq!(report.series.len(), app::model::CHART_GROUPS + 1, "{state}");
        let rest = report.series.last().expect("other band");
        assert_eq!(rest.name, None);
        let rest_calls: i64 = rest.points.iter().map(|point| point.requests).sum();
        assert_eq!(rest_calls, 55, "{state}");
    }
}

#[tokio::test]
async fn a_group_query_is_refused_with_the_parameter_named() {
    let app = crate::helpers::spawn_app().await;
    for (query, parameter) in [("group=team", "group"), ("group=user&by=size", "by")] {
        let path = format!(
            "/api/get_analytics?query={}",
            app::url_state::encode_value(query)
        );
        let response = app.get_json(&path).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(response.body.contains(parameter), "{}", response.body);
    }
}
