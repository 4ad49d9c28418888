//! Re-pricing stored calls after a price change: each call's cost is recomputed from its units
//! and the catalog, and the difference is added to its rollup cells at every level, so cells
//! stay exact even where some of their raw rows have already expired.

use std::collections::HashMap;

use app::model::{ModelKind, Usage};
use sqlx::{Connection, Row, SqlitePool};

use super::{prices, StoreError};
use crate::cost::{self, Prices};
use crate::rollup::{Level, ALL_MODELS};
use crate::store::catalog::billed_prices;
use crate::store::RecomputeReport;

const CHUNK: i64 = 5_000;

type CostRow = (
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
/// transaction.
pub async fn recompute(
    pool: &SqlitePool,
    workspace_id: i64,
    since_ms: i64,
) -> Result<RecomputeReport, StoreError> {
    let prices = prices_by_model(pool, workspace_id).await?;
    let mut report = RecomputeReport {
        from: chrono::DateTime::from_timestamp_millis(since_ms)
            .map(|time| time.to_rfc3339())
            .unwrap_or_default(),
        ..RecomputeReport::default()
    };
    let mut after_id = 0_i64;
    loop {
        let mut conn = pool.acquire().await?;
        let mut transaction = conn.begin_with("BEGIN IMMEDIATE").await?;
        let rows: Vec<CostRow> = sqlx::query_as(
            "SELECT id, ts_ms, model_id, input_tokens, cached_tokens, output_tokens, images, \
             video_seconds, audio_seconds, characters, cost, kind, status FROM requests \
             WHERE workspace_id = ? AND ts_ms >= ? AND id > ? ORDER BY id LIMIT ?",
        )
        .bind(workspace_id)
        .bind(since_ms)
        .bind(after_id)
        .bind(CHUNK)
        .fetch_all(&mut *transaction)
        .await?;
        let Some(last) = rows.last() else { break };
        after_id = last.0;
        let fetched = rows.len() as i64;

        let mut deltas: HashMap<(Level, i64, i64), (f64, i64)> = HashMap::new();
        for row in rows {
            let (id, ts_ms, model_id, input, cached, output, images, video, audio, characters) = (
                row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9,
            );
            let (old, kind, status) = (row.10, row.11, row.12);
            let usage = Usage {
                input_tokens: input,
                cached_tokens: cached,
                output_tokens: output,
                images,
                video_seconds: video,
                audio_seconds: audio,
                characters,
                ..Usage::default()
            };
            let new = prices.get(&model_id).and_then(|prices| {
                let kind = ModelKind::from_code(kind).unwrap_or(ModelKind::Llm);
                cost::call_cost(prices, &usage, kind, u16::try_from(status).unwrap_or(0))
            });
            if new == old {
                continue;
            }
            sqlx::query("UPDATE requests SET cost = ? WHERE id = ?")
                .bind(new)
                .bind(id)
                .execute(&mut *transaction)
                .await?;
            report.requests += 1;
            let cost_delta = new.unwrap_or(0.0) - old.unwrap_or(0.0);
            let count_delta = i64::from(new.is_some()) - i64::from(old.is_some());
            for level in Level::ALL {
                for cell_model in [model_id, ALL_MODELS] {
                    let entry = deltas
                        .entry((level, level.bucket(ts_ms), cell_model))
                        .or_default();
                    entry.0 += cost_delta;
                    entry.1 += count_delta;
                }
            }
        }
        for ((level, bucket_ms, model_id), (cost_delta, count_delta)) in deltas {
            let sql = format!(
                "UPDATE {} SET cost = cost + ?, cost_count = cost_count + ? \
                 WHERE workspace_id = ? AND bucket_ms = ? AND model_id = ?",
                level.table_for(model_id)
            );
            report.cells += sqlx::query(&sql)
                .bind(cost_delta)
                .bind(count_delta)
                .bind(workspace_id)
                .bind(bucket_ms)
                .bind(model_id)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
        }
        transaction.commit().await?;
        if fetched < CHUNK {
            break;
        }
    }
    Ok(report)
}
