//! What one server changes, every server knows at once: a key revoked through one server is
//! refused by the other within a second, and failed logins count across servers.

use std::time::{Duration, Instant};

use crate::cluster::{now_ms, record, Cluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_revoked_through_one_server_is_refused_by_the_other_within_a_second() {
    let cluster = Cluster::new().await;
    let (a, b) = (cluster.start(15), cluster.start(15));
    let key = cluster
        .storage
        .create_key(crate::cluster::WS, "doomed", now_ms())
        .await
        .expect("key");
    // B has verified the key and remembers it.
    let first = b
        .ingest(
            &key.key,
            &serde_json::json!([record("before", "alpha", now_ms(), 200, 10)]),
        )
        .await;
    assert_eq!(first.status(), 200);
    let revoked = a
        .form(
            Some(&cluster.session),
            "/api/revoke_api_key",
            &format!("ws=1&id={}", key.id),
        )
        .await;
    assert_eq!(
        revoked.status(),
        200,
        "{}",
        revoked.text().await.unwrap_or_default()
    );
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let answer = b
            .ingest(
                &key.key,
                &serde_json::json!([record(
                    &format!("after-{attempt}"),
                    "alpha",
                    now_ms(),
                    200,
                    10
                )]),
            )
            .await;
        if answer.status() == 401 {
            break;
        }
        assert_eq!(answer.status(), 200);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "B still takes the revoked key after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failed_logins_count_on_every_server() {
    let cluster = Cluster::new().await;
    let servers = [cluster.start(15), cluster.start(15)];
    let attempt = |server: usize, password: &str| {
        let server = &servers[server];
        let body = format!("email=admin%40test.local&password={password}&next=%2F");
        async move { server.form(None, "/login", &body).await.status().as_u16() }
    };
    // Five wrong passwords, alternating between the servers.
    for n in 0..5 {
        assert_eq!(
            attempt(n % 2, &format!("wrong-{n}")).await,
            303,
            "attempt {n}"
        );
    }
    // Both servers now refuse the account, even with the right password.
    for server in 0..2 {
        assert_eq!(attempt(server, "correct%20horse%20battery").await, 429);
    }
    // Attempts out of every window are forgotten by retention, so the table stays bounded.
    let counted = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM login_attempts")
            .fetch_one(&cluster.pool)
            .await
            .expect("count")
    };
    assert!(counted().await > 0);
    let later = now_ms() + server::auth::limiter::WINDOW_MS + 1_000;
    server::jobs::retention::run_once(cluster.storage.as_ref(), later, 100)
        .await
        .expect("retention");
    assert_eq!(counted().await, 0);
}
