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
    /// The user, app, key, tag, ... a scoped rule watched (`None`: all calls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<super::DimensionValue>,
    /// `pending`, `firing`, `still_firing`, `resolved` or `cleared`.
    pub kind: String,
    /// The metric's value (or its change in percent, for a baseline rule).
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    /// For a rule on cost: the share of the window's calls whose cost is known (0..=1), since a
    /// cost total leaves out calls without a price. `None` for other metrics.
    #[serde(default)]
    pub cost_coverage: Option<f64>,
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

/// What a delivery records when the server's webhook policy refused the address.
pub const WEBHOOK_REFUSED: &str = "refused by the server's webhook policy";
/// What a delivery records when no HTTP answer came, whatever the cause (a refused
/// connection, a timeout, a DNS or TLS failure): so no answer tells an open port from a closed
/// or a filtered one.
pub const WEBHOOK_NO_ANSWER: &str = "timed out";

impl AlertChannel {
    /// The channel as `role` may see it: webhook URLs carry secrets (Slack's do), so only an
    /// admin gets the URL whole; a viewer sees its scheme and host.
    pub fn for_role(self, role: super::Role) -> Self {
        if role.allows(super::Role::Admin) {
            return self;
        }
        Self {
            url: masked_url(&self.url),
            ..self
        }
    }
}

/// `https://hooks.slack.com/…` for `https://hooks.slack.com/services/T0/B0/secret`: scheme and
/// host (with the port) only; credentials, path and query are dropped.
pub fn masked_url(url: &str) -> String {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return "…".to_owned();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    format!("{scheme}://{host}/…")
}

impl Delivery {
    /// How the latest attempt went, in one of four forms: `delivered (status N)`,
    /// `failed (status N)`, `failed (timed out)` or `refused by the server's webhook policy`
    /// (`not sent yet` before the first attempt).
    pub fn outcome(&self) -> String {
        if self.error.as_deref() == Some(WEBHOOK_REFUSED) {
            return WEBHOOK_REFUSED.to_owned();
        }
        match self.http_status {
            Some(code) if self.status == "delivered" => format!("delivered (status {code})"),
            Some(code) => format!("failed (status {code})"),
            None if self.attempts == 0 => "not sent yet".to_owned(),
            None => format!("failed ({WEBHOOK_NO_ANSWER})"),
        }
    }
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

    #[test]
    fn viewers_see_only_the_scheme_and_host_of_a_webhook_url() {
        let channel = AlertChannel {
            id: 1,
            name: "ops".into(),
            url: "https://hooks.slack.com/services/T0/B0/secret?x=1".into(),
            format: ChannelFormat::Slack,
        };
        let admin = channel.clone().for_role(super::super::Role::Admin);
        assert_eq!(admin.url, channel.url);
        let viewer = channel.for_role(super::super::Role::Viewer);
        assert_eq!(viewer.url, "https://hooks.slack.com/…");
        assert_eq!(
            masked_url("http://user:pw@10.0.0.1:8080#frag"),
            "http://10.0.0.1:8080/…"
        );
        assert_eq!(masked_url("not a url"), "…");
    }

    #[test]
    fn a_delivery_outcome_reads_in_one_of_the_fixed_forms() {
        let delivery = |status: &str, http_status: Option<u16>, error: Option<&str>| Delivery {
            event_id: 1,
            channel: "ops".into(),
            status: status.into(),
            attempts: 1,
            http_status,
            error: error.map(str::to_owned),
        };
        assert_eq!(
            delivery("delivered", Some(204), None).outcome(),
            "delivered (status 204)"
        );
        assert_eq!(
            delivery("pending", Some(500), None).outcome(),
            "failed (status 500)"
        );
        assert_eq!(
            delivery("failed", None, Some(WEBHOOK_NO_ANSWER)).outcome(),
            "failed (timed out)"
        );
        // Older rows said more; they read the same now.
        assert_eq!(
            delivery("failed", None, Some("could not connect")).outcome(),
            "failed (timed out)"
        );
        assert_eq!(
            delivery("failed", None, Some(WEBHOOK_REFUSED)).outcome(),
            "refused by the server's webhook policy"
        );
    }
}
