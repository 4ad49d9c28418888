//! Re-pricing the dimension cells of re-priced calls: a changed cost moves the cells of each of
//! the call's values (user, app, key, tags, operation, kind, provider) at every level they keep,
//! as the batch writer resolved them (`store::dimensions::pairs`), each bucket's totals (value
//! id 0) and the rank lists. The pending cells are folded in first (`dim_index::drain`, which
//! also keeps the indexer out until the transaction ends), so every cost moved is indexed.

use std::collections::{BTreeMap, HashMap};

use app::model::{Dimension, ModelKind};
use sqlx::{PgConnection, Row};

use crate::rollup::dims;
use crate::rollup::Level;
use crate::store::dimensions::parse_tag_ids;
use crate::store::postgres::dim_index;
use crate::store::rank_lists::RankKey;
use crate::store::reads::ValueRank;
use crate::store::StoreError;

/// A call whose cost changed: its row id and hour, and the change of its cost and of whether
/// it has one (1 gained, -1 lost).
pub struct Repriced {
    pub id: i64,
    pub hour: i64,
    pub cost: f64,
    pub count: i64,
}

/// Per (dimension, bucket, value) of one level's table: what to add to cost and cost count.
type Deltas = BTreeMap<(i64, i64, i64), (f64, i64)>;

/// Adds the changes of `calls` to their dimension cells, totals and rank lists; returns how
/// many cells changed.
pub async fn reprice(
    tx: &mut PgConnection,
    workspace_id: i64,
    calls: &[Repriced],
) -> Result<u64, StoreError> {
    if calls.is_empty() {
        return Ok(0);
    }
    dim_index::drain(tx).await?;
    let ids: Vec<i64> = calls.iter().map(|call| call.id).collect();
    let hours: Vec<i64> = calls.iter().map(|call| call.hour).collect();
    let sql = format!(
        "SELECT r.id, r.ts_ms, r.kind::BIGINT, r.operation, r.user_id, r.app_id, \
         r.provider_id, r.tag_ids, \
         (SELECT v.id FROM api_keys AS k JOIN dimension_values AS v \
          ON v.workspace_id = r.workspace_id AND v.dimension = {key} AND v.value = k.name \
          WHERE k.id = r.ingest_key_id) \
         FROM requests AS r JOIN unnest($2::BIGINT[], $3::BIGINT[]) AS c (id, hour) \
         ON r.hour = c.hour AND r.id = c.id WHERE r.workspace_id = $1",
        key = Dimension::Key.code()
    );
    let rows = sqlx::query(&sql)
        .bind(workspace_id)
        .bind(&ids)
        .bind(&hours)
        .fetch_all(&mut *tx)
        .await?;
    let by_id: HashMap<i64, &Repriced> = calls.iter().map(|call| (call.id, call)).collect();
    let named = named_values(tx, workspace_id).await?;
    let mut deltas: HashMap<Level, Deltas> = HashMap::new();
    for row in rows {
        let Some(call) = by_id.get(&row.try_get::<i64, _>(0)?) else {
            continue;
        };
        let ts_ms: i64 = row.try_get(1)?;
        let kind = ModelKind::from_code(row.try_get(2)?).unwrap_or(ModelKind::Llm);
        let operation: Option<String> = row.try_get(3)?;
        let operation = operation.unwrap_or_else(|| kind.default_operation().to_owned());
        let mut values: Vec<(Dimension, Option<i64>)> = vec![
            (Dimension::User, row.try_get(4)?),
            (Dimension::App, row.try_get(5)?),
            (Dimension::Provider, row.try_get(6)?),
            (Dimension::Key, row.try_get(8)?),
            (
                Dimension::Operation,
                named.get(&(Dimension::Operation, operation)).copied(),
            ),
            (
                Dimension::Kind,
                named
                    .get(&(Dimension::Kind, kind.as_str().to_owned()))
                    .copied(),
            ),
        ];
        let tags: Option<String> = row.try_get(7)?;
        values.extend(
            parse_tag_ids(tags.as_deref())
                .into_iter()
                .map(|id| (Dimension::Tag, Some(id))),
        );
        for (dimension, value_id) in values {
            let Some(value_id) = value_id else { continue };
            for level in dims::levels(dimension) {
                let bucket_ms = level.bucket(ts_ms);
                for value_id in [value_id, 0] {
                    let delta = deltas
                        .entry(*level)
                        .or_default()
                        .entry((dimension.code(), bucket_ms, value_id))
                        .or_default();
                    delta.0 += call.cost;
                    delta.1 += call.count;
                }
            }
        }
    }
    let mut lists: HashMap<RankKey, Vec<ValueRank>> = HashMap::new();
    for (level, cells) in &deltas {
        for ((code, bucket_ms, value_id), (cost, _)) in cells {
            let Some(dimension) = Dimension::from_code(*code) else {
                continue;
            };
            if *value_id == 0 {
                continue;
            }
            let key = RankKey {
                workspace_id,
                dimension,
                level: *level,
                bucket_ms: *bucket_ms,
            };
            // In key order, so each list is sorted by value id.
            lists.entry(key).or_default().push(ValueRank {
                value_id: *value_id,
                cost: *cost,
                ..ValueRank::default()
            });
        }
    }
    let mut changed = 0;
    // The indexer's order: hour cells, then day cells, each in key order.
    for level in [Level::Hour, Level::Day] {
        if let Some(cells) = deltas.remove(&level) {
            changed += add_to_cells(tx, workspace_id, dims::table(level), cells).await?;
        }
    }
    dim_index::add_to_ranks(tx, lists).await?;
    Ok(changed)
}

/// The workspace's operation and kind values, by name: few, and read once per chunk.
async fn named_values(
    tx: &mut PgConnection,
    workspace_id: i64,
) -> Result<HashMap<(Dimension, String), i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT dimension::BIGINT, value, id FROM dimension_values \
         WHERE workspace_id = $1 AND dimension IN ($2, $3)",
    )
    .bind(workspace_id)
    .bind(Dimension::Operation.code())
    .bind(Dimension::Kind.code())
    .fetch_all(&mut *tx)
    .await?;
    let mut named = HashMap::new();
    for row in rows {
        if let Some(dimension) = Dimension::from_code(row.try_get(0)?) {
            named.insert((dimension, row.try_get(1)?), row.try_get(2)?);
        }
    }
    Ok(named)
}

/// The deltas as one array per column, for `unnest`.
#[derive(Default)]
struct DeltaColumns {
    dimension: Vec<i64>,
    bucket_ms: Vec<i64>,
    value_id: Vec<i64>,
    cost: Vec<f64>,
    count: Vec<i64>,
}

async fn add_to_cells(
    tx: &mut PgConnection,
    workspace_id: i64,
    table: &str,
    cells: Deltas,
) -> Result<u64, StoreError> {
    let mut columns = DeltaColumns::default();
    for ((dimension, bucket_ms, value_id), (cost, count)) in cells {
        columns.dimension.push(dimension);
        columns.bucket_ms.push(bucket_ms);
        columns.value_id.push(value_id);
        columns.cost.push(cost);
        columns.count.push(count);
    }
    let sql = format!(
        "UPDATE {table} AS cell SET cost = cell.cost + delta.cost, \
         cost_count = cell.cost_count + delta.count \
         FROM unnest($1::BIGINT[], $2::BIGINT[], $3::BIGINT[], $4::DOUBLE PRECISION[], \
           $5::BIGINT[]) AS delta (dimension, bucket_ms, value_id, cost, count) \
         WHERE cell.workspace_id = $6 AND cell.dimension = delta.dimension \
         AND cell.bucket_ms = delta.bucket_ms AND cell.value_id = delta.value_id"
    );
    let done = sqlx::query(&sql)
        .bind(&columns.dimension)
        .bind(&columns.bucket_ms)
        .bind(&columns.value_id)
        .bind(&columns.cost)
        .bind(&columns.count)
        .bind(workspace_id)
        .execute(&mut *tx)
        .await?;
    Ok(done.rows_affected())
}
