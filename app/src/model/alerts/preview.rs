//! A rule's metric over the last 24 hours, as the editor previews it, and the verdict the
//! evaluator reaches on one measurement (the same function for both).

use serde::{Deserialize, Serialize};

use super::RuleSpec;

/// How far back the preview looks.
pub const PREVIEW_SPAN_MS: i64 = 24 * 3_600_000;
/// The distance between two preview points.
pub const PREVIEW_STEP_MS: i64 = 15 * 60_000;
/// Most targets (models of an each-model rule) a preview shows.
pub const PREVIEW_TARGETS: usize = 6;

/// What a rule makes of one measurement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    /// The condition holds; the number is what it is about (the value, or the change in %).
    Breaching(f64),
    /// The condition does not hold.
    Clear(f64),
    /// No verdict: too few calls, no value (a rate without calls), or no usable baseline.
    NotEvaluable,
}

impl RuleSpec {
    /// The verdict on a window with `requests` calls, the metric's `value` and, for baseline
    /// rules, the value over the earlier window.
    pub fn judge(&self, value: Option<f64>, baseline: Option<f64>, requests: i64) -> Verdict {
        let Some(value) = value.filter(|_| requests >= i64::from(self.min_requests)) else {
            return Verdict::NotEvaluable;
        };
        match self.condition.check(value, baseline) {
            (_, None) => Verdict::NotEvaluable,
            (true, Some(number)) => Verdict::Breaching(number),
            (false, Some(number)) => Verdict::Clear(number),
        }
    }
}

/// One point of a preview: the rule's window ending at `at_ms`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PreviewPoint {
    pub at_ms: i64,
    /// Calls in the window.
    pub requests: i64,
    /// The metric over the window (`None`: no value, such as a rate without calls).
    pub value: Option<f64>,
    /// The metric over the earlier window, for baseline rules.
    pub baseline: Option<f64>,
}

/// One target's points: `target` is empty for the rule as a whole, else a model's name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PreviewSeries {
    pub target: String,
    /// Oldest first; the last point is the window ending now.
    pub points: Vec<PreviewPoint>,
}

/// The preview of a rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RulePreview {
    pub now_ms: i64,
    /// At most [`PREVIEW_TARGETS`], highest current value first.
    pub series: Vec<PreviewSeries>,
    /// Targets not shown.
    pub more_targets: usize,
}

/// The times of the preview's points ending at `now_ms`, oldest first.
pub fn preview_times(now_ms: i64) -> Vec<i64> {
    let steps = PREVIEW_SPAN_MS / PREVIEW_STEP_MS;
    (0..=steps)
        .map(|step| now_ms - (steps - step) * PREVIEW_STEP_MS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RuleDraft;

    fn spec(condition: &str) -> RuleSpec {
        RuleDraft {
            name: "r".into(),
            scope: "all".into(),
            condition: condition.into(),
            ..RuleDraft::new_rule()
        }
        .validate()
        .expect("valid")
    }

    #[test]
    fn a_threshold_rule_judges_the_value_when_there_are_enough_calls() {
        let rule = spec("threshold");
        assert_eq!(rule.judge(Some(6.0), None, 10), Verdict::Breaching(6.0));
        assert_eq!(rule.judge(Some(5.0), None, 10), Verdict::Clear(5.0));
        assert_eq!(rule.judge(Some(60.0), None, 9), Verdict::NotEvaluable);
        assert_eq!(rule.judge(None, None, 100), Verdict::NotEvaluable);
    }

    #[test]
    fn a_baseline_rule_needs_a_baseline_and_judges_the_change() {
        let rule = spec("baseline");
        assert_eq!(
            rule.judge(Some(4.0), Some(2.0), 10),
            Verdict::Breaching(100.0)
        );
        assert_eq!(rule.judge(Some(2.5), Some(2.0), 10), Verdict::Clear(25.0));
        assert_eq!(rule.judge(Some(4.0), None, 10), Verdict::NotEvaluable);
        assert_eq!(rule.judge(Some(4.0), Some(0.5), 10), Verdict::NotEvaluable);
    }

    #[test]
    fn points_cover_the_last_day_every_fifteen_minutes() {
        let times = preview_times(100 * PREVIEW_SPAN_MS);
        assert_eq!(times.len(), 97);
        assert_eq!(times[0], 99 * PREVIEW_SPAN_MS);
        assert_eq!(times[96], 100 * PREVIEW_SPAN_MS);
        assert!(times
            .windows(2)
            .all(|pair| pair[1] - pair[0] == PREVIEW_STEP_MS));
    }
}
