//! Migrations 0007 and 0008 on a database written before them: calls by tag move from
//! `request_tags` (one index entry per call and tag) into packed lists, which page and count
//! exactly as before, and canonical UUID request ids into 16 bytes, found as sent.

use std::borrow::Cow;

use server::store::postgres::partitions::partition_name;
use server::store::reads::{CallFilter, Narrow, Order, StatusMatch};

use crate::cluster::{empty_database, now_ms, WS};

const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;
const TAG: i64 = 4;
const UUID: &str = "0192f1a4-7c3e-7b2a-9f10-3c4d5e6f7a8b";

/// Applies the migrations numbered below `version`, as a server of that time did.
pub async fn migrate_before(pool: &sqlx::PgPool, version: i64) {
    let before = sqlx::migrate::Migrator {
        migrations: Cow::Owned(
            server::store::postgres::MIGRATOR
                .migrations
                .iter()
                .filter(|migration| migration.version < version)
                .cloned()
                .collect(),
        ),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    };
    before
        .run(pool)
        .await
        .unwrap_or_else(|error| panic!("the schema before migration {version}: {error}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_entries_written_before_lists_page_and_count_after_the_migration() {
    let url = empty_database().await;
    let pool = sqlx::PgPool::connect(&url).await.expect("pool");
    migrate_before(&pool, 7).await;

    // Yesterday's partitions, as that schema's writer made them, and 60 calls three minutes
    // apart from 05:00: every one tagged "all", the odd ones "odd" too, every fourth failed.
    let day = now_ms() / (24 * HOUR) - 1;
    for table in ["requests", "request_bodies", "request_tags"] {
        let name = partition_name(table, day).expect("a day");
        sqlx::raw_sql(&format!(
            "CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ({}) TO ({})",
            day * 24,
            day * 24 + 24
        ))
        .execute(&pool)
        .await
        .expect("partition");
    }
    let tag_id = |value: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO dimension_values (workspace_id, dimension, value) \
                 VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(WS.get())
            .bind(TAG)
            .bind(value)
            .fetch_one(&pool)
            .await
            .expect("tag")
        }
    };
    let (all, odd) = (tag_id("all").await, tag_id("odd").await);
    let model: i64 = sqlx::query_scalar(
        "INSERT INTO models (workspace_id, name, kind, created_at_ms) \
         VALUES ($1, 'gpt-4o-mini', 'llm', 0) RETURNING id",
    )
    .bind(WS.get())
    .fetch_one(&pool)
    .await
    .expect("model");
    let start = day * 24 * HOUR + 5 * HOUR;
    sqlx::query(
        "INSERT INTO requests (id, workspace_id, hour, ts_ms, model_id, request_key, status, \
         kind, source, stream, has_body, request_id, tag_ids) \
         SELECT k + 1, $1, ($2 + k * 180000) / 3600000, $2 + k * 180000, $3, 0, \
         CASE WHEN k % 4 = 0 THEN 500 ELSE 200 END, 0, 0, false, false, 'm' || k, \
         CASE WHEN k % 2 = 1 THEN $4 || ',' || $5 ELSE $4::TEXT END \
         FROM generate_series(0, 59) AS k",
    )
    .bind(WS.get())
    .bind(start)
    .bind(model)
    .bind(all)
    .bind(odd)
    .execute(&pool)
    .await
    .expect("calls");
    sqlx::query(
        "INSERT INTO request_tags (workspace_id, tag_id, ts_ms, request_row_id, hour) \
         SELECT workspace_id, $1, ts_ms, id, hour FROM requests \
         UNION ALL SELECT workspace_id, $2, ts_ms, id, hour FROM requests WHERE id % 2 = 0",
    )
    .bind(all)
    .bind(odd)
    .execute(&pool)
    .await
    .expect("tag entries");

    // Two more calls, untagged, whose ids migration 0008 keeps apart: a canonical UUID (to
    // 16 bytes) and the same in capitals (stays text).
    sqlx::query(
        "INSERT INTO requests (id, workspace_id, hour, ts_ms, model_id, request_key, status, \
         kind, source, stream, has_body, request_id) \
         SELECT 100 + n, $1, $2 / 3600000, $2, $3, 0, 200, 0, 0, false, false, id \
         FROM unnest($4::TEXT[]) WITH ORDINALITY AS ids (id, n)",
    )
    .bind(WS.get())
    .bind(start + 2 * HOUR + 30 * MINUTE)
    .bind(model)
    .bind(vec![UUID.to_owned(), UUID.to_uppercase()])
    .execute(&pool)
    .await
    .expect("calls by id");

    let storage = server::store::open(&url).await.expect("migrates");
    let kept: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT request_id, request_uuid::TEXT FROM requests WHERE id > 100 ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("ids");
    assert_eq!(
        kept,
        [
            (None, Some(UUID.to_owned())),
            (Some(UUID.to_uppercase()), None)
        ]
    );
    let (lists, entries): (i64, i64) =
        sqlx::query_as("SELECT count(*), coalesce(sum(calls), 0)::BIGINT FROM tag_lists")
            .fetch_one(&pool)
            .await
            .expect("lists");
    // One list per tag and hour: "all" and "odd" in each of the three hours.
    assert_eq!((lists, entries), (6, 90));
    let old: Option<String> = sqlx::query_scalar("SELECT to_regclass('request_tags')::TEXT")
        .fetch_one(&pool)
        .await
        .expect("catalog");
    assert_eq!(old, None, "the old table is gone");

    // From 05:10 (a partial first hour) to 08:00: calls 4 to 59.
    let (from, to) = (start + 10 * MINUTE, start + 3 * HOUR);
    let filter = |narrowing: Vec<Narrow>, status: Option<StatusMatch>| CallFilter {
        workspace_id: WS,
        from_ms: from,
        to_ms: to,
        models: None,
        status,
        id_prefix: None,
        narrowing,
    };
    let names = |keep: fn(i64) -> bool| -> Vec<String> {
        (4..60i64)
            .rev()
            .filter(|k| keep(*k))
            .map(|k| format!("m{k}"))
            .collect()
    };
    for (filter, expected) in [
        (filter(vec![Narrow::Tag(odd)], None), names(|k| k % 2 == 1)),
        (filter(vec![Narrow::Tag(all)], None), names(|_| true)),
        (
            filter(
                vec![Narrow::Tag(all), Narrow::Tag(odd)],
                Some(StatusMatch::Range(200, 300)),
            ),
            names(|k| k % 2 == 1),
        ),
        (
            filter(vec![Narrow::Tag(all)], Some(StatusMatch::Range(500, 600))),
            names(|k| k % 4 == 0),
        ),
    ] {
        let (count, newest, oldest, wide, short) = storage
            .reads()
            .read(move |snapshot| {
                let page = |window, order, limit| {
                    snapshot
                        .calls_in_window(&filter, window, None, order, limit, None)
                        .map(|calls| {
                            calls
                                .expect("no deadline")
                                .into_iter()
                                .map(|call| call.request_id)
                                .collect::<Vec<_>>()
                        })
                };
                Ok((
                    snapshot.count_calls(&filter, (from, to))?,
                    page((from, to), Order::NewestFirst, 100)?,
                    page((from, to), Order::OldestFirst, 100)?,
                    // Three days, read a day at a time from the newest: the calls are in the
                    // oldest.
                    page((from, to + 2 * 24 * HOUR), Order::NewestFirst, 100)?,
                    // A short page: rounds of entries smaller than the calls.
                    page((from, to), Order::NewestFirst, 7)?,
                ))
            })
            .await
            .expect("read");
        let oldest_first: Vec<String> = expected.iter().rev().cloned().collect();
        assert_eq!(count, expected.len() as i64);
        assert_eq!(newest, expected);
        assert_eq!(oldest, oldest_first);
        assert_eq!(wide, expected);
        assert_eq!(short, expected[..7.min(expected.len())]);
    }
    // Each id is found as sent, and only that one.
    for id in [UUID.to_owned(), UUID.to_uppercase()] {
        let filter = filter(Vec::new(), None);
        let wanted = id.clone();
        let found = storage
            .reads()
            .read(move |snapshot| snapshot.calls_with_request_id(&filter, &wanted))
            .await
            .expect("lookup")
            .expect("answered by the store");
        let ids: Vec<String> = found.into_iter().map(|call| call.request_id).collect();
        assert_eq!(ids, [id]);
    }
    // Prefixes reach ids in either form: a UUID's by its bytes, text by its characters.
    for (prefix, expected) in [
        ("0192f1a4-7c", vec![UUID.to_owned()]),
        (UUID, vec![UUID.to_owned()]),
        ("0192F1A4", vec![UUID.to_uppercase()]),
        ("0192f1a5", vec![]),
        ("ff", vec![]),
        (
            "m4",
            vec![
                "m49".to_owned(),
                "m48".to_owned(),
                "m47".to_owned(),
                "m46".to_owned(),
                "m45".to_owned(),
                "m44".to_owned(),
                "m43".to_owned(),
                "m42".to_owned(),
                "m41".to_owned(),
                "m40".to_owned(),
                "m4".to_owned(),
            ],
        ),
    ] {
        let mut filter = filter(Vec::new(), None);
        filter.id_prefix = Some(prefix.to_owned());
        let found = storage
            .reads()
            .read(move |snapshot| {
                snapshot.calls_in_window(&filter, (from, to), None, Order::NewestFirst, 100, None)
            })
            .await
            .expect("prefix")
            .expect("no deadline");
        let ids: Vec<String> = found.into_iter().map(|call| call.request_id).collect();
        assert_eq!(ids, expected, "{prefix}");
    }
    storage.close().await;
}
