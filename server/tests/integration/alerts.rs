//! Alert evaluation over ingested calls: a rule fires once when its threshold is crossed,
//! stays quiet while firing, resolves when the calls recover, survives a restart without
//! firing again, and open dashboards hear about it over Server-Sent Events.

use std::time::Duration;

use app::model::{Comparator, Condition, Metric, RuleScope, RuleSpec, Severity};
use axum::http::StatusCode;
use http_body_util::BodyExt;
use serde_json::json;
use server::alerts::evaluator::Evaluator;
use server::alerts::webhook::client::WebhookClient;
use server::alerts::webhook::policy::WebhookPolicy;

use crate::helpers::{now_ms, spawn_app, TestApp, WS};

const MINUTE: i64 = 60_000;

pub async fn ingest(app: &TestApp, calls: Vec<serde_json::Value>) {
    let response = app
        .ingest(serde_json::to_string(&calls).expect("json"))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

/// `count` calls of `model` spread over the minute starting at `start`, every `fail_every`th
/// failing with 500 (0: none fail).
pub fn calls(
    prefix: &str,
    model: &str,
    start: i64,
    count: i64,
    fail_every: i64,
) -> Vec<serde_json::Value> {
    (0..count)
        .map(|k| {
            json!({
                "request_id": format!("{prefix}-{k}"),
                "timestamp": start + k * (MINUTE / count),
                "model": model,
                "status": if fail_every > 0 && k % fail_every == 0 { 500 } else { 200 },
                "latency_ms": 100,
            })
        })
        .collect()
}

pub fn error_rate_rule() -> RuleSpec {
    RuleSpec {
        name: "Errors above 20 %".into(),
        metric: Metric::ErrorRate,
        status: None,
        scope: RuleScope::AllModels,
        dimension: None,
        condition: Condition::Threshold {
            comparator: Comparator::Above,
            value: 20.0,
        },
        window_secs: 300,
        consecutive: 1,
        min_requests: 10,
        severity: Severity::Critical,
        channels: Vec::new(),
        renotify_secs: None,
        enabled: true,
    }
}

pub fn evaluator(app: &TestApp) -> Evaluator {
    Evaluator::new(app.storage.clone(), app.alert_events.clone())
}

#[tokio::test]
async fn a_rule_fires_once_and_resolves_when_the_errors_stop() {
    let app = spawn_app().await;
    let now = now_ms();
    // Half of 40 calls fail, 20 minutes ago; 40 clean calls 8 minutes ago.
    ingest(&app, calls("bad", "alpha", now - 20 * MINUTE, 40, 2)).await;
    ingest(&app, calls("good", "alpha", now - 8 * MINUTE, 40, 0)).await;
    let rule_id = app
        .storage
        .create_rule(WS, &error_rate_rule(), now)
        .await
        .expect("rule");
    let mut dashboard = app.alert_events.subscribe();

    let evaluator = evaluator(&app);
    let fired = evaluator
        .evaluate_all(now - 15 * MINUTE)
        .await
        .expect("evaluates");
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(fired[0].kind, "firing");
    assert_eq!(fired[0].rule_id, rule_id);
    assert_eq!(fired[0].value, Some(50.0));
    assert_eq!(fired[0].threshold, Some(20.0));
    assert_eq!(fired[0].window_to_ms - fired[0].window_from_ms, 5 * MINUTE);

    // Still firing a little later: nothing new, nothing sent again.
    let quiet = evaluator
        .evaluate_all(now - 14 * MINUTE)
        .await
        .expect("evaluates");
    assert!(quiet.is_empty(), "{quiet:?}");

    // A restarted evaluator continues from the stored state: no second firing.
    let restarted = self::evaluator(&app);
    let still = restarted
        .evaluate_all(now - 13 * MINUTE)
        .await
        .expect("evaluates");
    assert!(still.is_empty(), "{still:?}");

    // Only clean calls in the window: resolved, once.
    let resolved = restarted
        .evaluate_all(now - 5 * MINUTE)
        .await
        .expect("evaluates");
    assert_eq!(resolved.len(), 1, "{resolved:?}");
    assert_eq!(resolved[0].kind, "resolved");
    assert_eq!(resolved[0].value, Some(0.0));
    assert!(restarted
        .evaluate_all(now - 4 * MINUTE)
        .await
        .expect("evaluates")
        .is_empty());

    // The dashboard heard exactly the two notifications.
    let (_, first) = dashboard.try_recv().expect("firing sent");
    let (_, second) = dashboard.try_recv().expect("resolved sent");
    assert_eq!(
        (first.kind.as_str(), second.kind.as_str()),
        ("firing", "resolved")
    );
    assert!(dashboard.try_recv().is_err(), "nothing else was sent");

    let history = crate::alert_history::history(&app, &format!("rule={rule_id}")).await;
    let kinds: Vec<&str> = history
        .events
        .iter()
        .map(|event| event.kind.as_str())
        .collect();
    assert_eq!(kinds, ["resolved", "firing"], "newest first");
}

#[tokio::test]
async fn too_few_calls_never_fire_and_each_model_fires_on_its_own() {
    let app = spawn_app().await;
    let now = now_ms();
    // alpha: 40 calls, half failing; beta: 4 calls, all failing (below the minimum of 10).
    ingest(&app, calls("a", "alpha", now - 3 * MINUTE, 40, 2)).await;
    ingest(&app, calls("b", "beta", now - 3 * MINUTE, 4, 1)).await;
    let spec = RuleSpec {
        scope: RuleScope::EachModel,
        consecutive: 2,
        ..error_rate_rule()
    };
    app.storage.create_rule(WS, &spec, now).await.expect("rule");
    let evaluator = evaluator(&app);
    let first = evaluator.evaluate_all(now).await.expect("evaluates");
    let summary: Vec<(String, String)> = first
        .iter()
        .map(|event| (event.target.clone(), event.kind.clone()))
        .collect();
    assert_eq!(summary, vec![("alpha".to_owned(), "pending".to_owned())]);
    let second = evaluator
        .evaluate_all(now + 1_000)
        .await
        .expect("evaluates");
    assert_eq!(second.len(), 1);
    assert_eq!(
        (second[0].target.as_str(), second[0].kind.as_str()),
        ("alpha", "firing")
    );
}

#[tokio::test]
async fn open_dashboards_hear_alerts_over_server_sent_events() {
    let app = spawn_app().await;
    let response = app.get_streaming("/api/v1/events").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body();

    let now = now_ms();
    ingest(&app, calls("bad", "alpha", now - 2 * MINUTE, 40, 2)).await;
    app.storage
        .create_rule(WS, &error_rate_rule(), now)
        .await
        .expect("rule");
    let fired = evaluator(&app).evaluate_all(now).await.expect("evaluates");
    assert_eq!(fired.len(), 1);

    let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .expect("an event within 5 s")
        .expect("a frame")
        .expect("no error");
    let text = String::from_utf8(frame.into_data().expect("data").to_vec()).expect("utf-8");
    assert!(text.starts_with("event: alert\n"), "{text}");
    assert!(text.contains(&format!("id: {}\n", fired[0].id)), "{text}");
    let data = text
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .expect("a data line");
    let event: app::model::AlertEvent = serde_json::from_str(data).expect("the event as JSON");
    assert_eq!(event, fired[0]);
}

/// A deliverer whose policy allows 127.0.0.1, where the tests' receivers listen (the default
/// policy refuses loopback).
pub fn local_deliverer(app: &TestApp) -> server::jobs::webhooks::Deliverer {
    server::jobs::webhooks::Deliverer::new(
        app.storage.clone(),
        WebhookClient::new(WebhookPolicy::allowing(["127.0.0.1/32"
            .parse()
            .expect("range")])),
        std::sync::Arc::default(),
    )
}

/// A webhook receiver on 127.0.0.1: records every payload; answers 500 to the first
/// `fail_first` requests.
async fn receiver(
    fail_first: usize,
) -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
) {
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let store = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<serde_json::Value>| {
            let store = Arc::clone(&store);
            let seen = Arc::clone(&seen);
            async move {
                if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < fail_first {
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                store.lock().expect("lock").push(body);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_gets_exactly_one_firing_payload_and_one_when_resolved() {
    let app = spawn_app().await;
    let (url, received) = receiver(0).await;
    let now = now_ms();
    ingest(&app, calls("bad", "alpha", now - 20 * MINUTE, 40, 2)).await;
    ingest(&app, calls("good", "alpha", now - 8 * MINUTE, 40, 0)).await;
    let channel = app
        .storage
        .create_channel(WS, "receiver", &url, app::model::ChannelFormat::Json, now)
        .await
        .expect("channel");
    let spec = RuleSpec {
        channels: vec![channel],
        ..error_rate_rule()
    };
    app.storage.create_rule(WS, &spec, now).await.expect("rule");
    let evaluator = evaluator(&app);
    let deliverer = local_deliverer(&app);
    let deliver = || deliverer.run_once(now_ms());

    assert_eq!(
        evaluator
            .evaluate_all(now - 15 * MINUTE)
            .await
            .expect("evaluates")
            .len(),
        1
    );
    assert_eq!(deliver().await.expect("delivers"), 1);
    // Still firing: no second payload.
    assert!(evaluator
        .evaluate_all(now - 14 * MINUTE)
        .await
        .expect("evaluates")
        .is_empty());
    assert_eq!(deliver().await.expect("delivers"), 0);
    {
        let payloads = received.lock().expect("lock");
        assert_eq!(payloads.len(), 1, "{payloads:?}");
        assert_eq!(payloads[0]["event"]["kind"], "firing");
        assert_eq!(payloads[0]["event"]["value"], 50.0);
        assert_eq!(payloads[0]["summary"], "Firing: Errors above 20 %");
    }
    // Recovery resolves it, and says so once.
    let resolved = evaluator
        .evaluate_all(now - 5 * MINUTE)
        .await
        .expect("evaluates");
    assert_eq!(resolved[0].kind, "resolved");
    assert_eq!(deliver().await.expect("delivers"), 1);
    let kinds: Vec<String> = received
        .lock()
        .expect("lock")
        .iter()
        .map(|payload| {
            payload["event"]["kind"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(kinds, ["firing", "resolved"]);
    let deliveries = app
        .storage
        .deliveries(WS, &[resolved[0].id])
        .await
        .expect("deliveries");
    assert_eq!(deliveries[0].status, "delivered");
    assert_eq!(deliveries[0].http_status, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_is_retried_with_backoff_and_recorded() {
    let app = spawn_app().await;
    let (url, received) = receiver(1).await;
    let now = now_ms();
    ingest(&app, calls("bad", "alpha", now - 2 * MINUTE, 40, 2)).await;
    let channel = app
        .storage
        .create_channel(WS, "flaky", &url, app::model::ChannelFormat::Slack, now)
        .await
        .expect("channel");
    let spec = RuleSpec {
        channels: vec![channel],
        ..error_rate_rule()
    };
    app.storage.create_rule(WS, &spec, now).await.expect("rule");
    let fired = evaluator(&app).evaluate_all(now).await.expect("evaluates");
    let deliverer = local_deliverer(&app);
    assert_eq!(deliverer.run_once(now_ms()).await.expect("runs"), 1);
    let first = app
        .storage
        .deliveries(WS, &[fired[0].id])
        .await
        .expect("deliveries");
    assert_eq!(
        (
            first[0].status.as_str(),
            first[0].attempts,
            first[0].http_status
        ),
        ("pending", 1, Some(500))
    );
    assert!(received.lock().expect("lock").is_empty());
    // Not due again at once: the retry waits.
    assert_eq!(deliverer.run_once(now_ms()).await.expect("runs"), 0);
    // Two seconds later it is.
    assert_eq!(deliverer.run_once(now_ms() + 2_500).await.expect("runs"), 1);
    let second = app
        .storage
        .deliveries(WS, &[fired[0].id])
        .await
        .expect("deliveries");
    assert_eq!(
        (second[0].status.as_str(), second[0].attempts),
        ("delivered", 2)
    );
    let payloads = received.lock().expect("lock");
    assert!(payloads[0]["text"]
        .as_str()
        .expect("slack text")
        .contains("Firing: Errors above 20 %"));
}
