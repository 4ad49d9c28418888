//! Reading stored calls for the Logs tab and the export: the rows matching a filter in
//! newest-first order (a window of time at a time), rows by request ID, bodies, and counts of
//! raw rows where rollups cannot answer.

use app::model::Dimension;
use rusqlite::types::Value;
use rusqlite::Connection;

use super::encoding::uuid_prefix_range;
use super::StoreError;
use crate::store::reads::{json_key_path, CallFilter, Narrow, Order, StatusMatch, StoredCall};

mod export;
mod ids;
mod posted;
mod row;

pub use export::each_call;
pub use ids::{id_entries_after, id_entries_upto, last_row};
use row::{read_call, CALL_COLUMNS};

/// The error codes in `[low, high)` (both 400 or above) that `workspace_id` has calls with:
/// one index seek per code found (a loose scan of the partial index of error rows).
pub fn error_codes(
    conn: &Connection,
    workspace_id: i64,
    low: i64,
    high: i64,
) -> Result<Vec<i64>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT min(status) FROM requests WHERE workspace_id = ?1 AND status >= ?2 \
         AND status < ?3 AND status >= 400",
    )?;
    let mut codes = Vec::new();
    let mut from = low;
    while from < high {
        let code: Option<i64> =
            statement.query_row([workspace_id, from, high], |row| row.get(0))?;
        match code {
            Some(code) => {
                codes.push(code);
                from = code + 1;
            }
            None => break,
        }
    }
    Ok(codes)
}

/// The start of a query on `requests` for `filter` in one window of time: `SELECT {columns}`,
/// the table, the workspace (`?1`) and the window (`?2`, `?3`). With a user or tag condition
/// the rows come from [`posted::rows`] (read by row id), and `push_conditions` leaves those
/// conditions out.
fn select_in_window(
    conn: &Connection,
    filter: &CallFilter,
    window: (i64, i64),
    columns: &str,
) -> Result<(String, Vec<Value>), StoreError> {
    let mut values: Vec<Value> = vec![
        filter.workspace_id.get().into(),
        window.0.into(),
        window.1.into(),
    ];
    let sql = match posted::rows(conn, filter, window)? {
        None => format!(
            "SELECT {columns} FROM requests WHERE workspace_id = ?1 AND ts_ms >= ?2 AND ts_ms < ?3"
        ),
        Some(rows) => {
            values.push(posted::json_rows(&rows).into());
            format!(
                "SELECT {columns} FROM requests NOT INDEXED WHERE id IN \
                 (SELECT value FROM json_each(?4)) AND workspace_id = ?1 \
                 AND ts_ms >= ?2 AND ts_ms < ?3"
            )
        }
    };
    Ok((sql, values))
}

/// Appends the conditions of `filter` other than the workspace and time (`?1` is the
/// workspace) to `sql`, binding into `values`. User and tag conditions are left to
/// [`select_in_window`] when the query reads one window of time (`in_window`), else tested on
/// each row.
fn push_conditions(
    filter: &CallFilter,
    in_window: bool,
    sql: &mut String,
    values: &mut Vec<Value>,
) {
    if let Some(models) = &filter.models {
        if models.is_empty() {
            sql.push_str(" AND 0");
        } else {
            let marks: Vec<String> = models
                .iter()
                .map(|id| {
                    values.push(Value::Integer(*id));
                    format!("?{}", values.len())
                })
                .collect();
            sql.push_str(&format!(" AND model_id IN ({})", marks.join(", ")));
        }
    }
    match &filter.status {
        None => {}
        // Equality on each code present: the partial index of error rows then gives each
        // code's calls in time order.
        Some(StatusMatch::Codes(codes)) if codes.is_empty() => sql.push_str(" AND 0"),
        Some(StatusMatch::Codes(codes)) => {
            let marks: Vec<String> = codes
                .iter()
                .map(|code| {
                    values.push(Value::Integer(*code));
                    format!("?{}", values.len())
                })
                .collect();
            sql.push_str(&format!(
                " AND status IN ({}) AND status >= 400",
                marks.join(", ")
            ));
        }
        Some(StatusMatch::Range(low, high)) => {
            values.push(Value::Integer(*low));
            let low_mark = values.len();
            values.push(Value::Integer(*high));
            let high_mark = values.len();
            sql.push_str(&format!(
                " AND status >= ?{low_mark} AND status < ?{high_mark}"
            ));
        }
    }
    if let Some(prefix) = &filter.id_prefix {
        values.push(Value::Integer(prefix.chars().count() as i64));
        let length_mark = values.len();
        values.push(Value::Text(prefix.clone()));
        let prefix_mark = values.len();
        // Text ids compare their first characters; UUIDs stored as blobs, a byte range.
        let blob_test = match uuid_prefix_range(prefix) {
            Some((low, high)) => {
                values.push(Value::Blob(low));
                let low_mark = values.len();
                values.push(Value::Blob(high));
                let high_mark = values.len();
                format!("request_id >= ?{low_mark} AND request_id < ?{high_mark}")
            }
            None => "0".to_owned(),
        };
        sql.push_str(&format!(
            " AND CASE typeof(request_id) WHEN 'blob' THEN {blob_test} \
             ELSE substr(request_id, 1, ?{length_mark}) = ?{prefix_mark} END"
        ));
    }
    for narrow in &filter.narrowing {
        push_narrow(narrow, in_window, sql, values);
    }
}

/// Appends one narrowing condition.
fn push_narrow(narrow: &Narrow, in_window: bool, sql: &mut String, values: &mut Vec<Value>) {
    let mut bind = |value: Value| {
        values.push(value);
        format!("?{}", values.len())
    };
    let condition = match narrow {
        Narrow::Nothing => "0".to_owned(),
        Narrow::User(_) | Narrow::Tag(_) if in_window => return,
        Narrow::User(id) => posted::row_test(
            Dimension::User,
            &bind(posted::row_test_value(Dimension::User, *id)),
        ),
        Narrow::Tag(id) => posted::row_test(
            Dimension::Tag,
            &bind(posted::row_test_value(Dimension::Tag, *id)),
        ),
        Narrow::App(id) => format!("app_id = {}", bind((*id).into())),
        Narrow::Provider(id) => format!("provider_id = {}", bind((*id).into())),
        Narrow::Keys(ids) if ids.is_empty() => "0".to_owned(),
        Narrow::Keys(ids) => {
            let marks: Vec<String> = ids.iter().map(|id| bind((*id).into())).collect();
            format!("ingest_key_id IN ({})", marks.join(", "))
        }
        Narrow::Kind(code) => format!("kind = {}", bind((*code).into())),
        Narrow::Operation { name, default_of } => {
            let name = bind(name.clone().into());
            let kinds: Vec<String> = default_of.iter().map(|code| bind((*code).into())).collect();
            if kinds.is_empty() {
                format!("operation = {name}")
            } else {
                format!(
                    "(operation = {name} OR (operation IS NULL AND kind IN ({})))",
                    kinds.join(", ")
                )
            }
        }
        Narrow::Metadata { key, value } => format!(
            "CAST(json_extract(metadata, {}) AS TEXT) = {}",
            bind(json_key_path(key).into()),
            bind(value.clone().into())
        ),
        Narrow::ErrorType(error_type) => {
            format!("error_type = {}", bind(error_type.clone().into()))
        }
        Narrow::MinLatencyMs(ms) => format!("latency_ms >= {}", bind((*ms).into())),
        Narrow::MinTtftMs(ms) => format!("ttft_ms >= {}", bind((*ms).into())),
        Narrow::MinCost(cost) => format!("cost >= {}", bind((*cost).into())),
    };
    sql.push_str(" AND ");
    sql.push_str(&condition);
}

/// Up to `limit` calls of `filter` in `[from_ms, to_ms)` past `cursor` (`(ts_ms, row)`,
/// exclusive) in `order`; `None` when `deadline` passed first (the query is interrupted).
pub fn calls_in_window(
    conn: &Connection,
    filter: &CallFilter,
    window: (i64, i64),
    cursor: Option<(i64, i64)>,
    order: Order,
    limit: usize,
    deadline: Option<std::time::Instant>,
) -> Result<Option<Vec<StoredCall>>, StoreError> {
    let (mut sql, mut values) = select_in_window(conn, filter, window, &CALL_COLUMNS.to_string())?;
    if let Some((ts_ms, row)) = cursor {
        values.push(ts_ms.into());
        let ts_mark = values.len();
        values.push(row.into());
        let row_mark = values.len();
        let comparison = match order {
            Order::NewestFirst => "<",
            Order::OldestFirst => ">",
        };
        sql.push_str(&format!(
            " AND ts_ms {comparison}= ?{ts_mark} \
             AND (ts_ms {comparison} ?{ts_mark} OR (ts_ms = ?{ts_mark} AND id {comparison} ?{row_mark}))"
        ));
    }
    push_conditions(filter, true, &mut sql, &mut values);
    sql.push_str(match order {
        Order::NewestFirst => " ORDER BY ts_ms DESC, id DESC",
        Order::OldestFirst => " ORDER BY ts_ms ASC, id ASC",
    });
    values.push(Value::Integer(limit as i64));
    sql.push_str(&format!(" LIMIT ?{}", values.len()));
    if let Some(deadline) = deadline {
        conn.progress_handler(1_000, Some(move || std::time::Instant::now() > deadline));
    }
    let result = (|| {
        let mut statement = conn.prepare_cached(&sql)?;
        let mut rows = statement.query(rusqlite::params_from_iter(values))?;
        let mut calls = Vec::new();
        while let Some(row) = rows.next()? {
            calls.push(read_call(row)?);
        }
        Ok(calls)
    })();
    if deadline.is_some() {
        conn.progress_handler(0, None::<fn() -> bool>);
    }
    match result {
        Ok(calls) => Ok(Some(calls)),
        Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(error, _)))
            if error.code == rusqlite::ErrorCode::OperationInterrupted =>
        {
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

/// How many raw calls of `filter` lie in `[from_ms, to_ms)` (used for the partial minutes at
/// the edges of a range; whole minutes come from rollups).
pub fn count_calls(
    conn: &Connection,
    filter: &CallFilter,
    window: (i64, i64),
) -> Result<i64, StoreError> {
    if window.0 >= window.1 {
        return Ok(0);
    }
    let (mut sql, mut values) = select_in_window(conn, filter, window, "count(*)")?;
    push_conditions(filter, true, &mut sql, &mut values);
    let mut statement = conn.prepare_cached(&sql)?;
    Ok(statement.query_row(rusqlite::params_from_iter(values), |row| row.get(0))?)
}

/// The calls stored under `request_key` in hour `hour` (of `ts_ms / 3600000`) that match
/// `filter`, newest first; the caller compares the exact id.
pub fn calls_by_key(
    conn: &Connection,
    filter: &CallFilter,
    hour: i64,
    request_key: i64,
) -> Result<Vec<StoredCall>, StoreError> {
    let mut sql = format!(
        "SELECT {} FROM requests INDEXED BY requests_by_key WHERE workspace_id = ?1 \
         AND ts_ms / 3600000 = ?4 AND request_key = ?5 AND ts_ms >= ?2 AND ts_ms < ?3",
        CALL_COLUMNS
    );
    let mut values: Vec<Value> = vec![
        filter.workspace_id.get().into(),
        filter.from_ms.into(),
        filter.to_ms.into(),
        hour.into(),
        request_key.into(),
    ];
    push_conditions(filter, false, &mut sql, &mut values);
    sql.push_str(" ORDER BY ts_ms DESC, id DESC");
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(rusqlite::params_from_iter(values))?;
    let mut calls = Vec::new();
    while let Some(row) = rows.next()? {
        calls.push(read_call(row)?);
    }
    Ok(calls)
}

/// The request and response bodies of the call in row `row`.
pub fn bodies(conn: &Connection, row: i64) -> Result<(Option<String>, Option<String>), StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT request_body, response_body FROM request_bodies WHERE request_row_id = ?1",
    )?;
    let mut rows = statement.query([row])?;
    match rows.next()? {
        Some(row) => Ok((row.get(0)?, row.get(1)?)),
        None => Ok((None, None)),
    }
}

/// Calls `each(ts_ms, model_id)` for every call of `workspace_id` in `[from_ms, to_ms)` whose
/// status lies in `[low, high]`.
pub fn status_times(
    conn: &Connection,
    workspace_id: i64,
    (from_ms, to_ms): (i64, i64),
    (low, high): (i64, i64),
    each: &mut dyn FnMut(i64, i64),
) -> Result<(), StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT ts_ms, model_id FROM requests WHERE workspace_id = ?1 AND ts_ms >= ?2 \
         AND ts_ms < ?3 AND status BETWEEN ?4 AND ?5",
    )?;
    let mut rows = statement.query([workspace_id, from_ms, to_ms, low, high])?;
    while let Some(row) = rows.next()? {
        each(row.get(0)?, row.get(1)?);
    }
    Ok(())
}
