//! Alert events as people read them.

use crate::model::{AlertEvent, Metric};

/// A metric's value in its unit: `12.5 %`, `850 ms`, `$1.20`, `1,234`.
pub fn metric_value(metric: Metric, value: f64) -> String {
    match metric {
        Metric::ErrorRate | Metric::SuccessRate => format!("{value:.1} %"),
        Metric::LatencyAvg
        | Metric::LatencyP50
        | Metric::LatencyP95
        | Metric::LatencyP99
        | Metric::TtftAvg
        | Metric::TtftP95 => super::millis(Some(value)),
        Metric::Cost => super::money(Some(value)),
        Metric::Rpm | Metric::Tpm => super::rate(value),
        _ => super::grouped(value.round() as i64),
    }
}

/// What an event says: a title (`Firing: High errors`) and a line of detail.
pub fn alert_summary(event: &AlertEvent) -> (String, String) {
    let state = match event.kind.as_str() {
        "firing" => "Firing",
        "still_firing" => "Still firing",
        "resolved" => "Resolved",
        "pending" => "Pending",
        "cleared" => "Cleared",
        other => other,
    };
    let title = format!("{state}: {}", event.rule_name);
    let target = if event.target.is_empty() {
        match event.models.len() {
            0 => "all models".to_owned(),
            _ => event.models.join(", "),
        }
    } else {
        event.target.clone()
    };
    let target = match &event.dimension {
        Some(only) => format!("{}, {target}", only.describe()),
        None => target,
    };
    let value = event
        .value
        .map(|value| metric_value(event.metric, value))
        .unwrap_or_else(|| "no value".to_owned());
    let threshold = event
        .threshold
        .map(|threshold| format!(" (threshold {})", metric_value(event.metric, threshold)))
        .unwrap_or_default();
    // A cost total leaves out calls without a price: say so when it did.
    let covers = event
        .cost_coverage
        .filter(|share| *share < 1.0)
        .map(|share| {
            format!(
                "; cost of {:.1} % of calls",
                (share * 1000.0).floor() / 10.0
            )
        })
        .unwrap_or_default();
    (
        title,
        format!(
            "{target} · {}: {value}{threshold}{covers}",
            event.metric.label()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    #[test]
    fn an_event_reads_as_a_sentence() {
        let event = AlertEvent {
            id: 1,
            rule_id: 2,
            rule_name: "High errors".into(),
            severity: Severity::Critical,
            metric: Metric::ErrorRate,
            target: String::new(),
            models: vec![],
            dimension: None,
            kind: "firing".into(),
            value: Some(50.0),
            threshold: Some(20.0),
            cost_coverage: None,
            window_from_ms: 0,
            window_to_ms: 300_000,
            at_ms: 300_000,
        };
        assert_eq!(
            alert_summary(&event),
            (
                "Firing: High errors".to_owned(),
                "all models · Error rate (%): 50.0 % (threshold 20.0 %)".to_owned()
            )
        );
        assert_eq!(metric_value(Metric::LatencyP95, 1_234.0), "1.23 s");
        assert_eq!(metric_value(Metric::Requests, 1_234.0), "1,234");
    }
}
