//! Evaluates every enabled rule from rollup cells: measures each target over the rule's window
//! (and the baseline window), steps its state machine, stores the new state with the event of
//! any transition, and publishes the events that notify.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use app::model::{AlertEvent, AlertRule, Condition, Metric, RuleScope};
use rusqlite::Connection;
use sqlx::SqlitePool;
use tokio::sync::broadcast;

use super::evaluate::{metric_value, rollup_status_count};
use super::state::{step, Observation, Policy, TargetState};
use crate::query::plan::plan;
use crate::rollup::{Cell, Level};
use crate::store::alerts::{self as stored, NewEvent};
use crate::store::analytics::{self as cells, Cells, Sketches};
use crate::store::logs::{count_calls, CallFilter, StatusMatch};
use crate::store::reader::Reader;
use crate::store::{self, StoreError};

const DAY_MS: i64 = 86_400_000;

/// An alert event and the workspace it belongs to, as published to open dashboards.
pub type WorkspaceEvent = (i64, AlertEvent);

/// What one target measured over a window.
#[derive(Default)]
struct Measured {
    cell: Cell,
    /// Calls of the rule's status, where rollups do not keep that status.
    raw_status_count: Option<i64>,
}

/// The evaluator: reads cells on the read pool, writes states and events through `pool`.
#[derive(Clone)]
pub struct Evaluator {
    pool: SqlitePool,
    reader: Arc<Reader>,
    events: broadcast::Sender<WorkspaceEvent>,
    /// Woken when webhook deliveries are queued.
    webhooks: Arc<tokio::sync::Notify>,
}

impl Evaluator {
    pub fn new(
        pool: SqlitePool,
        reader: Arc<Reader>,
        events: broadcast::Sender<WorkspaceEvent>,
    ) -> Self {
        Self {
            pool,
            reader,
            events,
            webhooks: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// The same evaluator waking `webhooks` when it queues deliveries.
    pub fn with_webhook_wake(mut self, webhooks: Arc<tokio::sync::Notify>) -> Self {
        self.webhooks = webhooks;
        self
    }

    /// Evaluates every enabled rule at `now_ms`; returns the events recorded.
    pub async fn evaluate_all(&self, now_ms: i64) -> Result<Vec<AlertEvent>, StoreError> {
        let mut recorded = Vec::new();
        for (workspace_id, rule) in stored::enabled_rules(&self.pool).await? {
            match self.evaluate_rule(workspace_id, &rule, now_ms).await {
                Ok(events) => recorded.extend(events),
                Err(error) => {
                    tracing::error!(rule_id = rule.id, %error, "alert rule evaluation failed")
                }
            }
        }
        Ok(recorded)
    }

    /// Evaluates one rule at `now_ms`.
    pub async fn evaluate_rule(
        &self,
        workspace_id: i64,
        rule: &AlertRule,
        now_ms: i64,
    ) -> Result<Vec<AlertEvent>, StoreError> {
        let retention_days = store::workspaces::workspace_by_id(&self.pool, workspace_id)
            .await?
            .map_or(14, |workspace| workspace.retention_days);
        let minute_cutoff = now_ms - i64::from(retention_days) * DAY_MS;
        let window_ms = i64::from(rule.spec.window_secs) * 1_000;
        let window = (now_ms - window_ms, now_ms);
        let offset = match rule.spec.condition {
            Condition::Baseline { offset, .. } => Some(offset.millis()),
            Condition::Threshold { .. } => None,
        };
        let spec = rule.spec.clone();
        let (current, baseline) = self
            .reader
            .read(move |conn| {
                let current = measure(conn, workspace_id, &spec, window, minute_cutoff)?;
                let baseline = match offset {
                    Some(offset) => Some(measure(
                        conn,
                        workspace_id,
                        &spec,
                        (window.0 - offset, window.1 - offset),
                        minute_cutoff,
                    )?),
                    None => None,
                };
                Ok((current, baseline))
            })
            .await?;
        let mut states = stored::states(&self.pool, rule.id).await?;
        let mut targets: Vec<String> = current.keys().cloned().collect();
        targets.extend(
            states
                .keys()
                .filter(|target| !current.contains_key(*target))
                .cloned(),
        );
        let policy = Policy {
            consecutive: rule.spec.consecutive,
            renotify_ms: rule.spec.renotify_secs.map(|secs| i64::from(secs) * 1_000),
        };
        let mut recorded = Vec::new();
        for target in targets {
            let value_of = |measured: Option<&Measured>| {
                measured.and_then(|measured| {
                    metric_value(
                        rule.spec.metric,
                        rule.spec.status,
                        &measured.cell,
                        window_ms,
                        measured.raw_status_count,
                    )
                })
            };
            let measured = current.get(&target);
            let enough = measured.is_some_and(|measured| {
                measured.cell.requests >= i64::from(rule.spec.min_requests)
            });
            let value = value_of(measured);
            let baseline_value = baseline
                .as_ref()
                .and_then(|baseline| value_of(baseline.get(&target)));
            let (observation, number) = match value {
                Some(value) if enough => match rule.spec.condition.check(value, baseline_value) {
                    (_, None) => (Observation::NotEvaluable, None),
                    (true, number) => (Observation::Breaching, number),
                    (false, number) => (Observation::Clear, number),
                },
                _ => (Observation::NotEvaluable, None),
            };
            let before = states
                .remove(&target)
                .unwrap_or_else(|| TargetState::new(now_ms));
            let (after, kind) = step(before, observation, policy, now_ms);
            if after == before && kind.is_none() {
                continue;
            }
            let threshold = match rule.spec.condition {
                Condition::Threshold { value, .. } => value,
                Condition::Baseline { percent, .. } => percent,
            };
            let event = kind.map(|kind| NewEvent {
                workspace_id,
                rule,
                target: &target,
                kind,
                value: number,
                threshold: Some(threshold),
                window,
                at_ms: now_ms,
            });
            if let Some(event) =
                stored::save_step(&self.pool, rule.id, &target, after, event).await?
            {
                if kind.is_some_and(|kind| kind.notifies()) {
                    // Nobody listening is fine: the event is stored either way.
                    let _ = self.events.send((workspace_id, event.clone()));
                    if !rule.spec.channels.is_empty() {
                        crate::store::channels::queue_deliveries(
                            &self.pool,
                            workspace_id,
                            event.id,
                            &rule.spec.channels,
                            now_ms,
                        )
                        .await?;
                        self.webhooks.notify_one();
                    }
                }
                tracing::info!(
                    rule_id = rule.id,
                    target = %target,
                    kind = %event.kind,
                    value = ?event.value,
                    "alert state changed"
                );
                recorded.push(event);
            }
        }
        Ok(recorded)
    }
}

/// Each target's totals over `window` ('' for the rule as a whole, else a model's name).
fn measure(
    conn: &Connection,
    workspace_id: i64,
    spec: &app::model::RuleSpec,
    window: (i64, i64),
    minute_cutoff: i64,
) -> Result<BTreeMap<String, Measured>, StoreError> {
    let models = cells::models(conn, workspace_id)?;
    let names: HashMap<i64, String> = models
        .iter()
        .map(|model| (model.id, model.option.name.clone()))
        .collect();
    let segments = plan(window.0, window.1, Level::Hour, minute_cutoff);
    let chosen: Option<Vec<i64>> = match &spec.scope {
        RuleScope::Models(wanted) => Some(
            models
                .iter()
                .filter(|model| wanted.contains(&model.option.name))
                .map(|model| model.id)
                .collect(),
        ),
        _ => None,
    };
    let which = match (&spec.scope, &chosen) {
        (RuleScope::AllModels, _) => Cells::AllModels,
        (RuleScope::EachModel, _) => Cells::EachModel,
        (RuleScope::Models(_), Some(ids)) => Cells::Models(ids),
        (RuleScope::Models(_), None) => Cells::Models(&[]),
    };
    let mut measured: BTreeMap<String, Measured> = BTreeMap::new();
    // Every target exists even without calls in the window: "fewer than N requests" must see 0.
    match &spec.scope {
        RuleScope::EachModel => {
            for name in names.values() {
                measured.entry(name.clone()).or_default();
            }
        }
        _ => {
            measured.entry(String::new()).or_default();
        }
    }
    let mut model_of_target: HashMap<String, Option<Vec<i64>>> = HashMap::new();
    for stored in cells::cells(
        conn,
        workspace_id,
        &segments,
        which,
        Sketches::LatencyAndTtft,
    )? {
        let target = match spec.scope {
            RuleScope::EachModel => names
                .get(&stored.model_id)
                .cloned()
                .unwrap_or_else(|| format!("model #{}", stored.model_id)),
            _ => String::new(),
        };
        measured.entry(target).or_default().cell.merge(&stored.cell);
    }
    if spec.metric == Metric::StatusCount {
        if let Some(status) = spec.status {
            let needs_raw = rollup_status_count(&Cell::default(), status).is_none();
            if needs_raw {
                let (low, high) = status.bounds();
                for (target, totals) in measured.iter_mut() {
                    let ids =
                        model_of_target
                            .entry(target.clone())
                            .or_insert_with(|| match spec.scope {
                                RuleScope::EachModel => Some(
                                    names
                                        .iter()
                                        .filter(|(_, name)| *name == target)
                                        .map(|(id, _)| *id)
                                        .collect(),
                                ),
                                _ => chosen.clone(),
                            });
                    let filter = CallFilter {
                        workspace_id,
                        from_ms: window.0,
                        to_ms: window.1,
                        models: ids.clone(),
                        status: Some(StatusMatch::Range(i64::from(low), i64::from(high))),
                        id_prefix: None,
                    };
                    totals.raw_status_count = Some(count_calls(conn, &filter, window)?);
                }
            }
        }
    }
    Ok(measured)
}
