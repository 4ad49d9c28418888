//! Keeps the in-memory request-ID index (`engine::request_ids`) current: catches up with new
//! rows every couple of seconds, so a lookup only has a few rows left to add, and forgets the
//! hours whose calls retention has removed.

use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::engine::request_ids::hour_of;
use crate::engine::Engine;

const DAY_MS: i64 = 86_400_000;
/// How often expired hours are forgotten.
const FORGET_EVERY: Duration = Duration::from_secs(600);

/// Runs until `stop` turns true.
pub fn spawn(
    engine: Engine,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut forgotten_at: Option<Instant> = None;
        loop {
            let started = Instant::now();
            match engine.catch_up_request_ids().await {
                Ok(added) if added > 10_000 => tracing::info!(
                    added,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "request-id index caught up"
                ),
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "request-id index catch-up failed"),
            }
            if forgotten_at.is_none_or(|at| at.elapsed() >= FORGET_EVERY) {
                forgotten_at = Some(Instant::now());
                match engine.storage().retention_by_workspace().await {
                    Ok(workspaces) => {
                        let now_ms = crate::clock::now_ms();
                        for (workspace_id, retention_days) in workspaces {
                            engine.request_ids().forget_before(
                                workspace_id.get(),
                                hour_of(now_ms - retention_days * DAY_MS),
                            );
                        }
                    }
                    Err(error) => tracing::error!(%error, "cannot read retention settings"),
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => break,
            }
        }
    })
}
