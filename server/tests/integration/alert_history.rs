//! The alert history through its server function: every filter keeps exactly its events,
//! pages of 50 walk back without gaps or repeats, and invalid filters are refused by name.

use app::model::{AlertEvent, EventPage};
use axum::http::StatusCode;

use crate::helpers::{now_ms, spawn_app, TestApp};

const MINUTE: i64 = 60_000;

/// The history page for `query` (the Alerts page's query string).
pub async fn history(app: &TestApp, query: &str) -> EventPage {
    let path = format!(
        "/api/list_alert_events?query={}",
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

/// Stores an event as the evaluator would (one statement, the table's own columns).
#[allow(clippy::too_many_arguments)]
async fn event(
    app: &TestApp,
    rule_id: i64,
    severity: &str,
    target: &str,
    models: &str,
    kind: &str,
    at_ms: i64,
) {
    sqlx::query(
        "INSERT INTO alert_events (workspace_id, rule_id, rule_name, severity, metric, target, \
         models, kind, value, threshold, window_from_ms, window_to_ms, at_ms) \
         VALUES (1, $1, 'rule', $2, 'error_rate', $3, $4, $5, 50.0, 20.0, $6, $7, $8)",
    )
    .bind(rule_id)
    .bind(severity)
    .bind(target)
    .bind(models)
    .bind(kind)
    .bind(at_ms - 5 * MINUTE)
    .bind(at_ms)
    .bind(at_ms)
    .execute(&app.pool)
    .await
    .expect("event");
}

fn ids(events: &[AlertEvent]) -> Vec<i64> {
    events.iter().map(|event| event.id).collect()
}

#[tokio::test]
async fn each_filter_keeps_exactly_its_events() {
    let app = spawn_app().await;
    let now = now_ms();
    // id 1: rule 1, critical, each-model target alpha, firing 3 days ago
    event(
        &app,
        1,
        "critical",
        "alpha",
        "[]",
        "firing",
        now - 3 * 1_440 * MINUTE,
    )
    .await;
    // id 2: rule 1, critical, target beta, resolved 2 hours ago
    event(
        &app,
        1,
        "critical",
        "beta",
        "[]",
        "resolved",
        now - 120 * MINUTE,
    )
    .await;
    // id 3: rule 2, warning, chosen models alpha and gamma, firing 30 minutes ago
    event(
        &app,
        2,
        "warning",
        "",
        "[\"alpha\",\"gamma\"]",
        "firing",
        now - 30 * MINUTE,
    )
    .await;
    // id 4: rule 2, info, all models, pending 10 minutes ago
    event(&app, 2, "info", "", "[]", "pending", now - 10 * MINUTE).await;

    for (query, expected) in [
        ("", vec![4, 3, 2, 1]),
        ("rule=1", vec![2, 1]),
        ("kind=firing", vec![3, 1]),
        ("kind=firing,resolved", vec![3, 2, 1]),
        ("severity=critical", vec![2, 1]),
        ("model=alpha", vec![3, 1]),
        ("model=gamma", vec![3]),
        ("range=1h", vec![4, 3]),
        ("range=24h&kind=firing", vec![3]),
        ("rule=2&severity=info&range=1h", vec![4]),
        ("rule=&kind=&severity=&model=&range=", vec![4, 3, 2, 1]),
        ("model=delta", vec![]),
    ] {
        let page = history(&app, query).await;
        assert_eq!(ids(&page.events), expected, "{query}");
        assert_eq!(page.older, None, "{query}");
    }
    let from = app::url_state::format_time(now - 3 * 1_440 * MINUTE - MINUTE);
    let to = app::url_state::format_time(now - 100 * MINUTE);
    let custom = history(&app, &format!("from={from}&to={to}")).await;
    assert_eq!(ids(&custom.events), vec![2, 1]);
}

#[tokio::test]
async fn pages_walk_back_through_every_event_once() {
    let app = spawn_app().await;
    let now = now_ms();
    // 120 events, three of them in each of 40 minutes (equal times share a minute).
    for index in 0..120 {
        event(
            &app,
            1,
            "warning",
            "",
            "[]",
            "firing",
            now - (index / 3) * MINUTE,
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut query = "kind=firing".to_owned();
    let mut pages = 0;
    loop {
        let page = history(&app, &query).await;
        pages += 1;
        assert!(page.events.len() <= 50);
        seen.extend(ids(&page.events));
        match page.older {
            Some(cursor) => query = format!("kind=firing&before={}", cursor.to_param()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<i64> = (1..=120).collect();
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected, "every event once");
    // Newest first: times never increase, and equal times go by id downwards.
    let page = history(&app, "").await;
    assert!(page
        .events
        .windows(2)
        .all(|pair| (pair[0].at_ms, pair[0].id) > (pair[1].at_ms, pair[1].id)));
}

#[tokio::test]
async fn invalid_history_filters_are_refused_by_name() {
    let app = spawn_app().await;
    for (query, parameter) in [
        ("rule=first", "rule"),
        ("kind=exploded", "kind"),
        ("severity=urgent", "severity"),
        ("before=yesterday", "before"),
        ("range=2d", "range"),
    ] {
        let path = format!(
            "/api/list_alert_events?query={}",
            app::url_state::encode_value(query)
        );
        let response = app.get_json(&path).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            response.body.contains(parameter),
            "{query}: {}",
            response.body
        );
    }
}
