//! Adding a batch's cells to the stored rollups in PostgreSQL, exactly, while other servers add
//! theirs to the same cells.
//!
//! Sketches cannot be merged in SQL, so a cell is read, merged in Rust and written back, and
//! nobody else may change it in between: per table, one statement locks every cell the batch
//! touches (creating the missing ones empty) in key order and returns what they hold, and one
//! statement adds the batch to them. Tables are visited in one fixed order and keys in one
//! order within each, so two servers' transactions never wait for each other in a circle.

use std::collections::HashMap;
use std::sync::LazyLock;

use app::model::{Amount, Measure, Unit, UNITS};
use sqlx::{PgConnection, Row};

use crate::rollup::{Cell, CellKey, Level, Sketch, ALL_MODELS};
use crate::store::StoreError;

/// A summed column and its SQL type.
struct Summed {
    column: &'static str,
    float: bool,
}

/// Every summed column, in the order [`cell_values`] gives values.
static SUMMED: LazyLock<Vec<Summed>> = LazyLock::new(|| {
    let int = |column| Summed {
        column,
        float: false,
    };
    let mut columns: Vec<Summed> = [
        "requests",
        "status_2xx",
        "status_4xx",
        "status_429",
        "status_5xx",
        "streamed",
    ]
    .into_iter()
    .map(int)
    .collect();
    columns.extend(UNITS.iter().map(|spec| Summed {
        column: spec.column,
        float: spec.measure == Measure::Seconds,
    }));
    columns.push(Summed {
        column: "cost",
        float: true,
    });
    columns.extend(
        [
            "cost_count",
            "latency_sum",
            "latency_count",
            "ttft_sum",
            "ttft_count",
        ]
        .into_iter()
        .map(int),
    );
    columns
});

/// One value of a summed column.
enum Value {
    Int(i64),
    Float(f64),
}

fn cell_values(cell: &Cell) -> Vec<Value> {
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
    lock: String,
    add: String,
}

fn statements(level: Level, table: &str) -> Statements {
    let zeros: Vec<String> = SUMMED.iter().map(|_| "0".to_owned()).collect();
    let names: Vec<&str> = SUMMED.iter().map(|summed| summed.column).collect();
    let lock = format!(
        "INSERT INTO {table} AS t (workspace_id, bucket_ms, model_id, {names}) \
         SELECT k.w, k.b, k.m, {zeros} FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS k(w, b, m) \
         ORDER BY k.w, k.b, k.m \
         ON CONFLICT (workspace_id, bucket_ms, model_id) DO UPDATE SET requests = t.requests \
         RETURNING t.workspace_id, t.bucket_ms, t.model_id, t.requests, t.total_tokens, \
         t.latency_sketch, t.ttft_sketch",
        names = names.join(", "),
        zeros = zeros.join(", "),
    );
    let mut inputs = vec![
        "$1::int8[]".to_owned(),
        "$2::int8[]".to_owned(),
        "$3::int8[]".to_owned(),
    ];
    let mut aliases = vec!["w".to_owned(), "b".to_owned(), "m".to_owned()];
    let mut sets = Vec::new();
    for (index, summed) in SUMMED.iter().enumerate() {
        let kind = if summed.float { "float8" } else { "int8" };
        inputs.push(format!("${}::{kind}[]", index + 4));
        aliases.push(format!("v{index}"));
        sets.push(format!("{0} = t.{0} + v.v{index}", summed.column));
    }
    let next = SUMMED.len() + 4;
    inputs.push(format!("${next}::bytea[]"));
    inputs.push(format!("${}::bytea[]", next + 1));
    aliases.extend(["latency".to_owned(), "ttft".to_owned()]);
    sets.push("latency_sketch = v.latency".to_owned());
    sets.push("ttft_sketch = v.ttft".to_owned());
    if level != Level::Minute {
        inputs.push(format!("${}::int8[]", next + 2));
        inputs.push(format!("${}::int8[]", next + 3));
        aliases.extend(["peak_requests".to_owned(), "peak_tokens".to_owned()]);
        sets.push(
            "peak_minute_requests = GREATEST(coalesce(t.peak_minute_requests, 0), v.peak_requests)"
                .to_owned(),
        );
        sets.push(
            "peak_minute_tokens = GREATEST(coalesce(t.peak_minute_tokens, 0), v.peak_tokens)"
                .to_owned(),
        );
    }
    let add = format!(
        "UPDATE {table} AS t SET {sets} FROM unnest({inputs}) AS v({aliases}) \
         WHERE t.workspace_id = v.w AND t.bucket_ms = v.b AND t.model_id = v.m",
        sets = sets.join(", "),
        inputs = inputs.join(", "),
        aliases = aliases.join(", "),
    );
    Statements { lock, add }
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

/// The busiest minute seen so far inside an hour or day cell: (calls, total tokens).
type Peaks = HashMap<CellKey, (i64, i64)>;

fn raise_peaks(peaks: &mut Peaks, minute: &CellKey, totals: (i64, i64)) {
    for level in [Level::Hour, Level::Day] {
        let key = CellKey {
            level,
            bucket_ms: level.bucket(minute.bucket_ms),
            ..*minute
        };
        let peak = peaks.entry(key).or_insert((0, 0));
        *peak = (peak.0.max(totals.0), peak.1.max(totals.1));
    }
}

fn decode(bytes: Option<Vec<u8>>) -> Result<Sketch, StoreError> {
    match bytes {
        Some(bytes) => {
            Sketch::decode(&bytes).map_err(|error| StoreError::Corrupt(error.to_string()))
        }
        None => Ok(Sketch::new()),
    }
}

fn encoded(sketch: &Sketch) -> Option<Vec<u8>> {
    (sketch.count() > 0).then(|| sketch.encode())
}

fn total_tokens(cell: &Cell) -> i64 {
    match cell.units.get(Unit::TotalTokens) {
        Amount::Count(count) => count,
        Amount::Seconds(seconds) => seconds as i64,
    }
}

/// What a locked cell holds before the batch is added: calls and total tokens (for the busiest
/// minute), and its sketches.
struct Held {
    requests: i64,
    tokens: i64,
    latency: Option<Vec<u8>>,
    ttft: Option<Vec<u8>>,
}

/// Locks the cells at `keys` (workspace, bucket and model columns, in key order), creating the
/// missing ones empty, and reads what they hold.
async fn lock_cells(
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

/// Adds `cells` to the stored rollups inside the caller's transaction on `conn`.
pub async fn add_cells(
    conn: &mut PgConnection,
    cells: HashMap<CellKey, Cell>,
) -> Result<(), StoreError> {
    let mut groups: HashMap<(Level, bool), Vec<(CellKey, Cell)>> = HashMap::new();
    for (key, cell) in cells {
        groups
            .entry((key.level, key.model_id == ALL_MODELS))
            .or_default()
            .push((key, cell));
    }
    let mut peaks = Peaks::new();
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
        let mut held = lock_cells(conn, &statements.lock, [&workspaces, &buckets, &models]).await?;
        let mut columns: Vec<Vec<Value>> = SUMMED.iter().map(|_| Vec::new()).collect();
        let (mut latency, mut ttft) = (Vec::new(), Vec::new());
        let (mut peak_requests, mut peak_tokens) = (Vec::new(), Vec::new());
        for (key, cell) in &mut group {
            let stored = held
                .remove(&(key.workspace_id, key.bucket_ms, key.model_id))
                .ok_or_else(|| {
                    StoreError::Corrupt("a locked rollup cell was not returned".into())
                })?;
            if *level == Level::Minute {
                let totals = (
                    stored.requests + cell.requests,
                    stored.tokens + total_tokens(cell),
                );
                raise_peaks(&mut peaks, key, totals);
            } else {
                let (requests, tokens) = peaks.get(key).copied().unwrap_or_default();
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
        let mut add = sqlx::query(&statements.add)
            .bind(&workspaces)
            .bind(&buckets)
            .bind(&models);
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
        add = add.bind(latency).bind(ttft);
        if *level != Level::Minute {
            add = add.bind(peak_requests).bind(peak_tokens);
        }
        add.execute(&mut *conn).await?;
    }
    Ok(())
}
