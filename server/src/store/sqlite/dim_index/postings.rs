//! SQLite's posting lists (`dimension_postings`): the format is `store::postings`'s; here they
//! are appended to and read.

use app::model::Dimension;
use rusqlite::{Connection, OptionalExtension};

use crate::fast_map::FastMap;
use crate::store::postings::{decode, encode, CHUNK_BYTES};
pub use crate::store::postings::{level, Entry, ListKey, POSTED};
use crate::store::StoreError;

/// Adds `lists` to the stored ones: each is merged into its bucket's last chunk while that
/// is small, else stored as a new chunk.
pub fn append(conn: &Connection, lists: FastMap<ListKey, Vec<Entry>>) -> Result<(), StoreError> {
    let mut last = conn.prepare_cached(
        "SELECT chunk, calls FROM dimension_postings WHERE workspace_id = ?1 AND dimension = ?2 \
         AND value_id = ?3 AND bucket_ms = ?4 ORDER BY chunk DESC LIMIT 1",
    )?;
    let mut put = conn.prepare_cached(
        "INSERT OR REPLACE INTO dimension_postings \
         (workspace_id, dimension, value_id, bucket_ms, chunk, calls) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (key, mut entries) in lists {
        let code = key.dimension.code();
        let stored: Option<(i64, Vec<u8>)> = last
            .query_row(
                (key.workspace_id, code, key.value_id, key.bucket_ms),
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let chunk = match stored {
            Some((chunk, bytes)) if bytes.len() < CHUNK_BYTES => {
                decode(&bytes, &mut entries)?;
                chunk
            }
            Some((chunk, _)) => chunk + 1,
            None => 0,
        };
        entries.sort_unstable();
        entries.dedup();
        put.execute((
            key.workspace_id,
            code,
            key.value_id,
            key.bucket_ms,
            chunk,
            encode(&entries),
        ))?;
    }
    Ok(())
}

/// The row ids of `value_id`'s calls (a `dimension` in [`POSTED`]) with `from_ms <= ts_ms <
/// to_ms`, as indexed so far.
pub fn rows_in(
    conn: &Connection,
    workspace_id: i64,
    dimension: Dimension,
    value_id: i64,
    (from_ms, to_ms): (i64, i64),
) -> Result<Vec<i64>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT calls FROM dimension_postings WHERE workspace_id = ?1 AND dimension = ?2 \
         AND value_id = ?3 AND bucket_ms >= ?4 AND bucket_ms < ?5",
    )?;
    let mut rows = statement.query((
        workspace_id,
        dimension.code(),
        value_id,
        level(dimension).bucket(from_ms),
        to_ms,
    ))?;
    let mut entries = Vec::new();
    while let Some(row) = rows.next()? {
        let bytes = row
            .get_ref(0)?
            .as_blob()
            .map_err(|_| StoreError::Corrupt("a posting list is not a blob".into()))?;
        decode(bytes, &mut entries)?;
    }
    Ok(entries
        .into_iter()
        .filter(|(ts, _)| *ts >= from_ms && *ts < to_ms)
        .map(|(_, row)| row)
        .collect())
}
