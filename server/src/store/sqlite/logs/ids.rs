//! The request-ID index's view of the table: hash entries by row number.

use rusqlite::Connection;

use crate::store::StoreError;

/// Index entries of the calls stored after row `after_row`: `(row, workspace, hour, key)`,
/// in row order, at most `limit`. How the request-ID index catches up.
pub fn id_entries_after(
    conn: &Connection,
    after_row: i64,
    limit: i64,
) -> Result<Vec<(i64, i64, i64, i64)>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, workspace_id, ts_ms / 3600000, request_key FROM requests WHERE id > ?1 \
         ORDER BY id LIMIT ?2",
    )?;
    let rows = statement.query_map([after_row, limit], |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every index entry up to row `last_row`, `(workspace, hour, key)`, in index order (sorted
/// by workspace, hour and key), handed to `each`: how the request-ID index starts.
pub fn id_entries_upto(
    conn: &Connection,
    last_row: i64,
    mut each: impl FnMut(i64, i64, i64),
) -> Result<(), StoreError> {
    let mut statement = conn.prepare(
        "SELECT workspace_id, ts_ms / 3600000, request_key FROM requests \
         INDEXED BY requests_by_key WHERE id <= ?1",
    )?;
    let mut rows = statement.query([last_row])?;
    while let Some(row) = rows.next()? {
        each(row.get(0)?, row.get(1)?, row.get(2)?);
    }
    Ok(())
}

/// The newest row number (0 for none).
pub fn last_row(conn: &Connection) -> Result<i64, StoreError> {
    Ok(
        conn.query_row("SELECT coalesce(max(id), 0) FROM requests", [], |row| {
            row.get(0)
        })?,
    )
}
