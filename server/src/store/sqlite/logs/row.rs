//! One stored call as the Logs tab and the export read it back: the columns selected and the
//! typed reading of a row.

use app::model::Usage;
use rusqlite::types::ValueRef;
use rusqlite::Row;

use super::super::encoding::{kind_from_code, request_id_text};
use super::super::StoreError;
use crate::store::reads::StoredCall;

/// The columns [`read_call`] expects.
pub(super) const CALL_COLUMNS: &str = "id, ts_ms, request_id, model_id, kind, operation, status, \
     error_type, error_message, input_tokens, output_tokens, total_tokens, cached_tokens, \
     reasoning_tokens, input_text_tokens, input_audio_tokens, input_image_tokens, \
     input_video_tokens, output_text_tokens, output_audio_tokens, images, video_seconds, \
     audio_seconds, characters, usage_other, latency_ms, ttft_ms, first_byte_ms, cost, source, \
     stream, api_key, metadata, upstream_request_id, has_body";

fn int(row: &Row<'_>, index: usize) -> Result<Option<i64>, StoreError> {
    match row.get_ref(index)? {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(value) => Ok(Some(value)),
        ValueRef::Real(value) => Ok(Some(value as i64)),
        _ => Err(StoreError::Corrupt(format!(
            "column {index} is not a number"
        ))),
    }
}

fn real(row: &Row<'_>, index: usize) -> Result<Option<f64>, StoreError> {
    match row.get_ref(index)? {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(value) => Ok(Some(value as f64)),
        ValueRef::Real(value) => Ok(Some(value)),
        _ => Err(StoreError::Corrupt(format!(
            "column {index} is not a number"
        ))),
    }
}

fn text(row: &Row<'_>, index: usize) -> Result<Option<String>, StoreError> {
    match row.get_ref(index)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(bytes) => Ok(Some(String::from_utf8_lossy(bytes).into_owned())),
        _ => Err(StoreError::Corrupt(format!("column {index} is not text"))),
    }
}

/// A call from a row selected with [`CALL_COLUMNS`]. (Reads each value by reference: the
/// export reads a million rows a second, and typed reads cost noticeably more.)
pub fn read_call(row: &Row<'_>) -> Result<StoredCall, StoreError> {
    let required = |index: usize| {
        int(row, index)?.ok_or_else(|| StoreError::Corrupt(format!("column {index} is null")))
    };
    Ok(StoredCall {
        row: required(0)?,
        ts_ms: required(1)?,
        request_id: request_id_text(row.get_ref(2)?)
            .ok_or_else(|| StoreError::Corrupt("a request id is neither text nor a uuid".into()))?,
        model_id: required(3)?,
        kind: kind_from_code(required(4)?),
        operation: text(row, 5)?,
        status: required(6)?,
        error_type: text(row, 7)?,
        error_message: text(row, 8)?,
        usage: Usage {
            input_tokens: int(row, 9)?,
            output_tokens: int(row, 10)?,
            total_tokens: int(row, 11)?,
            cached_tokens: int(row, 12)?,
            reasoning_tokens: int(row, 13)?,
            input_text_tokens: int(row, 14)?,
            input_audio_tokens: int(row, 15)?,
            input_image_tokens: int(row, 16)?,
            input_video_tokens: int(row, 17)?,
            output_text_tokens: int(row, 18)?,
            output_audio_tokens: int(row, 19)?,
            images: int(row, 20)?,
            video_seconds: real(row, 21)?,
            audio_seconds: real(row, 22)?,
            characters: int(row, 23)?,
            other: serde_json::Map::new(),
        },
        usage_other: text(row, 24)?,
        latency_ms: int(row, 25)?,
        ttft_ms: int(row, 26)?,
        first_byte_ms: int(row, 27)?,
        cost: real(row, 28)?,
        source: required(29)?,
        stream: required(30)? != 0,
        api_key: text(row, 31)?,
        metadata: text(row, 32)?,
        upstream_request_id: text(row, 33)?,
        has_body: required(34)? != 0,
    })
}
