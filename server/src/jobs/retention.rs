//! Retention: raw rows and bodies older than each workspace's retention go, and so do 1-minute
//! rollups; hourly rollups go after 400 days; daily rollups stay forever.

use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::watch;

use crate::rollup::Level;
use crate::store::{self, StoreError};

/// Hourly rollups are kept this long.
pub const HOURLY_RETENTION_DAYS: i64 = 400;
const DAY_MS: i64 = 86_400_000;

/// What one pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub requests: u64,
    pub bodies: u64,
    pub minute_cells: u64,
    pub hour_cells: u64,
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
                loop {
                    let cells = store::retention::purge_rollups_batch(
                        pool,
                        table,
                        workspace_id,
                        cutoff,
                        batch,
                    )
                    .await?;
                    match level {
                        Level::Minute => purged.minute_cells += cells,
                        _ => purged.hour_cells += cells,
                    }
                    if (cells as i64) < batch {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        }
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
