//! What alerting records and sends: events (every state change of a rule target), webhook
//! channels and their deliveries.

use serde::{Deserialize, Serialize};

use super::{Metric, Severity};

/// Every kind of alert event, in the order a rule goes through them.
pub const EVENT_KINDS: [&str; 5] = ["pending", "firing", "still_firing", "resolved", "cleared"];

/// One page of the alert history, newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventPage {
    pub events: Vec<AlertEvent>,
    /// Where the next older page starts (`None`: this is the oldest).
    pub older: Option<super::Cursor>,
}

/// One state change of a rule target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertEvent {
    pub id: i64,
    pub rule_id: i64,
    pub rule_name: String,
    pub severity: Severity,
    pub metric: Metric,
    /// The model of an "each model" rule; empty for the rule as a whole.
    pub target: String,
    /// The models the rule looked at; empty: all models.
    pub models: Vec<String>,
    /// `pending`, `firing`, `still_firing`, `resolved` or `cleared`.
    pub kind: String,
    /// The metric's value (or its change in percent, for a baseline rule).
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    /// The window evaluated.
    pub window_from_ms: i64,
    pub window_to_ms: i64,
    pub at_ms: i64,
}

impl AlertEvent {
    /// The models the event is about, for links to Analytics and Logs.
    pub fn scope_models(&self) -> Vec<String> {
        if self.target.is_empty() {
            self.models.clone()
        } else {
            vec![self.target.clone()]
        }
    }
}

/// Payload formats of a webhook channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelFormat {
    /// The event as JSON.
    Json,
    /// `{"text": ...}` as Slack's incoming webhooks take it.
    Slack,
}

impl ChannelFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelFormat::Json => "json",
            ChannelFormat::Slack => "slack",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "json" => Some(ChannelFormat::Json),
            "slack" => Some(ChannelFormat::Slack),
            _ => None,
        }
    }
}

/// A webhook channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertChannel {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub format: ChannelFormat,
}

/// One delivery of an event to a webhook channel, as last attempted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub event_id: i64,
    pub channel: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub http_status: Option<u16>,
    pub error: Option<String>,
}

/// Checks a channel's name and URL; the message names the field.
pub fn validate_channel(name: &str, url: &str) -> Result<(), super::FieldProblem> {
    let problem = |field: &str, message: &str| super::FieldProblem {
        field: field.to_owned(),
        message: message.to_owned(),
    };
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(problem("name", "1 to 100 characters"));
    }
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && url.len() <= 2_000 => Ok(()),
        _ => Err(problem("url", "an http:// or https:// address")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_need_a_name_and_a_web_address() {
        assert!(validate_channel("ops", "https://hooks.slack.com/services/x").is_ok());
        assert!(validate_channel("local", "http://127.0.0.1:9000/hook").is_ok());
        assert_eq!(
            validate_channel("", "https://x").expect_err("name").field,
            "name"
        );
        for url in ["ftp://x", "https://", "hooks.slack.com", "http:///x"] {
            assert_eq!(validate_channel("ops", url).expect_err(url).field, "url");
        }
    }
}
