//! Webhook payloads: a generic JSON payload (the event and a one-line summary) or a
//! Slack-compatible `{"text": ...}`. Sending goes through `client` under the server's
//! `policy`; failed deliveries are retried with exponential backoff by `jobs/webhooks.rs`.

pub mod client;
pub mod policy;

use std::time::Duration;

use app::format::alert_summary;
use app::model::{AlertEvent, ChannelFormat};
use serde_json::{json, Value};

/// Attempts before a delivery counts as failed for good.
pub const MAX_ATTEMPTS: i64 = 6;
/// How long one attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The body sent to a channel of `format` for `event`.
pub fn payload(format: ChannelFormat, event: &AlertEvent) -> Value {
    let (title, detail) = alert_summary(event);
    match format {
        ChannelFormat::Slack => json!({
            "text": format!(
                "{} *{}*\n{}",
                severity_mark(event),
                slack_escaped(&title),
                slack_escaped(&detail)
            ),
        }),
        ChannelFormat::Json => json!({
            "summary": title,
            "detail": detail,
            "event": event,
        }),
    }
}

/// `text` with Slack's control characters escaped, so names that come from calls and rules
/// (models, targets, rule names) cannot mention `<!channel>` or draw a link `<url|label>`.
fn slack_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            other => escaped.push(other),
        }
    }
    escaped
}

fn severity_mark(event: &AlertEvent) -> &'static str {
    match event.kind.as_str() {
        "resolved" => ":white_check_mark:",
        _ => match event.severity {
            app::model::Severity::Critical => ":red_circle:",
            app::model::Severity::Warning => ":large_orange_circle:",
            app::model::Severity::Info => ":large_blue_circle:",
        },
    }
}

/// Seconds to wait before attempt `attempts + 1` (after `attempts` failures): 2, 4, 8, 16, 32.
pub fn backoff_ms(attempts: i64) -> i64 {
    1_000 * (1_i64 << attempts.clamp(1, 5))
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::{Metric, Severity};

    fn event() -> AlertEvent {
        AlertEvent {
            id: 7,
            rule_id: 1,
            rule_name: "Errors".into(),
            severity: Severity::Critical,
            metric: Metric::ErrorRate,
            target: "alpha".into(),
            models: vec![],
            dimension: None,
            kind: "firing".into(),
            value: Some(40.0),
            threshold: Some(20.0),
            cost_coverage: None,
            window_from_ms: 0,
            window_to_ms: 300_000,
            at_ms: 300_000,
        }
    }

    #[test]
    fn payloads_carry_the_event_in_each_format() {
        let slack = payload(ChannelFormat::Slack, &event());
        let text = slack["text"].as_str().expect("text");
        assert!(text.starts_with(":red_circle: *Firing: Errors*"), "{text}");
        assert!(text.contains("alpha"));
        let generic = payload(ChannelFormat::Json, &event());
        assert_eq!(generic["event"]["id"], 7);
        assert_eq!(generic["summary"], "Firing: Errors");
    }

    #[test]
    fn slack_text_escapes_mentions_and_links_from_names() {
        let hostile = AlertEvent {
            rule_name: "<!channel> & co".into(),
            target: "<http://evil.example|click me>".into(),
            ..event()
        };
        let slack = payload(ChannelFormat::Slack, &hostile);
        let text = slack["text"].as_str().expect("text");
        assert!(text.contains("&lt;!channel&gt; &amp; co"), "{text}");
        assert!(
            text.contains("&lt;http://evil.example|click me&gt;"),
            "{text}"
        );
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        // The generic payload is JSON for programs: names stay as they are.
        let generic = payload(ChannelFormat::Json, &hostile);
        assert_eq!(generic["event"]["rule_name"], "<!channel> & co");
    }

    #[test]
    fn retries_back_off_exponentially_and_stop() {
        let waits: Vec<i64> = (1..MAX_ATTEMPTS).map(backoff_ms).collect();
        assert_eq!(waits, [2_000, 4_000, 8_000, 16_000, 32_000]);
    }
}
