//! A request record as an ingest path hands it in, before it is checked: typed, but with every
//! field a client may leave out or get wrong still optional. The ingest API reads its JSON into
//! one (`ingest::record::wire`); OTLP, the proxy and the demo fill one directly.

use app::model::{ModelKind, Usage};
use serde_json::{Map, Value};

/// One call as reported, not yet checked; [`RecordInput::validate`] turns it into a
/// `NewRequest` or names the field that is wrong.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordInput {
    /// `None`: a time-ordered UUID is made up.
    pub request_id: Option<String>,
    /// The start of the call, epoch milliseconds (required).
    pub timestamp_ms: Option<i64>,
    /// Required.
    pub model: Option<String>,
    /// `None`: the catalog's kind (or `llm` for a model never seen).
    pub model_kind: Option<ModelKind>,
    /// `None`: the kind's default operation.
    pub operation: Option<String>,
    /// The HTTP status of the call (required).
    pub status: Option<u16>,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    /// What the provider reported; checked against the limits, totals filled in.
    pub usage: Usage,
    /// Milliseconds, possibly fractional (rounded when checked).
    pub latency_ms: Option<f64>,
    pub ttft_ms: Option<f64>,
    pub first_byte_ms: Option<f64>,
    pub stream: bool,
    /// The caller's provider key; only a masked form is kept.
    pub api_key: Option<String>,
    /// Free metadata (user, app, tags).
    pub metadata: Option<Map<String, Value>>,
    pub upstream_request_id: Option<String>,
    pub request_body: Option<String>,
    pub response_body: Option<String>,
}
