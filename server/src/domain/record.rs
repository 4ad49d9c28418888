//! A request record as the engine stores it: what every ingest path (the API, OTLP, the proxy,
//! the demo) produces once a record is validated, and what the batch writer takes.

use app::model::{ModelKind, Usage};

/// Where a record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Api,
    Otlp,
    Proxy,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Api => "api",
            Source::Otlp => "otlp",
            Source::Proxy => "proxy",
        }
    }
}

/// A validated, normalised request record, ready for the batch writer.
#[derive(Clone, Debug, PartialEq)]
pub struct NewRequest {
    pub request_id: String,
    pub ts_ms: i64,
    pub model: String,
    /// `None`: take the catalog's kind (or `llm` for a model never seen).
    pub kind: Option<ModelKind>,
    /// `None`: the kind's default operation.
    pub operation: Option<String>,
    pub status: u16,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub usage: Usage,
    pub latency_ms: Option<i64>,
    pub ttft_ms: Option<i64>,
    pub first_byte_ms: Option<i64>,
    pub stream: bool,
    /// The caller's provider key, masked (never the secret itself).
    pub api_key: Option<String>,
    /// Free metadata (user, app, tags) as a JSON object text.
    pub metadata: Option<String>,
    pub upstream_request_id: Option<String>,
    pub request_body: Option<String>,
    pub response_body: Option<String>,
    pub source: Source,
}
