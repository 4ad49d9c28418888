//! The other endpoints, each recorded in its own units, and the model list passed through
//! unrecorded.

use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};

use super::support::{
    call, call_with_headers, calls_recorded, frames, get, metadata_note, proxied, read_all,
    record_id, stored,
};

#[tokio::test]
async fn embeddings_images_speech_and_transcriptions_are_recorded_in_their_units() {
    let (app, upstream) = proxied().await;
    let response = call(
        &app,
        "/proxy/v1/embeddings",
        json!({"model": "text-embedding-3-small", "input": "hi"}),
    )
    .await;
    let id = record_id(&response);
    let _ = frames(response, Instant::now()).await;
    let detail = stored(&app, &id).await;
    assert_eq!(
        (detail.kind.as_str(), detail.operation.as_str()),
        ("embedding", "embedding")
    );
    assert_eq!(detail.usage.input_tokens, Some(8));
    assert_eq!(metadata_note(&detail), "", "usage known: no note");

    let response = call(
        &app,
        "/proxy/v1/images/generations",
        json!({"model": "gpt-image-1", "prompt": "a cat", "n": 2}),
    )
    .await;
    let id = record_id(&response);
    let _ = frames(response, Instant::now()).await;
    let detail = stored(&app, &id).await;
    assert_eq!(
        (detail.kind.as_str(), detail.usage.images),
        ("image", Some(2))
    );
    assert_eq!(metadata_note(&detail), "", "images counted: no note");

    let response = call(
        &app,
        "/proxy/v1/audio/speech",
        json!({"model": "tts-1", "input": "Hello, world", "voice": "alloy"}),
    )
    .await;
    assert_eq!(response.headers()["content-type"], "audio/mpeg");
    assert_eq!(
        response.headers()["content-length"],
        "6",
        "a whole answer keeps its length"
    );
    let id = record_id(&response);
    let audio = read_all(response).await;
    assert_eq!(
        &audio[..],
        &[0xFF, 0xFB, 0x90, 0x00, 0x01, 0x02],
        "binary answers pass through untouched"
    );
    let detail = stored(&app, &id).await;
    assert_eq!(
        (
            detail.kind.as_str(),
            detail.operation.as_str(),
            detail.usage.characters
        ),
        ("speech", "tts", Some(12))
    );
    assert!(detail.response_body.is_none());
    assert_eq!(metadata_note(&detail), "", "characters known: no note");

    let boundary = "mwboundary42";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF....\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--{boundary}--\r\n"
    );
    let request = Request::post("/proxy/v1/audio/transcriptions")
        .header("authorization", format!("Bearer {}", app.key))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(multipart.clone()))
        .expect("request");
    let response = app.respond(request).await;
    let id = record_id(&response);
    let _ = frames(response, Instant::now()).await;
    let detail = stored(&app, &id).await;
    assert_eq!(
        (detail.operation.as_str(), detail.usage.audio_seconds),
        ("asr", Some(3.5))
    );
    let seen = upstream.seen();
    assert_eq!(
        seen.last().expect("seen").body,
        multipart.into_bytes(),
        "the upload is forwarded unchanged"
    );
}

#[tokio::test]
async fn the_model_list_passes_through_to_the_catch_all_without_a_record() {
    let (app, upstream) = proxied().await;
    let response = get(&app, "/proxy/v1/models").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = read_all(response).await;
    assert!(String::from_utf8_lossy(&body).contains("stream-ok"));
    assert_eq!(upstream.seen()[0].path, "/v1/models");
    assert_eq!(calls_recorded(&app, 0).await, 0);
}

#[tokio::test]
async fn the_callers_metadata_and_user_are_recorded_and_never_sent_upstream() {
    let (app, upstream) = proxied().await;
    let tags = r#"{"app": "checkout", "tags": ["beta", "eu"], "trace": {"step": 2}}"#;
    let response = call_with_headers(
        &app,
        "/proxy/v1/chat/completions",
        json!({"model": "whole-ok", "user": "user-42", "messages": []}),
        &[("x-modelwatch-metadata", tags)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let id = record_id(&response);
    read_all(response).await;
    let metadata = stored(&app, &id).await.metadata.expect("metadata");
    assert_eq!(metadata["app"], "checkout");
    assert_eq!(metadata["tags"], json!(["beta", "eu"]));
    assert_eq!(metadata["trace"], json!({"step": 2}));
    assert_eq!(metadata["user"], "user-42", "the body's user field");
    assert_eq!(metadata["upstream"], "fake");
    let seen = upstream.seen();
    assert!(seen[0].headers.get("x-modelwatch-metadata").is_none());
    let forwarded: Value = serde_json::from_slice(&seen[0].body).expect("JSON");
    assert_eq!(forwarded["user"], "user-42", "the body goes on unchanged");

    for (value, reason) in [
        ("{not json", "must be a JSON object"),
        (r#"["a"]"#, "must be a JSON object"),
        (r#"{"usage": "none"}"#, "may not set \"usage\""),
    ] {
        let response = call_with_headers(
            &app,
            "/proxy/v1/chat/completions",
            json!({"model": "whole-ok", "messages": []}),
            &[("x-modelwatch-metadata", value)],
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{value}");
        let answer: Value = serde_json::from_slice(&read_all(response).await).expect("JSON");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("x-modelwatch-metadata"), "{message}");
        assert!(message.contains(reason), "{value}: {message}");
        assert_eq!(answer["error"]["type"], "invalid_request_error");
    }
    assert_eq!(upstream.seen().len(), 1, "refused calls are not forwarded");
    assert_eq!(calls_recorded(&app, 1).await, 1);

    // `safety_identifier`, which replaces `user` in OpenAI's API, names the user too.
    let response = call(
        &app,
        "/proxy/v1/chat/completions",
        json!({"model": "whole-ok", "safety_identifier": "hashed-7", "messages": []}),
    )
    .await;
    let id = record_id(&response);
    read_all(response).await;
    let metadata = stored(&app, &id).await.metadata.expect("metadata");
    assert_eq!(metadata["user"], "hashed-7");
}
