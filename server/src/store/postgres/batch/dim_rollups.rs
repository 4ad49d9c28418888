//! Adding a batch's dimension cells to `rollup_dim_1h` and `rollup_dim_1d` in PostgreSQL, under
//! the same workspace locks as the per-model cells (`rollups`): per table, one statement reads
//! the touched cells' sketches and one upsert adds the sums and sets the merged sketches.

use std::collections::HashMap;
use std::sync::LazyLock;

use sqlx::{PgConnection, Row};

use super::rollups::{bind_summed, cell_values, decode, encoded, lock_workspaces, Value, SUMMED};
use crate::rollup::dims::{self, DimCellKey};
use crate::rollup::{Cell, Level};
use crate::store::StoreError;

struct Statements {
    read: String,
    add: String,
}

fn statements(table: &str) -> Statements {
    let read = format!(
        "SELECT t.workspace_id, t.dimension, t.bucket_ms, t.value_id, t.latency_sketch, \
         t.ttft_sketch FROM {table} AS t \
         JOIN unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[]) AS k(w, d, b, v) \
         ON t.workspace_id = k.w AND t.dimension = k.d AND t.bucket_ms = k.b AND t.value_id = k.v"
    );
    let mut columns = vec!["workspace_id", "dimension", "bucket_ms", "value_id"];
    let mut inputs: Vec<String> = (1..=4).map(|n| format!("${n}::int8[]")).collect();
    let mut sets = Vec::new();
    for (index, summed) in SUMMED.iter().enumerate() {
        let kind = if summed.float { "float8" } else { "int8" };
        columns.push(summed.column);
        inputs.push(format!("${}::{kind}[]", index + 5));
        sets.push(format!("{0} = t.{0} + excluded.{0}", summed.column));
    }
    let next = SUMMED.len() + 5;
    columns.extend(["latency_sketch", "ttft_sketch"]);
    inputs.push(format!("${next}::bytea[]"));
    inputs.push(format!("${}::bytea[]", next + 1));
    sets.push("latency_sketch = excluded.latency_sketch".to_owned());
    sets.push("ttft_sketch = excluded.ttft_sketch".to_owned());
    let add = format!(
        "INSERT INTO {table} AS t ({columns}) SELECT * FROM unnest({inputs}) \
         ON CONFLICT (workspace_id, dimension, bucket_ms, value_id) DO UPDATE SET {sets}",
        columns = columns.join(", "),
        inputs = inputs.join(", "),
        sets = sets.join(", "),
    );
    Statements { read, add }
}

/// The tables in the one order every writer visits them.
static TABLES: LazyLock<Vec<(Level, Statements)>> = LazyLock::new(|| {
    [Level::Hour, Level::Day]
        .into_iter()
        .map(|level| (level, statements(dims::table(level))))
        .collect()
});

type Key = (i64, i64, i64, i64);

/// A stored cell's latency and TTFT sketches.
type Sketches = (Option<Vec<u8>>, Option<Vec<u8>>);

fn key_of(key: &DimCellKey) -> Key {
    (
        key.workspace_id,
        key.dimension.code(),
        key.bucket_ms,
        key.value_id,
    )
}

/// Adds `cells` to the stored dimension cells inside the caller's transaction on `conn`.
pub async fn add_cells(
    conn: &mut PgConnection,
    cells: HashMap<DimCellKey, Cell>,
) -> Result<(), StoreError> {
    lock_workspaces(conn, cells.keys().map(|key| key.workspace_id)).await?;
    let mut groups: HashMap<Level, Vec<(Key, Cell)>> = HashMap::new();
    for (key, cell) in cells {
        groups
            .entry(key.level)
            .or_default()
            .push((key_of(&key), cell));
    }
    for (level, statements) in TABLES.iter() {
        let Some(mut group) = groups.remove(level) else {
            continue;
        };
        group.sort_by_key(|(key, _)| *key);
        let column = |pick: fn(&Key) -> i64| -> Vec<i64> {
            group.iter().map(|(key, _)| pick(key)).collect()
        };
        let keys = [
            column(|key| key.0),
            column(|key| key.1),
            column(|key| key.2),
            column(|key| key.3),
        ];
        let rows = sqlx::query(&statements.read)
            .bind(&keys[0])
            .bind(&keys[1])
            .bind(&keys[2])
            .bind(&keys[3])
            .fetch_all(&mut *conn)
            .await?;
        let mut held: HashMap<Key, Sketches> = HashMap::new();
        for row in rows {
            held.insert(
                (
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                ),
                (row.try_get(4)?, row.try_get(5)?),
            );
        }
        let mut columns: Vec<Vec<Value>> = SUMMED.iter().map(|_| Vec::new()).collect();
        let (mut latency, mut ttft) = (Vec::new(), Vec::new());
        for (key, cell) in &mut group {
            let (stored_latency, stored_ttft) = held.remove(key).unwrap_or_default();
            for (column, value) in columns.iter_mut().zip(cell_values(cell)) {
                column.push(value);
            }
            cell.latency.merge(&decode(stored_latency)?);
            cell.ttft.merge(&decode(stored_ttft)?);
            latency.push(encoded(&cell.latency));
            ttft.push(encoded(&cell.ttft));
        }
        let add = sqlx::query(&statements.add)
            .bind(&keys[0])
            .bind(&keys[1])
            .bind(&keys[2])
            .bind(&keys[3]);
        bind_summed(add, columns)
            .bind(latency)
            .bind(ttft)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
