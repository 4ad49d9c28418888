//! `GET /api/v1/events`: Server-Sent Events for open dashboards. Each alert event that
//! notifies (firing, still firing, resolved) is sent as an `alert` event with the event's id
//! and JSON; a comment every 15 s keeps idle connections open. Browsers reconnect by
//! themselves (EventSource) when the connection drops.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::alerts::evaluator::WorkspaceEvent;
use crate::query::DEFAULT_WORKSPACE_ID;

/// The stream of one dashboard.
pub async fn events(
    State(sender): State<broadcast::Sender<WorkspaceEvent>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = sender.subscribe();
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                // Until accounts land, every dashboard looks at the default workspace.
                Ok((workspace_id, _)) if workspace_id != DEFAULT_WORKSPACE_ID => {}
                Ok((_, event)) => {
                    let message = Event::default()
                        .event("alert")
                        .id(event.id.to_string())
                        .json_data(&event)
                        .unwrap_or_else(|_| Event::default().comment("unencodable event"));
                    return Some((Ok(message), receiver));
                }
                // A slow reader missed some events: carry on with the next ones.
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "an event stream fell behind");
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
