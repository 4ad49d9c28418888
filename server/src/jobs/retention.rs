//! Retention: raw rows and bodies older than each workspace's retention go, and so do 1-minute
//! rollups; hourly rollups and alert history go after 400 days; daily rollups stay forever.

use std::future::Future;
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::watch;

use crate::rollup::Level;
use crate::store::{self, StoreError};

/// Hourly rollups are kept this long, and so are alert events (with their webhook deliveries):
/// as long as the hourly charts their links open can still show the window.
pub const HOURLY_RETENTION_DAYS: i64 = 400;
const DAY_MS: i64 = 86_400_000;

/// What one pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub requests: u64,
    pub bodies: u64,
    pub minute_cells: u64,
    pub hour_cells: u64,
    pub alert_events: u64,
}

/// Runs `purge` (one batch of at most `batch` deletions) until a batch comes back short, with
/// a short pause between batches; returns how many went in all.
async fn drain<Purge, Batch>(batch: i64, mut purge: Purge) -> Result<u64, StoreError>
where
    Purge: FnMut() -> Batch,
    Batch: Future<Output = Result<u64, StoreError>>,
{
    let mut total = 0;
    loop {
        let deleted = purge().await?;
        total += deleted;
        if (deleted as i64) < batch {
            return Ok(total);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// One pass over every workspace, deleting in batches of `batch` rows. Pauses briefly between
/// batches so the ingest writer gets the database in between.
pub async fn run_once(pool: &SqlitePool, now_ms: i64, batch: i64) -> Result<Purged, StoreError> {
    let mut purged = Purged::default();
    for (workspace_id, retention_days) in store::workspaces::retention_by_workspace(pool).await? {
        let raw_cutoff = now_ms - retention_days * DAY_MS;
        loop {
            let (rows, bodies) =
                store::retention::purge_requests_batch(pool, workspace_id, raw_cutoff, batch)
                    .await?;
            purged.requests += rows;
            purged.bodies += bodies;
            if (rows as i64) < batch {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let minute_cutoff = Level::Minute.bucket(raw_cutoff);
        let hour_cutoff = Level::Hour.bucket(now_ms - HOURLY_RETENTION_DAYS * DAY_MS);
        for (level, cutoff) in [(Level::Minute, minute_cutoff), (Level::Hour, hour_cutoff)] {
            for table in [level.table(), level.all_models_table()] {
                let cells = drain(batch, || {
                    store::retention::purge_rollups_batch(pool, table, workspace_id, cutoff, batch)
                })
                .await?;
                match level {
                    Level::Minute => purged.minute_cells += cells,
                    _ => purged.hour_cells += cells,
                }
            }
        }
        let history_cutoff = now_ms - HOURLY_RETENTION_DAYS * DAY_MS;
        purged.alert_events += drain(batch, || {
            store::retention::purge_alert_events_batch(pool, workspace_id, history_cutoff, batch)
        })
        .await?;
    }
    // Ended sessions (expired or revoked a day ago) go too.
    store::accounts::purge_sessions(pool, now_ms).await?;
    Ok(purged)
}

/// Runs a pass every `interval` until `stop` turns true.
pub fn spawn(
    pool: SqlitePool,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now_ms = chrono::Utc::now().timestamp_millis();
            match run_once(&pool, now_ms, 500).await {
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
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => break,
            }
        }
    })
}
