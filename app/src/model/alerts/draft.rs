//! The rule editor's draft: every field as typed, the one check that turns it into a rule
//! (run in the browser as you type and on the server on save), and the way back for editing.

use serde::{Deserialize, Serialize};

use super::{
    BaselineOffset, Comparator, Condition, Direction, Metric, RuleScope, RuleSpec, Severity,
    MAX_CONSECUTIVE, MAX_NAME_CHARS, MAX_WINDOW_SECS, MIN_RENOTIFY_SECS, MIN_WINDOW_SECS,
};
use crate::model::{valid_value, Dimension, DimensionValue, StatusFilter};

/// The rule editor's fields as typed (every value as the form holds it). Missing fields are
/// empty, so a client that leaves one out hears which field is wrong.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleDraft {
    pub name: String,
    pub metric: String,
    pub status: String,
    /// `all`, `models` or `each`.
    pub scope: String,
    /// Comma-separated, for `scope = models`.
    pub models: String,
    /// A dimension's name (`user`, `app`, ...) to keep only its `dimension_value`; empty: all
    /// calls.
    pub dimension: String,
    pub dimension_value: String,
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
    /// A new rule's fields with sensible defaults: more than 5 % errors over 5 minutes with at
    /// least 10 calls, all models; only the name is left to fill in.
    pub fn new_rule() -> Self {
        RuleDraft {
            metric: Metric::ErrorRate.as_str().into(),
            scope: "all".into(),
            condition: "threshold".into(),
            comparator: ">".into(),
            threshold: "5".into(),
            direction: "up".into(),
            percent: "50".into(),
            offset: "day".into(),
            min_baseline: "1".into(),
            window_minutes: "5".into(),
            consecutive: "1".into(),
            min_requests: "10".into(),
            severity: Severity::Warning.as_str().into(),
            enabled: true,
            ..RuleDraft::default()
        }
    }

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
        let dimension = match self.dimension.trim() {
            "" => None,
            name => match Dimension::parse(name) {
                None => {
                    problems.push(problem(
                        "dimension",
                        format!("one of {}", Dimension::names()),
                    ));
                    None
                }
                Some(dimension) => {
                    let value = self.dimension_value.trim();
                    if !valid_value(value) {
                        problems.push(problem(
                            "dimension_value",
                            "the value to watch, at most 128 characters",
                        ));
                    }
                    if !matches!(scope, Some(RuleScope::AllModels)) {
                        problems.push(problem(
                            "scope",
                            "a rule on one user, app, key, tag, ... covers all models",
                        ));
                    }
                    Some(DimensionValue {
                        dimension,
                        value: value.to_owned(),
                    })
                }
            },
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
                dimension,
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

#[cfg(test)]
mod tests;
