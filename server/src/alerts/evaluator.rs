//! Evaluates every enabled rule from rollup cells: measures each target over the rule's window
//! (and the baseline window), steps its state machine, stores the new state with the event of
//! any transition, and publishes the events that notify.

use app::model::WorkspaceId;
use std::sync::Arc;

use app::model::{coverage, AlertEvent, AlertRule, Condition, Metric, Verdict};
use tokio::sync::broadcast;

use super::measure::{Measured, Targets};
use super::state::{step, Observation, Policy, TargetState};
use crate::store::reads::SharedReads;
use crate::store::{NewEvent, SharedStorage, Signal, StoreError};

const DAY_MS: i64 = 86_400_000;

/// An alert event and the workspace it belongs to, as published to open dashboards.
pub type WorkspaceEvent = (WorkspaceId, AlertEvent);

/// The evaluator: reads cells in read snapshots, writes states and events through the storage.
#[derive(Clone)]
pub struct Evaluator {
    storage: SharedStorage,
    reader: SharedReads,
    events: broadcast::Sender<WorkspaceEvent>,
    /// Woken when webhook deliveries are queued.
    webhooks: Arc<tokio::sync::Notify>,
    /// This server's name, sent with the events other servers' dashboards hear.
    server: Arc<str>,
}

impl Evaluator {
    pub fn new(storage: SharedStorage, events: broadcast::Sender<WorkspaceEvent>) -> Self {
        Self {
            reader: storage.reads(),
            storage,
            events,
            webhooks: Arc::new(tokio::sync::Notify::new()),
            server: Arc::from("this server"),
        }
    }

    /// The same evaluator sending its events to other servers as `server`.
    pub fn with_server(mut self, server: Arc<str>) -> Self {
        self.server = server;
        self
    }

    /// The same evaluator waking `webhooks` when it queues deliveries.
    pub fn with_webhook_wake(mut self, webhooks: Arc<tokio::sync::Notify>) -> Self {
        self.webhooks = webhooks;
        self
    }

    /// Evaluates every enabled rule at `now_ms`; returns the events recorded.
    pub async fn evaluate_all(&self, now_ms: i64) -> Result<Vec<AlertEvent>, StoreError> {
        let mut recorded = Vec::new();
        for (workspace_id, rule) in self.storage.enabled_rules().await? {
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
        workspace_id: WorkspaceId,
        rule: &AlertRule,
        now_ms: i64,
    ) -> Result<Vec<AlertEvent>, StoreError> {
        let retention_days = self
            .storage
            .workspace_by_id(workspace_id)
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
                let targets = Targets::resolve(conn, workspace_id, &spec)?;
                let current = targets.measure(conn, window, minute_cutoff)?;
                let baseline = match offset {
                    Some(offset) => Some(targets.measure(
                        conn,
                        (window.0 - offset, window.1 - offset),
                        minute_cutoff,
                    )?),
                    None => None,
                };
                Ok((current, baseline))
            })
            .await?;
        let mut states = self.storage.states(rule.id).await?;
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
            let value_of =
                |measured: Option<&Measured>| measured.and_then(|m| m.value(&rule.spec, window_ms));
            let measured = current.get(&target);
            let requests = measured.map_or(0, |measured| measured.cell.requests);
            let baseline_value = baseline
                .as_ref()
                .and_then(|baseline| value_of(baseline.get(&target)));
            let (observation, number) =
                match rule
                    .spec
                    .judge(value_of(measured), baseline_value, requests)
                {
                    Verdict::Breaching(number) => (Observation::Breaching, Some(number)),
                    Verdict::Clear(number) => (Observation::Clear, Some(number)),
                    Verdict::NotEvaluable => (Observation::NotEvaluable, None),
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
                cost_coverage: (rule.spec.metric == Metric::Cost)
                    .then(|| measured.and_then(|m| coverage(m.cell.cost_count, m.cell.requests)))
                    .flatten(),
                window,
                at_ms: now_ms,
            });
            if let Some(event) = self
                .storage
                .save_step(rule.id, &target, after, event)
                .await?
            {
                if kind.is_some_and(|kind| kind.notifies()) {
                    // Nobody listening is fine: the event is stored either way.
                    let _ = self.events.send((workspace_id, event.clone()));
                    let signal = Signal::AlertEvent {
                        workspace_id,
                        event_id: event.id,
                    };
                    if let Err(error) = self.storage.send_signal(&self.server, &signal).await {
                        tracing::warn!(%error, "other servers' dashboards miss an alert event");
                    }
                    if !rule.spec.channels.is_empty() {
                        self.storage
                            .queue_deliveries(workspace_id, event.id, &rule.spec.channels, now_ms)
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
