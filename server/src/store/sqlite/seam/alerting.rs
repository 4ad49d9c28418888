//! The seam's alerting traits in SQLite: each answer is the function of the same name in
//! `sqlite::alerts`, `sqlite::alert_history` or `sqlite::channels`, on the sqlx pool.

use std::collections::HashMap;

use app::model::{
    AlertChannel, AlertEvent, AlertRule, ChannelFormat, Delivery, EventPage, RuleSpec, WorkspaceId,
};

use super::super::{alert_history, alerts, channels, SqliteStore};
use crate::domain::alert_state::TargetState;
use crate::store::{
    AlertHistory, AlertRules, Deliveries, DueDelivery, EventQuery, NewEvent, StoreError,
};

#[async_trait::async_trait]
impl AlertRules for SqliteStore {
    async fn rules(&self, workspace_id: WorkspaceId) -> Result<Vec<AlertRule>, StoreError> {
        alerts::rules(&self.pool, workspace_id.get()).await
    }

    async fn rule(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
    ) -> Result<Option<AlertRule>, StoreError> {
        alerts::rule(&self.pool, workspace_id.get(), id).await
    }

    async fn enabled_rules(&self) -> Result<Vec<(WorkspaceId, AlertRule)>, StoreError> {
        let rules = alerts::enabled_rules(&self.pool).await?;
        Ok(rules
            .into_iter()
            .map(|(id, rule)| (WorkspaceId::trusted(id), rule))
            .collect())
    }

    async fn create_rule(
        &self,
        workspace_id: WorkspaceId,
        spec: &RuleSpec,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        alerts::create_rule(&self.pool, workspace_id.get(), spec, now_ms).await
    }

    async fn update_rule(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
        spec: &RuleSpec,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        alerts::update_rule(&self.pool, workspace_id.get(), id, spec, now_ms).await
    }

    async fn delete_rule(&self, workspace_id: WorkspaceId, id: i64) -> Result<bool, StoreError> {
        alerts::delete_rule(&self.pool, workspace_id.get(), id).await
    }

    async fn states(&self, rule_id: i64) -> Result<HashMap<String, TargetState>, StoreError> {
        alerts::states(&self.pool, rule_id).await
    }

    async fn save_step(
        &self,
        rule_id: i64,
        target: &str,
        state: TargetState,
        event: Option<NewEvent<'_>>,
    ) -> Result<Option<AlertEvent>, StoreError> {
        alerts::save_step(&self.pool, rule_id, target, state, event).await
    }
}

#[async_trait::async_trait]
impl AlertHistory for SqliteStore {
    async fn event_by_id(&self, id: i64) -> Result<Option<AlertEvent>, StoreError> {
        alert_history::event_by_id(&self.pool, id).await
    }

    async fn events(
        &self,
        workspace_id: WorkspaceId,
        query: &EventQuery,
    ) -> Result<EventPage, StoreError> {
        alert_history::events(&self.pool, workspace_id.get(), query).await
    }
}

#[async_trait::async_trait]
impl Deliveries for SqliteStore {
    async fn channels(&self, workspace_id: WorkspaceId) -> Result<Vec<AlertChannel>, StoreError> {
        channels::channels(&self.pool, workspace_id.get()).await
    }

    async fn create_channel(
        &self,
        workspace_id: WorkspaceId,
        name: &str,
        url: &str,
        format: ChannelFormat,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        channels::create_channel(&self.pool, workspace_id.get(), name, url, format, now_ms).await
    }

    async fn delete_channel(&self, workspace_id: WorkspaceId, id: i64) -> Result<bool, StoreError> {
        channels::delete_channel(&self.pool, workspace_id.get(), id).await
    }

    async fn queue_deliveries(
        &self,
        workspace_id: WorkspaceId,
        event_id: i64,
        channel_ids: &[i64],
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        channels::queue_deliveries(
            &self.pool,
            workspace_id.get(),
            event_id,
            channel_ids,
            now_ms,
        )
        .await
    }

    async fn due_deliveries(
        &self,
        now_ms: i64,
        per_workspace: i64,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        channels::due_deliveries(&self.pool, now_ms, per_workspace, limit).await
    }

    async fn claim_delivery(
        &self,
        id: i64,
        now_ms: i64,
        held_until_ms: i64,
    ) -> Result<bool, StoreError> {
        channels::claim_delivery(&self.pool, id, now_ms, held_until_ms).await
    }

    async fn record_attempt(
        &self,
        id: i64,
        status: &str,
        http_status: Option<u16>,
        error: Option<&str>,
        retry_at_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        channels::record_attempt(
            &self.pool,
            id,
            status,
            http_status,
            error,
            retry_at_ms,
            now_ms,
        )
        .await
    }

    async fn deliveries(
        &self,
        workspace_id: WorkspaceId,
        event_ids: &[i64],
    ) -> Result<Vec<Delivery>, StoreError> {
        channels::deliveries(&self.pool, workspace_id.get(), event_ids).await
    }
}
