//! Writing rollup cells: counts and sums add up, sketches merge. Runs inside the batch's
//! transaction, so a cell never disagrees with the raw rows it summarises. Cells are read and
//! written in multi-row statements, a few per level and batch.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::StoreError;
use crate::rollup::{Cell, CellKey, Level, Sketch, UNIT_COLUMNS};

/// Cells per statement (35 bound values each).
const CHUNK: usize = 250;

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

fn encode(sketch: &Sketch) -> Option<Vec<u8>> {
    (sketch.count() > 0).then(|| sketch.encode())
}

fn merge_stored(into: &mut Sketch, stored: Option<Vec<u8>>) -> Result<(), StoreError> {
    if let Some(bytes) = stored {
        let existing =
            Sketch::decode(&bytes).map_err(|error| StoreError::Corrupt(error.to_string()))?;
        into.merge(&existing);
    }
    Ok(())
}

type StoredSketches = (i64, i64, i64, Option<Vec<u8>>, Option<Vec<u8>>);

/// Merges the sketches already stored for `cells` (all of one level) into them.
async fn merge_stored_sketches(
    conn: &mut SqliteConnection,
    level: Level,
    cells: &mut [(CellKey, Cell)],
) -> Result<(), StoreError> {
    for chunk in cells.chunks_mut(CHUNK) {
        let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT workspace_id, bucket_ms, model_id, latency_sketch, ttft_sketch FROM {} \
             WHERE (workspace_id, bucket_ms, model_id) IN (VALUES ",
            level.table()
        ));
        let mut values = query.separated(", ");
        for (key, _) in chunk.iter() {
            values.push(format!(
                "({}, {}, {})",
                key.workspace_id, key.bucket_ms, key.model_id
            ));
        }
        query.push(")");
        let stored: Vec<StoredSketches> = query.build_query_as().fetch_all(&mut *conn).await?;
        if stored.is_empty() {
            continue;
        }
        let mut by_key: HashMap<(i64, i64, i64), (Option<Vec<u8>>, Option<Vec<u8>>)> = stored
            .into_iter()
            .map(|(workspace, bucket, model, latency, ttft)| {
                ((workspace, bucket, model), (latency, ttft))
            })
            .collect();
        for (key, cell) in chunk.iter_mut() {
            if let Some((latency, ttft)) =
                by_key.remove(&(key.workspace_id, key.bucket_ms, key.model_id))
            {
                merge_stored(&mut cell.latency, latency)?;
                merge_stored(&mut cell.ttft, ttft)?;
            }
        }
    }
    Ok(())
}

async fn upsert(
    conn: &mut SqliteConnection,
    level: Level,
    cells: &[(CellKey, Cell)],
) -> Result<(), StoreError> {
    let summed = summed_columns();
    let updates: Vec<String> = summed
        .iter()
        .map(|column| format!("{column} = {column} + excluded.{column}"))
        .collect();
    for chunk in cells.chunks(CHUNK) {
        let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "INSERT INTO {} (workspace_id, bucket_ms, model_id, {}, latency_sketch, ttft_sketch) ",
            level.table(),
            summed.join(", ")
        ));
        query.push_values(chunk, |mut row, (key, cell)| {
            row.push_bind(key.workspace_id)
                .push_bind(key.bucket_ms)
                .push_bind(key.model_id)
                .push_bind(cell.requests)
                .push_bind(cell.status_2xx)
                .push_bind(cell.status_4xx)
                .push_bind(cell.status_429)
                .push_bind(cell.status_5xx)
                .push_bind(cell.streamed);
            for value in cell.units {
                row.push_bind(value);
            }
            row.push_bind(cell.video_seconds)
                .push_bind(cell.audio_seconds)
                .push_bind(cell.cost)
                .push_bind(cell.cost_count)
                .push_bind(cell.latency_sum)
                .push_bind(cell.latency_count)
                .push_bind(cell.ttft_sum)
                .push_bind(cell.ttft_count)
                .push_bind(encode(&cell.latency))
                .push_bind(encode(&cell.ttft));
        });
        query.push(format!(
            " ON CONFLICT (workspace_id, bucket_ms, model_id) DO UPDATE SET {}, \
             latency_sketch = excluded.latency_sketch, ttft_sketch = excluded.ttft_sketch",
            updates.join(", ")
        ));
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds `cells` to the stored rollups.
pub async fn add_cells(
    conn: &mut SqliteConnection,
    cells: HashMap<CellKey, Cell>,
) -> Result<(), StoreError> {
    let mut by_level: HashMap<Level, Vec<(CellKey, Cell)>> = HashMap::new();
    for (key, cell) in cells {
        by_level.entry(key.level).or_default().push((key, cell));
    }
    for (level, mut cells) in by_level {
        merge_stored_sketches(conn, level, &mut cells).await?;
        upsert(conn, level, &cells).await?;
    }
    Ok(())
}
