//! Hears what other servers on the database tell every server (`store::Signal`): alert events go
//! to this server's open dashboards, revoked keys are forgotten at once. If the connection that
//! hears them was lost, every remembered key is forgotten, since a revocation may have been
//! missed. With SQLite there is no other server and this job does not run.

use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use futures_util::StreamExt;

use crate::alerts::evaluator::WorkspaceEvent;
use crate::engine::Engine;
use crate::store::{Heard, SharedStorage, Signal};

/// Starts listening; `None` when the storage has no other servers to hear.
pub async fn spawn(
    storage: SharedStorage,
    server: std::sync::Arc<str>,
    engine: Engine,
    events: broadcast::Sender<WorkspaceEvent>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Option<JoinHandle<()>>> {
    let Some(mut heard) = storage.listen().await? else {
        return Ok(None);
    };
    Ok(Some(tokio::spawn(async move {
        loop {
            tokio::select! {
                next = heard.next() => match next {
                    Some(Ok(heard)) => handle(&storage, &server, &engine, &events, heard).await,
                    Some(Err(error)) => {
                        tracing::warn!(%error, "signals may have been missed: forgetting every remembered key");
                        engine.keys().clear();
                    }
                    None => break,
                },
                _ = stop.changed() => break,
            }
        }
    })))
}

async fn handle(
    storage: &SharedStorage,
    server: &str,
    engine: &Engine,
    events: &broadcast::Sender<WorkspaceEvent>,
    heard: Heard,
) {
    match heard.signal {
        Signal::KeyRevoked { key_id } => engine.keys().forget(key_id),
        // This server's own events reached its dashboards when they were raised.
        Signal::AlertEvent { .. } if heard.origin == server => {}
        Signal::AlertEvent {
            workspace_id,
            event_id,
        } => match storage.event_by_id(event_id).await {
            Ok(Some(event)) => {
                let _ = events.send((workspace_id, event));
            }
            Ok(None) => tracing::debug!(event_id, "a signalled alert event is gone"),
            Err(error) => tracing::error!(%error, event_id, "cannot read a signalled alert event"),
        },
    }
}
