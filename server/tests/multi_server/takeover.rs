//! What must hold when servers come and go, and what PostgreSQL does differently: a job's
//! passes go on when the server running them dies, signing out everywhere through one server
//! signs out on the other, and retention drops whole day partitions while keeping what a
//! longer-lived workspace still needs.

use std::time::Duration;

use crate::cluster::{now_ms, record, Cluster};

/// `(slot, server)` of the alert job's newest pass.
async fn alert_pass(cluster: &Cluster) -> Option<(i64, String)> {
    sqlx::query_as("SELECT slot, server FROM job_slots WHERE job = 'alerts'")
        .fetch_optional(&cluster.pool)
        .await
        .expect("slots")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn alert_passes_go_on_when_the_server_running_them_dies() {
    let cluster = Cluster::new().await;
    let mut a = cluster.start(1);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let b = cluster.start(1);
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    // Both servers have been claiming passes; once A is gone, only B can.
    let before = alert_pass(&cluster).await.expect("passes ran");
    a.kill();
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let after_kill = alert_pass(&cluster).await.expect("passes ran");
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    let later = alert_pass(&cluster).await.expect("passes ran");
    assert!(after_kill.0 > before.0, "{before:?} then {after_kill:?}");
    assert!(
        later.0 >= after_kill.0 + 2,
        "one pass a second: {after_kill:?} then {later:?}"
    );
    assert_eq!(later.1, after_kill.1, "only the survivor runs them now");
    drop(b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signing_out_everywhere_through_one_server_ends_the_session_on_the_other() {
    let cluster = Cluster::new().await;
    let (a, b) = (cluster.start(15), cluster.start(15));
    let viewer = |server: &crate::cluster::Server| {
        server
            .client
            .get(format!("{}/api/current_viewer", server.base))
            .header("cookie", format!("mw_session={}", cluster.session))
            .header("accept", "application/json")
            .send()
    };
    assert_eq!(viewer(&b).await.expect("answers").status(), 200);
    let out = a
        .form(Some(&cluster.session), "/api/sign_out_everywhere", "")
        .await;
    assert_eq!(
        out.status(),
        200,
        "{}",
        out.text().await.unwrap_or_default()
    );
    assert_eq!(viewer(&b).await.expect("answers").status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retention_drops_whole_days_unless_a_workspace_still_keeps_them() {
    let cluster = Cluster::new().await;
    let server = cluster.start(15);
    const DAY: i64 = 86_400_000;
    let now = now_ms();
    let old: Vec<serde_json::Value> = (0..20)
        .map(|n| {
            record(
                &format!("old-{n}"),
                "alpha",
                now - 20 * DAY + n * 1_000,
                200,
                50,
            )
        })
        .collect();
    assert_eq!(
        server
            .ingest(&cluster.key, &serde_json::json!(old))
            .await
            .status(),
        200
    );
    assert_eq!(
        server
            .ingest(
                &cluster.key,
                &serde_json::json!([record("new", "alpha", now - 60_000, 200, 50)])
            )
            .await
            .status(),
        200
    );
    let partitions = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = 'requests'::regclass ORDER BY 1",
        )
        .fetch_all(&cluster.pool)
        .await
        .expect("partitions")
    };
    let before = partitions().await;
    assert!(before.len() >= 2, "{before:?}");

    // Another workspace keeps 30 days: the old days stay, the default workspace's rows go.
    let keeper = cluster
        .storage
        .find_or_create_workspace("keeper", now)
        .await
        .expect("workspace");
    cluster
        .storage
        .set_retention(keeper, 30)
        .await
        .expect("30 days");
    let purged = server::jobs::retention::run_once(cluster.storage.as_ref(), now, 7)
        .await
        .expect("retention");
    assert_eq!(purged.requests, 20, "{purged:?}");
    assert_eq!(
        partitions().await,
        before,
        "a 30-day workspace still needs the old days"
    );

    // With every workspace at 14 days, the old days' partitions are dropped whole.
    cluster
        .storage
        .set_retention(keeper, 14)
        .await
        .expect("14 days");
    assert_eq!(
        server
            .ingest(&cluster.key, &serde_json::json!(old))
            .await
            .status(),
        200
    );
    let purged = server::jobs::retention::run_once(cluster.storage.as_ref(), now, 7)
        .await
        .expect("retention");
    assert_eq!(purged.requests, 20, "{purged:?}");
    let after = partitions().await;
    assert!(after.len() < before.len(), "{before:?} -> {after:?}");
    let left: Vec<String> = sqlx::query_scalar("SELECT request_id FROM requests")
        .fetch_all(&cluster.pool)
        .await
        .expect("rows");
    assert_eq!(left, vec!["new".to_owned()]);
}
