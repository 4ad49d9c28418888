//! Alert rules, their targets' states, and storing the events of every transition (reading
//! them back: `store::alert_history`).

use std::collections::HashMap;

use app::model::{AlertEvent, AlertRule, RuleSpec};
use sqlx::SqlitePool;

use super::StoreError;
use crate::domain::alert_state::{State, TargetState};
use crate::store::NewEvent;

fn spec_from(text: &str) -> Result<RuleSpec, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt(format!("rule spec: {error}")))
}

fn spec_text(spec: &RuleSpec) -> Result<String, StoreError> {
    serde_json::to_string(spec).map_err(|error| StoreError::Corrupt(error.to_string()))
}

/// The rules of `workspace_id`, oldest first.
pub async fn rules(pool: &SqlitePool, workspace_id: i64) -> Result<Vec<AlertRule>, StoreError> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, spec FROM alert_rules WHERE workspace_id = ? ORDER BY id")
            .bind(workspace_id)
            .fetch_all(pool)
            .await?;
    rows.into_iter()
        .map(|(id, spec)| {
            Ok(AlertRule {
                id,
                spec: spec_from(&spec)?,
            })
        })
        .collect()
}

/// One rule of `workspace_id`.
pub async fn rule(
    pool: &SqlitePool,
    workspace_id: i64,
    id: i64,
) -> Result<Option<AlertRule>, StoreError> {
    let row: Option<String> =
        sqlx::query_scalar("SELECT spec FROM alert_rules WHERE workspace_id = ? AND id = ?")
            .bind(workspace_id)
            .bind(id)
            .fetch_optional(pool)
            .await?;
    row.map(|spec| {
        Ok(AlertRule {
            id,
            spec: spec_from(&spec)?,
        })
    })
    .transpose()
}

/// Every enabled rule of every workspace: what the evaluator runs.
pub async fn enabled_rules(pool: &SqlitePool) -> Result<Vec<(i64, AlertRule)>, StoreError> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT workspace_id, id, spec FROM alert_rules WHERE enabled = 1 ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(workspace_id, id, spec)| {
            Ok((
                workspace_id,
                AlertRule {
                    id,
                    spec: spec_from(&spec)?,
                },
            ))
        })
        .collect()
}

/// Stores a new rule (already validated); returns its id.
pub async fn create_rule(
    pool: &SqlitePool,
    workspace_id: i64,
    spec: &RuleSpec,
    now_ms: i64,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO alert_rules (workspace_id, spec, enabled, created_at_ms, updated_at_ms) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(workspace_id)
    .bind(spec_text(spec)?)
    .bind(spec.enabled)
    .bind(now_ms)
    .bind(now_ms)
    .fetch_one(pool)
    .await?)
}

/// Replaces a rule's settings; its targets start over (their state was about the old rule).
/// `false` when the rule does not exist in `workspace_id`.
pub async fn update_rule(
    pool: &SqlitePool,
    workspace_id: i64,
    id: i64,
    spec: &RuleSpec,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await?;
    let updated = sqlx::query(
        "UPDATE alert_rules SET spec = ?, enabled = ?, updated_at_ms = ? \
         WHERE workspace_id = ? AND id = ?",
    )
    .bind(spec_text(spec)?)
    .bind(spec.enabled)
    .bind(now_ms)
    .bind(workspace_id)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated > 0 {
        sqlx::query("DELETE FROM alert_states WHERE rule_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(updated > 0)
}

/// Deletes a rule and its states (its events stay in the history).
pub async fn delete_rule(
    pool: &SqlitePool,
    workspace_id: i64,
    id: i64,
) -> Result<bool, StoreError> {
    let deleted = sqlx::query("DELETE FROM alert_rules WHERE workspace_id = ? AND id = ?")
        .bind(workspace_id)
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(deleted > 0)
}

/// The stored states of a rule's targets.
pub async fn states(
    pool: &SqlitePool,
    rule_id: i64,
) -> Result<HashMap<String, TargetState>, StoreError> {
    let rows: Vec<(String, String, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT target, state, breaches, since_ms, notified_ms FROM alert_states WHERE rule_id = ?",
    )
    .bind(rule_id)
    .fetch_all(pool)
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

fn scope_models(rule: &AlertRule) -> Vec<String> {
    match &rule.spec.scope {
        app::model::RuleScope::Models(models) => models.clone(),
        _ => Vec::new(),
    }
}

/// Stores a target's new state and, in the same transaction, its event; returns the event.
pub async fn save_step(
    pool: &SqlitePool,
    rule_id: i64,
    target: &str,
    state: TargetState,
    event: Option<NewEvent<'_>>,
) -> Result<Option<AlertEvent>, StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO alert_states (rule_id, target, state, breaches, since_ms, notified_ms) \
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (rule_id, target) DO UPDATE SET \
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
    let stored = match event {
        None => None,
        Some(event) => {
            let models = scope_models(event.rule);
            let dimension = event.rule.spec.dimension.clone();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO alert_events (workspace_id, rule_id, rule_name, severity, metric, \
                 target, models, kind, value, threshold, cost_coverage, window_from_ms, window_to_ms, \
                 at_ms, dimension, dimension_value) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
            Some(AlertEvent {
                id,
                rule_id,
                rule_name: event.rule.spec.name.clone(),
                severity: event.rule.spec.severity,
                metric: event.rule.spec.metric,
                target: event.target.to_owned(),
                models,
                kind: event.kind.as_str().to_owned(),
                value: event.value,
                threshold: event.threshold,
                cost_coverage: event.cost_coverage,
                window_from_ms: event.window.0,
                window_to_ms: event.window.1,
                at_ms: event.at_ms,
                dimension,
            })
        }
    };
    tx.commit().await?;
    Ok(stored)
}
