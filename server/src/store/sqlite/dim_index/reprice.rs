//! Re-pricing indexed calls: a changed cost moves the cells of each of the call's dimension
//! values, each dimension's totals (value id 0) and the rank lists, at every level they keep.

use std::collections::HashMap;

use rusqlite::Connection;

use super::ranks;
use super::tail::{Lookups, TailCall};
use crate::rollup::dims::{self, DimCellKey};
use crate::store::rank_lists::RankKey;
use crate::store::reads::ValueRank;
use crate::store::StoreError;

/// How a call's cost changed: by `cost`, and whether it gained (1) or lost (-1) a price.
#[derive(Clone, Copy, Debug, Default)]
pub struct CostChange {
    pub cost: f64,
    pub count: i64,
}

/// Adds the cost changes of `calls` (all indexed) to their dimension cells, totals and rank
/// lists; returns how many cells changed.
pub fn reprice(conn: &Connection, calls: &[(&TailCall, CostChange)]) -> Result<u64, StoreError> {
    let mut cells: HashMap<DimCellKey, CostChange> = HashMap::new();
    let mut lookups = Lookups::new(conn, false);
    for (call, change) in calls {
        for (dimension, value_id) in lookups.values(call, None)? {
            for level in dims::levels(dimension) {
                let key = DimCellKey {
                    level: *level,
                    workspace_id: call.workspace_id,
                    dimension,
                    bucket_ms: level.bucket(call.ts_ms),
                    value_id,
                };
                for key in [key, DimCellKey { value_id: 0, ..key }] {
                    let cell = cells.entry(key).or_default();
                    cell.cost += change.cost;
                    cell.count += change.count;
                }
            }
        }
    }
    drop(lookups);
    let mut lists: HashMap<RankKey, Vec<ValueRank>> = HashMap::new();
    let mut changed = 0;
    for (key, change) in cells {
        let sql = format!(
            "UPDATE {} SET cost = cost + ?1, cost_count = cost_count + ?2 \
             WHERE workspace_id = ?3 AND dimension = ?4 AND bucket_ms = ?5 AND value_id = ?6",
            dims::table(key.level)
        );
        changed += conn.prepare_cached(&sql)?.execute((
            change.cost,
            change.count,
            key.workspace_id,
            key.dimension.code(),
            key.bucket_ms,
            key.value_id,
        ))? as u64;
        if key.value_id != 0 {
            let list = RankKey {
                workspace_id: key.workspace_id,
                dimension: key.dimension,
                level: key.level,
                bucket_ms: key.bucket_ms,
            };
            lists.entry(list).or_default().push(ValueRank {
                value_id: key.value_id,
                cost: change.cost,
                ..ValueRank::default()
            });
        }
    }
    for list in lists.values_mut() {
        list.sort_unstable_by_key(|rank| rank.value_id);
    }
    ranks::add(conn, lists)?;
    Ok(changed)
}
