//! One-time rebuild of the all-models rollup cells (migration 0004) from the per-model cells of
//! data stored before they existed. Sketches cannot be merged in SQL, so this runs in Rust on
//! the batch writer's connection before it takes its first batch.

use rusqlite::{Connection, TransactionBehavior};

use super::analytics::{cell_columns, read_cell, CELL_COLUMN_COUNT};
use super::batch::rollups::add_cells;
use super::StoreError;
use crate::rollup::{CellKey, CellMap, Level, ALL_MODELS};
use crate::store::reads::Sketches;

/// Rebuilds the all-models cells when per-model cells exist but no all-models cell does (a
/// database written before migration 0004). Returns the number of cells written.
pub fn all_models_cells(conn: &mut Connection) -> Result<usize, StoreError> {
    let needed: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM rollup_1d) AND NOT EXISTS (SELECT 1 FROM rollup_all_1d)",
        [],
        |row| row.get(0),
    )?;
    if !needed {
        return Ok(0);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut cells: CellMap = CellMap::default();
    for level in Level::ALL {
        let sql = format!(
            "SELECT {}, workspace_id FROM {}",
            cell_columns(
                level,
                crate::store::reads::Cells::EachModel,
                Sketches::LatencyAndTtft,
            ),
            level.table()
        );
        let mut statement = tx.prepare(&sql)?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let workspace_id: i64 = row.get(CELL_COLUMN_COUNT)?;
            let stored = read_cell(level, row, Sketches::LatencyAndTtft)?;
            let key = CellKey {
                level,
                workspace_id,
                bucket_ms: stored.bucket_ms,
                model_id: ALL_MODELS,
            };
            cells.entry(key).or_default().merge(&stored.cell);
        }
    }
    let written = cells.len();
    add_cells(&tx, cells)?;
    tx.commit()?;
    tracing::info!(
        cells = written,
        "rebuilt all-models rollup cells from per-model cells"
    );
    Ok(written)
}
