//! The seam between the UI and the engine: everything a server function may ask of the engine.
//!
//! `server` implements [`Backend`] and provides it as context to every server function and
//! render; `app` never sees SQL, sqlx or tokio.

use std::sync::Arc;

use leptos::prelude::*;

use crate::model::{
    AlertChannel, AlertRule, AnalyticsReport, ChannelFormat, Delivery, EventPage, LogDetail,
    LogPage, RulePreview, RuleSpec, WorkspaceInfo,
};
use crate::url_state::{AnalyticsFilter, HistoryFilter, LogsFilter};

/// A failure inside the engine. The engine logs the details; the UI gets only this generic text
/// (it converts into `ServerFnError` through `?`).
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// Storage or another internal part failed; details are in the server log.
    #[error("internal error")]
    Internal,
}

/// Everything the UI may ask of the engine.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The workspace the current dashboard user is looking at.
    async fn current_workspace(&self) -> Result<WorkspaceInfo, BackendError>;

    /// The Analytics report for `filter` in the current workspace; presets end now.
    async fn analytics(&self, filter: AnalyticsFilter) -> Result<AnalyticsReport, BackendError>;

    /// One page of the Logs table for `filter` in the current workspace; presets end now.
    async fn logs(&self, filter: LogsFilter) -> Result<LogPage, BackendError>;

    /// Everything stored about the newest call with `request_id` that retention still keeps.
    async fn log(&self, request_id: String) -> Result<LogDetail, BackendError>;

    /// The alert rules of the current workspace.
    async fn alert_rules(&self) -> Result<Vec<AlertRule>, BackendError>;

    /// Stores a validated rule: a new one (`id` `None`) or over rule `id`; returns its id.
    async fn save_alert_rule(&self, id: Option<i64>, spec: RuleSpec) -> Result<i64, BackendError>;

    /// Deletes rule `id` (its history stays).
    async fn delete_alert_rule(&self, id: i64) -> Result<(), BackendError>;

    /// The rule's metric over the last 24 hours, for the editor's preview.
    async fn preview_alert_rule(&self, spec: RuleSpec) -> Result<RulePreview, BackendError>;

    /// The webhook channels of the current workspace.
    async fn alert_channels(&self) -> Result<Vec<AlertChannel>, BackendError>;

    /// Stores a validated channel; returns its id.
    async fn create_alert_channel(
        &self,
        name: String,
        url: String,
        format: ChannelFormat,
    ) -> Result<i64, BackendError>;

    /// Deletes channel `id`.
    async fn delete_alert_channel(&self, id: i64) -> Result<(), BackendError>;

    /// Sends a test notification to channel `id` now and says how it went.
    async fn send_test_alert(&self, channel_id: i64) -> Result<Delivery, BackendError>;

    /// The webhook deliveries of these events.
    async fn alert_deliveries(&self, event_ids: Vec<i64>) -> Result<Vec<Delivery>, BackendError>;

    /// One page of the current workspace's alert events matching `filter`, newest first.
    async fn alert_events(&self, filter: HistoryFilter) -> Result<EventPage, BackendError>;
}

/// How the engine is shared with server functions (as Leptos context).
pub type SharedBackend = Arc<dyn Backend>;

/// The engine, as provided by the server for this request.
pub fn backend() -> Result<SharedBackend, ServerFnError> {
    use_context::<SharedBackend>()
        .ok_or_else(|| ServerFnError::new("the engine is not available in this context"))
}
