//! One raw row (and its bodies) per call.

use app::model::ModelKind;
use rusqlite::types::ToSql;
use rusqlite::{CachedStatement, Transaction};

use super::Pending;
use crate::store::encoding::{self, request_key};
use crate::store::StoreError;

const INSERT_ROW: &str = "INSERT INTO requests (id, workspace_id, request_id, request_key, ts_ms, \
     model_id, kind, operation, status, error_type, error_message, input_tokens, output_tokens, \
     total_tokens, cached_tokens, reasoning_tokens, input_text_tokens, input_audio_tokens, \
     input_image_tokens, input_video_tokens, output_text_tokens, output_audio_tokens, images, \
     video_seconds, audio_seconds, characters, usage_other, latency_ms, ttft_ms, first_byte_ms, \
     cost, source, stream, api_key, ingest_key_id, metadata, upstream_request_id, has_body) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
     ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, \
     ?37, ?38)";

const INSERT_BODIES: &str =
    "INSERT INTO request_bodies (request_row_id, request_body, response_body) VALUES (?1, ?2, ?3)";

/// The two prepared inserts, prepared once per batch.
pub struct RowInserts<'conn> {
    row: CachedStatement<'conn>,
    bodies: CachedStatement<'conn>,
}

impl<'conn> RowInserts<'conn> {
    pub fn prepare(tx: &'conn Transaction<'_>) -> Result<Self, StoreError> {
        Ok(Self {
            row: tx.prepare_cached(INSERT_ROW)?,
            bodies: tx.prepare_cached(INSERT_BODIES)?,
        })
    }
}

/// Inserts the row of `pending` with id `row_id`, and its bodies when it has any.
pub fn insert_row(
    inserts: &mut RowInserts<'_>,
    row_id: i64,
    pending: &Pending,
    model_id: i64,
    kind: ModelKind,
    cost: Option<f64>,
) -> Result<(), StoreError> {
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
    let params: [&dyn ToSql; 38] = [
        &row_id,
        &pending.workspace_id,
        request_id,
        &request_key(&record.request_id),
        &record.ts_ms,
        &model_id,
        &encoding::kind_code(kind),
        &operation,
        &record.status,
        &record.error_type,
        &record.error_message,
        &usage.input_tokens,
        &usage.output_tokens,
        &usage.total_tokens,
        &usage.cached_tokens,
        &usage.reasoning_tokens,
        &usage.input_text_tokens,
        &usage.input_audio_tokens,
        &usage.input_image_tokens,
        &usage.input_video_tokens,
        &usage.output_text_tokens,
        &usage.output_audio_tokens,
        &usage.images,
        &usage.video_seconds,
        &usage.audio_seconds,
        &usage.characters,
        &usage_other,
        &record.latency_ms,
        &record.ttft_ms,
        &record.first_byte_ms,
        &cost,
        &encoding::source_code(record.source),
        &record.stream,
        &record.api_key,
        &pending.ingest_key_id,
        &record.metadata,
        &record.upstream_request_id,
        &has_body,
    ];
    inserts.row.execute(&params[..])?;
    if has_body {
        inserts
            .bodies
            .execute((row_id, &record.request_body, &record.response_body))?;
    }
    Ok(())
}
