//! The day partitions of `requests`, `request_bodies` and `tag_lists`: created before a batch
//! needs them, listed and dropped by retention.
//!
//! A partition holds the calls of 24 UTC hours (`hour` in `[day * 24, day * 24 + 24)`) and is
//! named after its day (`requests_d20261201`), so a listing says which days exist without
//! reading bounds back from the catalog.

use std::collections::HashSet;
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate};
use sqlx::PgConnection;

use crate::store::StoreError;

/// The partitioned tables, each with one partition per day.
pub const TABLES: [&str; 3] = ["requests", "request_bodies", "tag_lists"];

const HOURS_PER_DAY: i64 = 24;

/// An advisory lock key (any constant the schema does not use elsewhere): servers creating
/// the same day's partitions at once take turns instead of failing on each other's DDL.
const CREATE_LOCK: i64 = 0x6d77_7061_7274; // "mwpart"

/// The day (days since 1970-01-01) an hour falls in.
pub fn day_of_hour(hour: i64) -> i64 {
    hour.div_euclid(HOURS_PER_DAY)
}

/// The name of `table`'s partition for `day`, or `None` for a day outside the calendar.
pub fn partition_name(table: &str, day: i64) -> Option<String> {
    let date = DateTime::from_timestamp(day.checked_mul(86_400)?, 0)?.date_naive();
    Some(format!("{table}_d{}", date.format("%Y%m%d")))
}

/// The day a partition's name stands for, when it is one of ours.
pub fn day_of_partition(table: &str, name: &str) -> Option<i64> {
    let digits = name.strip_prefix(table)?.strip_prefix("_d")?;
    let date = NaiveDate::parse_from_str(digits, "%Y%m%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp() / 86_400)
}

/// Which days' partitions this server knows exist (creating one is then skipped).
#[derive(Default)]
pub struct Partitions {
    known: Mutex<HashSet<i64>>,
}

impl Partitions {
    /// Makes sure the partitions of every day in `hours` exist, creating the missing ones in
    /// their own short transaction (before the batch's, so its locks are not held while the
    /// rows are written).
    pub async fn ensure(
        &self,
        conn: &mut PgConnection,
        hours: impl IntoIterator<Item = i64>,
    ) -> Result<(), StoreError> {
        let mut missing: Vec<i64> = {
            let known = self.lock()?;
            hours
                .into_iter()
                .map(day_of_hour)
                .filter(|day| !known.contains(day))
                .collect()
        };
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let mut sql = String::from("BEGIN; SELECT pg_advisory_xact_lock(");
        sql.push_str(&CREATE_LOCK.to_string());
        sql.push_str(");");
        for day in &missing {
            let (from, to) = (day * HOURS_PER_DAY, (day + 1) * HOURS_PER_DAY);
            for table in TABLES {
                let name = partition_name(table, *day).ok_or_else(|| {
                    StoreError::Corrupt(format!("a call's day {day} is outside the calendar"))
                })?;
                sql.push_str(&format!(
                    " CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} \
                     FOR VALUES FROM ({from}) TO ({to});"
                ));
            }
        }
        sql.push_str(" COMMIT;");
        // Several statements in one simple-protocol round trip; on an error the server ends the
        // transaction itself.
        if let Err(error) = sqlx::raw_sql(&sql).execute(&mut *conn).await {
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
            return Err(error.into());
        }
        self.lock()?.extend(missing);
        Ok(())
    }

    /// Forgets every day (another server may have dropped some).
    pub fn clear(&self) -> Result<(), StoreError> {
        self.lock()?.clear();
        Ok(())
    }

    /// Forgets `days` (their partitions were dropped).
    pub fn forget(&self, days: &[i64]) -> Result<(), StoreError> {
        let mut known = self.lock()?;
        for day in days {
            known.remove(day);
        }
        Ok(())
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, HashSet<i64>>, StoreError> {
        self.known
            .lock()
            .map_err(|_| StoreError::Task("partition list lock poisoned".into()))
    }
}

/// The days that have a partition of `table`, oldest first.
pub async fn days(conn: &mut PgConnection, table: &str) -> Result<Vec<i64>, StoreError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT child.relname::text FROM pg_inherits \
         JOIN pg_class parent ON parent.oid = pg_inherits.inhparent \
         JOIN pg_class child ON child.oid = pg_inherits.inhrelid \
         WHERE parent.relname = $1",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    let mut days: Vec<i64> = names
        .iter()
        .filter_map(|name| day_of_partition(table, name))
        .collect();
    days.sort_unstable();
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_named_after_their_day_and_back() {
        let day = 20_423; // 2025-12-01
        assert_eq!(
            partition_name("requests", day).as_deref(),
            Some("requests_d20251201")
        );
        assert_eq!(
            day_of_partition("requests", "requests_d20251201"),
            Some(day)
        );
        assert_eq!(
            day_of_partition("requests", "request_bodies_d20251201"),
            None
        );
        assert_eq!(
            day_of_partition("request_bodies", "request_bodies_d20251201"),
            Some(day)
        );
        assert_eq!(day_of_partition("requests", "requests_dx"), None);
        assert_eq!(day_of_hour(day * 24 + 23), day);
        assert_eq!(day_of_hour(-1), -1);
        assert_eq!(
            partition_name("requests", 0).as_deref(),
            Some("requests_d19700101")
        );
    }
}
