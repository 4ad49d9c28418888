//! Alert rules: what a rule watches, when it fires, and the checks every rule passes. The
//! editor runs [`RuleDraft::validate`] as you type and the server runs it again on save, so the
//! browser and the engine never disagree about what a valid rule is.

use serde::{Deserialize, Serialize};

use super::StatusFilter;

/// Shortest and longest window a rule looks at.
pub const MIN_WINDOW_SECS: u32 = 60;
pub const MAX_WINDOW_SECS: u32 = 86_400;
/// Most consecutive evaluations a rule may ask for before firing.
pub const MAX_CONSECUTIVE: u32 = 100;
/// Shortest re-notify interval.
pub const MIN_RENOTIFY_SECS: u32 = 60;
/// Longest rule name.
pub const MAX_NAME_CHARS: usize = 100;

/// What a rule measures over its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Requests,
    /// Share of calls that failed (4xx and 5xx), 0 to 100 %.
    ErrorRate,
    /// Share of calls that succeeded (2xx), 0 to 100 %.
    SuccessRate,
    /// Calls with a status (the rule's `status`: 429, 4xx, ...).
    StatusCount,
    LatencyAvg,
    LatencyP50,
    LatencyP95,
    LatencyP99,
    TtftAvg,
    TtftP95,
    InputTokens,
    OutputTokens,
    TotalTokens,
    /// USD.
    Cost,
    /// Calls per minute, averaged over the window.
    Rpm,
    /// Tokens per minute, averaged over the window.
    Tpm,
}

impl Metric {
    pub const ALL: [Metric; 16] = [
        Metric::Requests,
        Metric::ErrorRate,
        Metric::SuccessRate,
        Metric::StatusCount,
        Metric::LatencyAvg,
        Metric::LatencyP50,
        Metric::LatencyP95,
        Metric::LatencyP99,
        Metric::TtftAvg,
        Metric::TtftP95,
        Metric::InputTokens,
        Metric::OutputTokens,
        Metric::TotalTokens,
        Metric::Cost,
        Metric::Rpm,
        Metric::Tpm,
    ];

    /// The stored and form name.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Requests => "requests",
            Metric::ErrorRate => "error_rate",
            Metric::SuccessRate => "success_rate",
            Metric::StatusCount => "status_count",
            Metric::LatencyAvg => "latency_avg",
            Metric::LatencyP50 => "latency_p50",
            Metric::LatencyP95 => "latency_p95",
            Metric::LatencyP99 => "latency_p99",
            Metric::TtftAvg => "ttft_avg",
            Metric::TtftP95 => "ttft_p95",
            Metric::InputTokens => "input_tokens",
            Metric::OutputTokens => "output_tokens",
            Metric::TotalTokens => "total_tokens",
            Metric::Cost => "cost",
            Metric::Rpm => "rpm",
            Metric::Tpm => "tpm",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Metric::ALL
            .into_iter()
            .find(|metric| metric.as_str() == text)
    }

    /// How people read it.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Requests => "Requests",
            Metric::ErrorRate => "Error rate (%)",
            Metric::SuccessRate => "Success rate (%)",
            Metric::StatusCount => "Calls with status",
            Metric::LatencyAvg => "Latency, average (ms)",
            Metric::LatencyP50 => "Latency, p50 (ms)",
            Metric::LatencyP95 => "Latency, p95 (ms)",
            Metric::LatencyP99 => "Latency, p99 (ms)",
            Metric::TtftAvg => "Time to first token, average (ms)",
            Metric::TtftP95 => "Time to first token, p95 (ms)",
            Metric::InputTokens => "Input tokens",
            Metric::OutputTokens => "Output tokens",
            Metric::TotalTokens => "Total tokens",
            Metric::Cost => "Cost (USD)",
            Metric::Rpm => "Requests per minute",
            Metric::Tpm => "Tokens per minute",
        }
    }

    /// Whether the metric is a share in percent (a threshold above 100 can never be crossed).
    pub fn is_percent(self) -> bool {
        matches!(self, Metric::ErrorRate | Metric::SuccessRate)
    }
}

/// Which calls a rule watches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "models", rename_all = "snake_case")]
pub enum RuleScope {
    /// All models together.
    AllModels,
    /// These models together.
    Models(Vec<String>),
    /// Every model on its own: the rule fires per model.
    EachModel,
}

/// How a value is compared with a threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparator {
    #[serde(rename = ">")]
    Above,
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = "<")]
    Below,
    #[serde(rename = "<=")]
    AtMost,
}

impl Comparator {
    pub const ALL: [Comparator; 4] = [
        Comparator::Above,
        Comparator::AtLeast,
        Comparator::Below,
        Comparator::AtMost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Above => ">",
            Comparator::AtLeast => ">=",
            Comparator::Below => "<",
            Comparator::AtMost => "<=",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Comparator::ALL
            .into_iter()
            .find(|comparator| comparator.as_str() == text.trim())
    }

    /// Whether `value` breaches `threshold`.
    pub fn breached(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparator::Above => value > threshold,
            Comparator::AtLeast => value >= threshold,
            Comparator::Below => value < threshold,
            Comparator::AtMost => value <= threshold,
        }
    }
}

/// Which way a baseline rule watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
    Either,
}

/// The window a baseline rule compares with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineOffset {
    DayEarlier,
    WeekEarlier,
}

impl BaselineOffset {
    pub fn millis(self) -> i64 {
        match self {
            BaselineOffset::DayEarlier => 86_400_000,
            BaselineOffset::WeekEarlier => 7 * 86_400_000,
        }
    }
}

/// When a rule's metric counts as breaching.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Condition {
    /// The value against a fixed threshold.
    Threshold { comparator: Comparator, value: f64 },
    /// The change in percent against the same window a day or a week earlier. A baseline
    /// below `min_baseline` is too small to compare with: the rule then does not breach.
    Baseline {
        direction: Direction,
        percent: f64,
        offset: BaselineOffset,
        min_baseline: f64,
    },
}

impl Condition {
    /// Whether `value` breaches, given the baseline value when the rule has one. Also the
    /// number the condition is about (the value, or the change in percent).
    pub fn check(&self, value: f64, baseline: Option<f64>) -> (bool, Option<f64>) {
        match *self {
            Condition::Threshold {
                comparator,
                value: threshold,
            } => (comparator.breached(value, threshold), Some(value)),
            Condition::Baseline {
                direction,
                percent,
                min_baseline,
                ..
            } => {
                let Some(base) = baseline.filter(|base| *base >= min_baseline && *base > 0.0)
                else {
                    return (false, None);
                };
                let change = (value - base) / base * 100.0;
                let breached = match direction {
                    Direction::Up => change > percent,
                    Direction::Down => -change > percent,
                    Direction::Either => change.abs() > percent,
                };
                (breached, Some(change))
            }
        }
    }
}

/// How urgent a rule is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str() == text)
    }
}

/// A valid rule (without its id).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleSpec {
    pub name: String,
    pub metric: Metric,
    /// For [`Metric::StatusCount`] only.
    pub status: Option<StatusFilter>,
    pub scope: RuleScope,
    /// Only the calls of this user, app, key, tag, ... (with all models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<super::DimensionValue>,
    pub condition: Condition,
    pub window_secs: u32,
    /// Breaching evaluations in a row before the rule fires.
    pub consecutive: u32,
    /// Fewer calls than this in the window: the rule is not evaluated (no breach).
    pub min_requests: u32,
    pub severity: Severity,
    /// Webhook channel ids notified besides the dashboard.
    pub channels: Vec<i64>,
    /// While firing, notify again this often; `None`: once.
    pub renotify_secs: Option<u32>,
    pub enabled: bool,
}

/// A rule as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertRule {
    pub id: i64,
    #[serde(flatten)]
    pub spec: RuleSpec,
}

mod draft;
mod preview;

pub use draft::{FieldProblem, RuleDraft};
pub use preview::{
    preview_times, PreviewPoint, PreviewSeries, RulePreview, Verdict, PREVIEW_SPAN_MS,
    PREVIEW_STEP_MS, PREVIEW_TARGETS,
};

impl RuleSpec {
    /// The editor's fields for this rule (editing and duplicating start from them).
    pub fn to_draft(&self) -> RuleDraft {
        let mut draft = RuleDraft {
            name: self.name.clone(),
            metric: self.metric.as_str().to_owned(),
            status: self.status.map(StatusFilter::as_param).unwrap_or_default(),
            window_minutes: (self.window_secs / 60).to_string(),
            consecutive: self.consecutive.to_string(),
            min_requests: self.min_requests.to_string(),
            severity: self.severity.as_str().to_owned(),
            channels: self
                .channels
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(","),
            renotify_minutes: self
                .renotify_secs
                .map(|secs| (secs / 60).to_string())
                .unwrap_or_default(),
            enabled: self.enabled,
            ..RuleDraft::default()
        };
        if let Some(only) = &self.dimension {
            draft.dimension = only.dimension.as_str().to_owned();
            draft.dimension_value = only.value.clone();
        }
        match &self.scope {
            RuleScope::AllModels => draft.scope = "all".into(),
            RuleScope::EachModel => draft.scope = "each".into(),
            RuleScope::Models(models) => {
                draft.scope = "models".into();
                draft.models = models.join(",");
            }
        }
        match &self.condition {
            Condition::Threshold { comparator, value } => {
                draft.condition = "threshold".into();
                draft.comparator = comparator.as_str().into();
                draft.threshold = value.to_string();
            }
            Condition::Baseline {
                direction,
                percent,
                offset,
                min_baseline,
            } => {
                draft.condition = "baseline".into();
                draft.direction = match direction {
                    Direction::Up => "up",
                    Direction::Down => "down",
                    Direction::Either => "either",
                }
                .into();
                draft.percent = percent.to_string();
                draft.offset = match offset {
                    BaselineOffset::DayEarlier => "day",
                    BaselineOffset::WeekEarlier => "week",
                }
                .into();
                draft.min_baseline = min_baseline.to_string();
            }
        }
        draft
    }
}
