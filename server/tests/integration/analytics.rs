//! Analytics numbers from rollups equal a recount of the raw rows, across levels and edges.

use serde_json::json;
use server::rollup::plan::plan;
use server::rollup::Level;
use server::store::reads::{Cells, Sketches};

use crate::helpers::{now_ms, spawn_app, WS};

/// KPIs of the per-model cells of `segments` (all models, or only `models`).
async fn kpis_of(
    storage: &server::store::SharedStorage,
    segments: &[server::rollup::plan::Segment],
    models: Option<&[i64]>,
) -> app::model::Kpis {
    let segments = segments.to_vec();
    let models = models.map(<[i64]>::to_vec);
    let cells = storage
        .reads()
        .read(move |snapshot| {
            let which = match &models {
                Some(ids) => Cells::Models(ids),
                None => Cells::EachModel,
            };
            snapshot.cells(WS, &segments, which, Sketches::LatencyOnly)
        })
        .await
        .expect("cells");
    server::engine::analytics::kpis(cells)
}

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

#[tokio::test]
async fn kpis_from_mixed_levels_equal_a_recount_of_raw_rows() {
    let app = spawn_app().await;
    // 600 calls 7 minutes apart span 70 hours, all safely in the past.
    let start = Level::Day.bucket(now_ms()) - 3 * DAY;
    let mut records = Vec::new();
    for i in 0..600_i64 {
        let ts = start + i * 7 * MINUTE + (i % 13) * 1_000;
        let status = [200, 200, 200, 200, 429, 500, 200, 201][(i % 8) as usize];
        let model = ["alpha", "beta", "gamma"][(i % 3) as usize];
        let mut record = json!({
            "request_id": format!("k{i}"),
            "timestamp": ts,
            "model": model,
            "status": status,
            "latency_ms": 100 + (i * 37) % 5_000,
            "usage": { "input_tokens": 10 + i % 90, "output_tokens": 5 + i % 40 },
        });
        if i % 2 == 0 {
            record["ttft_ms"] = json!(20 + (i * 11) % 90);
        }
        records.push(record);
    }
    let reply = app.ingest(json!(records).to_string()).await.json();
    assert_eq!(reply["accepted"], 600);

    for (from, to) in [
        (start - HOUR, start + 3 * DAY),
        (
            start + 5 * HOUR + 30 * MINUTE,
            start + 2 * DAY + 3 * HOUR + 10 * MINUTE,
        ),
        (start + 17 * MINUTE, start + 44 * MINUTE),
    ] {
        let segments = plan(from, to, Level::Day, 0);
        let kpis = kpis_of(&app.storage, &segments, None).await;
        let (lo, hi) = (
            Level::Minute.bucket(from),
            Level::Minute.bucket(to + MINUTE - 1),
        );
        let exact: (i64, i64, i64, i64, i64, f64, f64) = sqlx::query_as(
            "SELECT count(*), CAST(sum(CASE WHEN status BETWEEN 200 AND 299 THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(sum(total_tokens) AS BIGINT), CAST(sum(input_tokens) AS BIGINT), \
             CAST(sum(output_tokens) AS BIGINT), CAST(avg(latency_ms) AS DOUBLE PRECISION), \
             CAST(avg(ttft_ms) AS DOUBLE PRECISION) FROM requests WHERE ts_ms >= $1 AND ts_ms < $2",
        )
        .bind(lo)
        .bind(hi)
        .fetch_one(&app.pool)
        .await
        .expect("recount");
        assert_eq!(kpis.requests, exact.0, "{segments:?}");
        assert_eq!(kpis.success_rate, Some(exact.1 as f64 / exact.0 as f64));
        assert_eq!(
            (kpis.total_tokens, kpis.input_tokens, kpis.output_tokens),
            (exact.2, exact.3, exact.4)
        );
        assert!((kpis.avg_latency_ms.expect("latency") - exact.5).abs() < 1e-9);
        assert!((kpis.avg_ttft_ms.expect("ttft") - exact.6).abs() < 1e-9);
        assert_eq!(kpis.cost, None, "no prices, no cost");

        let mut latencies: Vec<i64> =
            sqlx::query_scalar("SELECT latency_ms FROM requests WHERE ts_ms >= $1 AND ts_ms < $2")
                .bind(lo)
                .bind(hi)
                .fetch_all(&app.pool)
                .await
                .expect("latencies");
        latencies.sort_unstable();
        let truth = latencies[(0.95 * (latencies.len() - 1) as f64).floor() as usize] as f64;
        let p95 = kpis.p95_latency_ms.expect("p95");
        assert!((p95 - truth).abs() <= 0.01 * truth, "{p95} vs {truth}");
    }

    let alpha: i64 = sqlx::query_scalar("SELECT id FROM models WHERE name = 'alpha'")
        .fetch_one(&app.pool)
        .await
        .expect("alpha");
    let segments = plan(start - HOUR, start + 3 * DAY, Level::Day, 0);
    let only_alpha = kpis_of(&app.storage, &segments, Some(&[alpha])).await;
    assert_eq!(only_alpha.requests, 200);
    let none = kpis_of(&app.storage, &segments, Some(&[])).await;
    assert_eq!(none.requests, 0);
}
