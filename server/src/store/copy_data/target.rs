//! The PostgreSQL side of `copy-data`: one connection, one transaction per chunk.

use rusqlite::types::Value;
use sqlx::{Connection, PgConnection, Row};

use super::tables::{Table, TABLES};
use crate::store::postgres::PgStore;
use crate::store::StoreError;

/// The target's connection (its staging tables are its own).
pub struct Target {
    conn: PgConnection,
}

impl Target {
    pub async fn new(store: &PgStore) -> Result<Self, StoreError> {
        Ok(Self {
            conn: store.pool().acquire().await?.detach(),
        })
    }

    /// Makes sure the target is either empty or an earlier copy of `source`, and remembers
    /// `source` as what it is a copy of.
    pub async fn claim(&mut self, source: &str, now_ms: i64) -> Result<(), StoreError> {
        let copied: Option<String> = sqlx::query_scalar("SELECT source FROM copied_from LIMIT 1")
            .fetch_optional(&mut self.conn)
            .await?;
        match copied {
            Some(copied) if copied == source => return Ok(()),
            Some(copied) => {
                return Err(StoreError::Corrupt(format!(
                    "the target holds a copy of {copied}, not of {source}"
                )))
            }
            None => {}
        }
        let holds_data: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM api_keys) \
             OR EXISTS (SELECT 1 FROM requests) OR EXISTS (SELECT 1 FROM alert_rules)",
        )
        .fetch_one(&mut self.conn)
        .await?;
        if holds_data {
            return Err(StoreError::Corrupt(
                "the target database is not empty: copy into a new database".into(),
            ));
        }
        sqlx::query("INSERT INTO copied_from (source, started_at_ms) VALUES ($1, $2)")
            .bind(source)
            .bind(now_ms)
            .execute(&mut self.conn)
            .await?;
        Ok(())
    }

    /// The partitions of every day in `days`.
    pub async fn ensure_days(&mut self, store: &PgStore, days: &[i64]) -> Result<(), StoreError> {
        store
            .partitions()
            .ensure(&mut self.conn, days.iter().map(|day| day * 24))
            .await
    }

    /// The target's columns of `table`, in table order.
    pub async fn columns(&mut self, table: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(&mut self.conn)
        .await?)
    }

    /// Where a resumed copy of `table` goes on: the greatest key the target holds.
    pub async fn last_key(&mut self, table: &Table) -> Result<Option<Vec<Value>>, StoreError> {
        if !table.resume {
            return Ok(None);
        }
        let key = table.key.join(", ");
        let descending: Vec<String> = table
            .key
            .iter()
            .map(|column| format!("{column} DESC"))
            .collect();
        let row = sqlx::query(&format!(
            "SELECT {key} FROM {} ORDER BY {} LIMIT 1",
            table.name,
            descending.join(", ")
        ))
        .fetch_optional(&mut self.conn)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let values = (0..table.key.len())
            .map(|index| row.try_get::<i64, _>(index).map(Value::Integer))
            .collect::<Result<Vec<Value>, _>>()?;
        Ok(Some(values))
    }

    /// Writes a chunk of `table` (COPY `lines` of `columns`) in one transaction, skipping rows
    /// the target holds already.
    pub async fn write(
        &mut self,
        table: &Table,
        columns: &[String],
        lines: String,
    ) -> Result<(), StoreError> {
        let on_conflict = if table.update {
            let sets: Vec<String> = columns
                .iter()
                .filter(|column| !table.key.contains(&column.as_str()))
                .map(|column| format!("{column} = excluded.{column}"))
                .collect();
            format!(
                "ON CONFLICT ({}) DO UPDATE SET {}",
                table.key.join(", "),
                sets.join(", ")
            )
        } else {
            "ON CONFLICT DO NOTHING".to_owned()
        };
        let columns = columns.join(", ");
        let staging = format!("copy_{}", table.name);
        let mut tx = self.conn.begin().await?;
        sqlx::query(&format!(
            "CREATE TEMPORARY TABLE IF NOT EXISTS {staging} (LIKE {}) ON COMMIT DELETE ROWS",
            table.name
        ))
        .execute(&mut *tx)
        .await?;
        let mut copy = tx
            .copy_in_raw(&format!("COPY {staging} ({columns}) FROM STDIN"))
            .await?;
        copy.send(lines.into_bytes()).await?;
        copy.finish().await?;
        sqlx::query(&format!(
            "INSERT INTO {} ({columns}) SELECT {columns} FROM {staging} {}",
            table.name, on_conflict
        ))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves every id sequence past the ids copied in, so new rows get new ids.
    pub async fn reset_sequences(&mut self) -> Result<(), StoreError> {
        for table in &TABLES {
            let sequence: Option<String> =
                sqlx::query_scalar("SELECT pg_get_serial_sequence($1, 'id')")
                    .bind(table.name)
                    .fetch_one(&mut self.conn)
                    .await
                    .unwrap_or(None);
            let sequence = match (table.name, sequence) {
                ("requests", _) => "requests_id_seq".to_owned(),
                (_, Some(sequence)) => sequence,
                (_, None) => continue,
            };
            sqlx::query(&format!(
                "SELECT setval($1, GREATEST((SELECT max(id) FROM {}), 1))",
                table.name
            ))
            .bind(sequence)
            .execute(&mut self.conn)
            .await?;
        }
        Ok(())
    }

    /// PostgreSQL's lists of calls by tag (`tag_lists`, which SQLite does not keep in this
    /// form), built from the tag ids on the copied calls (row ids up to `last_row`), day by day,
    /// each day's in one transaction that first removes what an earlier run built.
    pub async fn build_tag_lists(&mut self, days: &[i64], last_row: i64) -> Result<(), StoreError> {
        for day in days {
            let (from, to) = (day * 24, (day + 1) * 24);
            let mut tx = self.conn.begin().await?;
            sqlx::query("DELETE FROM tag_lists WHERE hour >= $1 AND hour < $2 AND first_row <= $3")
                .bind(from)
                .bind(to)
                .bind(last_row)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO tag_lists (workspace_id, tag_id, hour, first_row, calls, entries) \
                 SELECT r.workspace_id, t.tag_id, r.hour, min(r.id), count(*)::INTEGER, \
                 '\\x01'::BYTEA || string_agg(int8send(r.ts_ms) || int8send(r.id), ''::BYTEA \
                 ORDER BY r.ts_ms, r.id) \
                 FROM requests AS r \
                 CROSS JOIN LATERAL unnest(string_to_array(r.tag_ids, ',')::BIGINT[]) AS t (tag_id) \
                 WHERE r.tag_ids IS NOT NULL AND r.hour >= $1 AND r.hour < $2 AND r.id <= $3 \
                 GROUP BY r.workspace_id, t.tag_id, r.hour",
            )
            .bind(from)
            .bind(to)
            .bind(last_row)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// The entries of every tag list: one per call and tag.
    pub async fn tag_entries(&mut self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT coalesce(sum(calls), 0)::BIGINT FROM tag_lists")
                .fetch_one(&mut self.conn)
                .await?,
        )
    }

    /// The rows of `table` in the target.
    pub async fn count(&mut self, table: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut self.conn)
            .await?)
    }
}
