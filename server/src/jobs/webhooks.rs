//! Webhook deliveries: sends every due delivery, records each attempt, and retries failures
//! with exponential backoff until `webhook::MAX_ATTEMPTS`. Wakes at once when the evaluator
//! queues new deliveries or a delivery finishes, and at least every second.
//!
//! Deliveries run concurrently, each in its own task: at most [`PER_WORKSPACE`] of one
//! workspace and [`IN_FLIGHT`] in all, so an endpoint that is slow (or never answers until
//! the timeout) holds only its own workspace's slots and never delays another workspace's
//! notifications. A delivery is claimed in the database for longer than an attempt can take
//! before it is sent, so a pass never picks up one that is still in flight.

use app::model::WorkspaceId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use crate::alerts::webhook::client::{Outcome, WebhookClient};
use crate::alerts::webhook::{self, backoff_ms, MAX_ATTEMPTS};
use crate::store::{DueDelivery, SharedStorage, StoreError};

/// Deliveries of one workspace in flight at once.
pub const PER_WORKSPACE: usize = 4;
/// Deliveries in flight at once, all workspaces together.
pub const IN_FLIGHT: usize = 32;
/// Due deliveries read per pass.
const READ_PER_PASS: i64 = 200;
/// How long a claimed delivery stays out of other passes beyond its attempt's timeout.
const CLAIM_MARGIN_MS: i64 = 60_000;

/// Sends due webhook deliveries; cheap to clone.
#[derive(Clone)]
pub struct Deliverer {
    storage: SharedStorage,
    client: WebhookClient,
    all: Arc<Semaphore>,
    workspaces: Arc<Mutex<HashMap<WorkspaceId, Arc<Semaphore>>>>,
    /// Notified whenever a delivery finishes (its slots are free again).
    finished: Arc<Notify>,
}

impl Deliverer {
    /// A deliverer sending through `client` (the server's webhook policy), notifying
    /// `finished` each time a delivery ends.
    pub fn new(storage: SharedStorage, client: WebhookClient, finished: Arc<Notify>) -> Self {
        Self {
            storage,
            client,
            all: Arc::new(Semaphore::new(IN_FLIGHT)),
            workspaces: Arc::default(),
            finished,
        }
    }

    /// Starts every delivery due at `now_ms` that has a free slot; returns their tasks.
    pub async fn start_due(&self, now_ms: i64) -> Result<Vec<JoinHandle<()>>, StoreError> {
        let due = self
            .storage
            .due_deliveries(now_ms, PER_WORKSPACE as i64, READ_PER_PASS)
            .await?;
        let hold_ms = i64::try_from(self.client.timeout().as_millis()).unwrap_or(i64::MAX / 4);
        let mut started = Vec::new();
        for delivery in due {
            let Ok(overall) = Arc::clone(&self.all).try_acquire_owned() else {
                break;
            };
            let Ok(own) = self.slots_of(delivery.workspace_id).try_acquire_owned() else {
                continue;
            };
            let held_until = now_ms.saturating_add(hold_ms + CLAIM_MARGIN_MS);
            if !self
                .storage
                .claim_delivery(delivery.id, now_ms, held_until)
                .await?
            {
                continue;
            }
            let this = self.clone();
            started.push(tokio::spawn(async move {
                this.deliver(delivery, (overall, own)).await;
                this.finished.notify_one();
            }));
        }
        Ok(started)
    }

    /// Sends what is due at `now_ms` and waits for those attempts; returns how many were made.
    pub async fn run_once(&self, now_ms: i64) -> Result<usize, StoreError> {
        let started = self.start_due(now_ms).await?;
        let count = started.len();
        for task in started {
            if let Err(error) = task.await {
                tracing::error!(%error, "webhook delivery task failed");
            }
        }
        Ok(count)
    }

    /// The slots of `workspace_id` (workspaces with nothing in flight are forgotten).
    fn slots_of(&self, workspace_id: WorkspaceId) -> Arc<Semaphore> {
        let mut workspaces = self
            .workspaces
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        workspaces.retain(|_, slots| Arc::strong_count(slots) > 1);
        Arc::clone(
            workspaces
                .entry(workspace_id)
                .or_insert_with(|| Arc::new(Semaphore::new(PER_WORKSPACE))),
        )
    }

    /// One attempt at `delivery`, recorded; the permits are held until it is.
    async fn deliver(
        &self,
        delivery: DueDelivery,
        _permits: (OwnedSemaphorePermit, OwnedSemaphorePermit),
    ) {
        if let Err(error) = self.attempt(&delivery).await {
            tracing::error!(delivery = delivery.id, %error, "webhook delivery not recorded");
        }
    }

    async fn attempt(&self, delivery: &DueDelivery) -> Result<(), StoreError> {
        let Some(event) = self.storage.event_by_id(delivery.event_id).await? else {
            return Ok(());
        };
        let outcome = self
            .client
            .send(&delivery.url, &webhook::payload(delivery.format, &event))
            .await;
        let attempts = delivery.attempts + 1;
        let (status, retry_at) = if outcome.delivered() {
            ("delivered", None)
        } else if outcome == Outcome::Refused || attempts >= MAX_ATTEMPTS {
            // A refused address stays refused until the server's configuration changes.
            ("failed", None)
        } else {
            (
                "pending",
                Some(crate::clock::now_ms() + backoff_ms(attempts)),
            )
        };
        if status != "delivered" {
            tracing::warn!(
                delivery = delivery.id,
                workspace = %delivery.workspace_id,
                attempts,
                http_status = outcome.http_status(),
                error = outcome.error(),
                "webhook delivery failed"
            );
        }
        self.storage
            .record_attempt(
                delivery.id,
                status,
                outcome.http_status(),
                outcome.error(),
                retry_at,
                crate::clock::now_ms(),
            )
            .await
    }
}

/// Runs until `stop` turns true, then waits for the deliveries in flight (each ends by its
/// timeout).
pub fn spawn(
    deliverer: Deliverer,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut in_flight: Vec<JoinHandle<()>> = Vec::new();
        loop {
            in_flight.retain(|task| !task.is_finished());
            match deliverer.start_due(crate::clock::now_ms()).await {
                Ok(started) => in_flight.extend(started),
                Err(error) => tracing::error!(%error, "webhook delivery pass failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = wake.notified() => {}
                _ = stop.changed() => break,
            }
        }
        for task in in_flight {
            let _ = task.await;
        }
    })
}
