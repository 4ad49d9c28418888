//! The engine as the UI's `Backend`: each question of a server function, answered for the
//! workspace it names (the server function checked the user's access first).

use app::api::backend::{Backend, BackendError, PasswordChange};
use app::model::WorkspaceId;
use app::model::{
    AddedMember, AlertChannel, AlertEvent, AlertRule, AnalyticsReport, ChannelFormat, CreatedKey,
    Delivery, EventPage, LogDetail, LogPage, Prices, ResetPassword, Role, RulePreview, RuleSpec,
    SettingsOverview, Viewer,
};
use app::url_state::{AnalyticsFilter, HistoryFilter, LogsFilter, HISTORY_PAGE};

use super::Engine;
use crate::alerts::webhook::client::Outcome;
use crate::clock::now_ms;
use crate::store::EventQuery;
use crate::store::StoreError;

/// Logs the full error and hands the UI only its generic kind.
fn internal(error: StoreError) -> BackendError {
    tracing::error!(%error, "backend query failed");
    BackendError::Internal
}

#[async_trait::async_trait]
impl Backend for Engine {
    async fn analytics(
        &self,
        ws: WorkspaceId,
        filter: AnalyticsFilter,
    ) -> Result<AnalyticsReport, BackendError> {
        self.analytics_report(ws, &filter, now_ms())
            .await
            .map_err(internal)
    }

    async fn logs(&self, ws: WorkspaceId, filter: LogsFilter) -> Result<LogPage, BackendError> {
        self.logs_page(ws, &filter, now_ms())
            .await
            .map_err(internal)
    }

    async fn alert_rules(&self, ws: WorkspaceId) -> Result<Vec<AlertRule>, BackendError> {
        self.storage.rules(ws).await.map_err(internal)
    }

    async fn save_alert_rule(
        &self,
        ws: WorkspaceId,
        id: Option<i64>,
        spec: RuleSpec,
    ) -> Result<i64, BackendError> {
        let owned = self.storage.channels(ws).await.map_err(internal)?;
        if let Some(foreign) = spec
            .channels
            .iter()
            .find(|id| !owned.iter().any(|channel| channel.id == **id))
        {
            return Err(BackendError::Invalid(format!(
                "channels: no channel {foreign} in this workspace"
            )));
        }
        let now = now_ms();
        match id {
            None => self
                .storage
                .create_rule(ws, &spec, now)
                .await
                .map_err(internal),
            Some(id) => {
                let updated = self
                    .storage
                    .update_rule(ws, id, &spec, now)
                    .await
                    .map_err(internal)?;
                if updated {
                    Ok(id)
                } else {
                    Err(BackendError::NotFound)
                }
            }
        }
    }

    async fn delete_alert_rule(&self, ws: WorkspaceId, id: i64) -> Result<(), BackendError> {
        let deleted = self.storage.delete_rule(ws, id).await.map_err(internal)?;
        if deleted {
            Ok(())
        } else {
            Err(BackendError::NotFound)
        }
    }

    async fn alert_events(
        &self,
        ws: WorkspaceId,
        filter: HistoryFilter,
    ) -> Result<EventPage, BackendError> {
        let query = EventQuery {
            rule: filter.rule,
            kinds: filter.kinds,
            severity: filter.severity,
            model: filter.model,
            between: filter.range.map(|range| range.bounds(now_ms())),
            before: filter.before,
            limit: HISTORY_PAGE,
        };
        self.storage.events(ws, &query).await.map_err(internal)
    }

    async fn preview_alert_rule(
        &self,
        ws: WorkspaceId,
        spec: RuleSpec,
    ) -> Result<RulePreview, BackendError> {
        self.rule_preview(ws, spec, now_ms())
            .await
            .map_err(internal)
    }

    async fn alert_channels(&self, ws: WorkspaceId) -> Result<Vec<AlertChannel>, BackendError> {
        self.storage.channels(ws).await.map_err(internal)
    }

    async fn create_alert_channel(
        &self,
        ws: WorkspaceId,
        name: String,
        url: String,
        format: ChannelFormat,
    ) -> Result<i64, BackendError> {
        self.storage
            .create_channel(ws, &name, &url, format, now_ms())
            .await
            .map_err(internal)
    }

    async fn delete_alert_channel(&self, ws: WorkspaceId, id: i64) -> Result<(), BackendError> {
        match self.storage.delete_channel(ws, id).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(BackendError::NotFound),
            Err(error) => Err(internal(error)),
        }
    }

    async fn send_test_alert(
        &self,
        ws: WorkspaceId,
        channel_id: i64,
    ) -> Result<Delivery, BackendError> {
        let channels = self.storage.channels(ws).await.map_err(internal)?;
        let channel = channels
            .into_iter()
            .find(|channel| channel.id == channel_id)
            .ok_or(BackendError::NotFound)?;
        let now = now_ms();
        let event = AlertEvent {
            id: 0,
            rule_id: 0,
            rule_name: "Test notification from Modelwatch".into(),
            severity: app::model::Severity::Info,
            metric: app::model::Metric::Requests,
            target: String::new(),
            models: Vec::new(),
            dimension: None,
            kind: "firing".into(),
            value: None,
            threshold: None,
            cost_coverage: None,
            window_from_ms: now,
            window_to_ms: now,
            at_ms: now,
        };
        let started = tokio::time::Instant::now();
        let outcome = self
            .webhooks
            .send(
                &channel.url,
                &crate::alerts::webhook::payload(channel.format, &event),
            )
            .await;
        if outcome == Outcome::NoAnswer {
            // A refused connection fails at once and a filtered port only when the time is up:
            // answering both at the same time keeps "send test" from telling them apart.
            tokio::time::sleep_until(started + self.webhooks.timeout()).await;
        }
        Ok(Delivery {
            event_id: 0,
            channel: channel.name,
            status: if outcome.delivered() {
                "delivered"
            } else {
                "failed"
            }
            .into(),
            attempts: 1,
            http_status: outcome.http_status(),
            error: outcome.error().map(str::to_owned),
        })
    }

    async fn alert_deliveries(
        &self,
        ws: WorkspaceId,
        event_ids: Vec<i64>,
    ) -> Result<Vec<Delivery>, BackendError> {
        self.storage
            .deliveries(ws, &event_ids)
            .await
            .map_err(internal)
    }

    async fn log(&self, ws: WorkspaceId, request_id: String) -> Result<LogDetail, BackendError> {
        self.log_detail(ws, request_id, now_ms())
            .await
            .map_err(internal)?
            .ok_or(BackendError::NotFound)
    }

    async fn settings(
        &self,
        ws: WorkspaceId,
        role: Role,
    ) -> Result<SettingsOverview, BackendError> {
        self.settings_overview(ws, role).await.map_err(internal)
    }

    async fn set_retention(&self, ws: WorkspaceId, days: u32) -> Result<(), BackendError> {
        self.storage.set_retention(ws, days).await.map_err(internal)
    }

    async fn add_member(
        &self,
        ws: WorkspaceId,
        email: String,
        role: Role,
    ) -> Result<AddedMember, BackendError> {
        self.add_workspace_member(ws, &email, role)
            .await
            .map_err(|error| {
                tracing::error!(%error, "adding a member failed");
                BackendError::Internal
            })
    }

    async fn change_member(
        &self,
        ws: WorkspaceId,
        user_id: i64,
        role: Option<Role>,
    ) -> Result<(), BackendError> {
        match self.storage.change_membership(ws, user_id, role).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(BackendError::Invalid(reason.to_owned())),
            Err(error) => Err(internal(error)),
        }
    }

    async fn create_api_key(
        &self,
        ws: WorkspaceId,
        name: String,
    ) -> Result<CreatedKey, BackendError> {
        let key = self
            .storage
            .create_key(ws, &name, now_ms())
            .await
            .map_err(internal)?;
        let info = self
            .storage
            .list_keys(ws)
            .await
            .map_err(internal)?
            .into_iter()
            .find(|info| info.id == key.id)
            .ok_or(BackendError::Internal)?;
        Ok(CreatedKey {
            info,
            secret: key.key,
        })
    }

    async fn revoke_api_key(&self, ws: WorkspaceId, id: i64) -> Result<(), BackendError> {
        match self.storage.revoke_key_by_id(ws, id, now_ms()).await {
            Ok(true) => {
                self.keys().forget(id);
                Ok(())
            }
            Ok(false) => Err(BackendError::NotFound),
            Err(error) => Err(internal(error)),
        }
    }

    async fn set_model_prices(
        &self,
        ws: WorkspaceId,
        model_id: i64,
        prices: Prices,
    ) -> Result<(), BackendError> {
        match self.storage.set_prices(ws, model_id, &prices).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(BackendError::NotFound),
            Err(error) => Err(internal(error)),
        }
    }

    async fn create_workspace(&self, user_id: i64, name: String) -> Result<i64, BackendError> {
        match self
            .storage
            .create_workspace(&name, user_id, now_ms())
            .await
        {
            Ok(Some(id)) => Ok(id),
            Ok(None) => Err(BackendError::Invalid(
                "name: a workspace with this name exists".into(),
            )),
            Err(error) => Err(internal(error)),
        }
    }

    async fn sign_out_everywhere(&self, user_id: i64) -> Result<u64, BackendError> {
        self.storage
            .revoke_sessions_of(user_id, now_ms())
            .await
            .map_err(internal)
    }

    async fn change_password(&self, change: PasswordChange) -> Result<u64, BackendError> {
        self.change_own_password(change, now_ms()).await
    }

    async fn reset_member_password(
        &self,
        ws: WorkspaceId,
        by: Viewer,
        user_id: i64,
    ) -> Result<ResetPassword, BackendError> {
        self.reset_password_of(ws, &by, user_id, now_ms()).await
    }
}
