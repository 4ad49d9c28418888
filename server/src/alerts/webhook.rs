//! Webhook payloads and sending them: a generic JSON payload (the event, a one-line summary,
//! and the paths to its Analytics and Logs views) or a Slack-compatible `{"text": ...}`.
//! Failed deliveries are retried with exponential backoff by `jobs/webhooks.rs`.

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
            "text": format!("{} *{}*\n{detail}", severity_mark(event), title),
        }),
        ChannelFormat::Json => json!({
            "summary": title,
            "detail": detail,
            "event": event,
        }),
    }
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

/// What one attempt got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub http_status: Option<u16>,
    pub error: Option<String>,
}

impl Attempt {
    pub fn delivered(&self) -> bool {
        self.error.is_none()
            && self
                .http_status
                .is_some_and(|code| (200..300).contains(&code))
    }
}

/// POSTs `body` to `url` once.
pub async fn send(client: &reqwest::Client, url: &str, body: &Value) -> Attempt {
    match client.post(url).json(body).timeout(TIMEOUT).send().await {
        Ok(response) => {
            let status = response.status();
            Attempt {
                http_status: Some(status.as_u16()),
                error: (!status.is_success()).then(|| format!("answered {status}")),
            }
        }
        Err(error) => Attempt {
            http_status: None,
            error: Some(if error.is_timeout() {
                "timed out".to_owned()
            } else if error.is_connect() {
                "could not connect".to_owned()
            } else {
                "request failed".to_owned()
            }),
        },
    }
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
            kind: "firing".into(),
            value: Some(40.0),
            threshold: Some(20.0),
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
    fn retries_back_off_exponentially_and_stop() {
        let waits: Vec<i64> = (1..MAX_ATTEMPTS).map(backoff_ms).collect();
        assert_eq!(waits, [2_000, 4_000, 8_000, 16_000, 32_000]);
    }
}
