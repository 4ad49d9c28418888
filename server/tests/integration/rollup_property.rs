//! Property: after random batches with duplicates and late records, every rollup level equals a
//! recount of the raw rows, and percentiles from merged sketches are within 1 % of exact values.

use std::collections::HashMap;

use proptest::prelude::*;
use server::ingest::record::{validate, Source};
use server::ingest::writer::{self, WriterConfig};
use server::rollup::{Level, Sketch};
use server::store::Pending;
use sqlx::AnyPool;

#[derive(Clone, Debug)]
struct Call {
    model: usize,
    minutes_ago: i64,
    latency_ms: i64,
    ttft: bool,
    status: u16,
    input_tokens: i64,
    /// Reuse the request id of an earlier call (a duplicate).
    duplicate_of: Option<usize>,
}

fn call() -> impl Strategy<Value = Call> {
    (
        0..3usize,
        // Up to three days back: late data across minute, hour and day boundaries.
        0..(3 * 24 * 60_i64),
        1..120_000_i64,
        any::<bool>(),
        prop::sample::select(vec![200_u16, 200, 200, 201, 400, 429, 499, 500, 503]),
        0..5_000_i64,
        prop::option::weighted(0.15, 0..400usize),
    )
        .prop_map(
            |(model, minutes_ago, latency_ms, ttft, status, input_tokens, duplicate_of)| Call {
                model,
                minutes_ago,
                latency_ms,
                ttft,
                status,
                input_tokens,
                duplicate_of,
            },
        )
}

fn to_pending(index: usize, call: &Call, now_ms: i64) -> Pending {
    let id = match call.duplicate_of {
        Some(earlier) if earlier < index => format!("r{earlier}"),
        _ => format!("r{index}"),
    };
    let model = ["alpha", "beta", "gamma"][call.model];
    let mut value = serde_json::json!({
        "request_id": id,
        "timestamp": now_ms - call.minutes_ago * 60_000 - (index as i64 % 60) * 1_000,
        "model": model,
        "status": call.status,
        "latency_ms": call.latency_ms,
        "usage": { "input_tokens": call.input_tokens, "output_tokens": call.input_tokens / 3 },
    });
    if call.ttft {
        value["ttft_ms"] = serde_json::json!(call.latency_ms / 2);
    }
    Pending {
        workspace_id: crate::helpers::WS,
        ingest_key_id: None,
        record: validate(index, value, now_ms, Source::Api).expect("generated records are valid"),
    }
}

/// The recount, in SQL both backends run (sums of conditions spelled out, integer sums cast).
const COUNTED: &str = "count(*), \
     CAST(sum(CASE WHEN status BETWEEN 200 AND 299 THEN 1 ELSE 0 END) AS BIGINT), \
     CAST(sum(CASE WHEN status BETWEEN 400 AND 499 THEN 1 ELSE 0 END) AS BIGINT), \
     CAST(sum(CASE WHEN status = 429 THEN 1 ELSE 0 END) AS BIGINT), \
     CAST(sum(CASE WHEN status BETWEEN 500 AND 599 THEN 1 ELSE 0 END) AS BIGINT), \
     CAST(sum(input_tokens) AS BIGINT), CAST(sum(output_tokens) AS BIGINT), \
     CAST(sum(latency_ms) AS BIGINT), count(latency_ms), CAST(coalesce(sum(ttft_ms), 0) AS BIGINT), \
     count(ttft_ms)";
const ROLLED: &str = "requests, status_2xx, status_4xx, status_429, status_5xx, input_tokens, \
     output_tokens, latency_sum, latency_count, ttft_sum, ttft_count";

type Counts = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);

async fn check(pool: &AnyPool) {
    for level in Level::ALL {
        let width = level.width_ms();
        let recount_sql = format!(
            "SELECT (ts_ms / {width}) * {width}, model_id, {COUNTED} FROM requests GROUP BY 1, 2 ORDER BY 1, 2"
        );
        let rollup_sql = format!(
            "SELECT bucket_ms, model_id, {ROLLED} FROM {} ORDER BY 1, 2",
            level.table()
        );
        let recount: Vec<(i64, i64, Counts)> = rows(pool, &recount_sql).await;
        let rolled: Vec<(i64, i64, Counts)> = rows(pool, &rollup_sql).await;
        assert_eq!(recount, rolled, "{level:?}");

        // The all-models cells equal a recount over every model (model id 0).
        let recount_all_sql = format!(
            "SELECT (ts_ms / {width}) * {width}, 0, {COUNTED} FROM requests GROUP BY 1 ORDER BY 1"
        );
        let rollup_all_sql = format!(
            "SELECT bucket_ms, model_id, {ROLLED} FROM {} ORDER BY 1, 2",
            level.all_models_table()
        );
        let recount_all: Vec<(i64, i64, Counts)> = rows(pool, &recount_all_sql).await;
        let rolled_all: Vec<(i64, i64, Counts)> = rows(pool, &rollup_all_sql).await;
        assert_eq!(recount_all, rolled_all, "all models, {level:?}");

        // Hour and day cells know their busiest minute: calls and tokens.
        if level != Level::Minute {
            let peaks_sql = format!(
                "SELECT bucket_ms, model_id, peak_minute_requests, peak_minute_tokens FROM {} \
                 ORDER BY 1, 2",
                level.table()
            );
            let recount_peaks_sql = format!(
                "SELECT (bucket_ms / {width}) * {width}, model_id, max(requests), max(total_tokens) \
                 FROM rollup_1m GROUP BY 1, 2 ORDER BY 1, 2"
            );
            let peaks: Vec<(i64, i64, i64, i64)> = sqlx::query_as(&peaks_sql)
                .fetch_all(pool)
                .await
                .expect("peaks");
            let recount_peaks: Vec<(i64, i64, i64, i64)> = sqlx::query_as(&recount_peaks_sql)
                .fetch_all(pool)
                .await
                .expect("minute maxima");
            assert_eq!(peaks, recount_peaks, "peak minutes, {level:?}");
        }
    }

    // Percentiles per model: merged minute sketches against the exact latencies.
    let cells: Vec<(i64, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT model_id, latency_sketch FROM rollup_1m")
            .fetch_all(pool)
            .await
            .expect("cells");
    let mut merged: HashMap<i64, Sketch> = HashMap::new();
    for (model_id, bytes) in cells {
        if let Some(bytes) = bytes {
            merged
                .entry(model_id)
                .or_default()
                .merge(&Sketch::decode(&bytes).expect("decodes"));
        }
    }
    for (model_id, sketch) in merged {
        let mut exact: Vec<i64> = sqlx::query_scalar(
            "SELECT latency_ms FROM requests WHERE model_id = $1 ORDER BY latency_ms",
        )
        .bind(model_id)
        .fetch_all(pool)
        .await
        .expect("latencies");
        exact.sort_unstable();
        assert_eq!(sketch.count() as usize, exact.len());
        for q in [0.5, 0.95, 0.99] {
            let truth = exact[(q * (exact.len() - 1) as f64).floor() as usize] as f64;
            let estimate = sketch.quantile(q).expect("non-empty");
            assert!(
                (estimate - truth).abs() <= 0.01 * truth + 1e-9,
                "model {model_id} q{q}: {estimate} vs {truth}"
            );
        }
    }
}

async fn rows(pool: &AnyPool, sql: &str) -> Vec<(i64, i64, Counts)> {
    use sqlx::Row;
    let raw = sqlx::query(sql).fetch_all(pool).await.expect("rows");
    raw.iter()
        .map(|row| {
            let v = |i: usize| row.get::<i64, _>(i);
            (
                v(0),
                v(1),
                (
                    v(2),
                    v(3),
                    v(4),
                    v(5),
                    v(6),
                    v(7),
                    v(8),
                    v(9),
                    v(10),
                    v(11),
                    v(12),
                ),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn rollups_equal_a_recount_of_raw_rows_at_every_level(
        calls in prop::collection::vec(call(), 1..400),
        batch_sizes in prop::collection::vec(1..120usize, 1..20),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let database = crate::database::TestDatabase::fresh().await;
            let (storage, pool) = crate::helpers::open_store(&database.url).await;
            let (handle, task) = writer::spawn(storage.as_ref(), WriterConfig::default()).expect("writer");
            let now_ms = chrono::Utc::now().timestamp_millis();
            let all: Vec<Pending> = calls.iter().enumerate().map(|(i, call)| to_pending(i, call, now_ms)).collect();
            let mut rest = all.as_slice();
            let mut sizes = batch_sizes.iter().cycle();
            while !rest.is_empty() {
                let size = (*sizes.next().unwrap_or(&50)).min(rest.len());
                let (batch, tail) = rest.split_at(size);
                handle.submit(batch.to_vec()).await.expect("stored");
                rest = tail;
            }
            // Send a slice again: every record is now a duplicate.
            let again = handle.submit(all[..all.len().min(30)].to_vec()).await.expect("stored");
            assert!(again.iter().all(|stored| !stored));
            drop(handle);
            task.await.expect("writer");
            check(&pool).await;
        });
    }
}
