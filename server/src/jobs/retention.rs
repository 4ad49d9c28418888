//! Retention: raw rows and bodies older than each workspace's retention go, and so do 1-minute
//! rollups; hourly rollups and alert history go after 400 days; daily rollups stay forever.

use tokio::sync::watch;

use crate::rollup::Level;
use crate::store::{Cutoffs, Purged, SharedStorage, Storage, StoreError};

/// Hourly rollups are kept this long, and so are alert events (with their webhook deliveries):
/// as long as the hourly charts their links open can still show the window.
pub const HOURLY_RETENTION_DAYS: i64 = 400;
const DAY_MS: i64 = 86_400_000;

/// One pass over every workspace, deleting in batches of `batch` rows (the storage pauses
/// briefly between batches so the ingest writer gets the database in between).
pub async fn run_once(
    storage: &dyn Storage,
    now_ms: i64,
    batch: i64,
) -> Result<Purged, StoreError> {
    let mut purged = Purged::default();
    for (workspace_id, retention_days) in storage.retention_by_workspace().await? {
        let raw_ms = now_ms - retention_days * DAY_MS;
        let cutoffs = Cutoffs {
            raw_ms,
            minute_ms: Level::Minute.bucket(raw_ms),
            hour_ms: Level::Hour.bucket(now_ms - HOURLY_RETENTION_DAYS * DAY_MS),
            history_ms: now_ms - HOURLY_RETENTION_DAYS * DAY_MS,
        };
        purged += storage
            .purge_workspace(workspace_id, cutoffs, batch)
            .await?;
    }
    // Ended sessions (expired or revoked a day ago) go too, and login attempts out of every
    // window.
    storage.purge_sessions(now_ms).await?;
    storage
        .forget_logins_before(now_ms - crate::auth::limiter::WINDOW_MS)
        .await?;
    Ok(purged)
}

/// Runs a pass once per slot of `schedule` across all servers (`jobs::slots`) until `stop`
/// turns true.
pub fn spawn(
    storage: SharedStorage,
    schedule: crate::jobs::slots::Schedule,
    stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    crate::jobs::slots::spawn(storage.clone(), schedule, stop, move || {
        let storage = storage.clone();
        async move {
            let now_ms = chrono::Utc::now().timestamp_millis();
            match run_once(storage.as_ref(), now_ms, 500).await {
                Ok(purged) if purged != Purged::default() => tracing::info!(
                    requests = purged.requests,
                    bodies = purged.bodies,
                    minute_cells = purged.minute_cells,
                    hour_cells = purged.hour_cells,
                    alert_events = purged.alert_events,
                    "retention removed expired data"
                ),
                Ok(_) => tracing::debug!("retention: nothing expired"),
                Err(error) => tracing::error!(%error, "retention pass failed"),
            }
        }
    })
}
