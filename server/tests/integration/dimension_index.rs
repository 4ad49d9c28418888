//! The dimension indexers write per-value cells, totals and rank lists (and SQLite's user and
//! tag posting lists) after the calls are stored: SQLite's from windows of calls, PostgreSQL's
//! from the cells batches leave pending. Answers must not depend on how far they got: the same
//! exact numbers with every call waiting, some indexed, all indexed, and after a rebuild from
//! nothing (what an upgrade leaves).

use std::time::{Duration, Instant};

use crate::alerts::ingest;
use crate::database::{backend, Backend};
use crate::groups::grouped;
use crate::helpers::{now_ms, TestApp};
use crate::logs::narrowing::{calls, names};
use crate::logs::page;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

async fn watermark(app: &TestApp) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT indexed_upto FROM dimension_index), \
         (SELECT coalesce(max(id), 0) FROM requests)",
    )
    .fetch_one(&app.pool)
    .await
    .expect("watermark")
}

async fn pending(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT CAST(coalesce(sum(cells), 0) AS BIGINT) FROM dim_pending_packs")
        .fetch_one(&app.pool)
        .await
        .expect("pending cells")
}

/// Waits until the writer (idle) has indexed every stored call.
pub async fn indexed(app: &TestApp) {
    let started = Instant::now();
    loop {
        let (done, waiting) = match backend() {
            Backend::Sqlite => {
                let (upto, newest) = watermark(app).await;
                (upto >= newest, format!("indexed up to {upto} of {newest}"))
            }
            Backend::Postgres => {
                let cells = pending(app).await;
                (cells == 0, format!("{cells} cells pending"))
            }
        };
        if done {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{waiting}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// PostgreSQL's indexer lock (`store/postgres/dim_index.rs`), held by a test connection so no
/// writer indexes meanwhile.
const PG_INDEX_LOCK: i64 = 0x6d77_6469_6d78;

async fn hold_pg_indexer(app: &TestApp) -> sqlx::pool::PoolConnection<sqlx::Any> {
    let mut conn = app.pool.acquire().await.expect("a connection");
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(PG_INDEX_LOCK)
        .execute(&mut *conn)
        .await
        .expect("the indexer's lock");
    conn
}

async fn release_pg_indexer(mut conn: sqlx::pool::PoolConnection<sqlx::Any>) {
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(PG_INDEX_LOCK)
        .execute(&mut *conn)
        .await
        .expect("unlocks");
}

/// Each workspace's, dimension's and level's indexed cells (not the totals) as one pending pack
/// in the form SQL writes (format 1, `store/postgres/dim_index/packs.rs`), as migration 0009
/// packed the cells waiting.
const PACK_INDEXED_CELLS: &str = "INSERT INTO dim_pending_packs (workspace_id, dimension, \
     level, first_bucket_ms, last_bucket_ms, cells, packed) \
     SELECT workspace_id, dimension, level, min(bucket_ms), max(bucket_ms), count(*), \
     '\\x01'::bytea || string_agg(int8send(bucket_ms) || int8send(value_id) || int8send(requests) || \
     int8send(status_2xx) || int8send(status_4xx) || int8send(status_429) || \
     int8send(status_5xx) || int8send(streamed) || int8send(input_tokens) || \
     int8send(output_tokens) || int8send(total_tokens) || int8send(cached_tokens) || \
     int8send(reasoning_tokens) || int8send(input_text_tokens) || \
     int8send(input_audio_tokens) || int8send(input_image_tokens) || \
     int8send(input_video_tokens) || int8send(output_text_tokens) || \
     int8send(output_audio_tokens) || int8send(images) || float8send(video_seconds) || \
     float8send(audio_seconds) || int8send(characters) || float8send(cost) || \
     int8send(cost_count) || int8send(latency_sum) || int8send(latency_count) || \
     int8send(ttft_sum) || int8send(ttft_count) || \
     int4send(coalesce(length(latency_sketch), 0)) || coalesce(latency_sketch, '') || \
     int4send(coalesce(length(ttft_sketch), 0)) || coalesce(ttft_sketch, ''), ''::bytea) \
     FROM (SELECT 1 AS level, * FROM rollup_dim_1h WHERE value_id <> 0 \
     UNION ALL SELECT 2, * FROM rollup_dim_1d WHERE value_id <> 0) AS cells \
     GROUP BY workspace_id, dimension, level";

/// Forgets every cell and list, as a database migrated to the indexer starts (PostgreSQL: its
/// cells wait again, as migrations 0006 and 0009 leave them).
pub async fn forget(app: &TestApp) {
    let mut conn = app.pool.acquire().await.expect("a connection");
    let statements: &[&str] = match backend() {
        Backend::Sqlite => &[
            "BEGIN IMMEDIATE",
            "UPDATE dimension_index SET indexed_upto = 0",
            "DELETE FROM rollup_dim_1h",
            "DELETE FROM rollup_dim_1d",
            "DELETE FROM dimension_postings",
            "DELETE FROM dimension_ranks",
            "COMMIT",
        ],
        Backend::Postgres => &[
            "BEGIN",
            PACK_INDEXED_CELLS,
            "DELETE FROM rollup_dim_1h",
            "DELETE FROM rollup_dim_1d",
            "DELETE FROM dimension_ranks",
            "COMMIT",
        ],
    };
    for sql in statements {
        sqlx::query(sql).execute(&mut *conn).await.expect(sql);
    }
}

async fn check(app: &TestApp, start: i64, state: &str) {
    let range = format!(
        "from={}&to={}",
        app::url_state::format_time(start - MINUTE),
        app::url_state::format_time(start + 4 * HOUR)
    );
    for (narrowing, expected) in [
        ("user=u1", names(|k| k % 3 == 1)),
        ("tag=even", names(|k| k % 2 == 0)),
        ("tag=all&user=u0", names(|k| k % 3 == 0)),
        ("tag=even&user=u1", names(|k| k % 6 == 4)),
        ("user=stranger", vec![]),
    ] {
        let got = page(app, &format!("{range}&{narrowing}")).await;
        let mut ids: Vec<String> = got.rows.iter().map(|row| row.request_id.clone()).collect();
        ids.sort();
        assert_eq!(ids, expected, "{state}: {narrowing}");
    }
    // Counted from cells (tag) or lists (user), with raw edges.
    let counted = format!(
        "from={}&to={}",
        app::url_state::format_time(start + 5 * MINUTE),
        app::url_state::format_time(start + 3 * HOUR)
    );
    for (narrowing, expected) in [("tag=even", 5), ("user=u0", 3)] {
        let got = page(app, &format!("{counted}&{narrowing}")).await;
        assert_eq!(got.matching, Some(expected), "{state}: count {narrowing}");
    }
    let users = grouped(app, &format!("{range}&group=user")).await;
    let mut per_user: Vec<(String, i64, i64)> = users
        .rows
        .iter()
        .map(|row| {
            (
                row.value.clone().expect("named"),
                row.requests,
                row.units.input_tokens,
            )
        })
        .collect();
    per_user.sort();
    // Calls k = 0..12, user k % 3; chat calls (k % 4 != 3) have 1000 (k + 1) input tokens.
    let tokens = |user: i64| -> i64 {
        (0..12)
            .filter(|k| k % 3 == user && k % 4 != 3)
            .map(|k| 1000 * (k + 1))
            .sum()
    };
    assert_eq!(
        per_user,
        [
            ("u0".to_owned(), 4, tokens(0)),
            ("u1".to_owned(), 4, tokens(1)),
            ("u2".to_owned(), 4, tokens(2)),
        ],
        "{state}: group by user"
    );
    let tags = grouped(app, &format!("{range}&group=tag")).await;
    let mut per_tag: Vec<(String, i64, i64)> = tags
        .rows
        .iter()
        .map(|row| (row.value.clone().expect("named"), row.requests, row.errors))
        .collect();
    per_tag.sort();
    // Errors: k % 5 == 4 (k = 4, 9); k = 4 is even.
    assert_eq!(
        per_tag,
        [("all".to_owned(), 12, 2), ("even".to_owned(), 6, 1)],
        "{state}: group by tag"
    );
}

#[tokio::test]
async fn answers_do_not_depend_on_how_far_the_indexer_got() {
    let app = crate::helpers::spawn_app().await;
    let start = (now_ms() / HOUR - 4) * HOUR + 10 * MINUTE;
    let all = calls(start);
    ingest(&app, all[..5].to_vec()).await;
    indexed(&app).await;
    if backend() == Backend::Postgres {
        // PostgreSQL: seven more calls whose cells stay pending while the test holds the lock.
        let lock = hold_pg_indexer(&app).await;
        ingest(&app, all[5..].to_vec()).await;
        assert!(pending(&app).await > 0);
        check(&app, start, "some indexed").await;
        forget(&app).await;
        check(&app, start, "nothing indexed").await;
        release_pg_indexer(lock).await;
        indexed(&app).await;
        check(&app, start, "rebuilt").await;
        let (lists, totals): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM dimension_ranks), \
             (SELECT count(*) FROM rollup_dim_1h WHERE value_id = 0)",
        )
        .fetch_one(&app.pool)
        .await
        .expect("lists");
        assert!(
            lists > 0 && totals > 0,
            "{lists} rank lists, {totals} totals"
        );
        return;
    }
    // SQLite: seven more, waiting for the next window (the writer indexes after a second, or
    // when idle).
    ingest(&app, all[5..].to_vec()).await;
    check(&app, start, "some indexed").await;
    indexed(&app).await;
    check(&app, start, "all indexed").await;
    let (upto, _) = watermark(&app).await;
    assert!(upto > 0);
    forget(&app).await;
    check(&app, start, "nothing indexed").await;
    indexed(&app).await;
    check(&app, start, "rebuilt").await;
    let lists: i64 = sqlx::query_scalar("SELECT count(*) FROM dimension_postings")
        .fetch_one(&app.pool)
        .await
        .expect("lists");
    // Three users with one day each (the calls span at most two days) and two tags over
    // four hours.
    assert!((3..=6 + 8).contains(&lists), "{lists} lists");
}
