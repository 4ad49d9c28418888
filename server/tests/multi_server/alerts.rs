//! Alert rules with two servers: each evaluation runs once per interval, not once per server,
//! and the notification reaches open dashboards on both servers.

use std::time::{Duration, Instant};

use app::model::{Comparator, Condition, Metric, RuleScope, RuleSpec, Severity};
use futures_util::StreamExt;

use crate::cluster::{now_ms, record, Cluster, Server, WS};

/// Fires after three evaluations in a row see any call in the last five minutes.
pub fn any_call_rule() -> RuleSpec {
    RuleSpec {
        name: "Any call".into(),
        metric: Metric::Requests,
        status: None,
        scope: RuleScope::AllModels,
        dimension: None,
        condition: Condition::Threshold {
            comparator: Comparator::Above,
            value: 0.0,
        },
        window_secs: 300,
        consecutive: 3,
        min_requests: 1,
        severity: Severity::Critical,
        channels: Vec::new(),
        renotify_secs: None,
        enabled: true,
    }
}

/// `(kind, at_ms)` of every event of the workspace, oldest first.
async fn events(cluster: &Cluster) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT kind, at_ms FROM alert_events ORDER BY at_ms, id")
        .fetch_all(&cluster.pool)
        .await
        .expect("events")
}

/// Reads `server`'s event stream until an alert arrives; its data, or `None` after `wait`.
async fn next_alert(server: &Server, session: &str, wait: Duration) -> Option<String> {
    let response = server
        .client
        .get(format!("{}/api/v1/events?ws=1", server.base))
        .header("cookie", format!("mw_session={session}"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("the stream opens");
    assert!(response.status().is_success(), "{}", response.status());
    let mut body = response.bytes_stream();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .ok()??;
        text.push_str(&String::from_utf8_lossy(&chunk.ok()?));
        if let Some(at) = text.find("event: alert") {
            let rest = &text[at..];
            if let Some(end) = rest.find("\n\n") {
                return Some(rest[..end].to_owned());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rule_is_evaluated_once_per_interval_and_both_dashboards_hear_it_fire() {
    let cluster = Cluster::new().await;
    let servers = [cluster.start(1), cluster.start(1)];
    // Dashboards open on both servers before anything happens.
    let listeners: Vec<_> = servers
        .iter()
        .map(|server| next_alert(server, &cluster.session, Duration::from_secs(20)))
        .collect();
    let listening = futures_util::future::join_all(listeners);
    let firing = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        cluster
            .storage
            .create_rule(WS, &any_call_rule(), now_ms())
            .await
            .expect("rule");
        let reply = servers[0]
            .ingest(
                &cluster.key,
                &serde_json::json!([record("one", "alpha", now_ms() - 5_000, 200, 80)]),
            )
            .await;
        assert!(reply.status().is_success());
        let started = Instant::now();
        while !events(&cluster)
            .await
            .iter()
            .any(|(kind, _)| kind == "firing")
        {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the rule never fired"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let (heard, ()) = tokio::join!(listening, firing);
    for (server, alert) in heard.iter().enumerate() {
        let alert = alert
            .as_deref()
            .unwrap_or_else(|| panic!("server {server}'s dashboard heard nothing"));
        assert!(alert.contains("Any call"), "{alert}");
        assert!(alert.contains("firing"), "{alert}");
    }
    // Two more intervals: still exactly one pending and one firing event, the firing one
    // two evaluations after the pending one. Two servers each evaluating every interval would
    // have counted the three breaches in half the time.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let events = events(&cluster).await;
    let of = |kind: &str| -> Vec<i64> {
        events
            .iter()
            .filter(|(event, _)| event == kind)
            .map(|(_, at)| *at)
            .collect()
    };
    let (pending, firing) = (of("pending"), of("firing"));
    assert_eq!((pending.len(), firing.len()), (1, 1), "{events:?}");
    assert!(
        firing[0] - pending[0] >= 1_500,
        "three evaluations take two intervals: {events:?}"
    );
    let claimed: Vec<(String, i64)> =
        sqlx::query_as("SELECT job, slot FROM job_slots WHERE job = 'alerts'")
            .fetch_all(&cluster.pool)
            .await
            .expect("slots");
    assert_eq!(claimed.len(), 1, "{claimed:?}");
}
