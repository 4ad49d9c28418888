//! A server killed with SIGKILL in the middle of ingest loses nothing it acknowledged, and the
//! other server goes on serving.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::cluster::{now_ms, record, Cluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_one_server_under_load_loses_no_acknowledged_call() {
    let cluster = Cluster::new().await;
    let mut a = cluster.start(15);
    let b = cluster.start(15);
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut clients = Vec::new();
    for client in 0..4 {
        let (http, base, key) = (a.client.clone(), a.base.clone(), cluster.key.clone());
        let acknowledged = Arc::clone(&acknowledged);
        clients.push(tokio::spawn(async move {
            for batch in 0.. {
                let ids: Vec<String> = (0..250).map(|n| format!("k{client}-{batch}-{n}")).collect();
                let records: Vec<serde_json::Value> = ids
                    .iter()
                    .map(|id| record(id, "alpha", now_ms(), 200, 120))
                    .collect();
                let sent = http
                    .post(format!("{base}/api/v1/requests"))
                    .bearer_auth(&key)
                    .json(&records)
                    .send()
                    .await;
                match sent {
                    Ok(answer) if answer.status().is_success() => {
                        let reply: serde_json::Value = answer.json().await.expect("json");
                        assert_eq!(reply["accepted"], 250);
                        acknowledged.lock().expect("lock").extend(ids);
                    }
                    // The server died: whatever was not acknowledged may or may not be stored.
                    _ => return batch,
                }
            }
            unreachable!()
        }));
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    a.kill();
    let mut batches = 0;
    for client in clients {
        batches += client.await.expect("client");
    }
    assert!(
        batches > 4,
        "the load ran for a while before the kill: {batches} batches"
    );
    let acknowledged = acknowledged.lock().expect("lock").clone();
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT request_id FROM requests WHERE request_id = ANY($1)")
            .bind(&acknowledged)
            .fetch_all(&cluster.pool)
            .await
            .expect("stored");
    assert_eq!(
        stored.len(),
        acknowledged.len(),
        "every acknowledged call is stored"
    );

    // B goes on serving, and its writes add to the same cells.
    let reply = b
        .ingest(
            &cluster.key,
            &serde_json::json!([record("after-the-kill", "alpha", now_ms(), 200, 50)]),
        )
        .await;
    assert_eq!(reply.status(), 200);
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM requests")
        .fetch_one(&cluster.pool)
        .await
        .expect("count");
    let rolled: i64 = sqlx::query_scalar("SELECT sum(requests)::bigint FROM rollup_1d")
        .fetch_one(&cluster.pool)
        .await
        .expect("cells");
    assert_eq!(
        rolled, total,
        "the cells hold every stored call, none of a half-written batch"
    );
}
