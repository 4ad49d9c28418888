//! The HTTP client webhooks go out through, bound to the server's webhook policy.
//!
//! A host name is resolved once, by our own resolver, which drops every address the policy
//! refuses and fails when none is left; the connection is then made to exactly the addresses it
//! returned, so a name that answers differently the second time (DNS rebinding) cannot slip
//! through. An address written in the URL never reaches a resolver, so it is checked before
//! sending. Redirects are not followed and no environment proxy is used (the policy must judge
//! the address actually connected to).

use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;
use serde_json::Value;

use super::policy::WebhookPolicy;

/// How one attempt went, as much as anyone is told: the HTTP status, no answer at all (a
/// refused connection, a timeout, a DNS or TLS failure alike, so that an answer never tells an
/// open port from a closed or filtered one), or refused by the policy before anything was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Answered(u16),
    NoAnswer,
    Refused,
}

impl Outcome {
    /// A 2xx answer.
    pub fn delivered(self) -> bool {
        matches!(self, Outcome::Answered(code) if (200..300).contains(&code))
    }

    /// The HTTP status, when there was an answer.
    pub fn http_status(self) -> Option<u16> {
        match self {
            Outcome::Answered(code) => Some(code),
            Outcome::NoAnswer | Outcome::Refused => None,
        }
    }

    /// What a delivery records as its error: nothing for an answer (its status says it).
    pub fn error(self) -> Option<&'static str> {
        match self {
            Outcome::Answered(_) => None,
            Outcome::NoAnswer => Some(app::model::WEBHOOK_NO_ANSWER),
            Outcome::Refused => Some(app::model::WEBHOOK_REFUSED),
        }
    }
}

/// Every address of a name was refused by the policy (the resolver's error, found again in
/// the failed request's error chain).
#[derive(Debug, thiserror::Error)]
#[error("refused by the server's webhook policy")]
struct RefusedByPolicy;

/// The system resolver, keeping only the addresses the policy allows.
struct PolicyResolver {
    policy: Arc<WebhookPolicy>,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let by_name = policy.allows_host(&host);
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| by_name || policy.allows(addr.ip()))
                .collect();
            if kept.is_empty() {
                return Err(Box::new(RefusedByPolicy) as Box<dyn StdError + Send + Sync>);
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// Sends webhooks under a policy. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct WebhookClient {
    /// `None` when the client could not be built: every send then reads as refused.
    http: Option<reqwest::Client>,
    policy: Arc<WebhookPolicy>,
    timeout: Duration,
}

impl WebhookClient {
    /// A client under `policy`, giving each attempt [`super::TIMEOUT`].
    pub fn new(policy: WebhookPolicy) -> Self {
        Self::with_timeout(policy, super::TIMEOUT)
    }

    /// A client under `policy` giving each attempt `timeout` (tests shorten it).
    pub fn with_timeout(policy: WebhookPolicy, timeout: Duration) -> Self {
        let policy = Arc::new(policy);
        let http = reqwest::Client::builder()
            .user_agent(concat!("modelwatch/", env!("CARGO_PKG_VERSION")))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(PolicyResolver {
                policy: Arc::clone(&policy),
            }))
            .build();
        let http = match http {
            Ok(http) => Some(http),
            Err(error) => {
                tracing::error!(error = %error.without_url(), "webhook client cannot be built: webhooks are refused");
                None
            }
        };
        Self {
            http,
            policy,
            timeout,
        }
    }

    /// How long one attempt may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// POSTs `body` to `url` once, if the policy allows the address.
    pub async fn send(&self, url: &str, body: &Value) -> Outcome {
        let Some(http) = &self.http else {
            return Outcome::Refused;
        };
        let Some(url) = self.checked(url) else {
            return Outcome::Refused;
        };
        match http.post(url).json(body).send().await {
            Ok(response) => Outcome::Answered(response.status().as_u16()),
            Err(error) if refused_by_policy(&error) => Outcome::Refused,
            Err(error) => {
                tracing::debug!(error = %error.without_url(), "webhook attempt got no answer");
                Outcome::NoAnswer
            }
        }
    }

    /// `url` when its scheme is http(s) and, if its host is an address, the policy allows it
    /// (a host name is judged by the resolver when connecting).
    fn checked(&self, url: &str) -> Option<Url> {
        let url = Url::parse(url.trim()).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        // The URL parser has already written any IPv4 form (`2130706433`, `0x7f.1`) as dotted
        // decimal and an IPv6 address in brackets.
        let host = url.host_str()?;
        let literal = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok();
        match literal {
            Some(ip) if !self.policy.allows(ip) => None,
            _ => Some(url),
        }
    }
}

/// Whether the policy resolver's refusal is somewhere in `error`'s chain of causes.
fn refused_by_policy(error: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(current) = cause {
        if current.is::<RefusedByPolicy>() {
            return true;
        }
        cause = current.source();
    }
    false
}
