//! Migration 0009 on a database whose indexer had cells waiting one per row in `dim_pending`:
//! they become packs in the form SQL writes, which every read adds exactly as before, and
//! which the indexer then folds in like the packs batches write.

use app::model::{Dimension, Unit};
use server::rollup::plan::Segment;
use server::rollup::{Level, Sketch};
use server::store::reads::{Cells, Sketches};
use server::store::SharedStorage;

use crate::cluster::{empty_database, now_ms, WS};
use crate::migration::migrate_before;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// What the reads give for users 1 and 2 over the day: per user (value id) and level, the
/// calls, errors, input tokens, video seconds, cost and the latency sketch's calls and median;
/// per level the totals' calls and input tokens per bucket; and the ranking over the hours.
type Cell = (i64, i64, i64, i64, i64, f64, f64, u64, Option<f64>);
type Answers = (Vec<Cell>, Vec<(i64, i64, i64)>, Vec<(i64, i64, i64, i64)>);

/// A waiting cell: user, hour, calls, failed calls, input tokens, video seconds, cost and the
/// latencies of its calls.
type Waiting = (i64, i64, i64, i64, i64, f64, f64, Vec<f64>);

async fn answers(storage: &SharedStorage, users: [i64; 2], day_ms: i64) -> Answers {
    storage
        .reads()
        .read(move |snapshot| {
            let mut cells = Vec::new();
            let mut totals = Vec::new();
            for level in [Level::Hour, Level::Day] {
                let segments = [Segment {
                    level,
                    from_ms: day_ms,
                    to_ms: day_ms + DAY,
                }];
                let which = Cells::DimensionValues(Dimension::User, &users);
                let mut read = snapshot.cells(WS, &segments, which, Sketches::LatencyOnly)?;
                read.sort_by_key(|stored| (stored.model_id, stored.bucket_ms));
                // A value's bucket may come more than once: merge as readers do.
                let mut merged: Vec<(i64, i64, server::rollup::Cell)> = Vec::new();
                for stored in read {
                    match merged.last_mut() {
                        Some((value, bucket, cell))
                            if *value == stored.model_id && *bucket == stored.bucket_ms =>
                        {
                            cell.merge(&stored.cell)
                        }
                        _ => merged.push((stored.model_id, stored.bucket_ms, stored.cell)),
                    }
                }
                for (value, bucket, cell) in merged {
                    cells.push((
                        value,
                        bucket - day_ms,
                        cell.requests,
                        cell.status_5xx,
                        cell.units.get(Unit::InputTokens).as_f64() as i64,
                        cell.units.get(Unit::VideoSeconds).as_f64(),
                        cell.cost,
                        cell.latency.count(),
                        cell.latency.quantile(0.5).map(f64::round),
                    ));
                }
                for stored in snapshot.dimension_totals(WS, Dimension::User, &segments)? {
                    totals.push((
                        stored.bucket_ms - day_ms,
                        stored.cell.requests,
                        stored.cell.units.get(Unit::InputTokens).as_f64() as i64,
                    ));
                }
            }
            totals.sort();
            let hours = [Segment {
                level: Level::Hour,
                from_ms: day_ms,
                to_ms: day_ms + DAY,
            }];
            let ranks = snapshot
                .dimension_ranks(WS, Dimension::User, &hours)?
                .into_iter()
                .map(|rank| (rank.value_id, rank.requests, rank.errors, rank.tokens))
                .collect();
            Ok((cells, totals, ranks))
        })
        .await
        .expect("reads")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cells_waiting_one_per_row_are_read_and_indexed_after_the_migration() {
    let url = empty_database().await;
    let pool = sqlx::PgPool::connect(&url).await.expect("pool");
    migrate_before(&pool, 9).await;

    let mut users = [0i64; 2];
    for (user, name) in users.iter_mut().zip(["u1", "u2"]) {
        *user = sqlx::query_scalar(
            "INSERT INTO dimension_values (workspace_id, dimension, value) \
             VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(WS.get())
        .bind(Dimension::User.code())
        .bind(name)
        .fetch_one(&pool)
        .await
        .expect("user");
    }
    // Yesterday: user 1 with two waiting cells for 03:00 (two batches) and one for 04:00,
    // user 2 with one for 03:00 without latencies; each at the hour and the day level.
    let day_ms = (now_ms() / DAY - 1) * DAY;
    let pending: [Waiting; 4] = [
        (users[0], 3, 2, 1, 1_000, 1.5, 0.25, vec![100.0, 300.0]),
        (users[0], 3, 1, 0, 500, 0.0, 0.5, vec![200.0]),
        (users[0], 4, 4, 2, 40, 2.0, 1.0, vec![1_000.0; 4]),
        (users[1], 3, 3, 0, 7, 0.0, 0.0, vec![]),
    ];
    for (user, hour, calls, failed, input, video, cost, latencies) in pending {
        let mut sketch = Sketch::new();
        latencies.iter().for_each(|latency| sketch.add(*latency));
        let stored = (sketch.count() > 0).then(|| sketch.encode());
        for (level, bucket) in [(1, day_ms + hour * HOUR), (2, day_ms)] {
            // The table's order: level, workspace, dimension, bucket, value, calls, 2xx, 4xx,
            // 429, 5xx, streamed, the fifteen units, cost, cost count, latency sum and count,
            // TTFT sum and count, the sketches.
            sqlx::query(
                "INSERT INTO dim_pending VALUES ($1, $2, $3, $4, $5, $6, $6 - $7, 0, 0, $7, 0, \
                 $8, 0, $8, 0, 0, 0, 0, 0, 0, 0, 0, 0, $9, 0, 0, \
                 $10, $6, $11, $12, 0, 0, $13, NULL)",
            )
            .bind(level)
            .bind(WS.get())
            .bind(Dimension::User.code())
            .bind(bucket)
            .bind(user)
            .bind(calls)
            .bind(failed)
            .bind(input)
            .bind(video)
            .bind(cost)
            .bind(latencies.iter().sum::<f64>() as i64)
            .bind(latencies.len() as i64)
            .bind(stored.clone())
            .execute(&pool)
            .await
            .expect("a waiting cell");
        }
    }

    let storage = server::store::open(&url).await.expect("migrates");
    let (packs, old): (i64, bool) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM dim_pending_packs), to_regclass('dim_pending') IS NULL",
    )
    .fetch_one(&pool)
    .await
    .expect("packs");
    assert_eq!(
        (packs, old),
        (2, true),
        "one pack per level, the old table gone"
    );

    let (u1, u2) = (users[0], users[1]);
    let expected: Answers = (
        vec![
            (u1, 3 * HOUR, 3, 1, 1_500, 1.5, 0.75, 3, Some(200.0)),
            (u1, 4 * HOUR, 4, 2, 40, 2.0, 1.0, 4, Some(1_000.0)),
            (u2, 3 * HOUR, 3, 0, 7, 0.0, 0.0, 0, None),
            (u1, 0, 7, 3, 1_540, 3.5, 1.75, 7, Some(1_000.0)),
            (u2, 0, 3, 0, 7, 0.0, 0.0, 0, None),
        ],
        vec![(0, 10, 1_547), (3 * HOUR, 6, 1_507), (4 * HOUR, 4, 40)],
        vec![(u1, 7, 3, 1_540), (u2, 3, 0, 7)],
    );
    let mut got = answers(&storage, users, day_ms).await;
    round_medians(&mut got, &expected);
    assert_eq!(got, expected, "read from the migrated packs");

    // The writer, idle, indexes everything waiting.
    let mut writer = storage.batch_writer().expect("a writer");
    tokio::task::spawn_blocking(move || writer.idle())
        .await
        .expect("indexes");
    let (packs, indexed): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM dim_pending_packs), \
         (SELECT count(*) FROM rollup_dim_1h WHERE value_id <> 0)",
    )
    .fetch_one(&pool)
    .await
    .expect("indexed");
    assert_eq!((packs, indexed), (0, 3));
    let mut got = answers(&storage, users, day_ms).await;
    round_medians(&mut got, &expected);
    assert_eq!(got, expected, "read from the indexed cells");
    storage.close().await;
}

/// Sketch quantiles are within a few per cent: where within 3 % of the expected median, take
/// the expected value so the rest compares exactly.
fn round_medians(got: &mut Answers, expected: &Answers) {
    for (cell, wanted) in got.0.iter_mut().zip(&expected.0) {
        if let (Some(median), Some(wanted)) = (cell.8, wanted.8) {
            if (median - wanted).abs() <= 0.03 * wanted {
                cell.8 = Some(wanted);
            }
        }
    }
}
