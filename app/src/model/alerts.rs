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

/// The rule editor's fields as typed (every value as the form holds it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleDraft {
    pub name: String,
    pub metric: String,
    pub status: String,
    /// `all`, `models` or `each`.
    pub scope: String,
    /// Comma-separated, for `scope = models`.
    pub models: String,
    /// `threshold` or `baseline`.
    pub condition: String,
    pub comparator: String,
    pub threshold: String,
    /// `up`, `down` or `either`.
    pub direction: String,
    pub percent: String,
    /// `day` or `week`.
    pub offset: String,
    pub min_baseline: String,
    pub window_minutes: String,
    pub consecutive: String,
    pub min_requests: String,
    pub severity: String,
    /// Comma-separated channel ids.
    pub channels: String,
    /// Minutes; empty: notify once.
    pub renotify_minutes: String,
    pub enabled: bool,
}

/// One field the editor must point at, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

fn problem(field: &str, message: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        message: message.into(),
    }
}

fn number(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
}

fn whole(text: &str) -> Option<u32> {
    text.trim().parse::<u32>().ok()
}

impl RuleDraft {
    /// The rule the draft describes, or every field that is wrong.
    pub fn validate(&self) -> Result<RuleSpec, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            problems.push(problem("name", "a rule needs a name"));
        } else if name.chars().count() > MAX_NAME_CHARS {
            problems.push(problem(
                "name",
                format!("at most {MAX_NAME_CHARS} characters"),
            ));
        }
        let metric = Metric::parse(self.metric.trim());
        if metric.is_none() {
            problems.push(problem("metric", "choose a metric"));
        }
        let status = if metric == Some(Metric::StatusCount) {
            let status = StatusFilter::parse(&self.status);
            if status.is_none() {
                problems.push(problem(
                    "status",
                    "an HTTP status such as 429 or a class such as 5xx",
                ));
            }
            status
        } else {
            None
        };
        let scope = match self.scope.trim() {
            "all" | "" => Some(RuleScope::AllModels),
            "each" => Some(RuleScope::EachModel),
            "models" => {
                let mut models: Vec<String> = Vec::new();
                for name in self
                    .models
                    .split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                {
                    if !models.iter().any(|known| known == name) {
                        models.push(name.to_owned());
                    }
                }
                if models.is_empty() {
                    problems.push(problem("models", "choose at least one model"));
                } else if models.len() > crate::url_state::MAX_MODELS {
                    problems.push(problem(
                        "models",
                        format!("at most {} models", crate::url_state::MAX_MODELS),
                    ));
                } else if models.iter().any(|name| name.chars().count() > 200) {
                    problems.push(problem("models", "a model name is at most 200 characters"));
                }
                Some(RuleScope::Models(models))
            }
            _ => {
                problems.push(problem("scope", "all models, chosen models or each model"));
                None
            }
        };
        let condition = match self.condition.trim() {
            "threshold" | "" => {
                let comparator = Comparator::parse(&self.comparator);
                if comparator.is_none() {
                    problems.push(problem("comparator", "choose >, >=, < or <="));
                }
                let value = number(&self.threshold);
                match value {
                    None => problems.push(problem("threshold", "a number")),
                    Some(value) if value < 0.0 => {
                        problems.push(problem("threshold", "no metric goes below 0"))
                    }
                    Some(value) if metric.is_some_and(Metric::is_percent) && value > 100.0 => {
                        problems.push(problem("threshold", "a share in percent, 0 to 100"))
                    }
                    Some(_) => {}
                }
                comparator
                    .zip(value)
                    .map(|(comparator, value)| Condition::Threshold { comparator, value })
            }
            "baseline" => {
                let direction = match self.direction.trim() {
                    "up" => Some(Direction::Up),
                    "down" => Some(Direction::Down),
                    "either" => Some(Direction::Either),
                    _ => {
                        problems.push(problem("direction", "up, down or either"));
                        None
                    }
                };
                let percent = number(&self.percent).filter(|percent| *percent > 0.0);
                if percent.is_none() {
                    problems.push(problem("percent", "a change in percent above 0"));
                }
                let offset = match self.offset.trim() {
                    "day" => Some(BaselineOffset::DayEarlier),
                    "week" => Some(BaselineOffset::WeekEarlier),
                    _ => {
                        problems.push(problem("offset", "a day or a week earlier"));
                        None
                    }
                };
                let min_baseline = if self.min_baseline.trim().is_empty() {
                    Some(1.0)
                } else {
                    number(&self.min_baseline).filter(|value| *value > 0.0)
                };
                if min_baseline.is_none() {
                    problems.push(problem(
                        "min_baseline",
                        "a number above 0: smaller baselines are not compared with",
                    ));
                }
                match (direction, percent, offset, min_baseline) {
                    (Some(direction), Some(percent), Some(offset), Some(min_baseline)) => {
                        Some(Condition::Baseline {
                            direction,
                            percent,
                            offset,
                            min_baseline,
                        })
                    }
                    _ => None,
                }
            }
            _ => {
                problems.push(problem("condition", "a threshold or a baseline"));
                None
            }
        };
        let window_secs = whole(&self.window_minutes)
            .and_then(|minutes| minutes.checked_mul(60))
            .filter(|secs| (MIN_WINDOW_SECS..=MAX_WINDOW_SECS).contains(secs));
        if window_secs.is_none() {
            problems.push(problem("window_minutes", "1 to 1,440 minutes"));
        }
        let consecutive = whole(&self.consecutive).filter(|n| (1..=MAX_CONSECUTIVE).contains(n));
        if consecutive.is_none() {
            problems.push(problem(
                "consecutive",
                format!("1 to {MAX_CONSECUTIVE} evaluations"),
            ));
        }
        let min_requests = if self.min_requests.trim().is_empty() {
            Some(0)
        } else {
            whole(&self.min_requests)
        };
        if min_requests.is_none() {
            problems.push(problem("min_requests", "a whole number, 0 or more"));
        }
        let severity = Severity::parse(self.severity.trim());
        if severity.is_none() {
            problems.push(problem("severity", "info, warning or critical"));
        }
        let mut channels = Vec::new();
        for part in self
            .channels
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
        {
            match part.parse::<i64>() {
                Ok(id) if id > 0 => {
                    if !channels.contains(&id) {
                        channels.push(id)
                    }
                }
                _ => problems.push(problem("channels", "choose channels from the list")),
            }
        }
        let renotify_secs = if self.renotify_minutes.trim().is_empty() {
            Some(None)
        } else {
            whole(&self.renotify_minutes)
                .and_then(|minutes| minutes.checked_mul(60))
                .filter(|secs| *secs >= MIN_RENOTIFY_SECS)
                .map(Some)
        };
        if renotify_secs.is_none() {
            problems.push(problem(
                "renotify_minutes",
                "empty (notify once) or a whole number of minutes, 1 or more",
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        match (
            metric,
            scope,
            condition,
            window_secs,
            consecutive,
            min_requests,
            severity,
            renotify_secs,
        ) {
            (
                Some(metric),
                Some(scope),
                Some(condition),
                Some(window_secs),
                Some(consecutive),
                Some(min_requests),
                Some(severity),
                Some(renotify_secs),
            ) => Ok(RuleSpec {
                name,
                metric,
                status,
                scope,
                condition,
                window_secs,
                consecutive,
                min_requests,
                severity,
                channels,
                renotify_secs,
                enabled: self.enabled,
            }),
            _ => Err(vec![problem("", "the rule is incomplete")]),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> RuleDraft {
        RuleDraft {
            name: "Too many errors".into(),
            metric: "error_rate".into(),
            scope: "each".into(),
            condition: "threshold".into(),
            comparator: ">".into(),
            threshold: "5".into(),
            window_minutes: "5".into(),
            consecutive: "2".into(),
            min_requests: "20".into(),
            severity: "critical".into(),
            channels: "3, 3, 7".into(),
            renotify_minutes: "30".into(),
            enabled: true,
            ..RuleDraft::default()
        }
    }

    #[test]
    fn a_complete_draft_becomes_a_rule_and_back() {
        let spec = draft().validate().expect("valid");
        assert_eq!(spec.window_secs, 300);
        assert_eq!(spec.channels, vec![3, 7]);
        assert_eq!(spec.renotify_secs, Some(1_800));
        assert_eq!(
            spec.condition,
            Condition::Threshold {
                comparator: Comparator::Above,
                value: 5.0
            }
        );
        assert_eq!(spec.to_draft().validate(), Ok(spec.clone()));
        let json = serde_json::to_string(&spec).expect("serialises");
        assert_eq!(
            serde_json::from_str::<RuleSpec>(&json).expect("parses"),
            spec
        );
    }

    #[test]
    fn every_wrong_field_is_named() {
        let wrong = RuleDraft {
            name: " ".into(),
            metric: "status_count".into(),
            status: "6xx".into(),
            scope: "models".into(),
            threshold: "-1".into(),
            comparator: "=".into(),
            window_minutes: "2000".into(),
            consecutive: "0".into(),
            min_requests: "-3".into(),
            severity: "loud".into(),
            channels: "x".into(),
            renotify_minutes: "0".into(),
            ..RuleDraft::default()
        };
        let fields: Vec<String> = wrong
            .validate()
            .expect_err("invalid")
            .into_iter()
            .map(|problem| problem.field)
            .collect();
        assert_eq!(
            fields,
            [
                "name",
                "status",
                "models",
                "comparator",
                "threshold",
                "window_minutes",
                "consecutive",
                "min_requests",
                "severity",
                "channels",
                "renotify_minutes"
            ]
        );
        let percent = RuleDraft {
            threshold: "150".into(),
            ..draft()
        };
        assert_eq!(
            percent.validate().expect_err("over 100 %")[0].field,
            "threshold"
        );
    }

    #[test]
    fn baselines_compare_in_percent_and_ignore_tiny_baselines() {
        let spec = RuleDraft {
            metric: "latency_p95".into(),
            condition: "baseline".into(),
            direction: "up".into(),
            percent: "50".into(),
            offset: "week".into(),
            min_baseline: "100".into(),
            ..draft()
        }
        .validate()
        .expect("valid");
        assert_eq!(
            spec.condition.check(1_600.0, Some(1_000.0)),
            (true, Some(60.0))
        );
        assert_eq!(
            spec.condition.check(1_400.0, Some(1_000.0)),
            (false, Some(40.0))
        );
        assert_eq!(
            spec.condition.check(500.0, Some(50.0)),
            (false, None),
            "tiny baseline"
        );
        assert_eq!(
            spec.condition.check(500.0, None),
            (false, None),
            "no baseline"
        );
        let either = Condition::Baseline {
            direction: Direction::Either,
            percent: 20.0,
            offset: BaselineOffset::DayEarlier,
            min_baseline: 1.0,
        };
        assert!(either.check(70.0, Some(100.0)).0);
        assert!(!either.check(90.0, Some(100.0)).0);
        assert_eq!(spec.to_draft().validate(), Ok(spec));
    }
}
