//! SQLite's rank lists (`store::rank_lists`): one row per dimension, level and bucket in
//! `dimension_ranks`, added to by the indexer and merged by the grouped reads.

use std::collections::HashMap;

use app::model::Dimension;
use rusqlite::{Connection, OptionalExtension};

use crate::rollup::plan::Segment;
use crate::store::rank_lists::{decode, encode, level_code, merge, RankKey};
use crate::store::reads::ValueRank;
use crate::store::StoreError;

/// Adds `lists` (each sorted) to the stored ones.
pub fn add(conn: &Connection, lists: HashMap<RankKey, Vec<ValueRank>>) -> Result<(), StoreError> {
    let mut stored = conn.prepare_cached(
        "SELECT ranks FROM dimension_ranks \
         WHERE workspace_id = ?1 AND dimension = ?2 AND level = ?3 AND bucket_ms = ?4",
    )?;
    let mut put = conn.prepare_cached(
        "INSERT OR REPLACE INTO dimension_ranks (workspace_id, dimension, level, bucket_ms, ranks) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (key, list) in lists {
        let place = (
            key.workspace_id,
            key.dimension.code(),
            level_code(key.level),
            key.bucket_ms,
        );
        let before: Option<Vec<u8>> = stored.query_row(place, |row| row.get(0)).optional()?;
        let merged = match before {
            Some(bytes) => merge(&decode(&bytes)?, &list),
            None => list,
        };
        put.execute((place.0, place.1, place.2, place.3, encode(&merged)))?;
    }
    Ok(())
}

/// The stored rank lists of `dimension` in `segment` merged into `into` (sorted by value id).
pub fn read_into(
    conn: &Connection,
    workspace_id: i64,
    dimension: Dimension,
    segment: &Segment,
    into: &mut Vec<ValueRank>,
) -> Result<(), StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT ranks FROM dimension_ranks WHERE workspace_id = ?1 AND dimension = ?2 \
         AND level = ?3 AND bucket_ms >= ?4 AND bucket_ms < ?5",
    )?;
    let mut rows = statement.query((
        workspace_id,
        dimension.code(),
        level_code(segment.level),
        segment.from_ms,
        segment.to_ms,
    ))?;
    while let Some(row) = rows.next()? {
        let bytes = row
            .get_ref(0)?
            .as_blob()
            .map_err(|_| StoreError::Corrupt("a rank list is not a blob".into()))?;
        *into = merge(into, &decode(bytes)?);
    }
    Ok(())
}
