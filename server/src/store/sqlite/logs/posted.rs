//! Logs filtered by user or tag within a window of time: the matching rows come from the
//! posting lists (`dim_index::postings`) plus the calls after the indexed watermark, found by
//! their own columns. The query then reads just those rows by row id.

use app::model::Dimension;
use rusqlite::Connection;

use crate::store::reads::{CallFilter, Narrow};
use crate::store::sqlite::dim_index::{postings, tail};
use crate::store::StoreError;

/// The user or tag a condition names, when it is one.
fn posted(narrow: &Narrow) -> Option<(Dimension, i64)> {
    match narrow {
        Narrow::User(id) => Some((Dimension::User, *id)),
        Narrow::Tag(id) => Some((Dimension::Tag, *id)),
        _ => None,
    }
}

/// The condition on a row's own columns that `dimension` has a value (`mark`, such as `?5`,
/// is bound to [`row_test_value`]).
pub fn row_test(dimension: Dimension, mark: &str) -> String {
    match dimension {
        Dimension::Tag => format!("instr(',' || tag_ids || ',', {mark}) > 0"),
        _ => format!("user_id = {mark}"),
    }
}

/// What [`row_test`] binds for `value_id`.
pub fn row_test_value(dimension: Dimension, value_id: i64) -> rusqlite::types::Value {
    match dimension {
        Dimension::Tag => format!(",{value_id},").into(),
        _ => value_id.into(),
    }
}

/// The rows of `filter`'s calls in `window` that meet all its user and tag conditions (other
/// conditions not applied), sorted; `None` when it has none.
pub fn rows(
    conn: &Connection,
    filter: &CallFilter,
    window: (i64, i64),
) -> Result<Option<Vec<i64>>, StoreError> {
    let workspace_id = filter.workspace_id.get();
    let mut found: Option<Vec<i64>> = None;
    let mut watermark = None;
    for (dimension, value_id) in filter.narrowing.iter().filter_map(posted) {
        let after = match watermark {
            Some(after) => after,
            None => *watermark.insert(tail::watermark(conn)?),
        };
        let mut rows = postings::rows_in(conn, workspace_id, dimension, value_id, window)?;
        let sql = format!(
            "SELECT id FROM requests NOT INDEXED WHERE id > ?1 AND workspace_id = ?2 \
             AND ts_ms >= ?3 AND ts_ms < ?4 AND {}",
            row_test(dimension, "?5")
        );
        let unindexed = conn
            .prepare_cached(&sql)?
            .query_map(
                rusqlite::params![
                    after,
                    workspace_id,
                    window.0,
                    window.1,
                    row_test_value(dimension, value_id)
                ],
                |row| row.get::<_, i64>(0),
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.extend(unindexed);
        rows.sort_unstable();
        rows.dedup();
        found = Some(match found {
            None => rows,
            Some(before) => before
                .into_iter()
                .filter(|row| rows.binary_search(row).is_ok())
                .collect(),
        });
    }
    Ok(found)
}

/// `rows` as the JSON array `json_each` reads.
pub fn json_rows(rows: &[i64]) -> String {
    let mut text = String::with_capacity(rows.len() * 8 + 2);
    text.push('[');
    for (index, row) in rows.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        text.push_str(&row.to_string());
    }
    text.push(']');
    text
}
