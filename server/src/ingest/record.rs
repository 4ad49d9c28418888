//! Incoming records: the ingest API's JSON read into the typed [`RecordInput`] (`wire`), a
//! `usage` object's provider names mapped onto our units (`usage`), and why a record of a call
//! was refused ([`Rejection`]). The checks themselves belong to the typed record
//! ([`RecordInput::validate`]), so every path accepts exactly the same data.

pub mod usage;
pub mod wire;

use serde_json::Value;

pub use crate::domain::record::{limits, mask_secret, FieldError, NewRequest, RecordInput, Source};
pub use wire::WireRecord;

/// Why one record was refused: its position in the call, the field, and the reason.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    pub index: usize,
    pub field: String,
    pub message: String,
}

impl Rejection {
    pub fn new(index: usize, error: FieldError) -> Self {
        Self {
            index,
            field: error.field,
            message: error.message,
        }
    }
}

/// Checks record number `index` of a call received at `now_ms`, given in the ingest API's
/// JSON form.
pub fn validate(
    index: usize,
    value: Value,
    now_ms: i64,
    source: Source,
) -> Result<NewRequest, Rejection> {
    wire::from_value(value)
        .validate(now_ms, source)
        .map_err(|error| Rejection::new(index, error))
}
