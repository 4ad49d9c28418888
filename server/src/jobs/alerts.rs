//! Alert evaluation: every enabled rule, once per `interval` (15 s by default) across all
//! servers on the database (`jobs::slots`), until the server stops. A pass that fails is logged
//! and the next one tries again.

use tokio::sync::watch;

use crate::alerts::evaluator::Evaluator;
use crate::jobs::slots::{self, Schedule};
use crate::store::SharedStorage;

/// Runs until `stop` turns true.
pub fn spawn(
    storage: SharedStorage,
    evaluator: Evaluator,
    schedule: Schedule,
    stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    slots::spawn(storage, schedule, stop, move || {
        let evaluator = evaluator.clone();
        async move {
            if let Err(error) = evaluator.evaluate_all(crate::clock::now_ms()).await {
                tracing::error!(%error, "alert evaluation pass failed");
            }
        }
    })
}
