//! The engine as the UI's `Backend`: each question of a server function, answered for the
//! workspace the dashboard shows.

use app::api::backend::{Backend, BackendError};
use app::model::{
    AlertChannel, AlertEvent, AlertRule, AnalyticsReport, ChannelFormat, Delivery, EventPage,
    LogDetail, LogPage, RulePreview, RuleSpec, WorkspaceInfo,
};
use app::url_state::{AnalyticsFilter, HistoryFilter, LogsFilter, HISTORY_PAGE};

use super::{now_ms, Engine, DEFAULT_WORKSPACE_ID};
use crate::store::alert_history::EventQuery;
use crate::store::{self, StoreError};

/// Logs the full error and hands the UI only its generic kind.
fn internal(error: StoreError) -> BackendError {
    tracing::error!(%error, "backend query failed");
    BackendError::Internal
}

#[async_trait::async_trait]
impl Backend for Engine {
    async fn current_workspace(&self) -> Result<WorkspaceInfo, BackendError> {
        store::workspaces::workspace_by_id(&self.pool, DEFAULT_WORKSPACE_ID)
            .await
            .map_err(internal)?
            .ok_or(BackendError::NotFound)
    }

    async fn analytics(&self, filter: AnalyticsFilter) -> Result<AnalyticsReport, BackendError> {
        self.analytics_report(DEFAULT_WORKSPACE_ID, &filter, now_ms())
            .await
            .map_err(internal)
    }

    async fn logs(&self, filter: LogsFilter) -> Result<LogPage, BackendError> {
        self.logs_page(DEFAULT_WORKSPACE_ID, &filter, now_ms())
            .await
            .map_err(internal)
    }

    async fn alert_rules(&self) -> Result<Vec<AlertRule>, BackendError> {
        store::alerts::rules(&self.pool, DEFAULT_WORKSPACE_ID)
            .await
            .map_err(internal)
    }

    async fn save_alert_rule(&self, id: Option<i64>, spec: RuleSpec) -> Result<i64, BackendError> {
        let now = now_ms();
        match id {
            None => store::alerts::create_rule(&self.pool, DEFAULT_WORKSPACE_ID, &spec, now)
                .await
                .map_err(internal),
            Some(id) => {
                let updated =
                    store::alerts::update_rule(&self.pool, DEFAULT_WORKSPACE_ID, id, &spec, now)
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

    async fn delete_alert_rule(&self, id: i64) -> Result<(), BackendError> {
        let deleted = store::alerts::delete_rule(&self.pool, DEFAULT_WORKSPACE_ID, id)
            .await
            .map_err(internal)?;
        if deleted {
            Ok(())
        } else {
            Err(BackendError::NotFound)
        }
    }

    async fn alert_events(&self, filter: HistoryFilter) -> Result<EventPage, BackendError> {
        let query = EventQuery {
            rule: filter.rule,
            kinds: filter.kinds,
            severity: filter.severity,
            model: filter.model,
            between: filter.range.map(|range| range.bounds(now_ms())),
            before: filter.before,
            limit: HISTORY_PAGE,
        };
        store::alert_history::events(&self.pool, DEFAULT_WORKSPACE_ID, &query)
            .await
            .map_err(internal)
    }

    async fn preview_alert_rule(&self, spec: RuleSpec) -> Result<RulePreview, BackendError> {
        self.rule_preview(DEFAULT_WORKSPACE_ID, spec, now_ms())
            .await
            .map_err(internal)
    }

    async fn alert_channels(&self) -> Result<Vec<AlertChannel>, BackendError> {
        store::channels::channels(&self.pool, DEFAULT_WORKSPACE_ID)
            .await
            .map_err(internal)
    }

    async fn create_alert_channel(
        &self,
        name: String,
        url: String,
        format: ChannelFormat,
    ) -> Result<i64, BackendError> {
        store::channels::create_channel(
            &self.pool,
            DEFAULT_WORKSPACE_ID,
            &name,
            &url,
            format,
            now_ms(),
        )
        .await
        .map_err(internal)
    }

    async fn delete_alert_channel(&self, id: i64) -> Result<(), BackendError> {
        match store::channels::delete_channel(&self.pool, DEFAULT_WORKSPACE_ID, id).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(BackendError::NotFound),
            Err(error) => Err(internal(error)),
        }
    }

    async fn send_test_alert(&self, channel_id: i64) -> Result<Delivery, BackendError> {
        let channels = store::channels::channels(&self.pool, DEFAULT_WORKSPACE_ID)
            .await
            .map_err(internal)?;
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
            kind: "firing".into(),
            value: None,
            threshold: None,
            window_from_ms: now,
            window_to_ms: now,
            at_ms: now,
        };
        let attempt = crate::alerts::webhook::send(
            &self.http,
            &channel.url,
            &crate::alerts::webhook::payload(channel.format, &event),
        )
        .await;
        Ok(Delivery {
            event_id: 0,
            channel: channel.name,
            status: if attempt.delivered() {
                "delivered"
            } else {
                "failed"
            }
            .into(),
            attempts: 1,
            http_status: attempt.http_status,
            error: attempt.error,
        })
    }

    async fn alert_deliveries(&self, event_ids: Vec<i64>) -> Result<Vec<Delivery>, BackendError> {
        store::channels::deliveries(&self.pool, DEFAULT_WORKSPACE_ID, &event_ids)
            .await
            .map_err(internal)
    }

    async fn log(&self, request_id: String) -> Result<LogDetail, BackendError> {
        self.log_detail(DEFAULT_WORKSPACE_ID, request_id, now_ms())
            .await
            .map_err(internal)?
            .ok_or(BackendError::NotFound)
    }
}
