//! Retention removes expired raw rows, bodies and minute cells in batches; hourly cells and alert
//! history last 400 days and daily cells forever.

use serde_json::json;
use server::jobs::retention;

use crate::helpers::{now_ms, record, spawn_app};

const DAY: i64 = 86_400_000;

#[tokio::test]
async fn expired_rows_bodies_and_minute_cells_go_hourly_and_daily_cells_stay() {
    let app = spawn_app().await;
    let now = now_ms();
    let mut records = Vec::new();
    for i in 0..25 {
        let mut old = record(
            &format!("old-{i}"),
            "qwen-plus",
            now - 20 * DAY + i * 61_000,
        );
        old["request_body"] = json!("prompt");
        records.push(old);
    }
    records.push(record("recent", "qwen-plus", now - DAY));
    let reply = app.ingest(json!(records).to_string()).await.json();
    assert_eq!(reply["accepted"], 26);
    // An hourly cell from beyond the 400-day horizon (written directly: ingest refuses such data).
    sqlx::query(
        "INSERT INTO rollup_1h (workspace_id, bucket_ms, model_id, requests, status_2xx, status_4xx, status_429, status_5xx, \
         streamed, input_tokens, output_tokens, total_tokens, cached_tokens, reasoning_tokens, input_text_tokens, \
         input_audio_tokens, input_image_tokens, input_video_tokens, output_text_tokens, output_audio_tokens, images, \
         video_seconds, audio_seconds, characters, cost, cost_count, latency_sum, latency_count, ttft_sum, ttft_count, \
         latency_sketch, ttft_sketch, peak_minute_requests, peak_minute_tokens) SELECT workspace_id, $1, model_id, requests, status_2xx, status_4xx, status_429, status_5xx, \
         streamed, input_tokens, output_tokens, total_tokens, cached_tokens, reasoning_tokens, input_text_tokens, \
         input_audio_tokens, input_image_tokens, input_video_tokens, output_text_tokens, output_audio_tokens, images, \
         video_seconds, audio_seconds, characters, cost, cost_count, latency_sum, latency_count, ttft_sum, ttft_count, \
         latency_sketch, ttft_sketch, peak_minute_requests, peak_minute_tokens FROM rollup_1h LIMIT 1",
    )
    .bind((now - 401 * DAY).div_euclid(3_600_000) * 3_600_000)
    .execute(&app.pool)
    .await
    .expect("ancient hour");
    let days_before = app.count("SELECT count(*) FROM rollup_1d").await;

    let purged = retention::run_once(app.storage.as_ref(), now, 10)
        .await
        .expect("retention");
    assert_eq!(purged.requests, 25, "{purged:?}");
    assert_eq!(purged.bodies, 25);
    assert_eq!(
        purged.minute_cells,
        2 * 25,
        "per-model and all-models cells"
    );
    assert_eq!(purged.hour_cells, 1);

    assert_eq!(app.count("SELECT count(*) FROM requests").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM request_bodies").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM rollup_1m").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM rollup_all_1m").await, 1);
    assert_eq!(
        app.count("SELECT CAST(sum(requests) AS BIGINT) FROM rollup_1h")
            .await,
        26,
        "hourly cells within 400 days stay"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM rollup_1d").await,
        days_before,
        "daily cells stay forever"
    );

    let again = retention::run_once(app.storage.as_ref(), now, 10)
        .await
        .expect("retention");
    assert_eq!(
        again,
        server::store::Purged::default(),
        "a second pass finds nothing"
    );
}

#[tokio::test]
async fn retention_follows_the_workspace_setting() {
    let app = spawn_app().await;
    let now = now_ms();
    let body = json!([
        record("five-days", "m", now - 5 * DAY),
        record("one-day", "m", now - DAY)
    ]);
    assert_eq!(app.ingest(body.to_string()).await.json()["accepted"], 2);
    sqlx::query("UPDATE workspaces SET retention_days = 3 WHERE id = 1")
        .execute(&app.pool)
        .await
        .expect("update");
    let purged = retention::run_once(app.storage.as_ref(), now, 1_000)
        .await
        .expect("retention");
    assert_eq!(purged.requests, 1);
    let left: String = sqlx::query_scalar("SELECT request_id FROM requests")
        .fetch_one(&app.pool)
        .await
        .expect("row");
    assert_eq!(left, "one-day");
}

#[tokio::test]
async fn alert_history_goes_after_400_days_with_its_webhook_deliveries() {
    let app = spawn_app().await;
    let now = now_ms();
    sqlx::query(
        "INSERT INTO alert_channels (id, workspace_id, name, url, format, created_at_ms) \
         VALUES (1, 1, 'ops', 'http://127.0.0.1:9/hook', 'json', $1)",
    )
    .bind(now)
    .execute(&app.pool)
    .await
    .expect("channel");
    for (id, age_days) in [(1, 401), (2, 402), (3, 399)] {
        let at = now - age_days * DAY;
        sqlx::query(
            "INSERT INTO alert_events (id, workspace_id, rule_id, rule_name, severity, metric, \
             target, models, kind, value, threshold, window_from_ms, window_to_ms, at_ms) \
             VALUES ($1, 1, 7, 'errors', 'critical', 'error_rate', '', '[]', 'firing', 0.5, 0.1, $2, $3, $4)",
        )
        .bind(id)
        .bind(at - 300_000)
        .bind(at)
        .bind(at)
        .execute(&app.pool)
        .await
        .expect("event");
        sqlx::query(
            "INSERT INTO alert_deliveries (event_id, channel_id, status, attempts, updated_at_ms) \
             VALUES ($1, 1, 'delivered', 1, $2)",
        )
        .bind(id)
        .bind(at)
        .execute(&app.pool)
        .await
        .expect("delivery");
    }

    let purged = retention::run_once(app.storage.as_ref(), now, 1)
        .await
        .expect("retention");
    assert_eq!(purged.alert_events, 2, "{purged:?}");
    let left: Vec<i64> = sqlx::query_scalar("SELECT id FROM alert_events")
        .fetch_all(&app.pool)
        .await
        .expect("events");
    assert_eq!(left, vec![3]);
    let deliveries: Vec<i64> = sqlx::query_scalar("SELECT event_id FROM alert_deliveries")
        .fetch_all(&app.pool)
        .await
        .expect("deliveries");
    assert_eq!(deliveries, vec![3], "deliveries go with their events");
}
