//! Webhook deliveries: sends every due delivery, records each attempt, and retries failures
//! with exponential backoff until `webhook::MAX_ATTEMPTS`. Wakes at once when the evaluator
//! queues new deliveries, and at least every second.

use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::{watch, Notify};

use crate::alerts::webhook::{self, backoff_ms, MAX_ATTEMPTS};
use crate::store::{self, StoreError};

/// Sends what is due at `now_ms`; returns how many attempts were made.
pub async fn run_once(
    pool: &SqlitePool,
    client: &reqwest::Client,
    now_ms: i64,
) -> Result<usize, StoreError> {
    let due = store::channels::due_deliveries(pool, now_ms, 50).await?;
    for delivery in &due {
        let events = store::alert_history::event_by_id(pool, delivery.event_id).await?;
        let Some(event) = events else { continue };
        let attempt = webhook::send(
            client,
            &delivery.url,
            &webhook::payload(delivery.format, &event),
        )
        .await;
        let attempts = delivery.attempts + 1;
        let (status, retry_at) = if attempt.delivered() {
            ("delivered", None)
        } else if attempts >= MAX_ATTEMPTS {
            ("failed", None)
        } else {
            (
                "pending",
                Some(crate::query::now_ms() + backoff_ms(attempts)),
            )
        };
        if status != "delivered" {
            tracing::warn!(delivery = delivery.id, attempts, error = ?attempt.error, "webhook delivery failed");
        }
        store::channels::record_attempt(
            pool,
            delivery.id,
            status,
            attempt.http_status,
            attempt.error.as_deref(),
            retry_at,
            crate::query::now_ms(),
        )
        .await?;
    }
    Ok(due.len())
}

/// Runs until `stop` turns true.
pub fn spawn(
    pool: SqlitePool,
    client: reqwest::Client,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(error) = run_once(&pool, &client, crate::query::now_ms()).await {
                tracing::error!(%error, "webhook delivery pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = wake.notified() => {}
                _ = stop.changed() => break,
            }
        }
    })
}
