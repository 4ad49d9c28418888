//! Reading stored calls for the Logs tab and the export: the rows matching a filter in
//! newest-first order (a window of time at a time), rows by request ID, bodies, and counts of
//! raw rows where rollups cannot answer.

use app::model::{ModelKind, Usage};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Row};

use super::encoding::{kind_from_code, request_id_text, uuid_prefix_range};
use super::StoreError;

mod export;
mod ids;

pub use export::each_call;
pub use ids::{id_entries_after, id_entries_upto, last_row};

/// A stored call as read back (the model is still an id).
#[derive(Clone, Debug)]
pub struct StoredCall {
    pub row: i64,
    pub ts_ms: i64,
    pub request_id: String,
    pub model_id: i64,
    pub kind: ModelKind,
    /// `None`: the kind's default operation.
    pub operation: Option<String>,
    pub status: i64,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    /// Usage; the provider's extra keys are in `usage_other`, as stored (a JSON object text).
    pub usage: Usage,
    pub usage_other: Option<String>,
    pub latency_ms: Option<i64>,
    pub ttft_ms: Option<i64>,
    pub first_byte_ms: Option<i64>,
    pub cost: Option<f64>,
    /// 0 api, 1 otlp, 2 proxy.
    pub source: i64,
    pub stream: bool,
    pub api_key: Option<String>,
    /// A JSON object text.
    pub metadata: Option<String>,
    pub upstream_request_id: Option<String>,
    pub has_body: bool,
}

impl StoredCall {
    /// The source's name.
    pub fn source_name(&self) -> &'static str {
        match self.source {
            1 => "otlp",
            2 => "proxy",
            _ => "api",
        }
    }

    /// The operation, with the kind's default filled in.
    pub fn operation_name(&self) -> &str {
        self.operation
            .as_deref()
            .unwrap_or_else(|| self.kind.default_operation())
    }
}

/// The columns [`read_call`] expects.
const CALL_COLUMNS: &str = "id, ts_ms, request_id, model_id, kind, operation, status, \
     error_type, error_message, input_tokens, output_tokens, total_tokens, cached_tokens, \
     reasoning_tokens, input_text_tokens, input_audio_tokens, input_image_tokens, \
     input_video_tokens, output_text_tokens, output_audio_tokens, images, video_seconds, \
     audio_seconds, characters, usage_other, latency_ms, ttft_ms, first_byte_ms, cost, source, \
     stream, api_key, metadata, upstream_request_id, has_body";

fn int(row: &Row<'_>, index: usize) -> Result<Option<i64>, StoreError> {
    match row.get_ref(index)? {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(value) => Ok(Some(value)),
        ValueRef::Real(value) => Ok(Some(value as i64)),
        _ => Err(StoreError::Corrupt(format!(
            "column {index} is not a number"
        ))),
    }
}

fn real(row: &Row<'_>, index: usize) -> Result<Option<f64>, StoreError> {
    match row.get_ref(index)? {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(value) => Ok(Some(value as f64)),
        ValueRef::Real(value) => Ok(Some(value)),
        _ => Err(StoreError::Corrupt(format!(
            "column {index} is not a number"
        ))),
    }
}

fn text(row: &Row<'_>, index: usize) -> Result<Option<String>, StoreError> {
    match row.get_ref(index)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(bytes) => Ok(Some(String::from_utf8_lossy(bytes).into_owned())),
        _ => Err(StoreError::Corrupt(format!("column {index} is not text"))),
    }
}

/// A call from a row selected with [`CALL_COLUMNS`]. (Reads each value by reference: the
/// export reads a million rows a second, and typed reads cost noticeably more.)
pub fn read_call(row: &Row<'_>) -> Result<StoredCall, StoreError> {
    let required = |index: usize| {
        int(row, index)?.ok_or_else(|| StoreError::Corrupt(format!("column {index} is null")))
    };
    Ok(StoredCall {
        row: required(0)?,
        ts_ms: required(1)?,
        request_id: request_id_text(row.get_ref(2)?)
            .ok_or_else(|| StoreError::Corrupt("a request id is neither text nor a uuid".into()))?,
        model_id: required(3)?,
        kind: kind_from_code(required(4)?),
        operation: text(row, 5)?,
        status: required(6)?,
        error_type: text(row, 7)?,
        error_message: text(row, 8)?,
        usage: Usage {
            input_tokens: int(row, 9)?,
            output_tokens: int(row, 10)?,
            total_tokens: int(row, 11)?,
            cached_tokens: int(row, 12)?,
            reasoning_tokens: int(row, 13)?,
            input_text_tokens: int(row, 14)?,
            input_audio_tokens: int(row, 15)?,
            input_image_tokens: int(row, 16)?,
            input_video_tokens: int(row, 17)?,
            output_text_tokens: int(row, 18)?,
            output_audio_tokens: int(row, 19)?,
            images: int(row, 20)?,
            video_seconds: real(row, 21)?,
            audio_seconds: real(row, 22)?,
            characters: int(row, 23)?,
            other: serde_json::Map::new(),
        },
        usage_other: text(row, 24)?,
        latency_ms: int(row, 25)?,
        ttft_ms: int(row, 26)?,
        first_byte_ms: int(row, 27)?,
        cost: real(row, 28)?,
        source: required(29)?,
        stream: required(30)? != 0,
        api_key: text(row, 31)?,
        metadata: text(row, 32)?,
        upstream_request_id: text(row, 33)?,
        has_body: required(34)? != 0,
    })
}

/// Which calls a query keeps (all bounds already resolved: ids, not names).
#[derive(Clone, Debug)]
pub struct CallFilter {
    pub workspace_id: i64,
    /// `[from_ms, to_ms)`.
    pub from_ms: i64,
    pub to_ms: i64,
    /// `None`: every model.
    pub models: Option<Vec<i64>>,
    pub status: Option<StatusMatch>,
    pub id_prefix: Option<String>,
}

/// Which statuses a query keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusMatch {
    /// Any of these error codes (all 400 or above).
    Codes(Vec<i64>),
    /// `[low, high)`.
    Range(i64, i64),
}

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

/// Newest first or oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    NewestFirst,
    OldestFirst,
}

/// Appends the conditions of `filter` other than the workspace and time (`?1` to `?3` are the
/// workspace and the time bounds) to `sql`, binding into `values`.
fn push_conditions(filter: &CallFilter, sql: &mut String, values: &mut Vec<Value>) {
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
    let mut sql = format!(
        "SELECT {} FROM requests WHERE workspace_id = ?1 AND ts_ms >= ?2 AND ts_ms < ?3",
        CALL_COLUMNS
    );
    let mut values: Vec<Value> = vec![filter.workspace_id.into(), window.0.into(), window.1.into()];
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
    push_conditions(filter, &mut sql, &mut values);
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
    let mut sql = "SELECT count(*) FROM requests WHERE workspace_id = ?1 AND ts_ms >= ?2 \
                   AND ts_ms < ?3"
        .to_owned();
    let mut values: Vec<Value> = vec![filter.workspace_id.into(), window.0.into(), window.1.into()];
    push_conditions(filter, &mut sql, &mut values);
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
        filter.workspace_id.into(),
        filter.from_ms.into(),
        filter.to_ms.into(),
        hour.into(),
        request_key.into(),
    ];
    push_conditions(filter, &mut sql, &mut values);
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
