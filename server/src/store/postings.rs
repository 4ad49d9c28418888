//! Posting lists, as the stores share them: for one dimension value (a user or a tag) and one
//! bucket (a user's day, a tag's hour), the `(ts_ms, row id)` of each of its calls, sorted by
//! time then row, packed as zigzag varint deltas. A few bytes per call where a B-tree entry took
//! about twenty, and written once per indexed window rather than once per call. SQLite keeps
//! them in `dimension_postings` (`store/sqlite/dim_index/postings.rs`).

use app::model::Dimension;

use crate::rollup::Level;
use crate::store::varint::{get_varint, put_varint, unzigzag, zigzag};
use crate::store::StoreError;

/// One call in a posting list: `(ts_ms, row id)`.
pub type Entry = (i64, i64);

/// A stored list grows by merging until it holds this many bytes; past it a new chunk starts
/// (a user with most of the traffic never has one huge value rewritten per window).
pub const CHUNK_BYTES: usize = 8_192;

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
