//! Two servers writing the same minutes of the same models at once: every rollup cell equals a
//! recount of the raw rows, sketches included, and a record sent to both is stored once.

use std::collections::HashSet;

use server::rollup::{Level, Sketch};
use sqlx::Row;

use crate::cluster::{now_ms, record, Cluster};

const RECOUNT: &str = "count(*), \
     sum(CASE WHEN status BETWEEN 200 AND 299 THEN 1 ELSE 0 END)::bigint, \
     sum(CASE WHEN status = 429 THEN 1 ELSE 0 END)::bigint, \
     sum(CASE WHEN status >= 500 THEN 1 ELSE 0 END)::bigint, \
     sum(input_tokens)::bigint, sum(latency_ms)::bigint, count(ttft_ms), sum(ttft_ms)::bigint";
const ROLLED: &str = "requests, status_2xx, status_429, status_5xx, input_tokens, latency_sum, \
     ttft_count, ttft_sum";

type Counts = Vec<i64>;

async fn rows(pool: &sqlx::PgPool, sql: &str) -> Vec<Counts> {
    sqlx::query(sql)
        .fetch_all(pool)
        .await
        .expect(sql)
        .iter()
        .map(|row| {
            (0..row.len())
                .map(|index| row.get::<i64, _>(index))
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_through_two_servers_add_up_to_a_recount_of_the_raw_rows() {
    let cluster = Cluster::new().await;
    let servers = [cluster.start(15), cluster.start(15)];
    let now = now_ms();
    // Four clients, two per server, 15 batches of 200 records each over the same 10 minutes
    // and three models; one record in ten carries an id another client also sends.
    let mut clients = Vec::new();
    for client in 0..4_usize {
        let server = &servers[client % 2];
        let (client_http, base, key) = (
            server.client.clone(),
            server.base.clone(),
            cluster.key.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut accepted = 0;
            for batch in 0..15_i64 {
                let records: Vec<serde_json::Value> = (0..200_i64)
                    .map(|n| {
                        let id = if n % 10 == 0 {
                            format!("shared-{batch}-{n}")
                        } else {
                            format!("c{client}-{batch}-{n}")
                        };
                        let status = [200, 200, 200, 429, 500][(n % 5) as usize];
                        let model = ["alpha", "beta", "gamma"][(n % 3) as usize];
                        record(
                            &id,
                            model,
                            now - (n % 600) * 1_000,
                            status,
                            50 + (n * 37 + batch) % 4_000,
                        )
                    })
                    .collect();
                let reply: serde_json::Value = client_http
                    .post(format!("{base}/api/v1/requests"))
                    .bearer_auth(&key)
                    .json(&records)
                    .send()
                    .await
                    .expect("answers")
                    .json()
                    .await
                    .expect("json");
                accepted += reply["accepted"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("no acceptance: {reply}"));
            }
            accepted
        }));
    }
    let mut accepted = 0;
    for client in clients {
        accepted += client.await.expect("client");
    }
    // Ids: 4 clients x 15 batches x 180 own ids, and 15 x 20 shared ones.
    let distinct = 4 * 15 * 180 + 15 * 20;
    assert_eq!(accepted, distinct, "each shared record is accepted once");
    let pool = &cluster.pool;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM requests")
        .fetch_one(pool)
        .await
        .expect("count");
    assert_eq!(stored, distinct);
    let ids: HashSet<String> = sqlx::query_scalar("SELECT request_id FROM requests")
        .fetch_all(pool)
        .await
        .expect("ids")
        .into_iter()
        .collect();
    assert_eq!(ids.len() as i64, distinct, "no id stored twice");

    for level in Level::ALL {
        let width = level.width_ms();
        let recount = rows(
            pool,
            &format!(
                "SELECT (ts_ms / {width}) * {width}, model_id, {RECOUNT} FROM requests \
                 GROUP BY 1, 2 ORDER BY 1, 2"
            ),
        )
        .await;
        let rolled = rows(
            pool,
            &format!(
                "SELECT bucket_ms, model_id, {ROLLED} FROM {} ORDER BY 1, 2",
                level.table()
            ),
        )
        .await;
        assert_eq!(recount, rolled, "{level:?}");
        let recount_all = rows(
            pool,
            &format!(
                "SELECT (ts_ms / {width}) * {width}, 0::bigint, {RECOUNT} FROM requests \
                 GROUP BY 1 ORDER BY 1"
            ),
        )
        .await;
        let rolled_all = rows(
            pool,
            &format!(
                "SELECT bucket_ms, model_id, {ROLLED} FROM {} ORDER BY 1, 2",
                level.all_models_table()
            ),
        )
        .await;
        assert_eq!(recount_all, rolled_all, "all models, {level:?}");
        if level != Level::Minute {
            let peaks = rows(
                pool,
                &format!(
                    "SELECT bucket_ms, model_id, peak_minute_requests, peak_minute_tokens \
                     FROM {} ORDER BY 1, 2",
                    level.table()
                ),
            )
            .await;
            let minute_maxima = rows(
                pool,
                &format!(
                    "SELECT (bucket_ms / {width}) * {width}, model_id, max(requests), \
                     max(total_tokens) FROM rollup_1m GROUP BY 1, 2 ORDER BY 1, 2"
                ),
            )
            .await;
            assert_eq!(peaks, minute_maxima, "busiest minutes, {level:?}");
        }
        // Every call's latency is in exactly one sketch per level.
        let sketches: Vec<Option<Vec<u8>>> =
            sqlx::query_scalar(&format!("SELECT latency_sketch FROM {}", level.table()))
                .fetch_all(pool)
                .await
                .expect("sketches");
        let in_sketches: u64 = sketches
            .into_iter()
            .flatten()
            .map(|bytes| Sketch::decode(&bytes).expect("decodes").count())
            .sum();
        assert_eq!(in_sketches as i64, distinct, "sketch counts, {level:?}");
    }
}
