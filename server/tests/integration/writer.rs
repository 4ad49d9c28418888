//! The batch writer: acknowledgements after commit, a bounded queue, draining on shutdown.

use std::time::Duration;

use server::ingest::record::{validate, Source};
use server::ingest::writer::{self, SubmitError, WriterConfig};
use server::store::Pending;

use crate::helpers::{now_ms, record};

fn pending(count: usize, prefix: &str) -> Vec<Pending> {
    (0..count)
        .map(|i| Pending {
            workspace_id: crate::helpers::WS,
            ingest_key_id: None,
            record: validate(
                i,
                record(&format!("{prefix}-{i}"), "qwen-plus", now_ms()),
                now_ms(),
                Source::Api,
            )
            .expect("valid"),
        })
        .collect()
}

async fn open(
    database: &crate::database::TestDatabase,
) -> (server::store::SharedStorage, sqlx::AnyPool) {
    crate::helpers::open_store(&database.url).await
}

#[tokio::test]
async fn a_full_queue_is_refused_at_once_and_nothing_is_lost() {
    let database = crate::database::TestDatabase::fresh().await;
    let (storage, pool) = open(&database).await;
    // Hold the write lock so the writer's first transaction waits.
    let mut blocker = crate::database::hold_write_lock(&pool).await;

    let config = WriterConfig {
        queue_records: 100,
        flush_records: 100,
        flush_interval: Duration::from_millis(1),
        writers: None,
    };
    let (handle, task) = writer::spawn(storage.as_ref(), config).expect("writer");
    let first = tokio::spawn({
        let handle = handle.clone();
        async move { handle.submit(pending(80, "first")).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let refused = handle.submit(pending(30, "second")).await;
    assert!(
        matches!(refused, Err(SubmitError::QueueFull)),
        "{refused:?}"
    );
    let too_large = handle.submit(pending(101, "huge")).await;
    assert!(
        matches!(too_large, Err(SubmitError::TooLarge(101))),
        "{too_large:?}"
    );

    sqlx::query("ROLLBACK")
        .execute(&mut *blocker)
        .await
        .expect("unlock");
    let stored = first.await.expect("join").expect("stored");
    assert_eq!(stored.len(), 80);
    assert!(stored.iter().all(|stored| *stored));
    // Room again once the first batch is committed.
    assert_eq!(
        handle
            .submit(pending(30, "second"))
            .await
            .expect("stored")
            .len(),
        30
    );
    drop(handle);
    task.await.expect("writer stops");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM requests")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(rows, 110);
}

#[tokio::test]
async fn shutdown_drains_every_queued_submission() {
    let database = crate::database::TestDatabase::fresh().await;
    let (storage, pool) = open(&database).await;
    let (handle, task) = writer::spawn(storage.as_ref(), WriterConfig::default()).expect("writer");
    let mut submissions = Vec::new();
    for batch in 0..20 {
        let handle = handle.clone();
        submissions.push(tokio::spawn(async move {
            handle.submit(pending(250, &format!("b{batch}"))).await
        }));
    }
    drop(handle);
    for submission in submissions {
        let stored = submission.await.expect("join").expect("acknowledged");
        assert_eq!(stored.len(), 250);
    }
    task.await.expect("writer stops after draining");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM requests")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(rows, 5_000);
}
