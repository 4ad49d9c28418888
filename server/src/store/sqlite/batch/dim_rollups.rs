//! Adding a batch's dimension cells to `rollup_dim_1h` and `rollup_dim_1d`: counts and sums add
//! up, sketches merge, as for the per-model cells (`rollups`).

use std::collections::HashMap;
use std::sync::LazyLock;

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction};

use super::rollups::{cell_values, merge_stored_sketches, summed_columns, StoredSketches};
use crate::rollup::dims::{self, DimCellMap};
use crate::rollup::Level;
use crate::store::StoreError;

struct Statements {
    select: String,
    upsert: String,
}

fn statements(table: &str) -> Statements {
    let mut columns = summed_columns();
    let mut updates: Vec<String> = columns
        .iter()
        .map(|column| format!("{column} = {column} + excluded.{column}"))
        .collect();
    columns.extend(["latency_sketch", "ttft_sketch"]);
    updates.extend([
        "latency_sketch = excluded.latency_sketch".to_owned(),
        "ttft_sketch = excluded.ttft_sketch".to_owned(),
    ]);
    let placeholders: Vec<String> = (1..=4 + columns.len()).map(|n| format!("?{n}")).collect();
    Statements {
        select: format!(
            "SELECT latency_sketch, ttft_sketch FROM {table} \
             WHERE workspace_id = ?1 AND dimension = ?2 AND bucket_ms = ?3 AND value_id = ?4"
        ),
        upsert: format!(
            "INSERT INTO {table} (workspace_id, dimension, bucket_ms, value_id, {columns}) \
             VALUES ({placeholders}) \
             ON CONFLICT (workspace_id, dimension, bucket_ms, value_id) DO UPDATE SET {updates}",
            columns = columns.join(", "),
            placeholders = placeholders.join(", "),
            updates = updates.join(", "),
        ),
    }
}

static STATEMENTS: LazyLock<HashMap<Level, Statements>> = LazyLock::new(|| {
    [Level::Hour, Level::Day]
        .into_iter()
        .map(|level| (level, statements(dims::table(level))))
        .collect()
});

/// Adds `cells` to the stored dimension cells.
pub fn add_cells(tx: &Transaction<'_>, cells: DimCellMap) -> Result<(), StoreError> {
    for (key, mut cell) in cells {
        let Some(statements) = STATEMENTS.get(&key.level) else {
            continue;
        };
        let code = key.dimension.code();
        let stored: Option<StoredSketches> = tx
            .prepare_cached(&statements.select)?
            .query_row(
                (key.workspace_id, code, key.bucket_ms, key.value_id),
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        merge_stored_sketches(&mut cell, stored)?;
        let mut values: Vec<Value> = vec![
            key.workspace_id.into(),
            code.into(),
            key.bucket_ms.into(),
            key.value_id.into(),
        ];
        values.extend(cell_values(&cell));
        tx.prepare_cached(&statements.upsert)?
            .execute(rusqlite::params_from_iter(values))?;
    }
    Ok(())
}
