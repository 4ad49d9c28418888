//! Posting lists: for one dimension value (a user or a tag) and one bucket (a user's day, a
//! tag's hour), the `(ts_ms, row id)` of each of its calls, sorted by time then row, packed as
//! zigzag varint deltas. A few bytes per call where a B-tree entry took about twenty, and
//! written once per indexed window rather than once per call.

use app::model::Dimension;
use rusqlite::{Connection, OptionalExtension};

use crate::fast_map::FastMap;
use crate::rollup::Level;
use crate::store::varint::{get_varint, put_varint, unzigzag, zigzag};
use crate::store::StoreError;

/// One call in a posting list: `(ts_ms, row id)`.
pub type Entry = (i64, i64);

/// A stored list grows by merging until it holds this many bytes; past it a new chunk starts
/// (a user with most of the traffic never has one huge value rewritten per window).
const CHUNK_BYTES: usize = 8_192;

/// The dimensions with posting lists: the ones with too many values to filter by row scans.
pub const POSTED: [Dimension; 2] = [Dimension::User, Dimension::Tag];

/// The bucket level of `dimension`'s lists: the level of its finest cells.
pub fn level(dimension: Dimension) -> Level {
    crate::rollup::dims::levels(dimension)[0]
}

/// `entries` (sorted) packed.
pub fn encode(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 4);
    let (mut ts, mut row) = (0i64, 0i64);
    for &(entry_ts, entry_row) in entries {
        put_varint(&mut out, zigzag(entry_ts.wrapping_sub(ts)));
        put_varint(&mut out, zigzag(entry_row.wrapping_sub(row)));
        (ts, row) = (entry_ts, entry_row);
    }
    out
}

/// The entries of a packed list.
pub fn decode(bytes: &[u8], into: &mut Vec<Entry>) -> Result<(), StoreError> {
    let (mut ts, mut row, mut at) = (0i64, 0i64, 0usize);
    while at < bytes.len() {
        ts = ts.wrapping_add(unzigzag(get_varint(bytes, &mut at)?));
        row = row.wrapping_add(unzigzag(get_varint(bytes, &mut at)?));
        into.push((ts, row));
    }
    Ok(())
}

/// Where a list lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListKey {
    pub workspace_id: i64,
    pub dimension: Dimension,
    pub value_id: i64,
    pub bucket_ms: i64,
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_including_rows_out_of_time_order() {
        let entries = vec![
            (-5, 3),
            (1_795_986_050_965, 1),
            (1_795_986_050_965, 9),
            (1_795_986_051_000, 2),
            (i64::MAX, i64::MAX),
        ];
        let bytes = encode(&entries);
        let mut back = Vec::new();
        decode(&bytes, &mut back).expect("decodes");
        assert_eq!(back, entries);
        // Close calls cost a few bytes each.
        assert!(encode(&[(1000, 10), (1010, 12), (1030, 11)]).len() <= 8);
    }

    #[test]
    fn a_truncated_list_is_an_error_not_a_panic() {
        let bytes = encode(&[(300, 70_000)]);
        let mut back = Vec::new();
        assert!(decode(&bytes[..bytes.len() - 1], &mut back).is_err());
        assert!(decode(&[0xff; 11], &mut back).is_err());
    }
}
