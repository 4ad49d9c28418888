//! Retention in PostgreSQL: whole day partitions go once every workspace's retention has
//! passed them; what is left of a shorter-lived workspace goes in short batches, like SQLite.

use std::time::Duration;

use app::model::WorkspaceId;
use sqlx::{Connection, PgConnection};

use super::partitions::{self, day_of_hour, partition_name};
use super::PgStore;
use crate::rollup::Level;
use crate::store::{Cutoffs, Housekeeping, Purged, StoreError};

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// How long a partition drop waits for its lock before giving up until the next pass: the
/// drop needs the parent table to itself for a moment, and every query that comes after it
/// waits behind it, so it must never queue behind a long export.
const DROP_LOCK_TIMEOUT: &str = "SET LOCAL lock_timeout = '2s'";

#[async_trait::async_trait]
impl Housekeeping for PgStore {
    async fn purge_workspace(
        &self,
        workspace_id: WorkspaceId,
        cutoffs: Cutoffs,
        batch: i64,
    ) -> Result<Purged, StoreError> {
        let mut purged = Purged::default();
        let mut conn = self.pool.acquire().await?;
        let (requests, bodies) = self
            .drop_expired_partitions(&mut conn, workspace_id, cutoffs.raw_ms)
            .await?;
        purged.requests += requests;
        purged.bodies += bodies;
        loop {
            // A batch is every call up to the time of the `batch`-th oldest expired one (all
            // that are left when fewer), found and deleted through the (workspace, time) index.
            let (rows, bodies): (i64, i64) = sqlx::query_as(
                "WITH bound AS (SELECT coalesce((SELECT ts_ms FROM requests \
                 WHERE workspace_id = $1 AND ts_ms < $2 ORDER BY ts_ms OFFSET $3 - 1 LIMIT 1), $2) AS ts), \
                 gone AS (DELETE FROM requests WHERE workspace_id = $1 AND ts_ms < $2 \
                 AND ts_ms <= (SELECT ts FROM bound) RETURNING id, hour, has_body), \
                 bodies AS (DELETE FROM request_bodies b USING gone g \
                 WHERE g.has_body AND b.request_row_id = g.id AND b.hour = g.hour RETURNING 1) \
                 SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM bodies)",
            )
            .bind(workspace_id.get())
            .bind(cutoffs.raw_ms)
            .bind(batch)
            .fetch_one(&mut *conn)
            .await?;
            purged.requests += rows as u64;
            purged.bodies += bodies as u64;
            if rows < batch {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        // Tag lists of the hours deleted row by row above (whole days went with their
        // partitions); the cutoff's own hour keeps its list, whose older entries find no call.
        drain(
            &mut conn,
            "DELETE FROM tag_lists WHERE (workspace_id, tag_id, hour, first_row) IN \
             (SELECT workspace_id, tag_id, hour, first_row FROM tag_lists \
              WHERE workspace_id = $1 AND hour < $2 / 3600000 LIMIT $3)",
            workspace_id,
            cutoffs.raw_ms,
            batch,
        )
        .await?;
        purged.hour_cells += drain(
            &mut conn,
            "DELETE FROM rollup_dim_1h WHERE (workspace_id, dimension, bucket_ms, value_id) IN \
             (SELECT workspace_id, dimension, bucket_ms, value_id FROM rollup_dim_1h \
              WHERE workspace_id = $1 AND bucket_ms < $2 LIMIT $3)",
            workspace_id,
            cutoffs.hour_ms,
            batch,
        )
        .await?;
        // The hours' rank lists (level 1) go with their cells; they are not counted as cells.
        drain(
            &mut conn,
            "DELETE FROM dimension_ranks WHERE (workspace_id, dimension, level, bucket_ms) IN \
             (SELECT workspace_id, dimension, level, bucket_ms FROM dimension_ranks \
              WHERE workspace_id = $1 AND level = 1 AND bucket_ms < $2 LIMIT $3)",
            workspace_id,
            cutoffs.hour_ms,
            batch,
        )
        .await?;
        for (level, cutoff) in [
            (Level::Minute, cutoffs.minute_ms),
            (Level::Hour, cutoffs.hour_ms),
        ] {
            for table in [level.table(), level.all_models_table()] {
                let sql = format!(
                    "DELETE FROM {table} WHERE (workspace_id, bucket_ms, model_id) IN \
                     (SELECT workspace_id, bucket_ms, model_id FROM {table} \
                      WHERE workspace_id = $1 AND bucket_ms < $2 ORDER BY bucket_ms LIMIT $3)"
                );
                let cells = drain(&mut conn, &sql, workspace_id, cutoff, batch).await?;
                match level {
                    Level::Minute => purged.minute_cells += cells,
                    _ => purged.hour_cells += cells,
                }
            }
        }
        purged.alert_events += drain(
            &mut conn,
            "DELETE FROM alert_events WHERE id IN (SELECT id FROM alert_events \
             WHERE workspace_id = $1 AND at_ms < $2 ORDER BY at_ms LIMIT $3)",
            workspace_id,
            cutoffs.history_ms,
            batch,
        )
        .await?;
        Ok(purged)
    }

    async fn has_requests(&self, workspace_id: WorkspaceId) -> Result<bool, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM requests WHERE workspace_id = $1)")
                .bind(workspace_id.get())
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

/// Runs `sql` (a DELETE of at most `batch` rows whose parameters are the workspace, the cutoff
/// and the batch size) until a batch comes back short; returns how many rows went.
async fn drain(
    conn: &mut PgConnection,
    sql: &str,
    workspace_id: WorkspaceId,
    cutoff: i64,
    batch: i64,
) -> Result<u64, StoreError> {
    let mut total = 0;
    loop {
        let deleted = sqlx::query(sql)
            .bind(workspace_id.get())
            .bind(cutoff)
            .bind(batch)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        total += deleted;
        if (deleted as i64) < batch {
            return Ok(total);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

impl PgStore {
    /// Drops the day partitions that hold only calls every workspace's retention has passed:
    /// those ending before the earliest cutoff of all workspaces, which is this workspace's
    /// cutoff moved back by how much longer the longest-kept workspace keeps its calls.
    /// Returns the calls and bodies that went with them.
    async fn drop_expired_partitions(
        &self,
        conn: &mut PgConnection,
        workspace_id: WorkspaceId,
        raw_cutoff_ms: i64,
    ) -> Result<(u64, u64), StoreError> {
        let (own, longest): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT (SELECT retention_days FROM workspaces WHERE id = $1), \
             (SELECT max(retention_days) FROM workspaces)",
        )
        .bind(workspace_id.get())
        .fetch_one(&mut *conn)
        .await?;
        let (Some(own), Some(longest)) = (own, longest) else {
            return Ok((0, 0));
        };
        let everyone_cutoff_ms = raw_cutoff_ms - (longest - own).max(0) * DAY_MS;
        // A day partition may go when its last hour ends at or before the cutoff.
        let last_day = day_of_hour(everyone_cutoff_ms.div_euclid(HOUR_MS)) - 1;
        let mut dropped = Vec::new();
        let (mut requests, mut bodies) = (0, 0);
        for day in partitions::days(conn, "requests").await? {
            if day > last_day {
                break;
            }
            match drop_day(conn, day).await {
                Ok((calls, day_bodies)) => {
                    requests += calls;
                    bodies += day_bodies;
                    dropped.push(day);
                }
                Err(StoreError::Query(error))
                    if error
                        .as_database_error()
                        .and_then(|error| error.code())
                        .as_deref()
                        == Some("55P03") =>
                {
                    tracing::info!(
                        day,
                        "a partition drop waited too long for its lock; next pass"
                    );
                    break;
                }
                Err(error) => return Err(error),
            }
        }
        self.partitions.forget(&dropped)?;
        Ok((requests, bodies))
    }
}

/// Drops one day's partitions of calls and bodies in one transaction; returns how many calls
/// and bodies they held.
async fn drop_day(conn: &mut PgConnection, day: i64) -> Result<(u64, u64), StoreError> {
    let names = partitions::TABLES.map(|table| partition_name(table, day));
    let [Some(calls_table), Some(bodies_table), Some(tags_table)] = names else {
        return Ok((0, 0));
    };
    let mut tx = conn.begin().await?;
    sqlx::query(DROP_LOCK_TIMEOUT).execute(&mut *tx).await?;
    let calls: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {calls_table}"))
        .fetch_one(&mut *tx)
        .await?;
    let bodies: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {bodies_table}"))
        .fetch_one(&mut *tx)
        .await?;
    for table in [calls_table, bodies_table, tags_table] {
        sqlx::query(&format!("DROP TABLE IF EXISTS {table}"))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok((calls as u64, bodies as u64))
}
