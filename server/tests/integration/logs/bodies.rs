//! Calls with their bodies: the export with `bodies=1` in both formats, and one call downloaded
//! as a JSON file from its details, only in its own workspace.

use super::export::parse_csv;
use super::*;

/// Three calls of the last minutes: one with a text request and a JSON response, one whose
/// response would open as a spreadsheet formula, one without bodies.
fn calls_with_bodies(now: i64) -> Vec<serde_json::Value> {
    vec![
        json!({
            "request_id": "with-bodies",
            "timestamp": now - MINUTE,
            "model": "alpha",
            "status": 200,
            "request_body": "say \"hi\", twice\nplease",
            "response_body": { "choices": [{ "text": "hi hi" }] },
        }),
        json!({
            "request_id": "formula-body",
            "timestamp": now - 2 * MINUTE,
            "model": "alpha",
            "status": 200,
            "response_body": "=cmd|' /C calc'!A0",
        }),
        json!({
            "request_id": "no-bodies",
            "timestamp": now - 3 * MINUTE,
            "model": "alpha",
            "status": 200,
        }),
    ]
}

#[tokio::test]
async fn an_export_with_bodies_carries_them_in_csv_and_json_lines() {
    let app = spawn_app().await;
    ingest(&app, &calls_with_bodies(now_ms())).await;

    let csv = app
        .get("/api/v1/logs/export?format=csv&range=1h&bodies=1")
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let records = parse_csv(&csv.body);
    let header = &records[0];
    assert_eq!(
        header[header.len() - 3..],
        ["metadata", "request_body", "response_body"]
    );
    assert!(records.iter().all(|record| record.len() == header.len()));
    let cells = |row: usize| {
        (
            records[row][0].clone(),
            records[row][header.len() - 2].clone(),
            records[row][header.len() - 1].clone(),
        )
    };
    assert_eq!(
        cells(1),
        (
            "with-bodies".to_owned(),
            "say \"hi\", twice\nplease".to_owned(),
            r#"{"choices":[{"text":"hi hi"}]}"#.to_owned()
        )
    );
    assert_eq!(
        cells(2),
        (
            "formula-body".to_owned(),
            String::new(),
            "'=cmd|' /C calc'!A0".to_owned()
        ),
        "a body that would open as a formula is written as text"
    );
    assert_eq!(
        cells(3),
        ("no-bodies".to_owned(), String::new(), String::new())
    );
    assert_eq!(records.len(), 4);

    let jsonl = app
        .get("/api/v1/logs/export?format=jsonl&range=1h&bodies=1")
        .await;
    assert_eq!(jsonl.status, StatusCode::OK, "{}", jsonl.body);
    let lines: Vec<serde_json::Value> = jsonl
        .body
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["request_body"], "say \"hi\", twice\nplease");
    assert_eq!(
        lines[0]["response_body"],
        r#"{"choices":[{"text":"hi hi"}]}"#
    );
    assert_eq!(lines[1]["response_body"], "=cmd|' /C calc'!A0", "exact");
    assert!(lines[1].get("request_body").is_none());
    assert!(lines[2].get("request_body").is_none() && lines[2].get("response_body").is_none());

    // Without `bodies=1` (or with `bodies=0`) there are none.
    for query in ["format=jsonl&range=1h", "format=jsonl&range=1h&bodies=0"] {
        let plain = app.get(&format!("/api/v1/logs/export?{query}")).await;
        assert_eq!(plain.status, StatusCode::OK);
        assert!(!plain.body.contains("request_body"), "{query}");
        assert!(!plain.body.contains("hi hi"), "{query}");
    }
    let plain_csv = app.get("/api/v1/logs/export?format=csv&range=1h").await;
    let first_line = plain_csv.body.split("\r\n").next().unwrap_or_default();
    assert!(first_line.ends_with(",metadata"), "{first_line}");
}

#[tokio::test]
async fn an_export_with_an_invalid_bodies_value_names_the_parameter() {
    let app = spawn_app().await;
    for value in ["yes", "true", "2", ""] {
        let answer = app
            .get(&format!("/api/v1/logs/export?format=csv&bodies={value}"))
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{value}");
        assert_eq!(
            answer.json()["error"],
            "bodies: must be 0 or 1",
            "{value}: {}",
            answer.body
        );
    }
}

#[tokio::test]
async fn an_export_with_bodies_streams_every_call_past_its_hand_over_batches() {
    let app = spawn_app().await;
    let now = now_ms();
    // 600 calls with 3 KiB of bodies each: several batches of bodies per chunk of calls.
    let calls: Vec<serde_json::Value> = (0..600)
        .map(|k: i64| {
            json!({
                "request_id": format!("big-{k:04}"),
                "timestamp": now - MINUTE - k * 1_000,
                "model": "alpha",
                "status": 200,
                "request_body": format!("{k:04}{}", "q".repeat(1_020)),
                "response_body": format!("{k:04}{}", "a".repeat(2_044)),
            })
        })
        .collect();
    ingest(&app, &calls).await;
    let jsonl = app
        .get("/api/v1/logs/export?format=jsonl&range=1h&bodies=1")
        .await;
    assert_eq!(jsonl.status, StatusCode::OK);
    let lines: Vec<serde_json::Value> = jsonl
        .body
        .lines()
        .map(|line| serde_json::from_str(line).expect("a line"))
        .collect();
    assert_eq!(lines.len(), 600);
    for (k, line) in lines.iter().enumerate() {
        let id = format!("big-{k:04}");
        assert_eq!(line["request_id"], id.as_str(), "newest first");
        let request = line["request_body"].as_str().expect("request body");
        let response = line["response_body"].as_str().expect("response body");
        assert!(request.starts_with(&format!("{k:04}q")) && request.len() == 1_024);
        assert!(response.starts_with(&format!("{k:04}a")) && response.len() == 2_048);
    }
}

#[tokio::test]
async fn a_call_downloads_as_json_with_its_bodies() {
    let app = spawn_app().await;
    ingest(&app, &calls_with_bodies(now_ms())).await;
    let download = app.get("/api/v1/logs/call?id=with-bodies&ws=1").await;
    assert_eq!(download.status, StatusCode::OK, "{}", download.body);
    assert_eq!(download.headers["content-type"], "application/json");
    assert_eq!(
        download.headers["content-disposition"],
        "attachment; filename=\"modelwatch-call-with-bodies.json\""
    );
    assert_eq!(download.headers["cache-control"], "no-store");
    let detail: LogDetail = serde_json::from_str(&download.body).expect("a call");
    assert_eq!(detail.request_id, "with-bodies");
    assert_eq!(detail.model, "alpha");
    assert_eq!(
        detail.request_body.as_deref(),
        Some("say \"hi\", twice\nplease")
    );
    assert_eq!(
        detail.response_body.as_deref(),
        Some(r#"{"choices":[{"text":"hi hi"}]}"#)
    );
    // The same as the details panel's JSON view.
    let panel = app
        .get_json("/api/get_log?request_id=with-bodies&ws=1")
        .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&download.body).expect("json"),
        panel.json()
    );
    // The default workspace without `ws`, too.
    let default = app.get("/api/v1/logs/call?id=no-bodies").await;
    assert_eq!(default.status, StatusCode::OK);
    assert!(default.body.contains("\"no-bodies\""));
}

#[tokio::test]
async fn a_call_of_another_workspace_does_not_download() {
    let app = spawn_app().await;
    let other = app
        .storage
        .find_or_create_workspace("other", now_ms())
        .await
        .expect("workspace");
    let key = app
        .storage
        .create_key(other, "theirs", now_ms())
        .await
        .expect("key");
    let theirs = app
        .post(
            "/api/v1/requests",
            &[("authorization", &format!("Bearer {}", key.key))],
            json!([{ "request_id": "their-call", "timestamp": now_ms() - MINUTE,
                     "model": "m", "status": 200, "request_body": "their secret" }])
            .to_string(),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);

    let named_here = app.get("/api/v1/logs/call?id=their-call&ws=1").await;
    assert_eq!(named_here.status, StatusCode::NOT_FOUND);
    assert_eq!(
        named_here.json()["error"],
        "id: no call with this request ID is kept"
    );
    let theirs_named = app
        .get(&format!(
            "/api/v1/logs/call?id=their-call&ws={}",
            other.get()
        ))
        .await;
    assert_eq!(theirs_named.status, StatusCode::FORBIDDEN);
    for answer in [&named_here, &theirs_named] {
        assert!(!answer.body.contains("their secret"), "{}", answer.body);
    }
    let signed_out = app
        .get_as("/api/v1/logs/call?id=their-call", "application/json", None)
        .await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
    // Their own admin downloads it.
    let bob = crate::helpers::signed_in(
        app.storage.as_ref(),
        "bob@test.local",
        other,
        app::model::Role::Viewer,
    )
    .await;
    let own = app
        .get_as(
            &format!("/api/v1/logs/call?id=their-call&ws={}", other.get()),
            "application/json",
            Some(&bob),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert!(own.body.contains("their secret"));
}

#[tokio::test]
async fn a_download_without_a_sound_request_id_is_refused_naming_it() {
    let app = spawn_app().await;
    let too_long = "x".repeat(129);
    for query in ["", "id=", "id=%20", &format!("id={too_long}")] {
        let answer = app.get(&format!("/api/v1/logs/call?{query}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(
            answer.json()["error"],
            "id: a request ID of 1 to 128 characters"
        );
    }
    let unknown = app.get("/api/v1/logs/call?id=never-sent").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
