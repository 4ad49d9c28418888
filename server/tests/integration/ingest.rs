//! The ingest API: formats, acknowledgements, deduplication, late data, bodies.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{now_ms, record, spawn_app};

#[tokio::test]
async fn an_array_a_wrapper_and_ndjson_are_all_stored() {
    let app = spawn_app().await;
    let now = now_ms();
    let array = json!([
        record("a1", "qwen-plus", now),
        record("a2", "qwen-plus", now)
    ]);
    let response = app.ingest(array.to_string()).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json()["accepted"], 2);

    let wrapper = json!({ "requests": [record("w1", "qwen-max", now)] });
    assert_eq!(app.ingest(wrapper.to_string()).await.json()["accepted"], 1);

    let ndjson = format!(
        "{}\n{}\n",
        record("n1", "qwen-max", now),
        record("n2", "qwen-max", now)
    );
    let response = app.ingest(ndjson).await;
    assert_eq!(response.json()["accepted"], 2, "{}", response.body);

    assert_eq!(app.count("SELECT count(*) FROM requests").await, 5);
    assert_eq!(app.count("SELECT count(*) FROM models").await, 2);
    assert_eq!(app.count("SELECT sum(requests) FROM rollup_1m").await, 5);
    assert_eq!(app.count("SELECT sum(requests) FROM rollup_1h").await, 5);
    assert_eq!(app.count("SELECT sum(requests) FROM rollup_1d").await, 5);
}

#[tokio::test]
async fn a_record_sent_twice_is_a_duplicate_and_counted_once() {
    let app = spawn_app().await;
    let now = now_ms();
    let body = json!([record("same", "qwen-plus", now)]).to_string();
    assert_eq!(app.ingest(body.clone()).await.json()["accepted"], 1);
    let again = app.ingest(body).await.json();
    assert_eq!(
        (again["accepted"].as_i64(), again["duplicates"].as_i64()),
        (Some(0), Some(1))
    );
    // Twice within one call, too.
    let twice = json!([
        record("twin", "qwen-plus", now),
        record("twin", "qwen-plus", now)
    ]);
    let reply = app.ingest(twice.to_string()).await.json();
    assert_eq!(
        (reply["accepted"].as_i64(), reply["duplicates"].as_i64()),
        (Some(1), Some(1))
    );

    assert_eq!(app.count("SELECT count(*) FROM requests").await, 2);
    for table in ["rollup_1m", "rollup_1h", "rollup_1d"] {
        let sql = format!("SELECT sum(requests) FROM {table}");
        assert_eq!(app.count(&sql).await, 2, "{table}");
        let tokens = format!("SELECT sum(input_tokens) FROM {table}");
        assert_eq!(app.count(&tokens).await, 200, "{table}");
    }
}

#[tokio::test]
async fn the_same_request_id_in_another_workspace_is_not_a_duplicate() {
    let app = spawn_app().await;
    let other = app
        .storage
        .find_or_create_workspace("other", now_ms())
        .await
        .expect("workspace");
    let other_key = app
        .storage
        .create_key(other, "k", now_ms())
        .await
        .expect("key")
        .key;
    let body = json!([record("shared-id", "qwen-plus", now_ms())]).to_string();
    assert_eq!(app.ingest(body.clone()).await.json()["accepted"], 1);
    let authorization = format!("Bearer {other_key}");
    let response = app
        .post(
            "/api/v1/requests",
            &[("authorization", authorization.as_str())],
            body,
        )
        .await;
    assert_eq!(response.json()["accepted"], 1, "{}", response.body);
    assert_eq!(
        app.count(
            "SELECT count(DISTINCT workspace_id) FROM requests WHERE request_id = 'shared-id'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn records_without_a_request_id_get_a_time_ordered_uuid() {
    let app = spawn_app().await;
    let mut first = record("x", "qwen-plus", now_ms());
    first.as_object_mut().expect("object").remove("request_id");
    let second = first.clone();
    let reply = app.ingest(json!([first, second]).to_string()).await.json();
    assert_eq!(reply["accepted"], 2);
    let sql = format!(
        "SELECT {} FROM requests ORDER BY id",
        crate::database::request_id_text()
    );
    let ids: Vec<String> = sqlx::query_scalar(&sql)
        .fetch_all(&app.pool)
        .await
        .expect("ids");
    assert_eq!(ids.len(), 2);
    for id in &ids {
        let uuid = uuid::Uuid::parse_str(id).expect("a uuid");
        assert_eq!(uuid.get_version_num(), 7, "{id}");
    }
    assert!(ids[0] < ids[1], "time-ordered: {ids:?}");
}

#[tokio::test]
async fn late_records_land_in_their_own_buckets() {
    let app = spawn_app().await;
    let now = now_ms();
    let three_days_ago = now - 3 * 86_400_000;
    let body = json!([
        record("late", "qwen-max", three_days_ago),
        record("now", "qwen-max", now)
    ]);
    assert_eq!(app.ingest(body.to_string()).await.json()["accepted"], 2);
    for (table, width) in [
        ("rollup_1m", 60_000),
        ("rollup_1h", 3_600_000),
        ("rollup_1d", 86_400_000),
    ] {
        let sql = format!("SELECT requests FROM {table} WHERE bucket_ms = $1");
        let late: i64 = sqlx::query_scalar(&sql)
            .bind(three_days_ago.div_euclid(width) * width)
            .fetch_one(&app.pool)
            .await
            .expect("late cell");
        assert_eq!(late, 1, "{table}");
    }
}

#[tokio::test]
async fn units_of_every_kind_bodies_and_unknown_usage_keys_are_kept() {
    let app = spawn_app().await;
    let now = now_ms();
    let body = json!([
        {
            "request_id": "omni-1", "timestamp": chrono::Utc::now().to_rfc3339(), "model": "qwen-omni-turbo",
            "model_kind": "omni", "status": 200, "latency_ms": 2000,
            "usage": {
                "prompt_tokens": 900, "completion_tokens": 300,
                "prompt_tokens_details": { "cached_tokens": 100, "audio_tokens": 600, "text_tokens": 300 },
                "completion_tokens_details": { "audio_tokens": 200, "text_tokens": 100 },
                "vendor_special_units": 7
            },
            "request_body": { "messages": [{ "role": "user", "content": "<script>alert(1)</script>" }] },
            "response_body": "plain text answer",
            "api_key": "sk-live-abcdefghijklmnop1234",
            "metadata": { "user": "u1", "tags": ["prod"] }
        },
        { "request_id": "img-1", "timestamp": now, "model": "wan2.2-t2i", "model_kind": "image", "status": 200, "usage": { "images": 3 } },
        { "request_id": "vid-1", "timestamp": now, "model": "wan2.2-t2v", "model_kind": "video", "status": 200, "usage": { "video_seconds": 5.5 } },
        { "request_id": "tts-1", "timestamp": now, "model": "cosyvoice-v2", "model_kind": "speech", "operation": "tts", "status": 200, "usage": { "characters": 420 } },
        { "request_id": "asr-1", "timestamp": now, "model": "paraformer-v2", "model_kind": "speech", "operation": "asr", "status": 200, "usage": { "audio_seconds": 61.5 } }
    ]);
    let response = app.ingest(body.to_string()).await;
    assert_eq!(response.json()["accepted"], 5, "{}", response.body);

    let row: (i64, i64, i64, i64, i64, i64, i64, Option<String>, String, i64) = sqlx::query_as(
        "SELECT input_tokens, output_tokens, total_tokens, cached_tokens, input_audio_tokens, \
         output_audio_tokens, output_text_tokens, usage_other, api_key, kind FROM requests WHERE request_id = 'omni-1'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("row");
    assert_eq!(
        (row.0, row.1, row.2, row.3, row.4, row.5, row.6),
        (900, 300, 1200, 100, 600, 200, 100)
    );
    let other: serde_json::Value = serde_json::from_str(&row.7.expect("kept")).expect("json");
    assert_eq!(other["vendor_special_units"], 7);
    assert_eq!(row.8, "sk-…1234", "secrets are masked");
    assert_eq!(
        app::model::ModelKind::from_code(row.9),
        Some(app::model::ModelKind::Omni)
    );
    let (request_body, response_body): (String, String) = sqlx::query_as(
        "SELECT b.request_body, b.response_body FROM request_bodies b JOIN requests r ON r.id = b.request_row_id \
         WHERE r.request_id = 'omni-1'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("bodies");
    assert!(request_body.contains("<script>alert(1)</script>"));
    assert_eq!(response_body, "plain text answer");

    assert_eq!(app.count("SELECT sum(images) FROM rollup_1d").await, 3);
    assert_eq!(
        app.count("SELECT sum(characters) FROM rollup_1d").await,
        420
    );
    let seconds: (f64, f64) =
        sqlx::query_as("SELECT sum(video_seconds), sum(audio_seconds) FROM rollup_1h")
            .fetch_one(&app.pool)
            .await
            .expect("seconds");
    assert_eq!(seconds, (5.5, 61.5));
    let operations: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT operation FROM requests WHERE request_id IN ('img-1', 'tts-1', 'asr-1') ORDER BY request_id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("operations");
    // The kind's default operation is stored as NULL; others are kept.
    assert_eq!(operations, vec![Some("asr".to_owned()), None, None]);
}

#[tokio::test]
async fn a_mixed_call_stores_the_valid_records_and_explains_the_rest() {
    let app = spawn_app().await;
    let now = now_ms();
    let mut bad_latency = record("bad", "qwen-plus", now);
    bad_latency["latency_ms"] = json!(-5);
    let body = json!([record("good-1", "qwen-plus", now), bad_latency, {"model": "m"}, record("good-2", "qwen-plus", now)]);
    let response = app.ingest(body.to_string()).await;
    assert_eq!(response.status, StatusCode::OK);
    let reply = response.json();
    assert_eq!(
        (reply["accepted"].as_i64(), reply["rejected"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(reply["errors"][0]["index"], 1);
    assert_eq!(reply["errors"][0]["field"], "latency_ms");
    assert_eq!(reply["errors"][1]["index"], 2);
    assert_eq!(reply["errors"][1]["field"], "timestamp");
    assert_eq!(app.count("SELECT count(*) FROM requests").await, 2);
}

#[tokio::test]
async fn uuid_and_number_like_ids_are_kept_exactly_and_deduplicated() {
    let app = spawn_app().await;
    let now = now_ms();
    let ids = [
        "0192f1a4-7c3e-7b2a-9f10-3c4d5e6f7a8b",
        "0192F1A4-7C3E-7B2A-9F10-3C4D5E6F7A8B",
        "00123",
        "1e5",
    ];
    let body: Vec<_> = ids.iter().map(|id| record(id, "qwen-plus", now)).collect();
    assert_eq!(
        app.ingest(json!(body).to_string()).await.json()["accepted"],
        4
    );
    assert_eq!(
        app.ingest(json!(body).to_string()).await.json()["duplicates"],
        4
    );
    let sql = format!(
        "SELECT {} FROM requests ORDER BY id",
        crate::database::request_id_text()
    );
    let stored: Vec<String> = sqlx::query_scalar(&sql)
        .fetch_all(&app.pool)
        .await
        .expect("ids");
    assert_eq!(stored, ids);
}
