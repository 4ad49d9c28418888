//! Adding a batch's cells to the stored rollups in PostgreSQL, exactly, while other servers add
//! theirs to the same cells.
//!
//! Sketches cannot be merged in SQL, so a cell's sketches are read, merged in Rust and written
//! back, and nobody else may change them in between. Every writer of a workspace's cells (the
//! batch writers of every server, and re-pricing) first takes that workspace's advisory lock
//! ([`lock_workspaces`]), held to the end of its transaction; then, per table, one statement
//! reads the touched cells and one upsert adds the batch's sums to them and sets the merged
//! sketches. Each cell gets one new row version per batch, and writers take the locks of several
//! workspaces in one order, so they never wait for each other in a circle.

use std::collections::HashMap;
use std::sync::LazyLock;

use app::model::{Amount, Measure, Unit, UNITS};
use sqlx::{PgConnection, Row};

use crate::rollup::{Cell, CellKey, CellMap, Level, Peaks, Sketch, ALL_MODELS};
use crate::store::columns::{COUNTS_BEFORE_UNITS, SUMS_AFTER_COST};
use crate::store::StoreError;

/// A summed column and its SQL type.
pub(in crate::store::postgres) struct Summed {
    pub(in crate::store::postgres) column: &'static str,
    pub(in crate::store::postgres) float: bool,
}

/// Every summed column, in the order [`cell_values`] gives values.
pub(in crate::store::postgres) static SUMMED: LazyLock<Vec<Summed>> = LazyLock::new(|| {
    let int = |column| Summed {
        column,
        float: false,
    };
    let mut columns: Vec<Summed> = COUNTS_BEFORE_UNITS.into_iter().map(int).collect();
    columns.extend(UNITS.iter().map(|spec| Summed {
        column: spec.column,
        float: spec.measure == Measure::Seconds,
    }));
    columns.push(Summed {
        column: "cost",
        float: true,
    });
    columns.extend(SUMS_AFTER_COST.into_iter().map(int));
    columns
});

/// One value of a summed column.
pub(in crate::store::postgres) enum Value {
    Int(i64),
    Float(f64),
}

pub(in crate::store::postgres) fn cell_values(cell: &Cell) -> Vec<Value> {
    let mut values = vec![
        Value::Int(cell.requests),
        Value::Int(cell.status_2xx),
        Value::Int(cell.status_4xx),
        Value::Int(cell.status_429),
        Value::Int(cell.status_5xx),
        Value::Int(cell.streamed),
    ];
    values.extend(UNITS.iter().map(|spec| match cell.units.get(spec.unit) {
        Amount::Count(count) => Value::Int(count),
        Amount::Seconds(seconds) => Value::Float(seconds),
    }));
    values.push(Value::Float(cell.cost));
    values.extend(
        [
            cell.cost_count,
            cell.latency_sum,
            cell.latency_count,
            cell.ttft_sum,
            cell.ttft_count,
        ]
        .map(Value::Int),
    );
    values
}

struct Statements {
    read: String,
    add: String,
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds the summed columns' values (one array per column, in `SUMMED` order) to `add`.
pub(in crate::store::postgres) fn bind_summed(
    mut add: PgQuery<'_>,
    columns: Vec<Vec<Value>>,
) -> PgQuery<'_> {
    for (summed, values) in SUMMED.iter().zip(columns) {
        add = if summed.float {
            add.bind(
                values
                    .into_iter()
                    .map(|value| match value {
                        Value::Float(value) => value,
                        Value::Int(value) => value as f64,
                    })
                    .collect::<Vec<f64>>(),
            )
        } else {
            add.bind(
                values
                    .into_iter()
                    .map(|value| match value {
                        Value::Int(value) => value,
                        Value::Float(value) => value as i64,
                    })
                    .collect::<Vec<i64>>(),
            )
        };
    }
    add
}

fn statements(level: Level, table: &str) -> Statements {
    let read = format!(
        "SELECT t.workspace_id, t.bucket_ms, t.model_id, t.requests, t.total_tokens, \
         t.latency_sketch, t.ttft_sketch FROM {table} AS t \
         JOIN unnest($1::int8[], $2::int8[], $3::int8[]) AS k(w, b, m) \
         ON t.workspace_id = k.w AND t.bucket_ms = k.b AND t.model_id = k.m"
    );
    let mut columns = vec!["workspace_id", "bucket_ms", "model_id"];
    let mut inputs = vec![
        "$1::int8[]".to_owned(),
        "$2::int8[]".to_owned(),
        "$3::int8[]".to_owned(),
    ];
    let mut sets = Vec::new();
    for (index, summed) in SUMMED.iter().enumerate() {
        let kind = if summed.float { "float8" } else { "int8" };
        columns.push(summed.column);
        inputs.push(format!("${}::{kind}[]", index + 4));
        sets.push(format!("{0} = t.{0} + excluded.{0}", summed.column));
    }
    let next = SUMMED.len() + 4;
    columns.extend(["latency_sketch", "ttft_sketch"]);
    inputs.push(format!("${next}::bytea[]"));
    inputs.push(format!("${}::bytea[]", next + 1));
    sets.push("latency_sketch = excluded.latency_sketch".to_owned());
    sets.push("ttft_sketch = excluded.ttft_sketch".to_owned());
    if level != Level::Minute {
        columns.extend(["peak_minute_requests", "peak_minute_tokens"]);
        inputs.push(format!("${}::int8[]", next + 2));
        inputs.push(format!("${}::int8[]", next + 3));
        for column in ["peak_minute_requests", "peak_minute_tokens"] {
            sets.push(format!(
                "{column} = GREATEST(coalesce(t.{column}, 0), excluded.{column})"
            ));
        }
    }
    let add = format!(
        "INSERT INTO {table} AS t ({columns}) SELECT * FROM unnest({inputs}) \
         ON CONFLICT (workspace_id, bucket_ms, model_id) DO UPDATE SET {sets}",
        columns = columns.join(", "),
        inputs = inputs.join(", "),
        sets = sets.join(", "),
    );
    Statements { read, add }
}

/// The advisory lock of a workspace's rollup cells (a constant in the high half, so no other
/// lock of the schema can collide with it).
pub fn cells_lock(workspace_id: i64) -> i64 {
    (0x6d77_726f_i64 << 32) | (workspace_id & 0xffff_ffff)
}

/// Takes the cell locks of `workspaces`, smallest first, until the transaction ends.
pub async fn lock_workspaces(
    conn: &mut PgConnection,
    workspaces: impl IntoIterator<Item = i64>,
) -> Result<(), StoreError> {
    let mut workspaces: Vec<i64> = workspaces.into_iter().collect();
    workspaces.sort_unstable();
    workspaces.dedup();
    for workspace_id in workspaces {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(cells_lock(workspace_id))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The tables in the one order every writer visits them: minute cells before the hour and day
/// cells whose busiest minute they raise.
static TABLES: LazyLock<Vec<(Level, bool, Statements)>> = LazyLock::new(|| {
    Level::ALL
        .iter()
        .flat_map(|level| {
            [false, true].map(|all_models| {
                let table = if all_models {
                    level.all_models_table()
                } else {
                    level.table()
                };
                (*level, all_models, statements(*level, table))
            })
        })
        .collect()
});

pub(in crate::store::postgres) fn decode(bytes: Option<Vec<u8>>) -> Result<Sketch, StoreError> {
    match bytes {
        Some(bytes) => {
            Sketch::decode(&bytes).map_err(|error| StoreError::Corrupt(error.to_string()))
        }
        None => Ok(Sketch::new()),
    }
}

pub(in crate::store::postgres) fn encoded(sketch: &Sketch) -> Option<Vec<u8>> {
    (sketch.count() > 0).then(|| sketch.encode())
}

fn total_tokens(cell: &Cell) -> i64 {
    match cell.units.get(Unit::TotalTokens) {
        Amount::Count(count) => count,
        Amount::Seconds(seconds) => seconds as i64,
    }
}

/// What a cell holds before the batch is added: calls and total tokens (for the busiest minute),
/// and its sketches.
struct Held {
    requests: i64,
    tokens: i64,
    latency: Option<Vec<u8>>,
    ttft: Option<Vec<u8>>,
}

/// Reads the cells at `keys` (workspace, bucket and model columns) that exist.
async fn read_cells(
    conn: &mut PgConnection,
    sql: &str,
    keys: [&Vec<i64>; 3],
) -> Result<HashMap<(i64, i64, i64), Held>, StoreError> {
    let rows = sqlx::query(sql)
        .bind(keys[0])
        .bind(keys[1])
        .bind(keys[2])
        .fetch_all(&mut *conn)
        .await?;
    let mut held = HashMap::with_capacity(rows.len());
    for row in rows {
        held.insert(
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?),
            Held {
                requests: row.try_get(3)?,
                tokens: row.try_get(4)?,
                latency: row.try_get(5)?,
                ttft: row.try_get(6)?,
            },
        );
    }
    Ok(held)
}

/// Adds `cells` to the stored rollups inside the caller's transaction on `conn`, under the cell
/// locks of their workspaces.
pub async fn add_cells(conn: &mut PgConnection, cells: CellMap) -> Result<(), StoreError> {
    lock_workspaces(conn, cells.keys().map(|key| key.workspace_id)).await?;
    let mut groups: HashMap<(Level, bool), Vec<(CellKey, Cell)>> = HashMap::new();
    for (key, cell) in cells {
        groups
            .entry((key.level, key.model_id == ALL_MODELS))
            .or_default()
            .push((key, cell));
    }
    let mut peaks = Peaks::default();
    for (level, all_models, statements) in TABLES.iter() {
        let Some(mut group) = groups.remove(&(*level, *all_models)) else {
            continue;
        };
        group.sort_by_key(|(key, _)| (key.workspace_id, key.bucket_ms, key.model_id));
        let keys = |pick: fn(&CellKey) -> i64| -> Vec<i64> {
            group.iter().map(|(key, _)| pick(key)).collect()
        };
        let (workspaces, buckets, models) = (
            keys(|key| key.workspace_id),
            keys(|key| key.bucket_ms),
            keys(|key| key.model_id),
        );
        let mut held = read_cells(conn, &statements.read, [&workspaces, &buckets, &models]).await?;
        let mut columns: Vec<Vec<Value>> = SUMMED.iter().map(|_| Vec::new()).collect();
        let (mut latency, mut ttft) = (Vec::new(), Vec::new());
        let (mut peak_requests, mut peak_tokens) = (Vec::new(), Vec::new());
        for (key, cell) in &mut group {
            let stored = held
                .remove(&(key.workspace_id, key.bucket_ms, key.model_id))
                .unwrap_or(Held {
                    requests: 0,
                    tokens: 0,
                    latency: None,
                    ttft: None,
                });
            if *level == Level::Minute {
                let totals = (
                    stored.requests + cell.requests,
                    stored.tokens + total_tokens(cell),
                );
                peaks.raise(key, totals);
            } else {
                let (requests, tokens) = peaks.of(key);
                peak_requests.push(requests);
                peak_tokens.push(tokens);
            }
            for (column, value) in columns.iter_mut().zip(cell_values(cell)) {
                column.push(value);
            }
            cell.latency.merge(&decode(stored.latency)?);
            cell.ttft.merge(&decode(stored.ttft)?);
            latency.push(encoded(&cell.latency));
            ttft.push(encoded(&cell.ttft));
        }
        let add = sqlx::query(&statements.add)
            .bind(&workspaces)
            .bind(&buckets)
            .bind(&models);
        let mut add = bind_summed(add, columns);
        add = add.bind(latency).bind(ttft);
        if *level != Level::Minute {
            add = add.bind(peak_requests).bind(peak_tokens);
        }
        add.execute(&mut *conn).await?;
    }
    Ok(())
}
