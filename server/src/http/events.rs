//! `GET /api/v1/events?ws=N`: Server-Sent Events for the open dashboards of a workspace. Each alert event that
//! notifies (firing, still firing, resolved) is sent as an `alert` event with the event's id
//! and JSON; a comment every 15 s keeps idle connections open. Browsers reconnect by
//! themselves (EventSource) when the connection drops.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Extension;
use futures_util::Stream;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::alerts::evaluator::WorkspaceEvent;
use crate::http::error::ApiError;

/// The stream of one dashboard, for the workspace its `ws` names (the user's default
/// without one).
pub async fn events(
    State(sender): State<broadcast::Sender<WorkspaceEvent>>,
    Extension(viewer): Extension<app::model::Viewer>,
    RawQuery(query): RawQuery,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let workspace = crate::auth::session::readable_workspace(&viewer, &query.unwrap_or_default())?;
    let receiver = sender.subscribe();
    let stream = futures_util::stream::unfold(receiver, move |mut receiver| async move {
        loop {
            match receiver.recv().await {
                // Another workspace's event: not for this dashboard.
                Ok((workspace_id, _)) if workspace_id != workspace => {}
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
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
