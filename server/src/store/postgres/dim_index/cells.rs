//! Writing dimension cells in PostgreSQL: a batch appends its cells, packed, to
//! `dim_pending_packs` ([`queue`]: one insert, nothing read); the indexer adds a window's cells
//! to `rollup_dim_1h` and `rollup_dim_1d` ([`add_cells`]: per table, one statement reads the
//! touched cells' sketches and one upsert adds the sums and sets the merged sketches). Only the indexer writes those tables,
//! under its lock, so no workspace lock is taken here.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use sqlx::{PgConnection, Row};

use super::packs::{self, Packed};
use crate::rollup::dims::{self, DimCellKey, DimCellMap};
use crate::rollup::{Cell, Level};
use crate::store::postgres::batch::rollups::{
    bind_summed, cell_values, decode, encoded, Value, SUMMED,
};
use crate::store::rank_lists::level_code;
use crate::store::StoreError;

struct Statements {
    read: String,
    add: String,
}

/// The columns an upsert or the queue writes after the key, and their `unnest` inputs from
/// `$first` on: the summed columns, then the sketches.
fn written_columns(first: usize) -> (Vec<&'static str>, Vec<String>) {
    let mut columns = Vec::new();
    let mut inputs = Vec::new();
    for (index, summed) in SUMMED.iter().enumerate() {
        let kind = if summed.float { "float8" } else { "int8" };
        columns.push(summed.column);
        inputs.push(format!("${}::{kind}[]", index + first));
    }
    let next = SUMMED.len() + first;
    columns.extend(["latency_sketch", "ttft_sketch"]);
    inputs.push(format!("${next}::bytea[]"));
    inputs.push(format!("${}::bytea[]", next + 1));
    (columns, inputs)
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
    let (written, written_inputs) = written_columns(5);
    let sets: Vec<String> = written
        .iter()
        .map(|column| match *column {
            "latency_sketch" | "ttft_sketch" => format!("{column} = excluded.{column}"),
            _ => format!("{column} = t.{column} + excluded.{column}"),
        })
        .collect();
    columns.extend(written);
    inputs.extend(written_inputs);
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

/// Appends a batch's dimension `cells` to `dim_pending_packs`, inside the batch's transaction:
/// one pack per workspace, dimension and level, in one insert.
pub async fn queue(conn: &mut PgConnection, cells: DimCellMap) -> Result<(), StoreError> {
    if cells.is_empty() {
        return Ok(());
    }
    let mut groups: BTreeMap<(i64, i64, i64), Vec<Packed<'_>>> = BTreeMap::new();
    for (key, cell) in &cells {
        groups
            .entry((
                key.workspace_id,
                key.dimension.code(),
                level_code(key.level),
            ))
            .or_default()
            .push((key.bucket_ms, key.value_id, cell));
    }
    let mut places: [Vec<i64>; 5] = Default::default();
    let (mut counts, mut packed) = (Vec::new(), Vec::new());
    for ((workspace_id, dimension, level), mut group) in groups {
        let buckets = group.iter().map(|(bucket_ms, _, _)| *bucket_ms);
        let first = buckets.clone().min().unwrap_or_default();
        let last = buckets.max().unwrap_or_default();
        for (column, value) in places
            .iter_mut()
            .zip([workspace_id, dimension, level, first, last])
        {
            column.push(value);
        }
        counts.push(i32::try_from(group.len()).unwrap_or(i32::MAX));
        packed.push(packs::encode(&mut group));
    }
    bind_keys(
        sqlx::query(
            "INSERT INTO dim_pending_packs (workspace_id, dimension, level, first_bucket_ms, \
             last_bucket_ms, cells, packed) SELECT * FROM unnest($1::int8[], $2::int8[], \
             $3::int8[], $4::int8[], $5::int8[], $6::int4[], $7::bytea[])",
        ),
        &places,
    )
    .bind(counts)
    .bind(packed)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// `query` with each of the key columns bound, in order.
pub(super) fn bind_keys<'q>(mut query: PgQuery<'q>, keys: &'q [Vec<i64>]) -> PgQuery<'q> {
    for column in keys {
        query = query.bind(column);
    }
    query
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// A column of encoded sketches (`None` for an empty one).
type Encoded = Vec<Option<Vec<u8>>>;

/// Runs `sql` with the key columns, then the summed columns and the sketches, bound.
async fn write(
    conn: &mut PgConnection,
    sql: &str,
    keys: &[Vec<i64>],
    columns: Vec<Vec<Value>>,
    (latency, ttft): (Encoded, Encoded),
) -> Result<(), StoreError> {
    bind_summed(bind_keys(sqlx::query(sql), keys), columns)
        .bind(latency)
        .bind(ttft)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Adds a window's `cells` to the stored dimension cells inside the indexer's transaction.
pub async fn add_cells(conn: &mut PgConnection, cells: DimCellMap) -> Result<(), StoreError> {
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
        let rows = bind_keys(sqlx::query(&statements.read), &keys)
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
        write(conn, &statements.add, &keys, columns, (latency, ttft)).await?;
    }
    Ok(())
}
