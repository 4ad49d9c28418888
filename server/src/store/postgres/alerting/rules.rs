//! Alert rules, their targets' states, and storing each transition's event with its state, in
//! PostgreSQL: the seam's `AlertRules`.

use std::collections::HashMap;

use app::model::{AlertEvent, AlertRule, RuleScope, RuleSpec, WorkspaceId};

use super::super::PgStore;
use crate::domain::alert_state::{State, TargetState};
use crate::store::{AlertRules, NewEvent, StoreError};

fn spec_from(text: &str) -> Result<RuleSpec, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt(format!("rule spec: {error}")))
}

fn spec_text(spec: &RuleSpec) -> Result<String, StoreError> {
    serde_json::to_string(spec).map_err(|error| StoreError::Corrupt(error.to_string()))
}

fn rule_from((id, spec): (i64, String)) -> Result<AlertRule, StoreError> {
    Ok(AlertRule {
        id,
        spec: spec_from(&spec)?,
    })
}

/// The models an event of `rule` is about, as its history filters them.
fn scope_models(rule: &AlertRule) -> Vec<String> {
    match &rule.spec.scope {
        RuleScope::Models(models) => models.clone(),
        _ => Vec::new(),
    }
}

#[async_trait::async_trait]
impl AlertRules for PgStore {
    async fn rules(&self, workspace_id: WorkspaceId) -> Result<Vec<AlertRule>, StoreError> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, spec FROM alert_rules WHERE workspace_id = $1 ORDER BY id")
                .bind(workspace_id.get())
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(rule_from).collect()
    }

    async fn rule(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
    ) -> Result<Option<AlertRule>, StoreError> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT id, spec FROM alert_rules WHERE workspace_id = $1 AND id = $2")
                .bind(workspace_id.get())
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(rule_from).transpose()
    }

    async fn enabled_rules(&self) -> Result<Vec<(WorkspaceId, AlertRule)>, StoreError> {
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT workspace_id, id, spec FROM alert_rules WHERE enabled ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(workspace_id, id, spec)| {
                Ok((WorkspaceId::trusted(workspace_id), rule_from((id, spec))?))
            })
            .collect()
    }

    async fn create_rule(
        &self,
        workspace_id: WorkspaceId,
        spec: &RuleSpec,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO alert_rules (workspace_id, spec, enabled, created_at_ms, updated_at_ms) \
             VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(workspace_id.get())
        .bind(spec_text(spec)?)
        .bind(spec.enabled)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn update_rule(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
        spec: &RuleSpec,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE alert_rules SET spec = $1, enabled = $2, updated_at_ms = $3 \
             WHERE workspace_id = $4 AND id = $5",
        )
        .bind(spec_text(spec)?)
        .bind(spec.enabled)
        .bind(now_ms)
        .bind(workspace_id.get())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated > 0 {
            sqlx::query("DELETE FROM alert_states WHERE rule_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(updated > 0)
    }

    async fn delete_rule(&self, workspace_id: WorkspaceId, id: i64) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM alert_rules WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id.get())
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(deleted > 0)
    }

    async fn states(&self, rule_id: i64) -> Result<HashMap<String, TargetState>, StoreError> {
        let rows: Vec<(String, String, i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT target, state, breaches, since_ms, notified_ms FROM alert_states \
             WHERE rule_id = $1",
        )
        .bind(rule_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(target, state, breaches, since_ms, notified_ms)| {
                let state = State::parse(&state)
                    .ok_or_else(|| StoreError::Corrupt(format!("alert state {state}")))?;
                Ok((
                    target,
                    TargetState {
                        state,
                        breaches: u32::try_from(breaches).unwrap_or(0),
                        since_ms,
                        notified_ms,
                    },
                ))
            })
            .collect()
    }

    async fn save_step(
        &self,
        rule_id: i64,
        target: &str,
        state: TargetState,
        event: Option<NewEvent<'_>>,
    ) -> Result<Option<AlertEvent>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO alert_states (rule_id, target, state, breaches, since_ms, notified_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (rule_id, target) DO UPDATE SET \
             state = excluded.state, breaches = excluded.breaches, since_ms = excluded.since_ms, \
             notified_ms = excluded.notified_ms",
        )
        .bind(rule_id)
        .bind(target)
        .bind(state.state.as_str())
        .bind(i64::from(state.breaches))
        .bind(state.since_ms)
        .bind(state.notified_ms)
        .execute(&mut *tx)
        .await?;
        let Some(event) = event else {
            tx.commit().await?;
            return Ok(None);
        };
        let models = scope_models(event.rule);
        let dimension = event.rule.spec.dimension.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO alert_events (workspace_id, rule_id, rule_name, severity, metric, \
             target, models, kind, value, threshold, cost_coverage, window_from_ms, window_to_ms, \
                 at_ms, dimension, dimension_value) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        )
        .bind(event.workspace_id.get())
        .bind(rule_id)
        .bind(&event.rule.spec.name)
        .bind(event.rule.spec.severity.as_str())
        .bind(event.rule.spec.metric.as_str())
        .bind(event.target)
        .bind(serde_json::to_string(&models).unwrap_or_else(|_| "[]".into()))
        .bind(event.kind.as_str())
        .bind(event.value)
        .bind(event.threshold)
        .bind(event.cost_coverage)
        .bind(event.window.0)
        .bind(event.window.1)
        .bind(event.at_ms)
        .bind(dimension.as_ref().map(|only| only.dimension.as_str()))
        .bind(dimension.as_ref().map(|only| only.value.as_str()))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(AlertEvent {
            id,
            rule_id,
            rule_name: event.rule.spec.name.clone(),
            severity: event.rule.spec.severity,
            metric: event.rule.spec.metric,
            target: event.target.to_owned(),
            models,
            dimension,
            kind: event.kind.as_str().to_owned(),
            value: event.value,
            threshold: event.threshold,
            cost_coverage: event.cost_coverage,
            window_from_ms: event.window.0,
            window_to_ms: event.window.1,
            at_ms: event.at_ms,
        }))
    }
}
