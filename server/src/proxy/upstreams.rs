//! Where the proxy sends each call: upstreams configured per model, read from a JSON file.
//!
//! ```json
//! { "upstreams": [
//!     { "name": "openai", "base_url": "https://api.openai.com/v1",
//!       "models": ["gpt-4o", "gpt-4o-mini", "o3*", "text-embedding-3-small"],
//!       "api_key_env": "OPENAI_API_KEY" },
//!     { "name": "local", "base_url": "http://127.0.0.1:8000/v1", "models": ["*"] } ],
//!   "timeout_secs": 300, "connect_timeout_secs": 10, "store_bodies": true }
//! ```
//! A pattern is a model name or a prefix ending in `*`; the first upstream with a matching
//! pattern wins, so put catch-alls last. The provider key comes from the environment variable
//! named by `api_key_env` (or `api_key` in the file); it is sent upstream only, never logged,
//! stored or echoed (errors name the variable, never the value). An upstream that refuses
//! `stream_options` takes `"stream_usage": false`: the proxy then never adds it, and a stream's
//! usage is known only when the client asked for it. Paths other than the model endpoints and
//! `GET /models` are refused unless the upstream that would serve them takes
//! `"pass_through": true` (they are forwarded, recorded only when they name a model).

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

/// The proxy's whole configuration, checked.
#[derive(Clone)]
pub struct ProxyConfig {
    pub upstreams: Vec<Upstream>,
    /// How long an upstream may take to answer (headers), and to send the next chunk of a body.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Keep request and response bodies with each call (shown in the Logs details).
    pub store_bodies: bool,
}

/// One upstream provider.
#[derive(Clone)]
pub struct Upstream {
    pub name: String,
    /// Without a trailing slash: `https://api.openai.com/v1`.
    pub base_url: String,
    patterns: Vec<String>,
    api_key: Option<Secret>,
    /// Add `stream_options.include_usage` to streams that did not ask (false for servers that
    /// refuse the option).
    pub stream_usage: bool,
    /// Forward paths the proxy does not know (files, batches, ...) to this upstream.
    pub pass_through: bool,
}

/// A provider key: its `Debug` never shows the value.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("patterns", &self.patterns)
            .field("has_key", &self.api_key.is_some())
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    upstreams: Vec<FileUpstream>,
    #[serde(default = "default_timeout")]
    timeout_secs: u64,
    #[serde(default = "default_connect_timeout")]
    connect_timeout_secs: u64,
    #[serde(default = "default_true")]
    store_bodies: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileUpstream {
    name: Option<String>,
    base_url: String,
    models: Vec<String>,
    api_key: Option<String>,
    api_key_env: Option<String>,
    #[serde(default = "default_true")]
    stream_usage: bool,
    #[serde(default)]
    pass_through: bool,
}

fn default_timeout() -> u64 {
    300
}

fn default_connect_timeout() -> u64 {
    10
}

fn default_true() -> bool {
    true
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the proxy configuration {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the proxy configuration is not valid: {0}")]
    Invalid(String),
}

impl ProxyConfig {
    /// No upstream: every proxied call answers that none is configured.
    pub fn empty() -> Self {
        Self {
            upstreams: Vec::new(),
            timeout: Duration::from_secs(default_timeout()),
            connect_timeout: Duration::from_secs(default_connect_timeout()),
            store_bodies: true,
        }
    }

    /// Reads and checks the file at `path`; keys named by `api_key_env` are looked up with `env`.
    pub fn load(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, env)
    }

    /// Checks a configuration given as JSON text.
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid(message);
        let file: FileConfig =
            serde_json::from_str(text).map_err(|error| invalid(error.to_string()))?;
        if !(1..=86_400).contains(&file.timeout_secs) {
            return Err(invalid("timeout_secs must be between 1 and 86400".into()));
        }
        if !(1..=600).contains(&file.connect_timeout_secs) {
            return Err(invalid(
                "connect_timeout_secs must be between 1 and 600".into(),
            ));
        }
        let mut upstreams = Vec::with_capacity(file.upstreams.len());
        for (index, upstream) in file.upstreams.into_iter().enumerate() {
            let name = upstream
                .name
                .unwrap_or_else(|| format!("upstream {}", index + 1));
            let at = |message: &str| invalid(format!("{name}: {message}"));
            let base_url = upstream.base_url.trim().trim_end_matches('/').to_owned();
            let parsed = reqwest::Url::parse(&base_url)
                .map_err(|error| at(&format!("base_url is not a URL ({error})")))?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                return Err(at(
                    "base_url must be an http:// or https:// URL with a host",
                ));
            }
            if parsed.query().is_some() || parsed.fragment().is_some() {
                return Err(at("base_url must not have a query or fragment"));
            }
            if upstream.models.is_empty() {
                return Err(at("models must list at least one model or pattern"));
            }
            for pattern in &upstream.models {
                let stars = pattern.matches('*').count();
                if pattern.trim().is_empty()
                    || pattern.trim() != pattern
                    || stars > 1
                    || (stars == 1 && !pattern.ends_with('*'))
                {
                    return Err(at(&format!(
                        "model pattern {pattern:?} must be a model name or a prefix ending in *"
                    )));
                }
            }
            let api_key = match (upstream.api_key, upstream.api_key_env) {
                (Some(_), Some(_)) => return Err(at("give api_key or api_key_env, not both")),
                (Some(key), None) => Some(key),
                (None, Some(variable)) => Some(
                    env(&variable)
                        .filter(|key| !key.trim().is_empty())
                        .ok_or_else(|| {
                            at(&format!(
                                "the environment variable {variable} (api_key_env) is not set"
                            ))
                        })?,
                ),
                (None, None) => None,
            };
            if let Some(key) = &api_key {
                if reqwest::header::HeaderValue::from_str(&format!("Bearer {}", key.trim()))
                    .is_err()
                {
                    return Err(at(
                        "the provider key contains characters a header cannot carry",
                    ));
                }
            }
            upstreams.push(Upstream {
                name,
                base_url,
                patterns: upstream.models,
                api_key: api_key.map(|key| Secret(key.trim().to_owned())),
                stream_usage: upstream.stream_usage,
                pass_through: upstream.pass_through,
            });
        }
        Ok(Self {
            upstreams,
            timeout: Duration::from_secs(file.timeout_secs),
            connect_timeout: Duration::from_secs(file.connect_timeout_secs),
            store_bodies: file.store_bodies,
        })
    }

    /// The upstream serving `model`: the first whose patterns match.
    pub fn route(&self, model: &str) -> Option<&Upstream> {
        self.upstreams
            .iter()
            .find(|upstream| upstream.serves(model))
    }

    /// Whether any upstream forwards paths the proxy does not know.
    pub fn any_pass_through(&self) -> bool {
        self.upstreams.iter().any(|upstream| upstream.pass_through)
    }

    /// The upstream for calls that name no model: the first catch-all (`*`).
    pub fn default_upstream(&self) -> Option<&Upstream> {
        self.upstreams
            .iter()
            .find(|upstream| upstream.patterns.iter().any(|pattern| pattern == "*"))
    }
}

impl Upstream {
    fn serves(&self, model: &str) -> bool {
        self.patterns
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => model.starts_with(prefix),
                None => pattern == model,
            })
    }

    /// The provider key sent upstream, if one is configured.
    pub fn api_key(&self) -> Option<&Secret> {
        self.api_key.as_ref()
    }

    /// The upstream URL for `rest` (the path after `/proxy/v1`) and the client's query.
    pub fn url(&self, rest: &str, query: Option<&str>) -> String {
        match query {
            Some(query) => format!("{}{rest}?{query}", self.base_url),
            None => format!("{}{rest}", self.base_url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "OPENAI_KEY").then(|| "sk-test-secret".to_owned())
    }

    const GOOD: &str = r#"{"upstreams": [
        {"name": "openai", "base_url": "https://api.openai.com/v1/", "models": ["gpt-4o", "o3*"], "api_key_env": "OPENAI_KEY"},
        {"name": "local", "base_url": "http://127.0.0.1:8000/v1", "models": ["*"]}
    ], "timeout_secs": 30}"#;

    #[test]
    fn models_route_to_the_first_matching_upstream() {
        let config = ProxyConfig::parse(GOOD, env).expect("valid");
        assert_eq!(
            config.route("gpt-4o").map(|u| u.name.as_str()),
            Some("openai")
        );
        assert_eq!(
            config.route("o3-mini").map(|u| u.name.as_str()),
            Some("openai")
        );
        assert_eq!(
            config.route("gpt-4o-mini").map(|u| u.name.as_str()),
            Some("local")
        );
        assert_eq!(
            config.default_upstream().map(|u| u.name.as_str()),
            Some("local")
        );
        let openai = config.route("gpt-4o").expect("routed");
        assert_eq!(
            openai.url("/chat/completions", None),
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(openai.api_key().map(Secret::expose), Some("sk-test-secret"));
        assert_eq!(config.timeout, Duration::from_secs(30));
        assert!(
            !openai.pass_through && !config.any_pass_through(),
            "off unless asked"
        );
        let opted = GOOD.replace(
            r#""models": ["*"]"#,
            r#""models": ["*"], "pass_through": true"#,
        );
        let config = ProxyConfig::parse(&opted, env).expect("valid");
        assert!(config.default_upstream().is_some_and(|u| u.pass_through));
        assert!(config.any_pass_through());
    }

    #[test]
    fn a_missing_key_variable_is_named_and_the_key_never_shown() {
        let text = GOOD.replace("OPENAI_KEY", "MISSING_KEY");
        let error = ProxyConfig::parse(&text, env)
            .err()
            .expect("refused")
            .to_string();
        assert!(error.contains("MISSING_KEY"), "{error}");
        let config = ProxyConfig::parse(GOOD, env).expect("valid");
        let shown = format!("{:?}", config.upstreams);
        assert!(!shown.contains("sk-test-secret"), "{shown}");
    }

    #[test]
    fn bad_configurations_are_refused_with_a_reason() {
        for (text, expected) in [
            (
                r#"{"upstreams": [{"base_url": "ftp://x", "models": ["a"]}]}"#,
                "http",
            ),
            (
                r#"{"upstreams": [{"base_url": "not a url", "models": ["a"]}]}"#,
                "not a URL",
            ),
            (
                r#"{"upstreams": [{"base_url": "http://x", "models": []}]}"#,
                "at least one",
            ),
            (
                r#"{"upstreams": [{"base_url": "http://x", "models": ["a*b"]}]}"#,
                "prefix",
            ),
            (
                r#"{"upstreams": [{"base_url": "http://x", "models": ["a"], "colour": 1}]}"#,
                "unknown field",
            ),
            (r#"{"upstreams": [], "timeout_secs": 0}"#, "timeout_secs"),
            (
                r#"{"upstreams": [{"base_url": "http://x", "models": ["a"], "api_key": "k", "api_key_env": "OPENAI_KEY"}]}"#,
                "not both",
            ),
        ] {
            let error = ProxyConfig::parse(text, env).err().expect(text).to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
