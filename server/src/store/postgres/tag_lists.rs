//! Calls by tag in PostgreSQL: `tag_lists` holds, per batch, tag and hour, one packed list of
//! the `(ts_ms, row id)` of the batch's calls with that tag (`store::postings`' format). Where
//! an index entry per call and tag took about 165 bytes (`request_tags`, until migration 0007),
//! a batch of 1,000 calls writes one row per tag it touches: about 20 bytes per entry, and 200
//! rows to COPY where there were 1,330.
//!
//! Readers fetch a tag's rows for the hours of a window, decode them in Rust and sort; a row
//! also keeps its entry count, so whole hours are counted without decoding. Rows whose calls
//! were deleted row by row (a workspace's shorter retention) may outlive them by up to an hour:
//! every reader bounds entries by time and looks the calls up, so such entries find nothing.

use sqlx::PgConnection;

use crate::store::postings::{self, Entry};
use crate::store::StoreError;

/// The first byte of a list: how the rest is packed.
const PACKED: u8 = 0;
/// 16 bytes per entry, both numbers big-endian: what SQL writes (`int8send`) when it builds
/// lists from rows (migration 0007, `copy-data`).
const RAW: u8 = 1;

pub const HOUR_MS: i64 = 3_600_000;

/// `entries` sorted and packed, with the format byte.
pub fn encode(entries: &mut [Entry]) -> Vec<u8> {
    entries.sort_unstable();
    let packed = postings::encode(entries);
    let mut out = Vec::with_capacity(packed.len() + 1);
    out.push(PACKED);
    out.extend_from_slice(&packed);
    out
}

/// Adds the entries of one stored list to `into`.
pub fn decode(bytes: &[u8], into: &mut Vec<Entry>) -> Result<(), StoreError> {
    match bytes.split_first() {
        Some((&PACKED, packed)) => postings::decode(packed, into),
        Some((&RAW, raw)) if raw.len() % 16 == 0 => {
            for pair in raw.chunks_exact(16) {
                let (ts, row) = pair.split_at(8);
                let number = |half: &[u8]| {
                    i64::from_be_bytes(half.try_into().expect("split at 8 of 16 bytes"))
                };
                into.push((number(ts), number(row)));
            }
            Ok(())
        }
        _ => Err(StoreError::Corrupt(
            "a tag list has an unknown format or a truncated entry".into(),
        )),
    }
}

/// The hours `[from, to)` touches, first and last.
pub fn hours((from, to): (i64, i64)) -> (i64, i64) {
    (
        from.div_euclid(HOUR_MS),
        to.saturating_sub(1).div_euclid(HOUR_MS),
    )
}

/// Every entry of `tag` in `workspace_id` whose time is in `[from, to)`, unsorted.
pub async fn entries(
    conn: &mut PgConnection,
    workspace_id: i64,
    tag: i64,
    (from, to): (i64, i64),
) -> Result<Vec<Entry>, StoreError> {
    let (first, last) = hours((from, to));
    let lists: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT entries FROM tag_lists WHERE workspace_id = $1 AND tag_id = $2 \
         AND hour >= $3 AND hour <= $4",
    )
    .bind(workspace_id)
    .bind(tag)
    .bind(first)
    .bind(last)
    .fetch_all(conn)
    .await?;
    let mut entries = Vec::new();
    for list in &lists {
        decode(list, &mut entries)?;
    }
    entries.retain(|(ts, _)| (from..to).contains(ts));
    Ok(entries)
}

/// How many calls of `tag` fall in `[from, to)`: the counts kept on the rows of whole hours,
/// and the decoded entries of the partial hours at either end.
pub async fn count(
    conn: &mut PgConnection,
    workspace_id: i64,
    tag: i64,
    (from, to): (i64, i64),
) -> Result<i64, StoreError> {
    let (first, last) = hours((from, to));
    // The whole hours: from the first hour starting at or after `from` to the last one ending
    // at or before `to`.
    let whole = (
        from.div_euclid(HOUR_MS) + i64::from(from.rem_euclid(HOUR_MS) != 0),
        to.div_euclid(HOUR_MS) - 1,
    );
    let (counted, edges): (Option<i64>, Option<Vec<Vec<u8>>>) = sqlx::query_as(
        "SELECT sum(calls) FILTER (WHERE hour >= $5 AND hour <= $6)::BIGINT, \
         array_agg(entries) FILTER (WHERE hour < $5 OR hour > $6) \
         FROM tag_lists WHERE workspace_id = $1 AND tag_id = $2 AND hour >= $3 AND hour <= $4",
    )
    .bind(workspace_id)
    .bind(tag)
    .bind(first)
    .bind(last)
    .bind(whole.0)
    .bind(whole.1)
    .fetch_one(conn)
    .await?;
    let mut entries = Vec::new();
    for list in edges.iter().flatten() {
        decode(list, &mut entries)?;
    }
    let in_edges = entries
        .iter()
        .filter(|(ts, _)| (from..to).contains(ts))
        .count();
    Ok(counted.unwrap_or(0) + in_edges as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_decode_and_anything_else_is_an_error() {
        let mut entries = vec![(7_200_500, 12), (7_200_100, 40), (7_200_100, 3)];
        let packed = encode(&mut entries);
        assert_eq!(packed[0], PACKED);
        let mut back = Vec::new();
        decode(&packed, &mut back).expect("packed");
        assert_eq!(back, [(7_200_100, 3), (7_200_100, 40), (7_200_500, 12)]);

        let mut raw = vec![RAW];
        for (ts, row) in [(7_200_900i64, 5i64), (-1, i64::MAX)] {
            raw.extend_from_slice(&ts.to_be_bytes());
            raw.extend_from_slice(&row.to_be_bytes());
        }
        back.clear();
        decode(&raw, &mut back).expect("raw");
        assert_eq!(back, [(7_200_900, 5), (-1, i64::MAX)]);

        assert!(decode(&raw[..raw.len() - 1], &mut back).is_err());
        assert!(decode(&[], &mut back).is_err());
        assert!(decode(&[9, 1, 2], &mut back).is_err());
    }

    #[test]
    fn a_window_covers_the_hours_it_touches() {
        assert_eq!(hours((HOUR_MS, 3 * HOUR_MS)), (1, 2));
        assert_eq!(hours((HOUR_MS + 1, 3 * HOUR_MS + 1)), (1, 3));
    }
}
