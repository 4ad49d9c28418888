//! Webhook channels and the queue of deliveries of alert events to them, in PostgreSQL: the
//! seam's `Deliveries`. Several servers may send from one queue: a delivery is taken with a
//! conditional UPDATE, which PostgreSQL re-checks after waiting for a competing one.

use app::model::{
    AlertChannel, ChannelFormat, Delivery, WorkspaceId, WEBHOOK_NO_ANSWER, WEBHOOK_REFUSED,
};

use super::super::PgStore;
use super::channel_format;
use crate::store::{Deliveries, DueDelivery, StoreError};

type DueRow = (i64, i64, i64, i64, String, String);

type DeliveryRow = (i64, String, String, i64, Option<i64>, Option<String>);

/// A recorded error as anyone is shown it: one of the fixed texts (rows recorded before them
/// said how a connection failed, which told open ports from closed ones).
fn shown_error(http_status: Option<i64>, error: Option<String>) -> Option<String> {
    match (http_status, error) {
        (_, Some(error)) if error == WEBHOOK_REFUSED => Some(error),
        (None, Some(_)) => Some(WEBHOOK_NO_ANSWER.to_owned()),
        _ => None,
    }
}

#[async_trait::async_trait]
impl Deliveries for PgStore {
    async fn channels(&self, workspace_id: WorkspaceId) -> Result<Vec<AlertChannel>, StoreError> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT id, name, url, format FROM alert_channels WHERE workspace_id = $1 ORDER BY id",
        )
        .bind(workspace_id.get())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, name, url, format)| {
                Ok(AlertChannel {
                    id,
                    name,
                    url,
                    format: channel_format(&format)?,
                })
            })
            .collect()
    }

    async fn create_channel(
        &self,
        workspace_id: WorkspaceId,
        name: &str,
        url: &str,
        format: ChannelFormat,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO alert_channels (workspace_id, name, url, format, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(workspace_id.get())
        .bind(name.trim())
        .bind(url.trim())
        .bind(format.as_str())
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn delete_channel(&self, workspace_id: WorkspaceId, id: i64) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM alert_channels WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id.get())
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(deleted > 0)
    }

    async fn queue_deliveries(
        &self,
        workspace_id: WorkspaceId,
        event_id: i64,
        channel_ids: &[i64],
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        // One row per listed id (a repeated id is queued again, as listed), in list order;
        // ids of other workspaces' channels, or of none, queue nothing.
        let queued = sqlx::query(
            "INSERT INTO alert_deliveries (event_id, channel_id, status, attempts, \
             next_attempt_ms, updated_at_ms) \
             SELECT $1, c.id, 'pending', 0, $2, $2 \
             FROM unnest($3::BIGINT[]) WITH ORDINALITY AS listed (channel_id, place) \
             JOIN alert_channels c ON c.id = listed.channel_id \
             WHERE c.workspace_id = $4 ORDER BY listed.place",
        )
        .bind(event_id)
        .bind(now_ms)
        .bind(channel_ids)
        .bind(workspace_id.get())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(queued)
    }

    async fn due_deliveries(
        &self,
        now_ms: i64,
        per_workspace: i64,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        // SQLite reads a negative LIMIT as none at all; PostgreSQL refuses one, and reads
        // `LIMIT NULL` as none.
        let limit = (limit >= 0).then_some(limit);
        let rows: Vec<DueRow> = sqlx::query_as(
            "SELECT id, workspace_id, event_id, attempts, url, format FROM ( \
               SELECT d.id, c.workspace_id, d.event_id, d.attempts, c.url, c.format, \
                 d.next_attempt_ms, row_number() OVER ( \
                   PARTITION BY c.workspace_id ORDER BY d.next_attempt_ms, d.id) AS place \
               FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id \
               WHERE d.status = 'pending' AND d.next_attempt_ms <= $1) AS due \
             WHERE place <= $2 ORDER BY next_attempt_ms, id LIMIT $3",
        )
        .bind(now_ms)
        .bind(per_workspace)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, workspace_id, event_id, attempts, url, format)| {
                Ok(DueDelivery {
                    id,
                    workspace_id: WorkspaceId::trusted(workspace_id),
                    event_id,
                    attempts,
                    url,
                    format: channel_format(&format)?,
                })
            })
            .collect()
    }

    async fn claim_delivery(
        &self,
        id: i64,
        now_ms: i64,
        held_until_ms: i64,
    ) -> Result<bool, StoreError> {
        // When two servers claim at once, the second UPDATE waits for the first to commit and
        // then re-checks its WHERE on the row as the first left it: no longer due, so it
        // changes nothing and this answers false.
        let claimed = sqlx::query(
            "UPDATE alert_deliveries SET next_attempt_ms = $1 \
             WHERE id = $2 AND status = 'pending' AND next_attempt_ms <= $3",
        )
        .bind(held_until_ms)
        .bind(id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    async fn record_attempt(
        &self,
        id: i64,
        status: &str,
        http_status: Option<u16>,
        error: Option<&str>,
        retry_at_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE alert_deliveries SET status = $1, attempts = attempts + 1, \
             http_status = $2, error = $3, next_attempt_ms = $4, updated_at_ms = $5 \
             WHERE id = $6",
        )
        .bind(status)
        .bind(http_status.map(i64::from))
        .bind(error)
        .bind(retry_at_ms)
        .bind(now_ms)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn deliveries(
        &self,
        workspace_id: WorkspaceId,
        event_ids: &[i64],
    ) -> Result<Vec<Delivery>, StoreError> {
        // One query for the whole list, answered in list order, each event's deliveries in
        // the order they were queued.
        let rows: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT d.event_id, c.name, d.status, d.attempts, d.http_status, d.error \
             FROM unnest($1::BIGINT[]) WITH ORDINALITY AS listed (event_id, place) \
             JOIN alert_deliveries d ON d.event_id = listed.event_id \
             JOIN alert_channels c ON c.id = d.channel_id \
             WHERE c.workspace_id = $2 ORDER BY listed.place, d.id",
        )
        .bind(event_ids)
        .bind(workspace_id.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(event_id, channel, status, attempts, http_status, error)| Delivery {
                    event_id,
                    channel,
                    status,
                    attempts: u32::try_from(attempts).unwrap_or(0),
                    http_status: http_status.and_then(|code| u16::try_from(code).ok()),
                    error: shown_error(http_status, error),
                },
            )
            .collect())
    }
}
