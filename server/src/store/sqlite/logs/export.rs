//! Every call of a filter in time order, a chunk at a time, for the export.

use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use super::{push_conditions, read_call, CallFilter, StoredCall, CALL_COLUMNS};
use crate::store::StoreError;

/// Calls fetched per round of [`each_call`].
const EXPORT_CHUNK: usize = 1_000;

/// Every call of `filter`, newest first, handed to `each` a chunk at a time (the export).
/// `each` returns `false` to stop early. The time index gives each chunk's row numbers in order; the
/// rows themselves are then read in row order (nearly sequential in the file), which is
/// several times faster than one lookup per index entry, and handed out in time order.
pub fn each_call(
    conn: &Connection,
    filter: &CallFilter,
    mut each: impl FnMut(Vec<StoredCall>) -> Result<bool, StoreError>,
) -> Result<u64, StoreError> {
    let mut count = 0;
    let mut cursor: Option<(i64, i64)> = None;
    let fetch_sql = format!(
        "SELECT {} FROM requests WHERE id IN ({})",
        CALL_COLUMNS,
        vec!["?"; EXPORT_CHUNK].join(", ")
    );
    let range_sql = format!(
        "SELECT {} FROM requests WHERE id >= ?1 AND id <= ?2",
        CALL_COLUMNS
    );
    let mut chunk_rows: Vec<Option<StoredCall>> = Vec::with_capacity(EXPORT_CHUNK);
    loop {
        let mut sql =
            "SELECT ts_ms, id FROM requests WHERE workspace_id = ?1 AND ts_ms >= ?2 AND ts_ms < ?3"
                .to_owned();
        let mut values: Vec<Value> = vec![
            filter.workspace_id.get().into(),
            filter.from_ms.into(),
            filter.to_ms.into(),
        ];
        if let Some((ts_ms, row)) = cursor {
            values.push(ts_ms.into());
            values.push(row.into());
            let (ts_mark, row_mark) = (values.len() - 1, values.len());
            sql.push_str(&format!(
                " AND ts_ms <= ?{ts_mark} \
                 AND (ts_ms < ?{ts_mark} OR (ts_ms = ?{ts_mark} AND id < ?{row_mark}))"
            ));
        }
        push_conditions(filter, false, &mut sql, &mut values);
        sql.push_str(&format!(
            " ORDER BY ts_ms DESC, id DESC LIMIT {EXPORT_CHUNK}"
        ));
        let positions: Vec<(i64, i64)> = conn
            .prepare_cached(&sql)?
            .query_map(rusqlite::params_from_iter(values), |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        let Some(&last) = positions.last() else {
            return Ok(count);
        };
        cursor = Some(last);
        // Row number -> position in the chunk.
        let mut order: Vec<(i64, usize)> = positions
            .iter()
            .enumerate()
            .map(|(index, &(_, row))| (row, index))
            .collect();
        order.sort_unstable();
        chunk_rows.clear();
        chunk_rows.resize_with(positions.len(), || None);
        let (first_row, last_row) = (order[0].0, order[order.len() - 1].0);
        let mut read = |row: &Row<'_>| -> Result<(), StoreError> {
            let row_number: i64 = row.get(0)?;
            if let Ok(found) = order.binary_search_by_key(&row_number, |&(row, _)| row) {
                chunk_rows[order[found].1] = Some(read_call(row)?);
            }
            Ok(())
        };
        if last_row - first_row < 4 * EXPORT_CHUNK as i64 {
            // Dense: read the whole run of rows, skipping the few that do not belong.
            let mut statement = conn.prepare_cached(&range_sql)?;
            let mut rows = statement.query([first_row, last_row])?;
            while let Some(row) = rows.next()? {
                read(row)?;
            }
        } else {
            let mut ids: Vec<Value> = order.iter().map(|&(row, _)| Value::Integer(row)).collect();
            // A short last chunk repeats its last id to fill the prepared statement.
            ids.resize(EXPORT_CHUNK, Value::Integer(last.1));
            let mut statement = conn.prepare_cached(&fetch_sql)?;
            let mut rows = statement.query(rusqlite::params_from_iter(ids))?;
            while let Some(row) = rows.next()? {
                read(row)?;
            }
        }
        let calls: Vec<StoredCall> = chunk_rows.drain(..).flatten().collect();
        count += calls.len() as u64;
        if !each(calls)? {
            return Ok(count);
        }
    }
}
