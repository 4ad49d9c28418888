//! A stored call as PostgreSQL gives it back: the columns read, the request id as text from
//! whichever column holds it, and the row read into a [`StoredCall`].

use std::sync::LazyLock;

use app::model::{Amount, Measure, ModelKind, Usage, UNITS, UNIT_COUNT};
use sqlx::postgres::PgRow;
use sqlx::Row;

use crate::domain::record::Source;
use crate::store::columns::CALL_COLUMNS;
use crate::store::dimensions::parse_tag_ids;
use crate::store::reads::{CallDimensionIds, StoredCall};
use crate::store::StoreError;

/// A call's request id as text, from whichever column holds it (migration 0008).
const REQUEST_ID_TEXT: &str = "coalesce(request_id, request_uuid::text)";

/// The columns of a call, the request id read as text.
pub(super) fn call_columns() -> String {
    static COLUMNS: LazyLock<String> = LazyLock::new(|| {
        let columns = CALL_COLUMNS.to_string();
        let with_text = columns.replacen(
            "ts_ms, request_id,",
            &format!("ts_ms, {REQUEST_ID_TEXT},"),
            1,
        );
        assert_ne!(with_text, columns, "the call columns name request_id");
        with_text
    });
    COLUMNS.clone()
}

const FIRST_UNIT: usize = 9;
const AFTER_UNITS: usize = FIRST_UNIT + UNIT_COUNT;

pub(super) fn read_call(row: &PgRow) -> Result<StoredCall, StoreError> {
    let mut usage = Usage::default();
    for (offset, spec) in UNITS.iter().enumerate() {
        let amount = match spec.measure {
            Measure::Count => row
                .try_get::<Option<i64>, _>(FIRST_UNIT + offset)?
                .map(Amount::Count),
            Measure::Seconds => row
                .try_get::<Option<f64>, _>(FIRST_UNIT + offset)?
                .map(Amount::Seconds),
        };
        usage.set(spec.unit, amount);
    }
    Ok(StoredCall {
        row: row.try_get(0)?,
        ts_ms: row.try_get(1)?,
        request_id: row.try_get(2)?,
        model_id: row.try_get(3)?,
        kind: ModelKind::from_code(i64::from(row.try_get::<i16, _>(4)?)).unwrap_or(ModelKind::Llm),
        operation: row.try_get(5)?,
        status: i64::from(row.try_get::<i32, _>(6)?),
        error_type: row.try_get(7)?,
        error_message: row.try_get(8)?,
        usage,
        usage_other: row.try_get(AFTER_UNITS)?,
        latency_ms: row.try_get(AFTER_UNITS + 1)?,
        ttft_ms: row.try_get(AFTER_UNITS + 2)?,
        first_byte_ms: row.try_get(AFTER_UNITS + 3)?,
        cost: row.try_get(AFTER_UNITS + 4)?,
        source: Source::from_code(i64::from(row.try_get::<i16, _>(AFTER_UNITS + 5)?))
            .unwrap_or(Source::Api),
        stream: row.try_get(AFTER_UNITS + 6)?,
        api_key: row.try_get(AFTER_UNITS + 7)?,
        metadata: row.try_get(AFTER_UNITS + 8)?,
        upstream_request_id: row.try_get(AFTER_UNITS + 9)?,
        has_body: row.try_get(AFTER_UNITS + 10)?,
        dimensions: CallDimensionIds {
            user: row.try_get(AFTER_UNITS + 11)?,
            app: row.try_get(AFTER_UNITS + 12)?,
            provider: row.try_get(AFTER_UNITS + 13)?,
            tags: parse_tag_ids(row.try_get::<Option<&str>, _>(AFTER_UNITS + 14)?),
            stripped: i64::from(row.try_get::<i16, _>(AFTER_UNITS + 15)?),
        },
    })
}
