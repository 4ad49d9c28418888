//! Adding a batch's cells to the stored rollups: counts and sums add up, sketches merge.

use std::collections::HashMap;
use std::sync::LazyLock;

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction};

use crate::rollup::{Cell, CellKey, Level, Sketch, UNIT_COLUMNS};
use crate::store::StoreError;

/// Every summed column, in bind order after the key.
fn summed_columns() -> Vec<&'static str> {
    let mut columns = vec![
        "requests",
        "status_2xx",
        "status_4xx",
        "status_429",
        "status_5xx",
        "streamed",
    ];
    columns.extend(UNIT_COLUMNS);
    columns.extend([
        "video_seconds",
        "audio_seconds",
        "cost",
        "cost_count",
        "latency_sum",
        "latency_count",
        "ttft_sum",
        "ttft_count",
    ]);
    columns
}

struct Statements {
    select: String,
    upsert: String,
}

fn statements(level: Level) -> Statements {
    let summed = summed_columns();
    let placeholders: Vec<String> = (1..=3 + summed.len() + 2)
        .map(|n| format!("?{n}"))
        .collect();
    let updates: Vec<String> = summed
        .iter()
        .map(|column| format!("{column} = {column} + excluded.{column}"))
        .collect();
    Statements {
        select: format!(
            "SELECT latency_sketch, ttft_sketch FROM {} \
             WHERE workspace_id = ?1 AND bucket_ms = ?2 AND model_id = ?3",
            level.table()
        ),
        upsert: format!(
            "INSERT INTO {table} (workspace_id, bucket_ms, model_id, {columns}, latency_sketch, ttft_sketch) \
             VALUES ({placeholders}) ON CONFLICT (workspace_id, bucket_ms, model_id) DO UPDATE SET \
             {updates}, latency_sketch = excluded.latency_sketch, ttft_sketch = excluded.ttft_sketch",
            table = level.table(),
            columns = summed.join(", "),
            placeholders = placeholders.join(", "),
            updates = updates.join(", "),
        ),
    }
}

static STATEMENTS: LazyLock<HashMap<Level, Statements>> = LazyLock::new(|| {
    Level::ALL
        .iter()
        .map(|level| (*level, statements(*level)))
        .collect()
});

/// A cell's stored latency and TTFT sketches.
type StoredSketches = (Option<Vec<u8>>, Option<Vec<u8>>);

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

/// Adds `cells` to the stored rollups.
pub fn add_cells(tx: &Transaction<'_>, cells: HashMap<CellKey, Cell>) -> Result<(), StoreError> {
    for (key, mut cell) in cells {
        let statements = &STATEMENTS[&key.level];
        let stored: Option<StoredSketches> = tx
            .prepare_cached(&statements.select)?
            .query_row((key.workspace_id, key.bucket_ms, key.model_id), |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        if let Some((latency, ttft)) = stored {
            merge_stored(&mut cell.latency, latency)?;
            merge_stored(&mut cell.ttft, ttft)?;
        }
        let mut values: Vec<Value> = vec![
            key.workspace_id.into(),
            key.bucket_ms.into(),
            key.model_id.into(),
            cell.requests.into(),
            cell.status_2xx.into(),
            cell.status_4xx.into(),
            cell.status_429.into(),
            cell.status_5xx.into(),
            cell.streamed.into(),
        ];
        values.extend(cell.units.iter().map(|unit| Value::Integer(*unit)));
        values.extend([
            cell.video_seconds.into(),
            cell.audio_seconds.into(),
            cell.cost.into(),
            cell.cost_count.into(),
            cell.latency_sum.into(),
            cell.latency_count.into(),
            cell.ttft_sum.into(),
            cell.ttft_count.into(),
            encoded(&cell.latency),
            encoded(&cell.ttft),
        ]);
        tx.prepare_cached(&statements.upsert)?
            .execute(rusqlite::params_from_iter(values))?;
    }
    Ok(())
}
