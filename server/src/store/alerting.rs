//! Alerting's storage: rules and their targets' states, the events transitions raise (stored
//! with the state in one transaction), the history read back, webhook channels and the queue of
//! deliveries.

use app::model::WorkspaceId;
use std::collections::HashMap;

use app::model::{
    AlertChannel, AlertEvent, AlertRule, ChannelFormat, Cursor, Delivery, EventPage, RuleSpec,
    Severity,
};

use super::StoreError;
use crate::domain::alert_state::{EventKind, TargetState};

/// An event about to be stored.
pub struct NewEvent<'a> {
    pub workspace_id: WorkspaceId,
    pub rule: &'a AlertRule,
    pub target: &'a str,
    pub kind: EventKind,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    /// For a rule on cost, the share of calls whose cost is known.
    pub cost_coverage: Option<f64>,
    pub window: (i64, i64),
    pub at_ms: i64,
}

/// Which events, as the store reads them (times resolved, the page position given).
#[derive(Clone, Debug, Default)]
pub struct EventQuery {
    pub rule: Option<i64>,
    pub kinds: Vec<String>,
    pub severity: Option<Severity>,
    pub model: Option<String>,
    /// `[from, to)` on the event's time.
    pub between: Option<(i64, i64)>,
    pub before: Option<Cursor>,
    pub limit: u32,
}

/// A delivery that is due, with what it needs to be sent.
#[derive(Clone, Debug)]
pub struct DueDelivery {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub event_id: i64,
    pub attempts: i64,
    pub url: String,
    pub format: ChannelFormat,
}

/// Alert rules and the state of each rule's targets.
#[async_trait::async_trait]
pub trait AlertRules: Send + Sync {
    /// The rules of `workspace_id`, oldest first.
    async fn rules(&self, workspace_id: WorkspaceId) -> Result<Vec<AlertRule>, StoreError>;

    /// One rule of `workspace_id`.
    async fn rule(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
    ) -> Result<Option<AlertRule>, StoreError>;

    /// Every enabled rule of every workspace: what the evaluator runs.
    async fn enabled_rules(&self) -> Result<Vec<(WorkspaceId, AlertRule)>, StoreError>;

    /// Stores a new rule (already validated); returns its id.
    async fn create_rule(
        &self,
        workspace_id: WorkspaceId,
        spec: &RuleSpec,
        now_ms: i64,
    ) -> Result<i64, StoreError>;

    /// Replaces a rule's settings; its targets start over (their state was about the old rule).
    /// `false` when the rule does not exist in `workspace_id`.
    async fn update_rule(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
        spec: &RuleSpec,
        now_ms: i64,
    ) -> Result<bool, StoreError>;

    /// Deletes a rule and its states (its events stay in the history).
    async fn delete_rule(&self, workspace_id: WorkspaceId, id: i64) -> Result<bool, StoreError>;

    /// The stored states of a rule's targets.
    async fn states(&self, rule_id: i64) -> Result<HashMap<String, TargetState>, StoreError>;

    /// Stores a target's new state and, in the same transaction, its event; returns the event.
    async fn save_step(
        &self,
        rule_id: i64,
        target: &str,
        state: TargetState,
        event: Option<NewEvent<'_>>,
    ) -> Result<Option<AlertEvent>, StoreError>;
}

/// The events rules raised, read back.
#[async_trait::async_trait]
pub trait AlertHistory: Send + Sync {
    /// One event by id.
    async fn event_by_id(&self, id: i64) -> Result<Option<AlertEvent>, StoreError>;

    /// One page of `workspace_id`'s events matching `query`, newest first.
    async fn events(
        &self,
        workspace_id: WorkspaceId,
        query: &EventQuery,
    ) -> Result<EventPage, StoreError>;
}

/// Webhook channels and the deliveries of events to them.
#[async_trait::async_trait]
pub trait Deliveries: Send + Sync {
    /// The channels of `workspace_id`.
    async fn channels(&self, workspace_id: WorkspaceId) -> Result<Vec<AlertChannel>, StoreError>;

    /// Stores a channel (already validated); returns its id.
    async fn create_channel(
        &self,
        workspace_id: WorkspaceId,
        name: &str,
        url: &str,
        format: ChannelFormat,
        now_ms: i64,
    ) -> Result<i64, StoreError>;

    /// Deletes a channel (and its pending deliveries).
    async fn delete_channel(&self, workspace_id: WorkspaceId, id: i64) -> Result<bool, StoreError>;

    /// Queues a delivery of event `event_id` to each of `channel_ids` that belongs to
    /// `workspace_id`, due at once.
    async fn queue_deliveries(
        &self,
        workspace_id: WorkspaceId,
        event_id: i64,
        channel_ids: &[i64],
        now_ms: i64,
    ) -> Result<u64, StoreError>;

    /// Deliveries due at `now_ms`, oldest first: at most `per_workspace` of each workspace (so
    /// one workspace's backlog never hides another's) and `limit` in all.
    async fn due_deliveries(
        &self,
        now_ms: i64,
        per_workspace: i64,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StoreError>;

    /// Takes delivery `id` for one attempt when it is still due at `now_ms`: it is not due again
    /// before `held_until_ms` (so no other pass sends it meanwhile, and after a crash it is sent
    /// again then). False when another pass took it first.
    async fn claim_delivery(
        &self,
        id: i64,
        now_ms: i64,
        held_until_ms: i64,
    ) -> Result<bool, StoreError>;

    /// Records an attempt: delivered, failed for good, or to be tried again at `retry_at_ms`.
    async fn record_attempt(
        &self,
        id: i64,
        status: &str,
        http_status: Option<u16>,
        error: Option<&str>,
        retry_at_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// Each delivery of the events of `workspace_id` in `event_ids`: `(event, channel name,
    /// status, attempts, http status, error)`.
    async fn deliveries(
        &self,
        workspace_id: WorkspaceId,
        event_ids: &[i64],
    ) -> Result<Vec<Delivery>, StoreError>;
}
