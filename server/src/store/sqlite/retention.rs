//! Deleting what has outlived its retention, one small batch per transaction so the writer is
//! never held up for more than a few milliseconds.

use std::future::Future;
use std::time::Duration;

use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::StoreError;
use crate::rollup::Level;
use crate::store::{Cutoffs, Purged};

/// Runs `purge` (one batch of at most `batch` deletions) until a batch comes back short, with
/// a short pause between batches; returns how many went in all.
async fn drain<Purge, Batch>(batch: i64, mut purge: Purge) -> Result<u64, StoreError>
where
    Purge: FnMut() -> Batch,
    Batch: Future<Output = Result<u64, StoreError>>,
{
    let mut total = 0;
    loop {
        let deleted = purge().await?;
        total += deleted;
        if (deleted as i64) < batch {
            return Ok(total);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Removes the data of `workspace_id` older than `cutoffs`, in batches of `batch` rows.
pub async fn purge_workspace(
    pool: &SqlitePool,
    workspace_id: i64,
    cutoffs: Cutoffs,
    batch: i64,
) -> Result<Purged, StoreError> {
    let mut purged = Purged::default();
    loop {
        let (rows, bodies) =
            purge_requests_batch(pool, workspace_id, cutoffs.raw_ms, batch).await?;
        purged.requests += rows;
        purged.bodies += bodies;
        if (rows as i64) < batch {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Posting lists go with their calls.
    drain(batch, || {
        delete_oldest(pool, PURGE_POSTINGS, workspace_id, cutoffs.raw_ms, batch)
    })
    .await?;
    purged.hour_cells += drain(batch, || {
        delete_oldest(
            pool,
            PURGE_DIMENSION_HOURS,
            workspace_id,
            cutoffs.hour_ms,
            batch,
        )
    })
    .await?;
    drain(batch, || {
        delete_oldest(pool, PURGE_RANK_HOURS, workspace_id, cutoffs.hour_ms, batch)
    })
    .await?;
    for (level, cutoff) in [
        (Level::Minute, cutoffs.minute_ms),
        (Level::Hour, cutoffs.hour_ms),
    ] {
        for table in [level.table(), level.all_models_table()] {
            let cells = drain(batch, || {
                purge_rollups_batch(pool, table, workspace_id, cutoff, batch)
            })
            .await?;
            match level {
                Level::Minute => purged.minute_cells += cells,
                _ => purged.hour_cells += cells,
            }
        }
    }
    purged.alert_events += drain(batch, || {
        purge_alert_events_batch(pool, workspace_id, cutoffs.history_ms, batch)
    })
    .await?;
    Ok(purged)
}

/// Deletes up to `limit` raw rows of `workspace_id` older than `cutoff_ms`, with their bodies.
/// Returns how many rows were deleted; fewer than `limit` means none are left.
pub async fn purge_requests_batch(
    pool: &SqlitePool,
    workspace_id: i64,
    cutoff_ms: i64,
    limit: i64,
) -> Result<(u64, u64), StoreError> {
    let mut conn = pool.acquire().await?;
    let mut transaction = conn.begin_with("BEGIN IMMEDIATE").await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM requests WHERE workspace_id = ? AND ts_ms < ? ORDER BY ts_ms LIMIT ?",
    )
    .bind(workspace_id)
    .bind(cutoff_ms)
    .bind(limit)
    .fetch_all(&mut *transaction)
    .await?;
    if ids.is_empty() {
        return Ok((0, 0));
    }
    let bodies_deleted =
        delete_by_ids(&mut transaction, "request_bodies", "request_row_id", &ids).await?;
    let rows_deleted = delete_by_ids(&mut transaction, "requests", "id", &ids).await?;
    transaction.commit().await?;
    Ok((rows_deleted, bodies_deleted))
}

/// Deletes the rows of `table` whose `column` is one of `ids`; returns how many went.
async fn delete_by_ids(
    conn: &mut SqliteConnection,
    table: &str,
    column: &str,
    ids: &[i64],
) -> Result<u64, StoreError> {
    let mut query: QueryBuilder<Sqlite> =
        QueryBuilder::new(format!("DELETE FROM {table} WHERE {column} IN ("));
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    query.push(")");
    Ok(query.build().execute(conn).await?.rows_affected())
}

/// Deletes up to `limit` rollup cells of `table` (a level's per-model or all-models table) for
/// `workspace_id` whose bucket starts before `cutoff_ms`. Returns how many were deleted.
pub async fn purge_rollups_batch(
    pool: &SqlitePool,
    table: &str,
    workspace_id: i64,
    cutoff_ms: i64,
    limit: i64,
) -> Result<u64, StoreError> {
    let sql = format!(
        "DELETE FROM {table} WHERE (workspace_id, bucket_ms, model_id) IN \
         (SELECT workspace_id, bucket_ms, model_id FROM {table} \
          WHERE workspace_id = ? AND bucket_ms < ? ORDER BY bucket_ms LIMIT ?)"
    );
    delete_oldest(pool, &sql, workspace_id, cutoff_ms, limit).await
}

/// Up to a batch of a workspace's posting lists (users' days, tags' hours) that end a day or
/// more before a cutoff (parameters: workspace, cutoff, batch size). A list that reaches past
/// the cutoff stays until then; its deleted calls simply match no row.
const PURGE_POSTINGS: &str = "DELETE FROM dimension_postings \
     WHERE (workspace_id, dimension, value_id, bucket_ms, chunk) IN \
     (SELECT workspace_id, dimension, value_id, bucket_ms, chunk FROM dimension_postings \
      WHERE workspace_id = ?1 AND dimension IN (1, 4) AND bucket_ms < ?2 - 86400000 LIMIT ?3)";

/// Up to a batch of a workspace's hourly dimension cells older than a cutoff.
const PURGE_DIMENSION_HOURS: &str = "DELETE FROM rollup_dim_1h \
     WHERE (workspace_id, dimension, bucket_ms, value_id) IN \
     (SELECT workspace_id, dimension, bucket_ms, value_id FROM rollup_dim_1h \
      WHERE workspace_id = ?1 AND dimension IN (1, 2, 3, 4, 5, 6, 7) AND bucket_ms < ?2 LIMIT ?3)";

/// Up to a batch of a workspace's hourly rank lists older than a cutoff (`dim_index::ranks`;
/// level 1 is an hour's).
const PURGE_RANK_HOURS: &str = "DELETE FROM dimension_ranks \
     WHERE (workspace_id, dimension, level, bucket_ms) IN \
     (SELECT workspace_id, dimension, level, bucket_ms FROM dimension_ranks \
      WHERE workspace_id = ?1 AND dimension IN (1, 2, 3, 4, 5, 6, 7) AND level = 1 \
      AND bucket_ms < ?2 LIMIT ?3)";

/// Deletes up to `limit` alert events of `workspace_id` recorded before `cutoff_ms`, oldest
/// first; their webhook deliveries go with them (`ON DELETE CASCADE`). Returns how many events
/// were deleted.
pub async fn purge_alert_events_batch(
    pool: &SqlitePool,
    workspace_id: i64,
    cutoff_ms: i64,
    limit: i64,
) -> Result<u64, StoreError> {
    let sql = "DELETE FROM alert_events WHERE id IN \
         (SELECT id FROM alert_events WHERE workspace_id = ? AND at_ms < ? ORDER BY at_ms LIMIT ?)";
    delete_oldest(pool, sql, workspace_id, cutoff_ms, limit).await
}

/// Runs a `DELETE` whose three parameters are the workspace, the cutoff and the batch size;
/// returns how many rows went.
async fn delete_oldest(
    pool: &SqlitePool,
    sql: &str,
    workspace_id: i64,
    cutoff_ms: i64,
    limit: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query(sql)
        .bind(workspace_id)
        .bind(cutoff_ms)
        .bind(limit)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
