//! Re-pricing one chunk of stored calls: each call's cost is recomputed from its units and the
//! catalog, and the difference is added to its rollup cells at every level, so cells stay
//! exact even where some of their raw rows have already expired (as `sqlite::costs` does).
//!
//! Where SQLite's `BEGIN IMMEDIATE` keeps a second re-pricing out for the whole chunk, here the
//! chunk's calls are read `FOR UPDATE`: a second re-pricing of the same calls (another server,
//! another admin) waits, then reads the costs the first stored, finds nothing to change and
//! adds nothing to the cells a second time.

use std::collections::{BTreeMap, HashMap};

use app::model::{ModelKind, Usage};
use sqlx::{PgConnection, PgPool, Row};

use super::dim_costs::{self, Repriced};
use super::prices;
use crate::cost::{self, Prices};
use crate::rollup::{Level, ALL_MODELS};
use crate::store::catalog::billed_prices;
use crate::store::{RecomputeReport, StoreError};

/// Calls re-priced per transaction.
pub const CHUNK: i64 = 5_000;

/// `hour` is the partition key: `ts_ms` floored to the hour.
const HOUR_MS: i64 = 3_600_000;

type CostRow = (
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<f64>,
    Option<f64>,
    Option<i64>,
    Option<f64>,
    i64,
    i64,
);

/// The prices of every model of `workspace_id`.
pub async fn prices_by_model(
    pool: &PgPool,
    workspace_id: i64,
) -> Result<HashMap<i64, Prices>, StoreError> {
    let sql = format!(
        "SELECT id, name, {} FROM models WHERE workspace_id = $1",
        prices::column_list()
    );
    let rows = sqlx::query(&sql).bind(workspace_id).fetch_all(pool).await?;
    let imported =
        crate::cost::Catalog::new(super::imported::list(&mut *pool.acquire().await?).await?);
    let by_model = rows
        .iter()
        .map(|row| {
            let own = prices::read(row)?;
            let name: String = row.try_get("name")?;
            Ok((row.try_get("id")?, billed_prices(&own, &name, &imported)))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(by_model)
}

/// Which calls a chunk re-prices: those of `workspace_id` at or after `since_ms` past `after`
/// (time and id), the first `CHUNK` in that order (the (workspace, time) index gives it).
pub struct Chunk {
    pub workspace_id: i64,
    pub since_ms: i64,
    pub after: (i64, i64),
}

/// What a chunk read: its last call's time and id, and how many calls.
pub struct ChunkRead {
    pub last: (i64, i64),
    pub rows: i64,
}

/// The calls whose cost changed, as three columns for `unnest`, and by how much.
#[derive(Default)]
struct Changed {
    ids: Vec<i64>,
    hours: Vec<i64>,
    costs: Vec<Option<f64>>,
    changes: Vec<Repriced>,
}

/// Per rollup table, per (bucket, model): what to add to the cell's cost and cost count.
type Deltas = BTreeMap<&'static str, BTreeMap<(i64, i64), (f64, i64)>>;

impl Chunk {
    /// Re-prices the chunk inside `tx`, counting into `report`; `None` when it holds no call.
    pub async fn reprice(
        &self,
        tx: &mut PgConnection,
        prices: &HashMap<i64, Prices>,
        report: &mut RecomputeReport,
    ) -> Result<Option<ChunkRead>, StoreError> {
        let rows: Vec<CostRow> = sqlx::query_as(
            "SELECT id, hour, ts_ms, model_id, input_tokens, cached_tokens, output_tokens, \
             images, video_seconds, audio_seconds, characters, cost, kind::BIGINT, \
             status::BIGINT FROM requests \
             WHERE workspace_id = $1 AND hour >= $2 AND ts_ms >= $3 AND (ts_ms, id) > ($4, $5) \
             ORDER BY ts_ms, id LIMIT $6 FOR UPDATE",
        )
        .bind(self.workspace_id)
        .bind(self.since_ms.div_euclid(HOUR_MS))
        .bind(self.since_ms)
        .bind(self.after.0)
        .bind(self.after.1)
        .bind(CHUNK)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        let read = ChunkRead {
            last: (last.2, last.0),
            rows: rows.len() as i64,
        };
        let mut changed = Changed::default();
        let mut deltas = Deltas::new();
        for row in rows {
            let (
                id,
                hour,
                ts_ms,
                model_id,
                input,
                cached,
                output,
                images,
                video,
                audio,
                chars,
                old,
                kind,
                status,
            ) = row;
            let usage = Usage {
                input_tokens: input,
                cached_tokens: cached,
                output_tokens: output,
                images,
                video_seconds: video,
                audio_seconds: audio,
                characters: chars,
                ..Usage::default()
            };
            let new = prices.get(&model_id).and_then(|prices| {
                let kind = ModelKind::from_code(kind).unwrap_or(ModelKind::Llm);
                cost::call_cost(prices, &usage, kind, u16::try_from(status).unwrap_or(0))
            });
            if new == old {
                continue;
            }
            changed.ids.push(id);
            changed.hours.push(hour);
            changed.costs.push(new);
            let cost_delta = new.unwrap_or(0.0) - old.unwrap_or(0.0);
            let count_delta = i64::from(new.is_some()) - i64::from(old.is_some());
            changed.changes.push(Repriced {
                id,
                hour,
                cost: cost_delta,
                count: count_delta,
            });
            for level in Level::ALL {
                for cell_model in [model_id, ALL_MODELS] {
                    let entry = deltas
                        .entry(level.table_for(cell_model))
                        .or_default()
                        .entry((level.bucket(ts_ms), cell_model))
                        .or_default();
                    entry.0 += cost_delta;
                    entry.1 += count_delta;
                }
            }
        }
        if changed.ids.is_empty() {
            return Ok(Some(read));
        }
        sqlx::query(
            "UPDATE requests SET cost = changed.cost \
             FROM unnest($1::BIGINT[], $2::BIGINT[], $3::DOUBLE PRECISION[]) \
               AS changed (id, hour, cost) \
             WHERE requests.workspace_id = $4 AND requests.hour = changed.hour \
             AND requests.id = changed.id",
        )
        .bind(&changed.ids)
        .bind(&changed.hours)
        .bind(&changed.costs)
        .bind(self.workspace_id)
        .execute(&mut *tx)
        .await?;
        report.requests += changed.ids.len() as u64;
        // In the batch writer's order of tables (minutes first, each level's all-models
        // table after its own), so the two rarely wait for each other in a circle.

        for level in Level::ALL {
            for table in [level.table(), level.all_models_table()] {
                if let Some(cells) = deltas.remove(table) {
                    report.cells += self.add_to_cells(tx, table, cells).await?;
                }
            }
        }
        report.cells += dim_costs::reprice(tx, self.workspace_id, &changed.changes).await?;
        Ok(Some(read))
    }

    /// Adds each cell's deltas to the cells of `table` that exist; returns how many did.
    async fn add_to_cells(
        &self,
        tx: &mut PgConnection,
        table: &str,
        cells: BTreeMap<(i64, i64), (f64, i64)>,
    ) -> Result<u64, StoreError> {
        let (keys, changes): (Vec<_>, Vec<_>) = cells.into_iter().unzip();
        let (buckets, models): (Vec<i64>, Vec<i64>) = keys.into_iter().unzip();
        let (costs, counts): (Vec<f64>, Vec<i64>) = changes.into_iter().unzip();
        let sql = format!(
            "UPDATE {table} AS cell SET cost = cell.cost + delta.cost, \
             cost_count = cell.cost_count + delta.count \
             FROM unnest($1::BIGINT[], $2::BIGINT[], $3::DOUBLE PRECISION[], $4::BIGINT[]) \
               AS delta (bucket_ms, model_id, cost, count) \
             WHERE cell.workspace_id = $5 AND cell.bucket_ms = delta.bucket_ms \
             AND cell.model_id = delta.model_id"
        );
        let done = sqlx::query(&sql)
            .bind(&buckets)
            .bind(&models)
            .bind(&costs)
            .bind(&counts)
            .bind(self.workspace_id)
            .execute(&mut *tx)
            .await?;
        Ok(done.rows_affected())
    }
}
