//! Raw calls in a PostgreSQL snapshot: Logs pages, counts, lookups by request id, bodies and
//! the export's chunks.

use std::time::Instant;

use app::model::WorkspaceId;
use futures_util::TryStreamExt;
use sqlx::{Postgres, QueryBuilder};

use super::call_row::{call_columns, read_call};
use super::conditions::{by_hour, driving_tags, lone_tag, push_conditions, select, select_by_hour};
use super::PgSnapshot;
use crate::store::postgres::tag_lists;
use crate::store::reads::{uuid_bytes, CallFilter, CallReads, Order, StoredCall};
use crate::store::StoreError;

/// Calls fetched per round of the export.
const EXPORT_CHUNK: usize = 5_000;

/// Adds the page's position after `cursor` (on the columns `time` and `row_id`) and its order.
pub(super) fn push_keyset(
    query: &mut QueryBuilder<'_, Postgres>,
    cursor: Option<(i64, i64)>,
    order: Order,
    (time, row_id): (&str, &str),
) {
    let (comparison, direction) = match order {
        Order::NewestFirst => ("<", "DESC"),
        Order::OldestFirst => (">", "ASC"),
    };
    if let Some((ts_ms, row)) = cursor {
        query
            .push(format!(" AND ({time}, {row_id}) {comparison} ("))
            .push_bind(ts_ms)
            .push(", ")
            .push_bind(row)
            .push(")");
    }
    query.push(format!(
        " ORDER BY {time} {direction}, {row_id} {direction}"
    ));
}

/// The part of `window` a page past `cursor` in `order` can come from.
fn past(window: (i64, i64), cursor: Option<(i64, i64)>, order: Order) -> (i64, i64) {
    match (cursor, order) {
        (None, _) => window,
        (Some((ts_ms, _)), Order::NewestFirst) => (window.0, window.1.min(ts_ms.saturating_add(1))),
        (Some((ts_ms, _)), Order::OldestFirst) => (window.0.max(ts_ms), window.1),
    }
}

/// Ends a window's savepoint and the timeout set inside it (a `SET LOCAL` in a savepoint rolled
/// back is undone with it).
const ROLL_BACK_DEADLINE: &str = "ROLLBACK TO SAVEPOINT deadline; RELEASE SAVEPOINT deadline";

/// Whether an error is PostgreSQL cancelling a statement at its `statement_timeout`.
fn timed_out(error: &StoreError) -> bool {
    matches!(error, StoreError::Query(error)
        if error.as_database_error().and_then(|error| error.code()).as_deref() == Some("57014"))
}

impl PgSnapshot {
    /// Up to `limit` of `filter`'s calls in `window` past `cursor` in `order`, as one query:
    /// on the calls in the window, or hour by hour when the filter names a user or an id prefix
    /// (their indexes are led by the hour), the hours past the cursor only.
    fn page_query<'a>(
        &self,
        filter: &CallFilter,
        window: (i64, i64),
        (cursor, order, limit): (Option<(i64, i64)>, Order, usize),
    ) -> Result<QueryBuilder<'a, Postgres>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let columns = call_columns();
        if !by_hour(filter) {
            let mut query = select(&columns, filter.workspace_id, window);
            push_conditions(filter, &mut query);
            push_keyset(&mut query, cursor, order, ("ts_ms", "id"));
            query.push(" LIMIT ").push_bind(limit);
            return Ok(query);
        }
        let hours = self.hours(past(window, cursor, order), order)?;
        let mut query = select_by_hour(("found.*", &columns), filter.workspace_id, window, hours);
        push_conditions(filter, &mut query);
        push_keyset(&mut query, cursor, order, ("ts_ms", "id"));
        // Each hour gives at most a page, in order, and the hours run in order: the first
        // `limit` rows out are the page.
        query
            .push(" LIMIT ")
            .push_bind(limit)
            .push(") AS found LIMIT ")
            .push_bind(limit);
        Ok(query)
    }

    pub(super) fn fetch_calls(
        &self,
        mut query: QueryBuilder<'_, Postgres>,
    ) -> Result<Vec<StoredCall>, StoreError> {
        self.run(async move |conn| {
            let mut rows = query.build().fetch(conn);
            let mut calls = Vec::new();
            while let Some(row) = rows.try_next().await? {
                calls.push(read_call(&row)?);
            }
            Ok(calls)
        })
    }

    /// A window's page: through the tags' lists when the filter names tags (and no user),
    /// else one query on the calls; `None` when `deadline` passed.
    fn window_calls(
        &self,
        filter: &CallFilter,
        window: (i64, i64),
        (cursor, order, limit): (Option<(i64, i64)>, Order, usize),
        deadline: Option<Instant>,
    ) -> Result<Option<Vec<StoredCall>>, StoreError> {
        let tags = driving_tags(filter);
        if !tags.is_empty() {
            return self.tagged_calls(filter, &tags, window, (cursor, order, limit), deadline);
        }
        self.fetch_calls(self.page_query(filter, window, (cursor, order, limit))?)
            .map(Some)
    }

    /// Runs `sql` (statements without parameters) on the snapshot's connection.
    pub(super) fn execute(&self, sql: &'static str) -> Result<(), StoreError> {
        self.run(async move |conn| {
            sqlx::raw_sql(sql).execute(conn).await?;
            Ok(())
        })
    }
}

impl CallReads for PgSnapshot {
    fn error_codes(
        &self,
        workspace_id: WorkspaceId,
        low: i64,
        high: i64,
    ) -> Result<Vec<i64>, StoreError> {
        // One index probe per distinct code, as in SQLite (a loose index scan).
        let mut codes = Vec::new();
        let mut from = low;
        while from < high {
            let code: Option<i32> = self.run(async move |conn| {
                Ok(sqlx::query_scalar(
                    "SELECT min(status) FROM requests WHERE workspace_id = $1 \
                         AND status >= $2 AND status < $3 AND status >= 400",
                )
                .bind(workspace_id.get())
                .bind(from.clamp(0, i64::from(i32::MAX)) as i32)
                .bind(high.clamp(0, i64::from(i32::MAX)) as i32)
                .fetch_one(conn)
                .await?)
            })?;
            match code {
                Some(code) => {
                    codes.push(i64::from(code));
                    from = i64::from(code) + 1;
                }
                None => break,
            }
        }
        Ok(codes)
    }

    fn calls_in_window(
        &self,
        filter: &CallFilter,
        window: (i64, i64),
        cursor: Option<(i64, i64)>,
        order: Order,
        limit: usize,
        deadline: Option<Instant>,
    ) -> Result<Option<Vec<StoredCall>>, StoreError> {
        let Some(deadline) = deadline else {
            return self.window_calls(filter, window, (cursor, order, limit), None);
        };
        let left_ms = deadline
            .saturating_duration_since(Instant::now())
            .as_millis();
        if left_ms == 0 {
            return Ok(None);
        }
        // A statement cancelled at its timeout ends the transaction unless it ran inside a
        // savepoint; the snapshot then goes on as before. Setting up and tearing down are one
        // round trip each.
        let arm = format!(
            "SAVEPOINT deadline; SET LOCAL statement_timeout = {}",
            left_ms.max(1)
        );
        self.run(async move |conn| {
            sqlx::raw_sql(&arm).execute(conn).await?;
            Ok(())
        })?;
        // The window only read, so rolling back to the savepoint loses nothing, and it undoes
        // the `SET LOCAL` with it. Turning the timeout off instead ran that statement under the
        // armed timeout, which a deadline falling on it cancelled, failing the request.
        let result = self.window_calls(filter, window, (cursor, order, limit), Some(deadline));
        // The rollback runs under the timeout too; cancelled, it is simply run again.
        if let Err(error) = self.execute(ROLL_BACK_DEADLINE) {
            if !timed_out(&error) {
                return Err(error);
            }
            self.execute(ROLL_BACK_DEADLINE)?;
        }
        match result {
            Err(error) if timed_out(&error) => Ok(None),
            result => result,
        }
    }

    fn key_ids_named(&self, workspace_id: WorkspaceId, name: &str) -> Result<Vec<i64>, StoreError> {
        let name = name.to_owned();
        self.run(async move |conn| {
            Ok(
                sqlx::query_scalar("SELECT id FROM api_keys WHERE workspace_id = $1 AND name = $2")
                    .bind(workspace_id.get())
                    .bind(name)
                    .fetch_all(conn)
                    .await?,
            )
        })
    }

    fn count_calls(&self, filter: &CallFilter, window: (i64, i64)) -> Result<i64, StoreError> {
        if window.0 >= window.1 {
            return Ok(0);
        }
        if let Some(tag) = lone_tag(filter) {
            let workspace_id = filter.workspace_id.get();
            return self
                .run(async move |conn| tag_lists::count(conn, workspace_id, tag, window).await);
        }
        let hourly = by_hour(filter);
        let mut query = if hourly {
            select_by_hour(
                ("coalesce(sum(found.calls), 0)::BIGINT", "count(*) AS calls"),
                filter.workspace_id,
                window,
                self.hours(window, Order::NewestFirst)?,
            )
        } else {
            select("count(*)", filter.workspace_id, window)
        };
        push_conditions(filter, &mut query);
        if hourly {
            query.push(") AS found");
        }
        self.run(async move |conn| Ok(query.build_query_scalar().fetch_one(conn).await?))
    }

    fn calls_by_key(
        &self,
        filter: &CallFilter,
        hour: i64,
        request_key: i64,
    ) -> Result<Vec<StoredCall>, StoreError> {
        let mut query = select(
            &call_columns(),
            filter.workspace_id,
            (filter.from_ms, filter.to_ms),
        );
        query
            .push(" AND hour = ")
            .push_bind(hour)
            .push(" AND request_key = ")
            .push_bind(request_key as i32);
        push_conditions(filter, &mut query);
        query.push(" ORDER BY ts_ms DESC, id DESC");
        self.fetch_calls(query)
    }

    fn calls_with_request_id(
        &self,
        filter: &CallFilter,
        request_id: &str,
    ) -> Result<Option<Vec<StoredCall>>, StoreError> {
        // One probe of the deduplication index per hour (its keys start with the hour), newest
        // first.
        let window = (filter.from_ms, filter.to_ms);
        let mut query = select_by_hour(
            ("found.*", &call_columns()),
            filter.workspace_id,
            window,
            self.hours(window, Order::NewestFirst)?,
        );
        match uuid_bytes(request_id) {
            Some(_) => query
                .push(" AND request_uuid = ")
                .push_bind(request_id.to_owned())
                .push("::UUID"),
            None => query
                .push(" AND request_id = ")
                .push_bind(request_id.to_owned()),
        };
        push_conditions(filter, &mut query);
        query.push(" ORDER BY ts_ms DESC, id DESC) AS found");
        self.fetch_calls(query).map(Some)
    }

    fn bodies(&self, row: i64) -> Result<(Option<String>, Option<String>), StoreError> {
        let found: Option<(Option<String>, Option<String>)> = self.run(async move |conn| {
            Ok(sqlx::query_as(
                "SELECT request_body, response_body FROM request_bodies \
                     WHERE request_row_id = $1",
            )
            .bind(row)
            .fetch_optional(conn)
            .await?)
        })?;
        Ok(found.unwrap_or((None, None)))
    }

    fn each_call(
        &self,
        filter: &CallFilter,
        each: &mut dyn FnMut(Vec<StoredCall>) -> Result<bool, StoreError>,
    ) -> Result<u64, StoreError> {
        let mut count = 0;
        let mut cursor = None;
        loop {
            let query = self.page_query(
                filter,
                (filter.from_ms, filter.to_ms),
                (cursor, Order::NewestFirst, EXPORT_CHUNK),
            )?;
            let calls = self.fetch_calls(query)?;
            let Some(last) = calls.last() else {
                return Ok(count);
            };
            cursor = Some((last.ts_ms, last.row));
            let full = calls.len() == EXPORT_CHUNK;
            count += calls.len() as u64;
            if !each(calls)? || !full {
                return Ok(count);
            }
        }
    }

    fn status_times(
        &self,
        workspace_id: WorkspaceId,
        window: (i64, i64),
        (low, high): (i64, i64),
        each: &mut dyn FnMut(i64, i64),
    ) -> Result<(), StoreError> {
        let clamp = |value: i64| value.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        let mut query = select("ts_ms, model_id", workspace_id, window);
        query
            .push(" AND status BETWEEN ")
            .push_bind(clamp(low))
            .push(" AND ")
            .push_bind(clamp(high));
        self.run(async move |conn| {
            let mut rows = query.build_query_as::<(i64, i64)>().fetch(conn);
            while let Some((ts_ms, model_id)) = rows.try_next().await? {
                each(ts_ms, model_id);
            }
            Ok(())
        })
    }

    // This storage finds request ids through its own index (`calls_with_request_id`): the
    // engine's in-memory index is never filled, so it reads nothing here.

    fn id_entries_after(
        &self,
        _after_row: i64,
        _limit: i64,
    ) -> Result<Vec<(i64, i64, i64, i64)>, StoreError> {
        Ok(Vec::new())
    }

    fn id_entries_upto(
        &self,
        _last_row: i64,
        _each: &mut dyn FnMut(i64, i64, i64),
    ) -> Result<(), StoreError> {
        Ok(())
    }

    fn last_row(&self) -> Result<i64, StoreError> {
        Ok(0)
    }
}
