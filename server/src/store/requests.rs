//! Storing request records: deduplication by request id, raw rows, bodies, and rollups, all in
//! the caller's transaction.

use std::collections::{HashMap, HashSet};

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::catalog::CatalogCache;
use super::encoding::{self, request_key, REQUEST_ID_TEXT};
use super::{rollups, StoreError};
use crate::cost;
use crate::ingest::record::NewRequest;
use crate::rollup::{self, Observation};

/// A record on its way into storage, with who sent it.
#[derive(Clone, Debug)]
pub struct Pending {
    pub workspace_id: i64,
    pub ingest_key_id: Option<i64>,
    pub record: NewRequest,
}

/// Rows per multi-row INSERT (38 bound values each, well under SQLite's 32,766).
const INSERT_CHUNK: usize = 200;
/// Keys per duplicate lookup.
const LOOKUP_CHUNK: usize = 500;

/// The hour of a call: duplicates are looked for among calls of the same workspace, request id
/// and UTC hour (a re-sent record carries its original timestamp).
pub fn dedup_hour(ts_ms: i64) -> i64 {
    ts_ms.div_euclid(3_600_000)
}

/// Which of `batch` are already stored (or repeated earlier in the batch).
async fn find_duplicates(
    conn: &mut SqliteConnection,
    batch: &[Pending],
) -> Result<Vec<bool>, StoreError> {
    let mut groups: HashMap<(i64, i64), Vec<i64>> = HashMap::new();
    for pending in batch {
        groups
            .entry((pending.workspace_id, dedup_hour(pending.record.ts_ms)))
            .or_default()
            .push(request_key(&pending.record.request_id));
    }
    let mut stored: HashSet<(i64, i64, String)> = HashSet::new();
    for ((workspace_id, hour), keys) in groups {
        for chunk in keys.chunks(LOOKUP_CHUNK) {
            // The expression must match the index's for SQLite to use it.
            let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
                "SELECT {REQUEST_ID_TEXT} FROM requests WHERE workspace_id = "
            ));
            query
                .push_bind(workspace_id)
                .push(" AND ts_ms / 3600000 = ")
                .push_bind(hour)
                .push(" AND request_key IN (");
            let mut list = query.separated(", ");
            for key in chunk {
                list.push_bind(*key);
            }
            query.push(")");
            let ids: Vec<String> = query.build_query_scalar().fetch_all(&mut *conn).await?;
            stored.extend(ids.into_iter().map(|id| (workspace_id, hour, id)));
        }
    }
    let mut seen: HashSet<(i64, i64, &str)> = HashSet::new();
    Ok(batch
        .iter()
        .map(|pending| {
            let id = pending.record.request_id.as_str();
            let hour = dedup_hour(pending.record.ts_ms);
            stored.contains(&(pending.workspace_id, hour, id.to_owned()))
                || !seen.insert((pending.workspace_id, hour, id))
        })
        .collect())
}

/// A record with everything the row needs resolved.
struct Resolved<'a> {
    row_id: i64,
    pending: &'a Pending,
    model_id: i64,
    kind: i64,
    /// `None` when it is the kind's default operation (stored as NULL).
    operation: Option<&'a str>,
    cost: Option<f64>,
    /// The id as 16 bytes when it is a canonical UUID.
    request_id_blob: Option<[u8; 16]>,
}

/// Stores `batch` in the open transaction `conn`. Returns, per record, `true` when it was
/// stored and `false` when it was a duplicate.
pub async fn insert_batch(
    conn: &mut SqliteConnection,
    catalog: &mut CatalogCache,
    batch: &[Pending],
    now_ms: i64,
) -> Result<Vec<bool>, StoreError> {
    let duplicates = find_duplicates(conn, batch).await?;
    let mut next_row_id: i64 = sqlx::query_scalar::<_, Option<i64>>("SELECT max(id) FROM requests")
        .fetch_one(&mut *conn)
        .await?
        .unwrap_or(0)
        + 1;

    let mut resolved = Vec::with_capacity(batch.len());
    for (pending, duplicate) in batch.iter().zip(&duplicates) {
        if *duplicate {
            continue;
        }
        let record = &pending.record;
        let model = catalog
            .get(
                conn,
                pending.workspace_id,
                &record.model,
                record.kind,
                now_ms,
            )
            .await?;
        let kind = record.kind.unwrap_or(model.kind);
        resolved.push(Resolved {
            row_id: next_row_id,
            pending,
            model_id: model.id,
            kind: encoding::kind_code(kind),
            operation: record
                .operation
                .as_deref()
                .filter(|operation| *operation != kind.default_operation()),
            cost: cost::cost(&model.prices, &record.usage),
            request_id_blob: encoding::uuid_bytes(&record.request_id),
        });
        next_row_id += 1;
    }

    for chunk in resolved.chunks(INSERT_CHUNK) {
        insert_rows(conn, chunk).await?;
    }
    let with_bodies: Vec<&Resolved> = resolved
        .iter()
        .filter(|row| {
            row.pending.record.request_body.is_some() || row.pending.record.response_body.is_some()
        })
        .collect();
    for chunk in with_bodies.chunks(INSERT_CHUNK) {
        let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO request_bodies (request_row_id, request_body, response_body) ",
        );
        query.push_values(chunk, |mut row, resolved| {
            row.push_bind(resolved.row_id)
                .push_bind(resolved.pending.record.request_body.as_deref())
                .push_bind(resolved.pending.record.response_body.as_deref());
        });
        query.build().execute(&mut *conn).await?;
    }

    let cells = rollup::aggregate(resolved.iter().map(|row| {
        let record = &row.pending.record;
        Observation {
            workspace_id: row.pending.workspace_id,
            model_id: row.model_id,
            ts_ms: record.ts_ms,
            status: record.status,
            stream: record.stream,
            usage: &record.usage,
            latency_ms: record.latency_ms,
            ttft_ms: record.ttft_ms,
            cost: row.cost,
        }
    }));
    rollups::add_cells(conn, cells).await?;
    Ok(duplicates.into_iter().map(|duplicate| !duplicate).collect())
}

async fn insert_rows(conn: &mut SqliteConnection, rows: &[Resolved<'_>]) -> Result<(), StoreError> {
    let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO requests (id, workspace_id, request_id, request_key, ts_ms, model_id, kind, \
         operation, status, error_type, error_message, input_tokens, output_tokens, total_tokens, \
         cached_tokens, reasoning_tokens, input_text_tokens, input_audio_tokens, \
         input_image_tokens, input_video_tokens, output_text_tokens, output_audio_tokens, images, \
         video_seconds, audio_seconds, characters, usage_other, latency_ms, ttft_ms, \
         first_byte_ms, cost, source, stream, api_key, ingest_key_id, metadata, \
         upstream_request_id, has_body) ",
    );
    query.push_values(rows, |mut row, resolved| {
        let record = &resolved.pending.record;
        let usage = &record.usage;
        row.push_bind(resolved.row_id)
            .push_bind(resolved.pending.workspace_id);
        match resolved.request_id_blob {
            Some(bytes) => row.push_bind(bytes.to_vec()),
            None => row.push_bind(record.request_id.as_str()),
        };
        row.push_bind(request_key(&record.request_id))
            .push_bind(record.ts_ms)
            .push_bind(resolved.model_id)
            .push_bind(resolved.kind)
            .push_bind(resolved.operation)
            .push_bind(i64::from(record.status))
            .push_bind(record.error_type.as_deref())
            .push_bind(record.error_message.as_deref())
            .push_bind(usage.input_tokens)
            .push_bind(usage.output_tokens)
            .push_bind(usage.total_tokens)
            .push_bind(usage.cached_tokens)
            .push_bind(usage.reasoning_tokens)
            .push_bind(usage.input_text_tokens)
            .push_bind(usage.input_audio_tokens)
            .push_bind(usage.input_image_tokens)
            .push_bind(usage.input_video_tokens)
            .push_bind(usage.output_text_tokens)
            .push_bind(usage.output_audio_tokens)
            .push_bind(usage.images)
            .push_bind(usage.video_seconds)
            .push_bind(usage.audio_seconds)
            .push_bind(usage.characters)
            .push_bind(
                (!usage.other.is_empty())
                    .then(|| serde_json::Value::Object(usage.other.clone()).to_string()),
            )
            .push_bind(record.latency_ms)
            .push_bind(record.ttft_ms)
            .push_bind(record.first_byte_ms)
            .push_bind(resolved.cost)
            .push_bind(encoding::source_code(record.source))
            .push_bind(record.stream)
            .push_bind(record.api_key.as_deref())
            .push_bind(resolved.pending.ingest_key_id)
            .push_bind(record.metadata.as_deref())
            .push_bind(record.upstream_request_id.as_deref())
            .push_bind(record.request_body.is_some() || record.response_body.is_some());
    });
    query.build().execute(conn).await?;
    Ok(())
}

/// Whether the workspace has any stored call.
pub async fn has_requests(pool: &sqlx::SqlitePool, workspace_id: i64) -> Result<bool, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM requests WHERE workspace_id = ?)")
            .bind(workspace_id)
            .fetch_one(pool)
            .await?,
    )
}
