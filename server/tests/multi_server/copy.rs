//! `copy-data` moves a SQLite installation to PostgreSQL: every table, every id, and a second
//! run after more traffic takes only what is new.

use app::model::Role;
use server::ingest::writer::{self, WriterConfig};
use server::store::Pending;

use crate::cluster::{empty_database, now_ms, record, Cluster, WS};

/// Stores `count` calls (every third with bodies) starting at `first` through the SQLite
/// store's own writer.
async fn ingest(storage: &server::store::SharedStorage, first: usize, count: usize) {
    let (handle, task) = writer::spawn(storage.as_ref(), WriterConfig::default()).expect("writer");
    let now = now_ms();
    let pending: Vec<Pending> = (first..first + count)
        .map(|n| {
            let mut value = record(
                &format!("copy-{n}"),
                ["alpha", "beta"][n % 2],
                now - (n as i64 % 3_000) * 60_000,
                [200, 200, 429, 500][n % 4],
                40 + n as i64 % 900,
            );
            if n % 5 == 0 {
                value["metadata"] =
                    serde_json::json!({"user": format!("u{}", n % 7), "tags": ["t1", "t2"]});
            }
            if n % 3 == 0 {
                value["request_body"] = serde_json::json!(format!("prompt {n}\twith a tab"));
                value["response_body"] = serde_json::json!("answer\nline two");
            }
            Pending {
                workspace_id: WS,
                ingest_key_id: None,
                record: server::ingest::record::validate(
                    n,
                    value,
                    now,
                    server::ingest::record::Source::Api,
                )
                .expect("valid"),
            }
        })
        .collect();
    for chunk in pending.chunks(500) {
        handle.submit(chunk.to_vec()).await.expect("stored");
    }
    drop(handle);
    task.await.expect("writer");
}

/// `(request_id, ts_ms, status, latency_ms, has_body)` of every call, in id order.
async fn calls_of(
    pool: &sqlx::AnyPool,
    id_text: &str,
    body_flag: &str,
) -> Vec<(String, i64, i64, i64, i64)> {
    sqlx::query_as(&format!(
        "SELECT {id_text}, ts_ms, status, latency_ms, {body_flag} FROM requests ORDER BY id"
    ))
    .fetch_all(pool)
    .await
    .expect("calls")
}

/// Calls in the daily cells of users (value id 0 is each day's total of all users), and tag
/// entries of calls (`copy-data` builds PostgreSQL's `tag_lists` from the rows' tag ids).
async fn dimensions_of(pool: &sqlx::AnyPool, tag_entries: &str) -> (i64, i64) {
    let users: i64 = sqlx::query_scalar(
        "SELECT CAST(coalesce(sum(requests), 0) AS BIGINT) FROM rollup_dim_1d \
         WHERE dimension = 1 AND value_id <> 0",
    )
    .fetch_one(pool)
    .await
    .expect("user cells");
    let tags: i64 = sqlx::query_scalar(tag_entries)
        .fetch_one(pool)
        .await
        .expect("tags");
    (users, tags)
}

/// Calls in the daily totals of all users (value id 0).
async fn user_totals(pool: &sqlx::AnyPool) -> i64 {
    sqlx::query_scalar(
        "SELECT CAST(coalesce(sum(requests), 0) AS BIGINT) FROM rollup_dim_1d \
         WHERE dimension = 1 AND value_id = 0",
    )
    .fetch_one(pool)
    .await
    .expect("user totals")
}

/// Every rank list (both stores keep the same packed format), in key order.
async fn rank_lists(pool: &sqlx::AnyPool) -> Vec<(i64, i64, i64, i64, Vec<u8>)> {
    let lists: Vec<(i64, i64, i64, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT workspace_id, dimension, level, bucket_ms, ranks FROM dimension_ranks \
         ORDER BY workspace_id, dimension, level, bucket_ms",
    )
    .fetch_all(pool)
    .await
    .expect("rank lists");
    assert!(!lists.is_empty(), "the calls have rank lists");
    lists
}

const SQLITE_TAG_ENTRIES: &str = "SELECT count(*) FROM requests AS r, \
     json_each('[' || r.tag_ids || ']') WHERE r.tag_ids IS NOT NULL";
const POSTGRES_TAG_ENTRIES: &str = "SELECT CAST(coalesce(sum(calls), 0) AS BIGINT) FROM tag_lists";

/// Every minute cell with its sketch bytes, in key order.
async fn cells_of(pool: &sqlx::AnyPool) -> Vec<(i64, i64, i64, i64, Option<Vec<u8>>)> {
    sqlx::query_as(
        "SELECT bucket_ms, model_id, requests, latency_sum, latency_sketch FROM rollup_1m \
         ORDER BY workspace_id, bucket_ms, model_id",
    )
    .fetch_all(pool)
    .await
    .expect("cells")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_installation_moves_from_sqlite_to_postgres_with_every_row_and_id() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().expect("dir");
    let from = format!("sqlite://{}", dir.path().join("old.db").display());
    let sqlite = server::store::open(&from).await.expect("sqlite");
    ingest(&sqlite, 0, 3_000).await;
    let hash = server::auth::password::hash(crate::cluster::PASSWORD.into())
        .await
        .expect("hash");
    let user = sqlite
        .create_user("moved@test.local", &hash, true, now_ms())
        .await
        .expect("user")
        .expect("new");
    sqlite
        .set_membership(WS, user, Role::Admin)
        .await
        .expect("member");
    sqlite
        .create_session(
            &server::auth::token_hash("moved-session"),
            user,
            now_ms(),
            now_ms() + 3_600_000,
        )
        .await
        .expect("session");
    let key = sqlite.create_key(WS, "moved", now_ms()).await.expect("key");
    let rule = sqlite
        .create_rule(WS, &crate::alerts::any_call_rule(), now_ms())
        .await
        .expect("rule");
    sqlite.close().await;

    // A database with data of its own is refused.
    let cluster = Cluster::new().await;
    let refused = server::store::copy_data::copy_data(&from, &cluster.url, &mut |_| {})
        .await
        .expect_err("not empty");
    assert!(refused.to_string().contains("not empty"), "{refused}");

    let url = empty_database().await;
    let copy = |from: String, to: String| async move {
        server::store::copy_data::copy_data(&from, &to, &mut |_| {})
            .await
            .expect("copied")
    };
    let counts = copy(from.clone(), url.clone()).await;
    for (table, source, target) in &counts {
        assert_eq!(source, target, "{table}");
    }
    let calls = counts
        .iter()
        .find(|(table, _, _)| *table == "requests")
        .expect("requests");
    assert_eq!(calls.1, 3_000);

    let old = sqlx::AnyPool::connect(&from).await.expect("old");
    let new = sqlx::AnyPool::connect(&url).await.expect("new");
    assert_eq!(
        calls_of(
            &old,
            server::store::sqlite::encoding::REQUEST_ID_TEXT,
            "has_body"
        )
        .await,
        calls_of(&new, "request_id", "CASE WHEN has_body THEN 1 ELSE 0 END").await,
        "every call, in id order"
    );
    assert_eq!(
        cells_of(&old).await,
        cells_of(&new).await,
        "every cell, sketches to the byte"
    );
    // Every fifth call has a user and two tags; SQLite's cells come from its indexer.
    assert_eq!(dimensions_of(&old, SQLITE_TAG_ENTRIES).await, (600, 1_200));
    assert_eq!(
        dimensions_of(&new, POSTGRES_TAG_ENTRIES).await,
        (600, 1_200)
    );
    assert_eq!(
        (user_totals(&old).await, user_totals(&new).await),
        (600, 600),
        "the totals come along"
    );
    assert_eq!(
        rank_lists(&old).await,
        rank_lists(&new).await,
        "every rank list, to the byte"
    );
    let body: (String, String) = sqlx::query_as(
        "SELECT request_body, response_body FROM request_bodies b JOIN requests r ON r.id = b.request_row_id \
         WHERE r.request_id = 'copy-3'",
    )
    .fetch_one(&new)
    .await
    .expect("a body");
    assert_eq!(
        body,
        (
            "prompt 3\twith a tab".to_owned(),
            "answer\nline two".to_owned()
        )
    );

    // The moved accounts, keys and rules work on PostgreSQL, under their old ids.
    let storage = &server::store::open(&url).await.expect("opens");
    assert!(storage
        .verify_key(&key.key)
        .await
        .expect("verify")
        .is_some());
    let viewer = storage
        .session_viewer(&server::auth::token_hash("moved-session"), now_ms())
        .await
        .expect("session")
        .expect("still signed in");
    assert_eq!(viewer.email, "moved@test.local");
    assert_eq!(
        storage
            .rule(WS, rule)
            .await
            .expect("rule")
            .expect("moved")
            .id,
        rule
    );
    // New rows get new ids, past the copied ones.
    let next = storage
        .create_key(WS, "after", now_ms())
        .await
        .expect("key");
    assert!(next.id > key.id);

    // More traffic on the old server, then a second run: only the new calls come across.
    let sqlite = server::store::open(&from).await.expect("sqlite");
    ingest(&sqlite, 3_000, 500).await;
    assert!(sqlite
        .revoke_key_by_id(WS, key.id, now_ms())
        .await
        .expect("revoke"));
    sqlite.close().await;
    let counts = copy(from.clone(), url.clone()).await;
    let calls = counts
        .iter()
        .find(|(table, _, _)| *table == "requests")
        .expect("requests");
    assert_eq!((calls.1, calls.2), (3_500, 3_500));
    assert_eq!(
        cells_of(&old).await,
        cells_of(&new).await,
        "cells after the second run"
    );
    assert_eq!(
        dimensions_of(&new, POSTGRES_TAG_ENTRIES).await,
        (700, 1_400)
    );
    assert!(
        storage
            .verify_key(&key.key)
            .await
            .expect("verify")
            .is_none(),
        "a key revoked since the first run is revoked in the copy too"
    );
}
