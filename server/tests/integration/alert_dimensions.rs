//! Alert rules on one dimension value: the cost of one user over the last hour, the error rate
//! of one app; other users' and apps' calls never count, and the value is exact whether it
//! comes from the value's cells (whole hours) or its raw calls (the window's edges).

use app::model::{Comparator, Condition, Dimension, DimensionValue, Metric, RuleScope, RuleSpec};
use serde_json::json;

use crate::alerts::{error_rate_rule, evaluator, ingest};
use crate::helpers::{now_ms, spawn_app, WS};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

fn call(id: &str, ts: i64, user: &str, app: &str, status: u16) -> serde_json::Value {
    json!({"request_id": id, "timestamp": ts, "model": "gpt-4o-mini", "status": status,
           "latency_ms": 100, "usage": {"input_tokens": 1_000_000, "output_tokens": 0},
           "metadata": {"user": user, "app": app}})
}

fn rule(
    name: &str,
    metric: Metric,
    dimension: Dimension,
    value: &str,
    window_secs: u32,
) -> RuleSpec {
    RuleSpec {
        name: name.into(),
        metric,
        scope: RuleScope::AllModels,
        dimension: Some(DimensionValue {
            dimension,
            value: value.into(),
        }),
        condition: Condition::Threshold {
            comparator: Comparator::Above,
            value: 0.0,
        },
        window_secs,
        min_requests: 1,
        ..error_rate_rule()
    }
}

#[tokio::test]
async fn a_rule_on_one_user_or_app_counts_only_its_calls() {
    let app = spawn_app().await;
    let now = now_ms();
    // Two whole hours ago and at the window's edges: alice's and bob's calls, apps a and b.
    let hour = (now / HOUR - 2) * HOUR;
    ingest(
        &app,
        vec![
            call("a1", now - 200 * MINUTE, "alice", "a", 200),
            call("a2", hour + 10 * MINUTE, "alice", "a", 500),
            call("a3", hour + HOUR + 5 * MINUTE, "alice", "b", 200),
            call("a4", now - 2 * MINUTE, "alice", "b", 500),
            call("b1", hour + 20 * MINUTE, "bob", "a", 200),
            call("b2", now - MINUTE, "bob", "b", 200),
        ],
    )
    .await;
    // gpt-4o-mini: $0.15 per million input tokens, so each call costs $0.15.
    let spend = rule(
        "Alice's spend",
        Metric::Cost,
        Dimension::User,
        "alice",
        3 * 3600,
    );
    let errors = rule(
        "App a errors",
        Metric::ErrorRate,
        Dimension::App,
        "a",
        3 * 3600,
    );
    let nobody = rule(
        "Nobody",
        Metric::Requests,
        Dimension::Tag,
        "never-sent",
        3 * 3600,
    );
    for spec in [&spend, &errors, &nobody] {
        app.storage.create_rule(WS, spec, now).await.expect("rule");
    }
    let events = evaluator(&app).evaluate_all(now).await.expect("evaluates");
    let value_of = |name: &str| {
        events
            .iter()
            .find(|event| event.rule_name == name)
            .and_then(|event| event.value)
    };
    // The last 3 h hold a2, a3, a4 of alice (a1 is older): $0.45.
    let cost = value_of("Alice's spend").expect("alice's spend fired");
    assert!((cost - 0.45).abs() < 1e-9, "{cost}");
    // App a in the last 3 h: a2 (500) and b1 (200): 50 % errors.
    assert_eq!(value_of("App a errors"), Some(50.0));
    assert!(
        value_of("Nobody").is_none(),
        "a value never sent has no calls"
    );
    // Each event names the value its rule watched, stored and read back.
    let fired = events
        .iter()
        .find(|event| event.rule_name == "Alice's spend")
        .expect("fired");
    assert_eq!(fired.dimension, spend.dimension);
    let stored = app
        .storage
        .event_by_id(fired.id)
        .await
        .expect("reads")
        .expect("stored");
    assert_eq!(stored.dimension, spend.dimension);
    let (_, detail) = app::format::alert_summary(&stored);
    assert!(detail.starts_with("user alice, all models · "), "{detail}");
}
