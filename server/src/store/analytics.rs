//! Analytics answers from rollup cells (never raw rows): sums add up across cells and levels,
//! percentiles come from merged sketches.

use app::model::Kpis;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use super::StoreError;
use crate::query::plan::Segment;
use crate::rollup::Sketch;

/// The headline numbers of the cells in `segments`, for all models or only `model_ids`.
pub async fn kpis(
    pool: &SqlitePool,
    workspace_id: i64,
    segments: &[Segment],
    model_ids: Option<&[i64]>,
) -> Result<Kpis, StoreError> {
    let (mut requests, mut ok, mut total, mut input, mut output) = (0, 0, 0, 0, 0);
    let (mut latency_sum, mut latency_count, mut ttft_sum, mut ttft_count) = (0, 0, 0, 0);
    let (mut cost, mut cost_count) = (0.0, 0);
    let mut latency = Sketch::new();
    for segment in segments {
        let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT requests, status_2xx, total_tokens, input_tokens, output_tokens, latency_sum, \
             latency_count, ttft_sum, ttft_count, cost, cost_count, latency_sketch FROM {} \
             WHERE workspace_id = ",
            segment.level.table()
        ));
        query
            .push_bind(workspace_id)
            .push(" AND bucket_ms >= ")
            .push_bind(segment.from_ms)
            .push(" AND bucket_ms < ")
            .push_bind(segment.to_ms);
        if let Some(ids) = model_ids {
            if ids.is_empty() {
                return Ok(Kpis::default());
            }
            query.push(" AND model_id IN (");
            let mut list = query.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            query.push(")");
        }
        for row in query.build().fetch_all(pool).await? {
            requests += row.get::<i64, _>(0);
            ok += row.get::<i64, _>(1);
            total += row.get::<i64, _>(2);
            input += row.get::<i64, _>(3);
            output += row.get::<i64, _>(4);
            latency_sum += row.get::<i64, _>(5);
            latency_count += row.get::<i64, _>(6);
            ttft_sum += row.get::<i64, _>(7);
            ttft_count += row.get::<i64, _>(8);
            cost += row.get::<f64, _>(9);
            cost_count += row.get::<i64, _>(10);
            if let Some(bytes) = row.get::<Option<Vec<u8>>, _>(11) {
                let cell = Sketch::decode(&bytes)
                    .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                latency.merge(&cell);
            }
        }
    }
    let ratio = |sum: i64, count: i64| (count > 0).then(|| sum as f64 / count as f64);
    Ok(Kpis {
        requests,
        success_rate: ratio(ok, requests),
        total_tokens: total,
        input_tokens: input,
        output_tokens: output,
        avg_latency_ms: ratio(latency_sum, latency_count),
        p95_latency_ms: latency.quantile(0.95),
        avg_ttft_ms: ratio(ttft_sum, ttft_count),
        cost: (cost_count > 0).then_some(cost),
    })
}
