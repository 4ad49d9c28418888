//! The seam between the UI and the engine: everything a server function may ask of the engine.
//!
//! `server` implements [`Backend`] and provides it as context to every server function and
//! render; `app` never sees SQL, sqlx or tokio. Every question names its workspace: the server
//! function has already checked that the signed-in user may ask it (`api::access`).

use std::sync::Arc;

use leptos::prelude::*;

use crate::api::AppError;
use crate::model::{
    AddedMember, AlertChannel, AlertRule, AnalyticsReport, ChannelFormat, CreatedKey, Delivery,
    EventPage, LogDetail, LogPage, Prices, ResetPassword, Role, RulePreview, RuleSpec,
    SettingsOverview, Viewer, WorkspaceId,
};
use crate::url_state::{AnalyticsFilter, HistoryFilter, LogsFilter};

/// A failure inside the engine. The engine logs the details; server functions turn it into an
/// [`AppError`] with `api::access::answer`.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The thing asked for does not exist (in this workspace).
    #[error("not found")]
    NotFound,
    /// The user may not do this to this thing; the text says why.
    #[error("{0}")]
    Forbidden(String),
    /// The request cannot be carried out as asked; the text says why (`field: reason`).
    #[error("{0}")]
    Invalid(String),
    /// Too many attempts (or too busy) for now: the text says why, retry after the seconds.
    #[error("{reason}")]
    TooMany {
        reason: String,
        retry_after_secs: u64,
    },
    /// Storage or another internal part failed; details are in the server log.
    #[error("internal error")]
    Internal,
}

/// A signed-in user changing their own password. The server function has checked the bounds
/// of both passwords and the rules of the new one. (No `Debug`: it holds passwords.)
pub struct PasswordChange {
    pub user_id: i64,
    /// Their address: a wrong current password counts against it as a failed login does.
    pub email: String,
    pub current_password: String,
    pub new_password: String,
    /// The session asking (its token's SHA-256): it stays signed in.
    pub keep_session: Vec<u8>,
    /// The client's address, counted as a login attempt's is.
    pub client: String,
}

/// Everything the UI may ask of the engine.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The Analytics report for `filter` in workspace `ws`; presets end now.
    async fn analytics(
        &self,
        ws: WorkspaceId,
        filter: AnalyticsFilter,
    ) -> Result<AnalyticsReport, BackendError>;

    /// One page of the Logs table for `filter`; presets end now.
    async fn logs(&self, ws: WorkspaceId, filter: LogsFilter) -> Result<LogPage, BackendError>;

    /// Everything stored about the newest call with `request_id` that retention still keeps.
    async fn log(&self, ws: WorkspaceId, request_id: String) -> Result<LogDetail, BackendError>;

    /// The alert rules.
    async fn alert_rules(&self, ws: WorkspaceId) -> Result<Vec<AlertRule>, BackendError>;

    /// Stores a validated rule: a new one (`id` `None`) or over rule `id`; returns its id.
    /// Channels must be the workspace's own.
    async fn save_alert_rule(
        &self,
        ws: WorkspaceId,
        id: Option<i64>,
        spec: RuleSpec,
    ) -> Result<i64, BackendError>;

    /// Deletes rule `id` (its history stays).
    async fn delete_alert_rule(&self, ws: WorkspaceId, id: i64) -> Result<(), BackendError>;

    /// The rule's metric over the last 24 hours, for the editor's preview.
    async fn preview_alert_rule(
        &self,
        ws: WorkspaceId,
        spec: RuleSpec,
    ) -> Result<RulePreview, BackendError>;

    /// The webhook channels.
    async fn alert_channels(&self, ws: WorkspaceId) -> Result<Vec<AlertChannel>, BackendError>;

    /// Stores a validated channel; returns its id.
    async fn create_alert_channel(
        &self,
        ws: WorkspaceId,
        name: String,
        url: String,
        format: ChannelFormat,
    ) -> Result<i64, BackendError>;

    /// Deletes channel `id`.
    async fn delete_alert_channel(&self, ws: WorkspaceId, id: i64) -> Result<(), BackendError>;

    /// Sends a test notification to channel `id` now and says how it went.
    async fn send_test_alert(
        &self,
        ws: WorkspaceId,
        channel_id: i64,
    ) -> Result<Delivery, BackendError>;

    /// The webhook deliveries of these events.
    async fn alert_deliveries(
        &self,
        ws: WorkspaceId,
        event_ids: Vec<i64>,
    ) -> Result<Vec<Delivery>, BackendError>;

    /// One page of alert events matching `filter`, newest first.
    async fn alert_events(
        &self,
        ws: WorkspaceId,
        filter: HistoryFilter,
    ) -> Result<EventPage, BackendError>;

    /// Members, keys, models and prices, as seen by a user with `role`.
    async fn settings(&self, ws: WorkspaceId, role: Role)
        -> Result<SettingsOverview, BackendError>;

    /// Sets the raw-data retention in days (1 to 3,650).
    async fn set_retention(&self, ws: WorkspaceId, days: u32) -> Result<(), BackendError>;

    /// Adds `email` with `role`; a new account gets a password shown once.
    async fn add_member(
        &self,
        ws: WorkspaceId,
        email: String,
        role: Role,
    ) -> Result<AddedMember, BackendError>;

    /// Changes a member's role, or removes them (`None`); a workspace keeps one admin.
    async fn change_member(
        &self,
        ws: WorkspaceId,
        user_id: i64,
        role: Option<Role>,
    ) -> Result<(), BackendError>;

    /// Creates an ingest key named `name`; its secret is returned once.
    async fn create_api_key(
        &self,
        ws: WorkspaceId,
        name: String,
    ) -> Result<CreatedKey, BackendError>;

    /// Revokes key `id`.
    async fn revoke_api_key(&self, ws: WorkspaceId, id: i64) -> Result<(), BackendError>;

    /// Sets the prices of model `model_id` (checked already).
    async fn set_model_prices(
        &self,
        ws: WorkspaceId,
        model_id: i64,
        prices: Prices,
    ) -> Result<(), BackendError>;

    /// Creates workspace `name` with `user_id` as its admin; returns its id.
    async fn create_workspace(&self, user_id: i64, name: String) -> Result<i64, BackendError>;

    /// Ends every session of `user_id`; returns how many were live.
    async fn sign_out_everywhere(&self, user_id: i64) -> Result<u64, BackendError>;

    /// Sets a user's own password when the current one is theirs (checked, and counted
    /// against the login limits, as a login is); ends their other sessions and returns how
    /// many ended.
    async fn change_password(&self, change: PasswordChange) -> Result<u64, BackendError>;

    /// Gives member `user_id` of `ws` a new random password, returned once, and ends all their
    /// sessions. `by` is the admin asking: a member who also belongs to a workspace `by` does
    /// not administer, or a server administrator (unless `by` is one), is not theirs to reset.
    async fn reset_member_password(
        &self,
        ws: WorkspaceId,
        by: Viewer,
        user_id: i64,
    ) -> Result<ResetPassword, BackendError>;
}

/// How the engine is shared with server functions (as Leptos context).
pub type SharedBackend = Arc<dyn Backend>;

/// The engine, as provided by the server for this request (an internal error, logged, when the
/// server did not provide it).
pub fn backend() -> Result<SharedBackend, AppError> {
    use_context::<SharedBackend>().ok_or_else(|| {
        leptos::logging::error!("the engine is not available in this context");
        AppError::Internal
    })
}
