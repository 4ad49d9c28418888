//! Adding a batch's cells to the stored rollups: counts and sums add up, sketches merge.

use std::collections::HashMap;
use std::sync::LazyLock;

use app::model::UNITS;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction};

use crate::rollup::{Cell, CellKey, CellMap, Level, Peaks, Sketch, ALL_MODELS};
use crate::store::columns::{COUNTS_BEFORE_UNITS, SUMS_AFTER_COST};
use crate::store::sqlite::encoding::amount_value;
use crate::store::StoreError;

/// Every summed column, in bind order after the key.
pub(super) fn summed_columns() -> Vec<&'static str> {
    let mut columns = COUNTS_BEFORE_UNITS.to_vec();
    columns.extend(UNITS.iter().map(|spec| spec.column));
    columns.push("cost");
    columns.extend(SUMS_AFTER_COST);
    columns
}

struct Statements {
    select: String,
    upsert: String,
}

/// Hour and day cells also keep their busiest minute; minute cells report their new totals.
const PEAK_COLUMNS: [&str; 2] = ["peak_minute_requests", "peak_minute_tokens"];

fn statements(level: Level, table: &str) -> Statements {
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
    let returning = if level == Level::Minute {
        " RETURNING requests, total_tokens"
    } else {
        columns.extend(PEAK_COLUMNS);
        updates.extend(
            PEAK_COLUMNS
                .iter()
                .map(|column| format!("{column} = max(coalesce({column}, 0), excluded.{column})")),
        );
        ""
    };
    let placeholders: Vec<String> = (1..=3 + columns.len()).map(|n| format!("?{n}")).collect();
    Statements {
        select: format!(
            "SELECT latency_sketch, ttft_sketch FROM {table} \
             WHERE workspace_id = ?1 AND bucket_ms = ?2 AND model_id = ?3"
        ),
        upsert: format!(
            "INSERT INTO {table} (workspace_id, bucket_ms, model_id, {columns}) \
             VALUES ({placeholders}) ON CONFLICT (workspace_id, bucket_ms, model_id) DO UPDATE SET \
             {updates}{returning}",
            columns = columns.join(", "),
            placeholders = placeholders.join(", "),
            updates = updates.join(", "),
        ),
    }
}

/// Statements by level and whether the cell is an all-models cell.
static STATEMENTS: LazyLock<HashMap<(Level, bool), Statements>> = LazyLock::new(|| {
    Level::ALL
        .iter()
        .flat_map(|level| {
            [
                ((*level, false), statements(*level, level.table())),
                ((*level, true), statements(*level, level.all_models_table())),
            ]
        })
        .collect()
});

/// A cell's stored latency and TTFT sketches.
pub(super) type StoredSketches = (Option<Vec<u8>>, Option<Vec<u8>>);

/// Merges a cell's stored sketches into the batch's.
pub(super) fn merge_stored_sketches(
    cell: &mut Cell,
    stored: Option<StoredSketches>,
) -> Result<(), StoreError> {
    if let Some((latency, ttft)) = stored {
        merge_stored(&mut cell.latency, latency)?;
        merge_stored(&mut cell.ttft, ttft)?;
    }
    Ok(())
}

/// The summed columns' values of `cell` (in `summed_columns` order), then its two sketches.
pub(super) fn cell_values(cell: &Cell) -> Vec<Value> {
    let mut values: Vec<Value> = vec![
        cell.requests.into(),
        cell.status_2xx.into(),
        cell.status_4xx.into(),
        cell.status_429.into(),
        cell.status_5xx.into(),
        cell.streamed.into(),
    ];
    values.extend(
        UNITS
            .iter()
            .map(|spec| amount_value(Some(cell.units.get(spec.unit)))),
    );
    values.extend([
        cell.cost.into(),
        cell.cost_count.into(),
        cell.latency_sum.into(),
        cell.latency_count.into(),
        cell.ttft_sum.into(),
        cell.ttft_count.into(),
        encoded(&cell.latency),
        encoded(&cell.ttft),
    ]);
    values
}

fn merge_stored(into: &mut Sketch, stored: Option<Vec<u8>>) -> Result<(), StoreError> {
    if let Some(bytes) = stored {
        let existing =
            Sketch::decode(&bytes).map_err(|error| StoreError::Corrupt(error.to_string()))?;
        into.merge(&existing);
    }
    Ok(())
}

fn encoded(sketch: &Sketch) -> Value {
    if sketch.count() == 0 {
        Value::Null
    } else {
        Value::Blob(sketch.encode())
    }
}

fn level_order(level: Level) -> u8 {
    match level {
        Level::Minute => 0,
        Level::Hour => 1,
        Level::Day => 2,
    }
}

/// Adds `cells` to the stored rollups. Minute cells go first: their new totals raise the peak
/// minute of the hour and day cells written after them.
pub fn add_cells(tx: &Transaction<'_>, cells: CellMap) -> Result<(), StoreError> {
    let mut cells: Vec<(CellKey, Cell)> = cells.into_iter().collect();
    cells.sort_by_key(|(key, _)| level_order(key.level));
    let mut peaks = Peaks::default();
    for (key, mut cell) in cells {
        let statements = &STATEMENTS[&(key.level, key.model_id == ALL_MODELS)];
        let stored: Option<StoredSketches> = tx
            .prepare_cached(&statements.select)?
            .query_row((key.workspace_id, key.bucket_ms, key.model_id), |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        merge_stored_sketches(&mut cell, stored)?;
        let mut values: Vec<Value> = vec![
            key.workspace_id.into(),
            key.bucket_ms.into(),
            key.model_id.into(),
        ];
        values.extend(cell_values(&cell));
        let mut upsert = tx.prepare_cached(&statements.upsert)?;
        if key.level == Level::Minute {
            let totals = upsert.query_row(rusqlite::params_from_iter(values), |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?;
            peaks.raise(&key, totals);
        } else {
            let (requests, tokens) = peaks.of(&key);
            values.extend([Value::Integer(requests), Value::Integer(tokens)]);
            upsert.execute(rusqlite::params_from_iter(values))?;
        }
    }
    Ok(())
}
