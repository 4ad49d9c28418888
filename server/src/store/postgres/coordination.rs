//! Coordination of several servers through PostgreSQL: job passes claimed in a table (one
//! winner per slot), signals with LISTEN/NOTIFY on one channel, and login attempts counted in a
//! table under an advisory lock per key.

use futures_util::stream::{self, StreamExt};
use sqlx::postgres::PgListener;
use sqlx::Connection;

use super::PgStore;
use crate::store::{Coordination, Heard, Signal, SignalStream, StoreError};
use app::model::WorkspaceId;

/// The one notification channel all servers listen on.
const CHANNEL: &str = "modelwatch";

/// A signal as its NOTIFY payload (well under PostgreSQL's 8000-byte limit).
fn payload(origin: &str, signal: &Signal) -> String {
    let body = match signal {
        Signal::AlertEvent {
            workspace_id,
            event_id,
        } => serde_json::json!({ "alert": event_id, "ws": workspace_id.get() }),
        Signal::KeyRevoked { key_id } => serde_json::json!({ "key": key_id }),
    };
    serde_json::json!({ "origin": origin, "signal": body }).to_string()
}

/// The signal a payload carries; `None` for anything else on the channel.
fn parse(payload: &str) -> Option<Heard> {
    let value: serde_json::Value = serde_json::from_str(payload).ok()?;
    let origin = value["origin"].as_str()?.to_owned();
    let body = &value["signal"];
    let signal = if let Some(event_id) = body["alert"].as_i64() {
        Signal::AlertEvent {
            // The id came from this database's own events: the workspace is the event's.
            workspace_id: WorkspaceId::trusted(body["ws"].as_i64()?),
            event_id,
        }
    } else {
        Signal::KeyRevoked {
            key_id: body["key"].as_i64()?,
        }
    };
    Some(Heard { origin, signal })
}

#[async_trait::async_trait]
impl Coordination for PgStore {
    async fn claim_slot(&self, job: &str, slot: i64, server: &str) -> Result<bool, StoreError> {
        let claimed = sqlx::query(
            "INSERT INTO job_slots (job, slot, server) VALUES ($1, $2, $3) \
             ON CONFLICT (job) DO UPDATE SET slot = excluded.slot, server = excluded.server \
             WHERE job_slots.slot < excluded.slot",
        )
        .bind(job)
        .bind(slot)
        .bind(server)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    async fn send_signal(&self, origin: &str, signal: &Signal) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload(origin, signal))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn listen(&self) -> Result<Option<SignalStream>, StoreError> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        let heard = stream::unfold(listener, |mut listener| async move {
            loop {
                match listener.try_recv().await {
                    Ok(Some(notification)) => {
                        if let Some(heard) = parse(notification.payload()) {
                            return Some((Ok(heard), listener));
                        }
                    }
                    // The connection was lost (and is being restored): signals may be missed.
                    Ok(None) => {
                        let lost = StoreError::Task("the signal connection was lost".into());
                        return Some((Err(lost), listener));
                    }
                    Err(error) => {
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        return Some((Err(error.into()), listener));
                    }
                }
            }
        });
        Ok(Some(heard.boxed()))
    }

    async fn reserve_login(
        &self,
        keys: &[(String, usize)],
        now_ms: i64,
        window_ms: i64,
    ) -> Result<Result<(), u64>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        // One key at a time, in one order: two servers counting the same keys take turns.
        let mut ordered: Vec<&(String, usize)> = keys.iter().collect();
        ordered.sort();
        let mut wait: Option<u64> = None;
        for (key, limit) in &ordered {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(key)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM login_attempts WHERE key = $1 AND at_ms <= $2")
                .bind(key)
                .bind(now_ms - window_ms)
                .execute(&mut *tx)
                .await?;
            let (count, oldest): (i64, Option<i64>) =
                sqlx::query_as("SELECT count(*), min(at_ms) FROM login_attempts WHERE key = $1")
                    .bind(key)
                    .fetch_one(&mut *tx)
                    .await?;
            if count as usize >= *limit {
                let oldest = oldest.unwrap_or(now_ms);
                let secs = u64::try_from((oldest + window_ms - now_ms + 999) / 1_000)
                    .unwrap_or(1)
                    .max(1);
                wait = wait.max(Some(secs));
            }
        }
        if let Some(secs) = wait {
            tx.rollback().await?;
            return Ok(Err(secs));
        }
        for (key, _) in &ordered {
            sqlx::query("INSERT INTO login_attempts (key, at_ms) VALUES ($1, $2)")
                .bind(key)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn forget_logins_before(&self, before_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM login_attempts WHERE at_ms < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn forgive_login(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_attempts WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_travel_as_payloads_and_back() {
        for signal in [
            Signal::AlertEvent {
                workspace_id: WorkspaceId::trusted(3),
                event_id: 42,
            },
            Signal::KeyRevoked { key_id: 7 },
        ] {
            let heard = parse(&payload("server-a", &signal)).expect("parses");
            assert_eq!(heard.origin, "server-a");
            assert_eq!(heard.signal, signal);
        }
        assert_eq!(parse("not json"), None);
        assert_eq!(parse(r#"{"origin":"x","signal":{}}"#), None);
    }
}
