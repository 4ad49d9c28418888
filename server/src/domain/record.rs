//! A request record: what every ingest path (the API, OTLP, the proxy, the demo) hands in
//! ([`RecordInput`]), the checks it passes ([`RecordInput::validate`]), and what they produce,
//! the [`NewRequest`] the batch writer stores.

pub mod dimensions;
mod input;
pub mod limits;
mod validate;

use app::model::{ModelKind, Usage};

pub use dimensions::Dimensions;
pub use input::RecordInput;
pub use validate::{checked_text, checked_usage, mask_secret, status_range, FieldError, Step};

/// Where a record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Api,
    Otlp,
    Proxy,
}

/// Every source with its name and its stored code: the one mapping between them. Codes are
/// stored in every request row and never change (0 costs no bytes in SQLite, so the common
/// `api` is free).
const SOURCES: [(Source, &str, i64); 3] = [
    (Source::Api, "api", 0),
    (Source::Otlp, "otlp", 1),
    (Source::Proxy, "proxy", 2),
];

impl Source {
    fn row(self) -> &'static (Source, &'static str, i64) {
        &SOURCES[self as usize]
    }

    /// The name shown and exported.
    pub fn as_str(self) -> &'static str {
        self.row().1
    }

    /// The code stored in request rows.
    pub fn code(self) -> i64 {
        self.row().2
    }

    /// The source of a stored code.
    pub fn from_code(code: i64) -> Option<Source> {
        SOURCES
            .iter()
            .find(|(_, _, known)| *known == code)
            .map(|(source, _, _)| *source)
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
    /// Free metadata as a JSON object text, without the keys moved into `dimensions`.
    pub metadata: Option<String>,
    /// The user, app, tags and provider the metadata names.
    pub dimensions: Dimensions,
    pub upstream_request_id: Option<String>,
    pub request_body: Option<String>,
    pub response_body: Option<String>,
    pub source: Source,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_round_trips_through_its_code_and_sits_at_its_place() {
        for (source, name, code) in SOURCES {
            assert_eq!(source.as_str(), name);
            assert_eq!(Source::from_code(code), Some(source));
            assert_eq!(source.row().0, source, "the table is in enum order");
        }
        assert_eq!(Source::Api.code(), 0);
        assert_eq!(Source::from_code(7), None);
    }
}
