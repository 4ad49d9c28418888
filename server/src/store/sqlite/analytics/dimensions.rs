//! A dimension's reads on SQLite: its dictionary values, every value's ranks and the per-bucket
//! totals, each from what the indexer stored (`dim_index`) plus the calls after its watermark.

use std::collections::HashMap;

use app::model::Dimension;
use rusqlite::{Connection, OptionalExtension};

use super::{cell_columns, read_cell};
use crate::rollup::plan::Segment;
use crate::rollup::{Cell, Level};
use crate::store::reads::{Cells, Sketches, StoredCell, ValueRank};
use crate::store::StoreError;

/// The dictionary values of `ids` in `workspace_id` (unknown ids are left out).
pub fn dimension_values(
    conn: &Connection,
    workspace_id: i64,
    ids: &[i64],
) -> Result<Vec<(i64, Dimension, String)>, StoreError> {
    let mut values = Vec::with_capacity(ids.len());
    let mut statement = conn.prepare_cached(
        "SELECT dimension, value FROM dimension_values WHERE id = ?1 AND workspace_id = ?2",
    )?;
    for id in ids {
        let found: Option<(i64, String)> = statement
            .query_row((id, workspace_id), |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        if let Some((code, value)) = found {
            if let Some(dimension) = Dimension::from_code(code) {
                values.push((*id, dimension, value));
            }
        }
    }
    Ok(values)
}

/// `bucket_ms IN` each bucket of a segment (parameters `?{from}`, `?{from + 1}` the segment's
/// bounds, `?{from + 2}` its level's width): a dimension's cells are keyed by bucket before
/// value, so a few values over many buckets are seeks where a range would read every value.
pub(super) fn each_bucket(from: usize) -> String {
    let (to, width) = (from + 1, from + 2);
    format!(
        "bucket_ms IN (WITH RECURSIVE b(x) AS (SELECT ?{from} UNION ALL \
         SELECT x + ?{width} FROM b WHERE x + ?{width} < ?{to}) SELECT x FROM b)"
    )
}

/// Every value of `dimension` with calls in `segments` and its sums: the stored rank lists
/// (`dim_index::ranks`) plus the calls not yet indexed.
pub fn dimension_ranks(
    conn: &Connection,
    workspace_id: i64,
    dimension: Dimension,
    segments: &[Segment],
) -> Result<Vec<ValueRank>, StoreError> {
    let mut ranks = Vec::new();
    for segment in segments.iter().filter(|s| s.level != Level::Minute) {
        crate::store::sqlite::dim_index::ranks::read_into(
            conn,
            workspace_id,
            dimension,
            segment,
            &mut ranks,
        )?;
    }
    let mut recent: Vec<ValueRank> = Vec::new();
    for (key, cell) in unindexed(conn, workspace_id, dimension, segments, None)? {
        recent.push(ValueRank::of_cell(key.value_id, &cell));
    }
    recent.sort_unstable_by_key(|rank| rank.value_id);
    let mut sorted: Vec<ValueRank> = Vec::with_capacity(recent.len());
    for rank in recent {
        match sorted.last_mut() {
            Some(last) if last.value_id == rank.value_id => last.add(&rank),
            _ => sorted.push(rank),
        }
    }
    Ok(crate::store::rank_lists::merge(&ranks, &sorted))
}

/// Per bucket of `segments`, all of `dimension`'s values summed: the stored totals (value id
/// 0, `store::indexing::add_totals`) plus the calls not yet indexed.
pub fn dimension_totals(
    conn: &Connection,
    workspace_id: i64,
    dimension: Dimension,
    segments: &[Segment],
) -> Result<Vec<StoredCell>, StoreError> {
    let mut totals = Vec::new();
    for segment in segments.iter().filter(|s| s.level != Level::Minute) {
        let sql = format!(
            "SELECT {} FROM {} WHERE workspace_id = ?1 AND dimension = ?2 AND {} \
             AND value_id = 0",
            cell_columns(
                segment.level,
                Cells::Dimension(dimension),
                Sketches::Neither
            ),
            crate::rollup::dims::table(segment.level),
            each_bucket(3),
        );
        let mut statement = conn.prepare_cached(&sql)?;
        let mut rows = statement.query((
            workspace_id,
            dimension.code(),
            segment.from_ms,
            segment.to_ms,
            segment.level.width_ms(),
        ))?;
        while let Some(row) = rows.next()? {
            totals.push(read_cell(segment.level, row, Sketches::Neither)?);
        }
    }
    let mut recent: HashMap<(Level, i64), Cell> = HashMap::new();
    for (key, cell) in unindexed(conn, workspace_id, dimension, segments, None)? {
        recent
            .entry((key.level, key.bucket_ms))
            .or_default()
            .merge_sums(&cell);
    }
    totals.extend(
        recent
            .into_iter()
            .map(|((level, bucket_ms), cell)| StoredCell {
                level,
                bucket_ms,
                model_id: 0,
                cell,
                peak_minute: None,
            }),
    );
    Ok(totals)
}

/// The cells of `dimension` (of `only` values when given) in `segments` that the calls after
/// the indexer's watermark add (`dim_index`): stored cells plus these are every call.
fn unindexed(
    conn: &Connection,
    workspace_id: i64,
    dimension: Dimension,
    segments: &[Segment],
    only: Option<&[i64]>,
) -> Result<Vec<(crate::rollup::dims::DimCellKey, Cell)>, StoreError> {
    let cells =
        crate::store::sqlite::dim_index::tail::unindexed_cells(conn, workspace_id, dimension)?;
    Ok(cells
        .iter()
        .filter(|(key, _)| {
            only.is_none_or(|ids| ids.contains(&key.value_id))
                && segments.iter().any(|segment| {
                    segment.level == key.level
                        && key.bucket_ms >= segment.from_ms
                        && key.bucket_ms < segment.to_ms
                })
        })
        .map(|(key, cell)| (*key, cell.clone()))
        .collect())
}

/// The dimension cells of `which` that calls not yet indexed add (none for model cells).
pub(super) fn unindexed_of(
    conn: &Connection,
    workspace_id: i64,
    segments: &[Segment],
    which: Cells<'_>,
) -> Result<Vec<StoredCell>, StoreError> {
    let Some(dimension) = which.dimension() else {
        return Ok(Vec::new());
    };
    if which.ids().is_some_and(<[i64]>::is_empty) {
        return Ok(Vec::new());
    }
    Ok(
        unindexed(conn, workspace_id, dimension, segments, which.ids())?
            .into_iter()
            .map(|(key, cell)| StoredCell {
                level: key.level,
                bucket_ms: key.bucket_ms,
                model_id: key.value_id,
                cell,
                peak_minute: None,
            })
            .collect(),
    )
}
