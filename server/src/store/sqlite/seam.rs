//! The SQLite implementation of the storage seam's async traits: each answer is the function
//! of the same name in this implementation's modules, on the sqlx pool.

use std::collections::HashMap;

use app::model::{
    AlertChannel, AlertEvent, AlertRule, ApiKeyInfo, ChannelFormat, Delivery, EventPage, Member,
    Membership, ModelKind, Role, RuleSpec, Viewer, WorkspaceId, WorkspaceInfo,
};

use super::{
    accounts, alert_history, alerts, api_keys, catalog, channels, costs, requests, retention,
    workspaces, SqliteStore,
};
use crate::cost::Prices;
use crate::domain::alert_state::TargetState;
use crate::store::{
    Accounts, AlertHistory, AlertRules, CatalogModel, Cutoffs, Deliveries, DueDelivery, EventQuery,
    Housekeeping, KeyOwner, Keys, ModelCatalog, NewEvent, NewKey, Purged, RecomputeReport,
    StoreError, StoredUser,
};

#[async_trait::async_trait]
impl Accounts for SqliteStore {
    async fn user_by_email(&self, email: &str) -> Result<Option<StoredUser>, StoreError> {
        accounts::user_by_email(&self.pool, email).await
    }

    async fn user_count(&self) -> Result<i64, StoreError> {
        accounts::user_count(&self.pool).await
    }

    async fn create_user(
        &self,
        email: &str,
        password_hash: &str,
        is_admin: bool,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        accounts::create_user(&self.pool, email, password_hash, is_admin, now_ms).await
    }

    async fn update_user(
        &self,
        user_id: i64,
        password_hash: &str,
        is_admin: Option<bool>,
    ) -> Result<(), StoreError> {
        accounts::update_user(&self.pool, user_id, password_hash, is_admin).await
    }

    async fn set_membership(
        &self,
        workspace_id: WorkspaceId,
        user_id: i64,
        role: Role,
    ) -> Result<(), StoreError> {
        accounts::set_membership(&self.pool, workspace_id.get(), user_id, role).await
    }

    async fn change_membership(
        &self,
        workspace_id: WorkspaceId,
        user_id: i64,
        role: Option<Role>,
    ) -> Result<Result<(), &'static str>, StoreError> {
        accounts::change_membership(&self.pool, workspace_id.get(), user_id, role).await
    }

    async fn members(&self, workspace_id: WorkspaceId) -> Result<Vec<Member>, StoreError> {
        accounts::members(&self.pool, workspace_id.get()).await
    }

    async fn create_session(
        &self,
        token_hash: &[u8],
        user_id: i64,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        accounts::create_session(&self.pool, token_hash, user_id, now_ms, expires_at_ms).await
    }

    async fn session_viewer(
        &self,
        token_hash: &[u8],
        now_ms: i64,
    ) -> Result<Option<Viewer>, StoreError> {
        accounts::session_viewer(&self.pool, token_hash, now_ms).await
    }

    async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>, StoreError> {
        accounts::memberships(&self.pool, user_id).await
    }

    async fn revoke_session(&self, token_hash: &[u8], now_ms: i64) -> Result<(), StoreError> {
        accounts::revoke_session(&self.pool, token_hash, now_ms).await
    }

    async fn revoke_sessions_of(&self, user_id: i64, now_ms: i64) -> Result<u64, StoreError> {
        accounts::revoke_sessions_of(&self.pool, user_id, now_ms).await
    }

    async fn purge_sessions(&self, now_ms: i64) -> Result<u64, StoreError> {
        accounts::purge_sessions(&self.pool, now_ms).await
    }

    async fn create_workspace(
        &self,
        name: &str,
        admin_user: i64,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        accounts::create_workspace(&self.pool, name, admin_user, now_ms).await
    }

    async fn set_retention(&self, workspace_id: WorkspaceId, days: u32) -> Result<(), StoreError> {
        accounts::set_retention(&self.pool, workspace_id.get(), days).await
    }

    async fn workspace_by_id(&self, id: WorkspaceId) -> Result<Option<WorkspaceInfo>, StoreError> {
        workspaces::workspace_by_id(&self.pool, id.get()).await
    }

    async fn find_or_create_workspace(
        &self,
        name: &str,
        now_ms: i64,
    ) -> Result<WorkspaceId, StoreError> {
        workspaces::find_or_create_workspace(&self.pool, name, now_ms)
            .await
            .map(WorkspaceId::trusted)
    }

    async fn retention_by_workspace(&self) -> Result<Vec<(WorkspaceId, i64)>, StoreError> {
        let workspaces = workspaces::retention_by_workspace(&self.pool).await?;
        Ok(workspaces
            .into_iter()
            .map(|(id, days)| (WorkspaceId::trusted(id), days))
            .collect())
    }

    async fn find_workspace_id(&self, name: &str) -> Result<Option<WorkspaceId>, StoreError> {
        let id = workspaces::find_workspace_id(&self.pool, name).await?;
        Ok(id.map(WorkspaceId::trusted))
    }
}

#[async_trait::async_trait]
impl Keys for SqliteStore {
    async fn create_key(
        &self,
        workspace_id: WorkspaceId,
        name: &str,
        now_ms: i64,
    ) -> Result<NewKey, StoreError> {
        api_keys::create_key(&self.pool, workspace_id.get(), name, now_ms).await
    }

    async fn verify_key(&self, key: &str) -> Result<Option<KeyOwner>, StoreError> {
        api_keys::verify_key(&self.pool, key).await
    }

    async fn list_keys(&self, workspace_id: WorkspaceId) -> Result<Vec<ApiKeyInfo>, StoreError> {
        api_keys::list_keys(&self.pool, workspace_id.get()).await
    }

    async fn revoke_key_by_id(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        api_keys::revoke_key_by_id(&self.pool, workspace_id.get(), id, now_ms).await
    }

    async fn revoke_key(&self, key_or_prefix: &str, now_ms: i64) -> Result<u64, StoreError> {
        api_keys::revoke_key(&self.pool, key_or_prefix, now_ms).await
    }
}

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

#[async_trait::async_trait]
impl ModelCatalog for SqliteStore {
    async fn upsert_model(
        &self,
        workspace_id: WorkspaceId,
        name: &str,
        kind: ModelKind,
        prices: &Prices,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        catalog::upsert_model(&mut conn, workspace_id.get(), name, kind, prices, now_ms).await
    }

    async fn list_models(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<(i64, String, CatalogModel)>, StoreError> {
        catalog::list_models(&self.pool, workspace_id.get()).await
    }

    async fn set_prices(
        &self,
        workspace_id: WorkspaceId,
        model_id: i64,
        prices: &Prices,
    ) -> Result<bool, StoreError> {
        catalog::set_prices(&self.pool, workspace_id.get(), model_id, prices).await
    }

    async fn recompute(
        &self,
        workspace_id: WorkspaceId,
        since_ms: i64,
    ) -> Result<RecomputeReport, StoreError> {
        costs::recompute(&self.pool, workspace_id.get(), since_ms).await
    }
}

#[async_trait::async_trait]
impl Housekeeping for SqliteStore {
    async fn purge_workspace(
        &self,
        workspace_id: WorkspaceId,
        cutoffs: Cutoffs,
        batch: i64,
    ) -> Result<Purged, StoreError> {
        retention::purge_workspace(&self.pool, workspace_id.get(), cutoffs, batch).await
    }

    async fn has_requests(&self, workspace_id: WorkspaceId) -> Result<bool, StoreError> {
        requests::has_requests(&self.pool, workspace_id.get()).await
    }
}
