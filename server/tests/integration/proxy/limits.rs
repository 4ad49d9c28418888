//! What a client's body may cost the proxy: a multipart boundary of at most 70 characters, JSON
//! nested at most 128 deep, and large bodies read without building them (the usage request is
//! still written into them).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};

use super::support::{call, calls_recorded, proxied, read_all, record_id, stored};

/// A transcription upload with `boundary`.
async fn transcribe(app: &crate::helpers::TestApp, boundary: &str) -> axum::response::Response {
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF....\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--{boundary}--\r\n"
    );
    let request = Request::post("/proxy/v1/audio/transcriptions")
        .header("authorization", format!("Bearer {}", app.key))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(multipart))
        .expect("request");
    app.respond(request).await
}

#[tokio::test]
async fn a_multipart_boundary_longer_than_rfc_2046_allows_is_refused() {
    let (app, upstream) = proxied().await;
    let response = transcribe(&app, &"b".repeat(71)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_slice(&read_all(response).await).expect("JSON");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("boundary must be 1 to 70 characters"),
        "{body}"
    );
    assert_eq!(
        (&body["error"]["type"], &body["error"]["code"]),
        (&json!("invalid_request_error"), &json!(400))
    );
    assert!(upstream.seen().is_empty(), "nothing was forwarded");
    assert_eq!(calls_recorded(&app, 0).await, 0);

    let response = transcribe(&app, &"b".repeat(70)).await;
    assert_eq!(response.status(), StatusCode::OK, "70 characters are fine");
    let id = record_id(&response);
    read_all(response).await;
    assert_eq!(stored(&app, &id).await.operation, "asr");
}

#[tokio::test]
async fn a_body_nested_deeper_than_128_levels_is_refused() {
    let (app, upstream) = proxied().await;
    let deep = (0..130).fold(json!(1), |inner, _| Value::Array(vec![inner]));
    let response = call(
        &app,
        "/proxy/v1/chat/completions",
        json!({"model": "whole-ok", "messages": [{"role": "user", "content": [{"nested": [deep]}]}]}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_slice(&read_all(response).await).expect("JSON");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("deeper than 128 levels"), "{body}");
    assert_eq!(body["error"]["code"], 400);
    assert!(upstream.seen().is_empty());
}

#[tokio::test]
async fn a_large_streamed_request_is_read_whole_and_still_asks_for_usage() {
    let (app, upstream) = proxied().await;
    let long = "word ".repeat(400_000);
    let request = json!({"model": "stream-ok", "stream": true, "messages": [{"role": "user", "content": long}]});
    let response = call(&app, "/proxy/v1/chat/completions", request.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let id = record_id(&response);
    let text = String::from_utf8_lossy(&read_all(response).await).into_owned();
    assert!(
        text.contains("[DONE]") && !text.contains("prompt_tokens"),
        "{text}"
    );

    let sent = upstream.seen()[0].body.clone();
    let client_sent = request.to_string();
    let expected = client_sent.replacen('{', r#"{"stream_options":{"include_usage":true},"#, 1);
    assert!(
        sent == expected.as_bytes(),
        "only the usage request was added to the 2 MB body"
    );
    let detail = stored(&app, &id).await;
    assert_eq!(detail.usage.total_tokens, Some(17));
    assert!(
        detail.request_body.is_none(),
        "a body over the record's limit is not kept"
    );
}
