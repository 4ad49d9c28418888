//! PostgreSQL's rank lists (`store::rank_lists`, the same packed format as SQLite's): one row
//! per dimension, level and bucket in `dimension_ranks`, added to by the indexer and by
//! re-pricing, merged by the grouped reads with the pending cells' sums.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};

use app::model::Dimension;
use futures_util::TryStreamExt;
use sqlx::{PgConnection, Row};

use super::cells::bind_keys;
use super::packs::read_pending;
use crate::rollup::plan::Segment;
use crate::store::rank_lists::{decode, encode, level_code, merge, RankKey};
use crate::store::reads::{Sketches, ValueRank};
use crate::store::StoreError;

type Place = (i64, i64, i64, i64);

fn place(key: &RankKey) -> Place {
    (
        key.workspace_id,
        key.dimension.code(),
        level_code(key.level),
        key.bucket_ms,
    )
}

/// Adds `lists` (each sorted by value id) to the stored ones: one read of those that exist,
/// one upsert of the merged lists.
pub async fn add(
    conn: &mut PgConnection,
    lists: HashMap<RankKey, Vec<ValueRank>>,
) -> Result<(), StoreError> {
    if lists.is_empty() {
        return Ok(());
    }
    let mut lists: Vec<(Place, Vec<ValueRank>)> = lists
        .into_iter()
        .map(|(key, list)| (place(&key), list))
        .collect();
    lists.sort_unstable_by_key(|(place, _)| *place);
    let mut keys: [Vec<i64>; 4] = Default::default();
    for ((workspace_id, dimension, level, bucket_ms), _) in &lists {
        for (column, value) in keys
            .iter_mut()
            .zip([*workspace_id, *dimension, *level, *bucket_ms])
        {
            column.push(value);
        }
    }
    let rows = bind_keys(
        sqlx::query(
            "SELECT t.workspace_id, t.dimension, t.level, t.bucket_ms, t.ranks \
         FROM dimension_ranks AS t \
         JOIN unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[]) AS k (w, d, l, b) \
         ON t.workspace_id = k.w AND t.dimension = k.d AND t.level = k.l AND t.bucket_ms = k.b",
        ),
        &keys,
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut stored: HashMap<Place, Vec<u8>> = HashMap::with_capacity(rows.len());
    for row in rows {
        stored.insert(
            (
                row.try_get(0)?,
                row.try_get(1)?,
                row.try_get(2)?,
                row.try_get(3)?,
            ),
            row.try_get(4)?,
        );
    }
    let mut packed = Vec::with_capacity(lists.len());
    for (place, list) in &lists {
        let merged = match stored.get(place) {
            Some(bytes) => merge(&decode(bytes)?, list),
            None => list.clone(),
        };
        packed.push(encode(&merged));
    }
    bind_keys(
        sqlx::query(
            "INSERT INTO dimension_ranks (workspace_id, dimension, level, bucket_ms, ranks) \
         SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::bytea[]) \
         ON CONFLICT (workspace_id, dimension, level, bucket_ms) \
         DO UPDATE SET ranks = excluded.ranks",
        ),
        &keys,
    )
    .bind(packed)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The rank lists of `dimension` in `segment` and the sums of its pending cells there, merged
/// into `into` (sorted by value id).
pub async fn read_into(
    conn: &mut PgConnection,
    workspace_id: i64,
    dimension: Dimension,
    segment: &Segment,
    into: &mut Vec<ValueRank>,
) -> Result<(), StoreError> {
    let level = level_code(segment.level);
    let mut rows = sqlx::query(
        "SELECT ranks FROM dimension_ranks WHERE workspace_id = $1 AND dimension = $2 \
         AND level = $3 AND bucket_ms >= $4 AND bucket_ms < $5",
    )
    .bind(workspace_id)
    .bind(dimension.code())
    .bind(level)
    .bind(segment.from_ms)
    .bind(segment.to_ms)
    .fetch(&mut *conn);
    while let Some(row) = rows.try_next().await? {
        *into = merge(into, &decode(row.try_get::<&[u8], _>(0)?)?);
    }
    drop(rows);
    let mut pending: BTreeMap<i64, ValueRank> = BTreeMap::new();
    let place = (workspace_id, dimension);
    read_pending(
        conn,
        place,
        segment,
        Sketches::Neither,
        |_| true,
        |_, value_id, cell| {
            let rank = ValueRank::of_cell(value_id, &cell);
            match pending.entry(value_id) {
                Entry::Vacant(entry) => {
                    entry.insert(rank);
                }
                Entry::Occupied(mut entry) => entry.get_mut().add(&rank),
            }
        },
    )
    .await?;
    if !pending.is_empty() {
        let sums: Vec<ValueRank> = pending.into_values().collect();
        *into = merge(into, &sums);
    }
    Ok(())
}
