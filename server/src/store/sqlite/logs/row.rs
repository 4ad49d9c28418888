//! One stored call as the Logs tab and the export read it back: the columns selected and the
//! typed reading of a row.

use app::model::{ModelKind, Usage, UNITS, UNIT_COUNT};

pub(super) use crate::store::columns::CALL_COLUMNS;
use rusqlite::types::ValueRef;
use rusqlite::Row;

use super::super::encoding::{read_amount, request_id_text};
use super::super::StoreError;
use crate::domain::record::Source;
use crate::store::dimensions::parse_tag_ids;
use crate::store::reads::{CallDimensionIds, StoredCall};

/// Where the usage units start in [`CALL_COLUMNS`], and the column after them.
const FIRST_UNIT: usize = 9;
const AFTER_UNITS: usize = FIRST_UNIT + UNIT_COUNT;

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
        kind: ModelKind::from_code(required(4)?).unwrap_or(ModelKind::Llm),
        operation: text(row, 5)?,
        status: required(6)?,
        error_type: text(row, 7)?,
        error_message: text(row, 8)?,
        usage: {
            let mut usage = Usage::default();
            for (offset, spec) in UNITS.iter().enumerate() {
                let value = row.get_ref(FIRST_UNIT + offset)?;
                usage.set(spec.unit, read_amount(value, spec.measure)?);
            }
            usage
        },
        usage_other: text(row, AFTER_UNITS)?,
        latency_ms: int(row, AFTER_UNITS + 1)?,
        ttft_ms: int(row, AFTER_UNITS + 2)?,
        first_byte_ms: int(row, AFTER_UNITS + 3)?,
        cost: real(row, AFTER_UNITS + 4)?,
        source: Source::from_code(required(AFTER_UNITS + 5)?).unwrap_or(Source::Api),
        stream: required(AFTER_UNITS + 6)? != 0,
        api_key: text(row, AFTER_UNITS + 7)?,
        metadata: text(row, AFTER_UNITS + 8)?,
        upstream_request_id: text(row, AFTER_UNITS + 9)?,
        has_body: required(AFTER_UNITS + 10)? != 0,
        dimensions: CallDimensionIds {
            user: int(row, AFTER_UNITS + 11)?,
            app: int(row, AFTER_UNITS + 12)?,
            provider: int(row, AFTER_UNITS + 13)?,
            tags: parse_tag_ids(text(row, AFTER_UNITS + 14)?.as_deref()),
            stripped: int(row, AFTER_UNITS + 15)?.unwrap_or(0),
        },
    })
}
