//! One raw row (and its bodies) per call.

use std::sync::LazyLock;

use app::model::{UNITS, UNIT_COUNT};
use rusqlite::types::ToSql;
use rusqlite::{CachedStatement, Transaction};

use crate::store::sqlite::encoding::{self, request_key};
use crate::store::writes::CallToWrite;
use crate::store::StoreError;

/// The columns before the usage units, the units (from the units table), and the rest.
const HEAD_COLUMNS: [&str; 11] = [
    "id",
    "workspace_id",
    "request_id",
    "request_key",
    "ts_ms",
    "model_id",
    "kind",
    "operation",
    "status",
    "error_type",
    "error_message",
];
const TAIL_COLUMNS: [&str; 17] = [
    "usage_other",
    "latency_ms",
    "ttft_ms",
    "first_byte_ms",
    "cost",
    "source",
    "stream",
    "api_key",
    "ingest_key_id",
    "metadata",
    "upstream_request_id",
    "has_body",
    "user_id",
    "app_id",
    "provider_id",
    "tag_ids",
    "stripped",
];
const COLUMN_COUNT: usize = HEAD_COLUMNS.len() + UNIT_COUNT + TAIL_COLUMNS.len();

static INSERT_ROW: LazyLock<String> = LazyLock::new(|| {
    let columns: Vec<&str> = HEAD_COLUMNS
        .into_iter()
        .chain(UNITS.iter().map(|spec| spec.column))
        .chain(TAIL_COLUMNS)
        .collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|n| format!("?{n}")).collect();
    format!(
        "INSERT INTO requests ({}) VALUES ({})",
        columns.join(", "),
        placeholders.join(", ")
    )
});

const INSERT_BODIES: &str =
    "INSERT INTO request_bodies (request_row_id, request_body, response_body) VALUES (?1, ?2, ?3)";

/// The prepared inserts, prepared once per batch.
pub struct RowInserts<'conn> {
    row: CachedStatement<'conn>,
    bodies: CachedStatement<'conn>,
}

impl<'conn> RowInserts<'conn> {
    pub fn prepare(tx: &'conn Transaction<'_>) -> Result<Self, StoreError> {
        Ok(Self {
            row: tx.prepare_cached(&INSERT_ROW)?,
            bodies: tx.prepare_cached(INSERT_BODIES)?,
        })
    }
}

/// Inserts `row` and its bodies when it has any.
pub fn insert_row(inserts: &mut RowInserts<'_>, row: CallToWrite<'_>) -> Result<(), StoreError> {
    let CallToWrite {
        row_id,
        pending,
        model_id,
        kind,
        cost,
        dimensions,
    } = row;
    let record = &pending.record;
    let usage = &record.usage;
    let uuid = encoding::uuid_bytes(&record.request_id);
    let request_id: &dyn ToSql = match &uuid {
        Some(bytes) => bytes,
        None => &record.request_id,
    };
    // The kind's default operation is stored as NULL.
    let operation = record
        .operation
        .as_deref()
        .filter(|operation| *operation != kind.default_operation());
    let usage_other = (!usage.other.is_empty())
        .then(|| serde_json::Value::Object(usage.other.clone()).to_string());
    let has_body = record.request_body.is_some() || record.response_body.is_some();
    let key = request_key(&record.request_id);
    let kind_code = kind.code();
    let source_code = record.source.code();
    let units = UNITS.map(|spec| encoding::amount_value(usage.get(spec.unit)));
    let workspace_id = pending.workspace_id.get();
    let tag_ids = dimensions.tag_ids_text();
    let mut params: Vec<&dyn ToSql> = Vec::with_capacity(COLUMN_COUNT);
    params.extend([
        &row_id as &dyn ToSql,
        &workspace_id,
        request_id,
        &key,
        &record.ts_ms,
        &model_id,
        &kind_code,
        &operation,
        &record.status,
        &record.error_type,
        &record.error_message,
    ]);
    params.extend(units.iter().map(|value| value as &dyn ToSql));
    params.extend([
        &usage_other as &dyn ToSql,
        &record.latency_ms,
        &record.ttft_ms,
        &record.first_byte_ms,
        &cost,
        &source_code,
        &record.stream,
        &record.api_key,
        &pending.ingest_key_id,
        &record.metadata,
        &record.upstream_request_id,
        &has_body,
        &dimensions.user,
        &dimensions.app,
        &dimensions.provider,
        &tag_ids,
        &record.dimensions.stripped,
    ]);
    inserts.row.execute(&params[..])?;
    if has_body {
        inserts
            .bodies
            .execute((row_id, &record.request_body, &record.response_body))?;
    }
    Ok(())
}
