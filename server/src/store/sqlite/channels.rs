//! Webhook channels and the deliveries of alert events to them.

use app::model::{AlertChannel, ChannelFormat, WorkspaceId, WEBHOOK_NO_ANSWER, WEBHOOK_REFUSED};
use sqlx::SqlitePool;

use super::StoreError;
use crate::store::DueDelivery;

/// The channels of `workspace_id`.
pub async fn channels(
    pool: &SqlitePool,
    workspace_id: i64,
) -> Result<Vec<AlertChannel>, StoreError> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, name, url, format FROM alert_channels WHERE workspace_id = ? ORDER BY id",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, name, url, format)| {
            Ok(AlertChannel {
                id,
                name,
                url,
                format: ChannelFormat::parse(&format)
                    .ok_or_else(|| StoreError::Corrupt(format!("channel format {format}")))?,
            })
        })
        .collect()
}

/// Stores a channel (already validated); returns its id.
pub async fn create_channel(
    pool: &SqlitePool,
    workspace_id: i64,
    name: &str,
    url: &str,
    format: ChannelFormat,
    now_ms: i64,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO alert_channels (workspace_id, name, url, format, created_at_ms) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(workspace_id)
    .bind(name.trim())
    .bind(url.trim())
    .bind(format.as_str())
    .bind(now_ms)
    .fetch_one(pool)
    .await?)
}

/// Deletes a channel (and its pending deliveries).
pub async fn delete_channel(
    pool: &SqlitePool,
    workspace_id: i64,
    id: i64,
) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("DELETE FROM alert_channels WHERE workspace_id = ? AND id = ?")
            .bind(workspace_id)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
            > 0,
    )
}

/// Queues a delivery of event `event_id` to each of `channel_ids` that belongs to
/// `workspace_id`, due at once.
pub async fn queue_deliveries(
    pool: &SqlitePool,
    workspace_id: i64,
    event_id: i64,
    channel_ids: &[i64],
    now_ms: i64,
) -> Result<u64, StoreError> {
    let mut queued = 0;
    for channel_id in channel_ids {
        queued += sqlx::query(
            "INSERT INTO alert_deliveries (event_id, channel_id, status, attempts, next_attempt_ms, \
             updated_at_ms) SELECT ?, id, 'pending', 0, ?, ? FROM alert_channels \
             WHERE id = ? AND workspace_id = ?",
        )
        .bind(event_id)
        .bind(now_ms)
        .bind(now_ms)
        .bind(channel_id)
        .bind(workspace_id)
        .execute(pool)
        .await?
        .rows_affected();
    }
    Ok(queued)
}

type DueRow = (i64, i64, i64, i64, String, String);

/// Deliveries due at `now_ms`, oldest first: at most `per_workspace` of each workspace (so
/// one workspace's backlog never hides another's) and `limit` in all.
pub async fn due_deliveries(
    pool: &SqlitePool,
    now_ms: i64,
    per_workspace: i64,
    limit: i64,
) -> Result<Vec<DueDelivery>, StoreError> {
    let rows: Vec<DueRow> = sqlx::query_as(
        "SELECT id, workspace_id, event_id, attempts, url, format FROM ( \
           SELECT d.id, c.workspace_id, d.event_id, d.attempts, c.url, c.format, d.next_attempt_ms, \
             row_number() OVER (PARTITION BY c.workspace_id ORDER BY d.next_attempt_ms, d.id) AS place \
           FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id \
           WHERE d.status = 'pending' AND d.next_attempt_ms <= ?) \
         WHERE place <= ? ORDER BY next_attempt_ms, id LIMIT ?",
    )
    .bind(now_ms)
    .bind(per_workspace)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, workspace_id, event_id, attempts, url, format)| {
            Ok(DueDelivery {
                id,
                workspace_id: WorkspaceId::trusted(workspace_id),
                event_id,
                attempts,
                url,
                format: ChannelFormat::parse(&format)
                    .ok_or_else(|| StoreError::Corrupt(format!("channel format {format}")))?,
            })
        })
        .collect()
}

/// Takes delivery `id` for one attempt when it is still due at `now_ms`: it is not due again
/// before `held_until_ms` (so no other pass sends it meanwhile, and after a crash it is sent
/// again then). False when another pass took it first.
pub async fn claim_delivery(
    pool: &SqlitePool,
    id: i64,
    now_ms: i64,
    held_until_ms: i64,
) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE alert_deliveries SET next_attempt_ms = ? \
         WHERE id = ? AND status = 'pending' AND next_attempt_ms <= ?",
    )
    .bind(held_until_ms)
    .bind(id)
    .bind(now_ms)
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

/// Records an attempt: delivered, failed for good, or to be tried again at `retry_at_ms`.
pub async fn record_attempt(
    pool: &SqlitePool,
    id: i64,
    status: &str,
    http_status: Option<u16>,
    error: Option<&str>,
    retry_at_ms: Option<i64>,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE alert_deliveries SET status = ?, attempts = attempts + 1, http_status = ?, \
         error = ?, next_attempt_ms = ?, updated_at_ms = ? WHERE id = ?",
    )
    .bind(status)
    .bind(http_status.map(i64::from))
    .bind(error)
    .bind(retry_at_ms)
    .bind(now_ms)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// A recorded error as anyone is shown it: one of the fixed texts (rows recorded before them
/// said how a connection failed, which told open ports from closed ones).
fn shown_error(http_status: Option<i64>, error: Option<String>) -> Option<String> {
    match (http_status, error) {
        (_, Some(error)) if error == WEBHOOK_REFUSED => Some(error),
        (None, Some(_)) => Some(WEBHOOK_NO_ANSWER.to_owned()),
        _ => None,
    }
}

type DeliveryRow = (i64, String, String, i64, Option<i64>, Option<String>);

/// Each delivery of the events of `workspace_id` in `event_ids`: `(event, channel name,
/// status, attempts, http status, error)`.
pub async fn deliveries(
    pool: &SqlitePool,
    workspace_id: i64,
    event_ids: &[i64],
) -> Result<Vec<app::model::Delivery>, StoreError> {
    let mut out = Vec::new();
    for event_id in event_ids {
        let rows: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT d.event_id, c.name, d.status, d.attempts, d.http_status, d.error \
             FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id \
             WHERE d.event_id = ? AND c.workspace_id = ? ORDER BY d.id",
        )
        .bind(event_id)
        .bind(workspace_id)
        .fetch_all(pool)
        .await?;
        out.extend(rows.into_iter().map(
            |(event_id, channel, status, attempts, http_status, error)| app::model::Delivery {
                event_id,
                channel,
                status,
                attempts: u32::try_from(attempts).unwrap_or(0),
                http_status: http_status.and_then(|code| u16::try_from(code).ok()),
                error: shown_error(http_status, error),
            },
        ));
    }
    Ok(out)
}
