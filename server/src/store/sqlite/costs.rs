//! Re-pricing stored calls after a price change: each call's cost is recomputed from its units
//! and the catalog, and the difference is added to its rollup cells at every level, so cells
//! stay exact even where some of their raw rows have already expired. The dimension cells,
//! totals and rank lists of calls already indexed change with them (`dim_index::reprice`).

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};
use sqlx::{Row, SqlitePool};

use super::batch::open_connection;
use super::dim_index::{self, tail, CostChange};
use super::{prices, StoreError};
use crate::cost::{self, Prices};
use crate::rollup::{Level, ALL_MODELS};
use crate::store::catalog::billed_prices;
use crate::store::RecomputeReport;

/// Calls re-priced per transaction.
const CHUNK: usize = 5_000;

async fn prices_by_model(
    pool: &SqlitePool,
    workspace_id: i64,
) -> Result<HashMap<i64, Prices>, StoreError> {
    let sql = format!(
        "SELECT id, name, {} FROM models WHERE workspace_id = ?",
        prices::column_list()
    );
    let rows = sqlx::query(&sql).bind(workspace_id).fetch_all(pool).await?;
    let imported = crate::cost::Catalog::new(super::price_catalog::list(pool).await?);
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

/// Recomputes the cost of every call of `workspace_id` at or after `since_ms`, one chunk per
/// transaction, on a connection of its own to the database at `path`.
pub async fn recompute(
    pool: &SqlitePool,
    path: &Path,
    workspace_id: i64,
    since_ms: i64,
) -> Result<RecomputeReport, StoreError> {
    let prices = prices_by_model(pool, workspace_id).await?;
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = open_connection(&path)?;
        recompute_on(&mut conn, workspace_id, since_ms, &prices)
    })
    .await
    .map_err(|error| StoreError::Task(error.to_string()))?
}

fn recompute_on(
    conn: &mut Connection,
    workspace_id: i64,
    since_ms: i64,
    prices: &HashMap<i64, Prices>,
) -> Result<RecomputeReport, StoreError> {
    let mut report = RecomputeReport {
        from: chrono::DateTime::from_timestamp_millis(since_ms)
            .map(|time| time.to_rfc3339())
            .unwrap_or_default(),
        ..RecomputeReport::default()
    };
    let mut after = 0_i64;
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let calls = tail::calls_since(&tx, workspace_id, since_ms, after, CHUNK)?;
        let Some(last) = calls.last() else { break };
        after = last.row;
        // Calls up to the watermark are in the dimension cells already; later ones are
        // indexed with the cost stored here.
        let watermark = tail::watermark(&tx)?;
        let mut deltas: HashMap<(Level, i64, i64), (f64, i64)> = HashMap::new();
        let mut indexed = Vec::new();
        let mut update = tx.prepare_cached("UPDATE requests SET cost = ?1 WHERE id = ?2")?;
        for call in &calls {
            let old = call.cost();
            let new = prices.get(&call.model_id()).and_then(|prices| {
                cost::call_cost(prices, call.usage(), call.kind(), call.status())
            });
            if new == old {
                continue;
            }
            update.execute((new, call.row))?;
            report.requests += 1;
            let change = CostChange {
                cost: new.unwrap_or(0.0) - old.unwrap_or(0.0),
                count: i64::from(new.is_some()) - i64::from(old.is_some()),
            };
            for level in Level::ALL {
                for cell_model in [call.model_id(), ALL_MODELS] {
                    let entry = deltas
                        .entry((level, level.bucket(call.ts_ms), cell_model))
                        .or_default();
                    entry.0 += change.cost;
                    entry.1 += change.count;
                }
            }
            if call.row <= watermark {
                indexed.push((call, change));
            }
        }
        drop(update);
        for ((level, bucket_ms, model_id), (cost_delta, count_delta)) in deltas {
            let sql = format!(
                "UPDATE {} SET cost = cost + ?1, cost_count = cost_count + ?2 \
                 WHERE workspace_id = ?3 AND bucket_ms = ?4 AND model_id = ?5",
                level.table_for(model_id)
            );
            report.cells += tx.prepare_cached(&sql)?.execute((
                cost_delta,
                count_delta,
                workspace_id,
                bucket_ms,
                model_id,
            ))? as u64;
        }
        report.cells += dim_index::reprice(&tx, &indexed)?;
        tx.commit()?;
        if calls.len() < CHUNK {
            break;
        }
    }
    Ok(report)
}
