//! `GET /api/v1/events?ws=N`: Server-Sent Events for the open dashboards of a workspace. Each
//! alert event that notifies (firing, still firing, resolved) is sent as an `alert` event with
//! the event's id and JSON; a comment every 15 s keeps idle connections open. Browsers
//! reconnect by themselves (EventSource) when the connection drops.
//!
//! A stream lives only as long as its permission: every [`RECHECK`] it looks its session up
//! again and ends when the session was signed out (here or everywhere) or expired, or when the
//! user is no longer a member of the workspace. A user keeps at most
//! [`streams::EVENT_STREAMS_PER_USER`] streams open.

use app::model::WorkspaceId;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Extension;
use futures_util::Stream;
use tokio::sync::broadcast::{self, error::RecvError};

use super::streams::StreamSlot;
use super::AppState;
use crate::alerts::evaluator::WorkspaceEvent;
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::http::session::Session;

/// How often an open stream checks that its session and membership still hold.
pub const RECHECK: Duration = Duration::from_secs(2);

/// What one open stream carries between events.
struct Open {
    receiver: broadcast::Receiver<WorkspaceEvent>,
    recheck: tokio::time::Interval,
    storage: crate::store::SharedStorage,
    token_hash: Vec<u8>,
    workspace: WorkspaceId,
    _slot: StreamSlot,
}

impl Open {
    /// Whether the session is still valid and its user still a member of the workspace.
    async fn still_allowed(&self) -> bool {
        match self
            .storage
            .session_viewer(&self.token_hash, now_ms())
            .await
        {
            Ok(Some(viewer)) => viewer.membership(Some(self.workspace.get())).is_some(),
            Ok(None) => false,
            Err(error) => {
                // The browser reconnects and is checked afresh then.
                tracing::warn!(%error, "event stream ended: its session could not be checked");
                false
            }
        }
    }

    /// The next event for this dashboard, or `None` when the stream must end.
    async fn next(&mut self) -> Option<Event> {
        loop {
            tokio::select! {
                received = self.receiver.recv() => match received {
                    // Another workspace's event: not for this dashboard.
                    Ok((workspace_id, _)) if workspace_id != self.workspace => {}
                    Ok((_, event)) => {
                        return Some(
                            Event::default()
                                .event("alert")
                                .id(event.id.to_string())
                                .json_data(&event)
                                .unwrap_or_else(|_| Event::default().comment("unencodable event")),
                        );
                    }
                    // A slow reader missed some events: carry on with the next ones.
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "an event stream fell behind");
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = self.recheck.tick() => {
                    if !self.still_allowed().await {
                        tracing::info!(workspace_id = %self.workspace, "event stream ended: permission gone");
                        return None;
                    }
                }
            }
        }
    }
}

/// The stream of one dashboard, for the workspace its `ws` names (the user's default
/// without one).
pub async fn events(
    State(state): State<AppState>,
    Extension(viewer): Extension<app::model::Viewer>,
    Extension(session): Extension<Session>,
    RawQuery(query): RawQuery,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let workspace = crate::http::session::readable_workspace(&viewer, &query.unwrap_or_default())?;
    let slot = state.event_streams.open(viewer.user_id)?;
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate; the session was just checked.
    recheck.reset();
    let open = Open {
        receiver: state.alert_events.subscribe(),
        recheck,
        storage: state.storage.clone(),
        token_hash: session.token_hash,
        workspace,
        _slot: slot,
    };
    let stream = futures_util::stream::unfold(open, |mut open| async move {
        let event = open.next().await?;
        Some((Ok(event), open))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
