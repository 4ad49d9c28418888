//! Deliveries of one workspace do not wait for another's: an endpoint that never answers
//! holds only its own workspace's slots.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use server::alerts::webhook::client::WebhookClient;
use server::jobs::webhooks::{Deliverer, PER_WORKSPACE};
use tokio::sync::{mpsc, Notify};

use super::{endpoints, local_policy};
use crate::helpers::{now_ms, spawn_app, TestApp};

/// A channel of `ws` to `url` and `count` firing events of a rule there, each queued for
/// delivery to it; returns the channel.
async fn queue(app: &TestApp, ws: app::model::WorkspaceId, url: &str, count: usize) -> i64 {
    let channel = app
        .storage
        .create_channel(ws, "hook", url, app::model::ChannelFormat::Slack, now_ms())
        .await
        .expect("channel");
    let rule = app
        .storage
        .create_rule(ws, &crate::alerts::error_rate_rule(), 0)
        .await
        .expect("rule");
    for _ in 0..count {
        let event: i64 = sqlx::query_scalar(
            "INSERT INTO alert_events (workspace_id, rule_id, rule_name, severity, metric, \
             target, models, kind, value, threshold, window_from_ms, window_to_ms, at_ms) \
             VALUES ($1, $2, 'errors', 'critical', 'error_rate', '', '[]', 'firing', 50, 20, 0, 1, $3) \
             RETURNING id",
        )
        .bind(ws.get())
        .bind(rule)
        .bind(now_ms())
        .fetch_one(&app.pool)
        .await
        .expect("event");
        app.storage
            .queue_deliveries(ws, event, &[channel], now_ms())
            .await
            .expect("queued");
    }
    channel
}

/// `(status, attempts)` of every delivery to `channel`.
async fn deliveries_to(app: &TestApp, channel: i64) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT status, attempts FROM alert_deliveries WHERE channel_id = $1 ORDER BY id",
    )
    .bind(channel)
    .fetch_all(&app.pool)
    .await
    .expect("deliveries")
}

/// The next request an endpoint reports (the test fails rather than hangs without one).
async fn arrival(requests: &mut mpsc::UnboundedReceiver<()>) {
    let next = tokio::time::timeout(Duration::from_secs(30), requests.recv()).await;
    assert!(matches!(next, Ok(Some(()))), "a request arrives");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_endpoint_of_one_workspace_does_not_delay_another_workspace() {
    let app = spawn_app().await;
    let other_ws = app
        .storage
        .find_or_create_workspace("other", now_ms())
        .await
        .expect("workspace");
    let (slow_arrived, mut slow_requests) = mpsc::unbounded_channel();
    let slow = endpoints::hanging(slow_arrived).await;
    let (quick_arrived, mut quick_requests) = mpsc::unbounded_channel();
    let quick = endpoints::answering(StatusCode::OK, None, Some(quick_arrived)).await;

    // Workspace 1 has more deliveries to the endpoint that never answers than it has slots.
    let slow_channel = queue(
        &app,
        crate::helpers::WS,
        &format!("{}/hook", slow.base),
        PER_WORKSPACE + 2,
    )
    .await;
    let wake = Arc::new(Notify::new());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let client = WebhookClient::with_timeout(local_policy(), Duration::from_secs(600));
    let job = server::jobs::webhooks::spawn(
        Deliverer::new(app.storage.clone(), client, Arc::clone(&wake)),
        Arc::clone(&wake),
        stopped,
    );
    for _ in 0..PER_WORKSPACE {
        arrival(&mut slow_requests).await;
    }

    // The other workspace's notification goes out while all of those still hang.
    let quick_channel = queue(&app, other_ws, &format!("{}/hook", quick.base), 1).await;
    wake.notify_one();
    arrival(&mut quick_requests).await;
    let delivered = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if deliveries_to(&app, quick_channel).await == [("delivered".to_owned(), 1)] {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(
        delivered.is_ok(),
        "the other workspace's delivery is recorded"
    );
    let slow_rows = deliveries_to(&app, slow_channel).await;
    assert!(
        slow_rows
            .iter()
            .all(|(status, attempts)| status == "pending" && *attempts == 0),
        "{slow_rows:?}"
    );
    assert_eq!(
        slow.hits(),
        PER_WORKSPACE,
        "one workspace never has more than its slots in flight"
    );
    let _ = stop.send(true);
    job.abort();
}
