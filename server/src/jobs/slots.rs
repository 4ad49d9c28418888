//! Jobs whose passes must run once however many servers share the database: time is cut into
//! slots of one interval, and at the start of each slot every server asks the database to claim
//! it (`Coordination::claim_slot`); the first one runs the pass. A server that dies leaves the
//! next slot to the others, so no pass is missed by more than one interval.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::store::SharedStorage;

/// Who runs a job and how often.
pub struct Schedule {
    /// The job's name in the database.
    pub job: &'static str,
    /// This server's name (`jobs::server_name`).
    pub server: Arc<str>,
    pub interval: Duration,
}

/// Runs `pass` once per slot of `schedule.interval` on whichever server claims the slot first,
/// starting with the current slot, until `stop` turns true.
pub fn spawn<Pass, Done>(
    storage: SharedStorage,
    schedule: Schedule,
    mut stop: watch::Receiver<bool>,
    mut pass: Pass,
) -> JoinHandle<()>
where
    Pass: FnMut() -> Done + Send + 'static,
    Done: Future<Output = ()> + Send,
{
    let interval_ms = i64::try_from(schedule.interval.as_millis())
        .unwrap_or(i64::MAX)
        .max(1);
    tokio::spawn(async move {
        loop {
            let slot = crate::clock::now_ms().div_euclid(interval_ms);
            match storage
                .claim_slot(schedule.job, slot, &schedule.server)
                .await
            {
                Ok(true) => pass().await,
                Ok(false) => {
                    tracing::debug!(job = schedule.job, slot, "another server runs this pass")
                }
                Err(error) => tracing::error!(job = schedule.job, %error, "cannot claim a pass"),
            }
            let next_ms = (slot + 1).saturating_mul(interval_ms);
            let wait_ms = (next_ms - crate::clock::now_ms()).max(1);
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait_ms as u64)) => {}
                _ = stop.changed() => break,
            }
        }
    })
}
