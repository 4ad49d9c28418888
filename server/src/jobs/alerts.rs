//! Alert evaluation: every enabled rule, every `interval` (15 s by default), until the server
//! stops. A pass that fails is logged and the next one tries again.

use std::time::Duration;

use tokio::sync::watch;

use crate::alerts::evaluator::Evaluator;

/// Runs until `stop` turns true.
pub fn spawn(
    evaluator: Evaluator,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(error) = evaluator.evaluate_all(crate::clock::now_ms()).await {
                tracing::error!(%error, "alert evaluation pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => break,
            }
        }
    })
}
