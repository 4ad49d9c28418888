//! The OpenAI-compatible proxy against a fake provider on 127.0.0.1: what the client receives
//! (unchanged, unbuffered, the usage chunk only when it asked) and what is recorded (TTFT,
//! first byte, latency, usage, status, the upstream's id, errors, cancellations, timeouts).

mod endpoints;
mod failures;
mod limits;
mod python;
mod scope;
mod support;
mod upstream;

use std::time::Instant;

use axum::http::StatusCode;
use serde_json::{json, Value};
use server::ingest::writer::WriterConfig;
use server::proxy::upstreams::ProxyConfig;

use self::support::{call, chat, frames, metadata_note, proxied, record_id, stored, PROVIDER_KEY};
use self::upstream::{Upstream, SLOW_FIRST};
use crate::helpers::spawn_app_configured;

#[tokio::test]
async fn a_stream_passes_through_unbuffered_and_is_recorded_with_its_true_ttft() {
    let (app, upstream) = proxied().await;
    let start = Instant::now();
    let response = call(
        &app,
        "/proxy/v1/chat/completions",
        json!({"model": "slow-first", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let id = record_id(&response);
    let (pieces, broken) = frames(response, start).await;
    assert!(!broken);

    // Unbuffered: the role chunk reached the client long before the first token was produced.
    let role_at = pieces
        .iter()
        .find(|(_, text)| text.contains("\"role\""))
        .expect("role chunk")
        .0;
    let token_at = pieces
        .iter()
        .find(|(_, text)| text.contains("Hel"))
        .expect("first token")
        .0;
    assert!(
        role_at < SLOW_FIRST / 2,
        "role chunk held back: {role_at:?}"
    );
    assert!(token_at >= SLOW_FIRST, "{token_at:?}");

    // The client did not ask for usage: it gets every other event, and no usage chunk.
    let text: String = pieces.iter().map(|(_, text)| text.as_str()).collect();
    assert!(
        text.contains("data: [DONE]") && text.contains("\"lo\""),
        "{text}"
    );
    assert!(
        !text.contains("\"choices\":[]"),
        "the usage chunk was passed on: {text}"
    );
    assert!(!text.contains("prompt_tokens"), "{text}");

    // The provider was asked for usage, with the provider key instead of the workspace key.
    let seen = upstream.seen();
    let sent: Value = serde_json::from_slice(&seen[0].body).expect("json");
    assert_eq!(sent["stream_options"]["include_usage"], json!(true));
    assert_eq!(
        seen[0].headers["authorization"],
        format!("Bearer {PROVIDER_KEY}")
    );
    assert!(!format!("{:?}", seen[0].headers).contains(&app.key));

    let detail = stored(&app, &id).await;
    assert_eq!(
        (detail.status, detail.stream, detail.source.as_str()),
        (200, true, "proxy")
    );
    assert_eq!(detail.operation, "chat");
    let (ttft, first_byte, latency) = (
        detail.ttft_ms.expect("ttft"),
        detail.first_byte_ms.expect("first byte"),
        detail.latency_ms.expect("latency"),
    );
    assert!(
        ttft >= 300,
        "TTFT must wait for the first token, not the role chunk: {ttft}"
    );
    assert!(
        first_byte < 150,
        "first byte is the answer's start: {first_byte}"
    );
    assert!(latency >= ttft);
    let usage = &detail.usage;
    assert_eq!(
        (
            usage.input_tokens,
            usage.output_tokens,
            usage.total_tokens,
            usage.cached_tokens,
            usage.reasoning_tokens
        ),
        (Some(12), Some(5), Some(17), Some(4), Some(2))
    );
    assert_eq!(detail.upstream_request_id.as_deref(), Some("req-up-stream"));
    assert_eq!(detail.response_body.as_deref(), Some("Hello"));
    let request_body = detail.request_body.expect("request kept");
    assert!(
        request_body.contains("slow-first") && !request_body.contains("stream_options"),
        "kept as the client sent it: {request_body}"
    );
    let metadata = detail.metadata.expect("metadata");
    assert_eq!(metadata["upstream"], "fake");
    assert!(
        metadata.get("usage").is_none(),
        "usage is known: no note {metadata}"
    );
    assert_eq!(metadata["response_model"], "fake-2026-01-01");
    let leaks = app
        .count(
            "SELECT (SELECT count(*) FROM requests WHERE error_message LIKE '%sk-upstream%' \
             OR metadata LIKE '%sk-upstream%' OR upstream_request_id LIKE '%sk-upstream%') \
             + (SELECT count(*) FROM request_bodies WHERE CAST(request_body AS TEXT) LIKE '%sk-upstream%' \
             OR CAST(response_body AS TEXT) LIKE '%sk-upstream%')",
        )
        .await;
    assert_eq!(leaks, 0, "the provider key is never stored");
}

#[tokio::test]
async fn a_client_that_asked_for_usage_gets_the_usage_chunk_and_an_unchanged_request() {
    let (app, upstream) = proxied().await;
    let request = json!({"model": "stream-ok", "stream": true, "stream_options": {"include_usage": true}, "messages": []});
    let (id, pieces, _) = chat(&app, request.clone()).await;
    let text: String = pieces.iter().map(|(_, text)| text.as_str()).collect();
    assert!(
        text.contains("\"choices\":[]") && text.contains("prompt_tokens"),
        "{text}"
    );
    assert_eq!(
        upstream.seen()[0].body,
        request.to_string().into_bytes(),
        "forwarded byte for byte"
    );
    let detail = stored(&app, &id).await;
    assert_eq!(detail.usage.total_tokens, Some(17));
    assert!(detail.ttft_ms.is_some());
}

#[tokio::test]
async fn a_tool_call_is_the_first_content() {
    let (app, _upstream) = proxied().await;
    let (id, _, _) = chat(
        &app,
        json!({"model": "tools", "stream": true, "messages": []}),
    )
    .await;
    let detail = stored(&app, &id).await;
    assert!(detail.ttft_ms.is_some());
    assert_eq!(detail.status, 200);
}

#[tokio::test]
async fn a_whole_answer_is_recorded_without_a_ttft() {
    let (app, _upstream) = proxied().await;
    let response = call(
        &app,
        "/proxy/v1/chat/completions",
        json!({"model": "gpt-4o", "messages": []}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let id = record_id(&response);
    let (pieces, _) = frames(response, Instant::now()).await;
    let body: Value = serde_json::from_str(
        &pieces
            .iter()
            .map(|(_, text)| text.as_str())
            .collect::<String>(),
    )
    .expect("json");
    assert_eq!(body["choices"][0]["message"]["content"], "Hello");
    let detail = stored(&app, &id).await;
    assert_eq!(
        (detail.stream, detail.ttft_ms),
        (false, None),
        "TTFT is never faked for a whole answer"
    );
    assert!(detail.first_byte_ms.is_some() && detail.latency_ms.is_some());
    assert_eq!(detail.usage.input_tokens, Some(12));
    assert_eq!(detail.upstream_request_id.as_deref(), Some("req-up-json"));
    assert!(detail.response_body.expect("kept").contains("chatcmpl-2"));
    assert_eq!(
        detail.model, "gpt-4o",
        "recorded under the model the client asked for"
    );
}

#[tokio::test]
async fn an_upstream_error_passes_through_and_is_recorded_with_its_body() {
    let (app, _upstream) = proxied().await;
    let response = call(
        &app,
        "/proxy/v1/chat/completions",
        json!({"model": "rate-limited", "messages": []}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let id = record_id(&response);
    let (pieces, _) = frames(response, Instant::now()).await;
    assert!(pieces
        .iter()
        .any(|(_, text)| text.contains("Rate limit reached")));
    let detail = stored(&app, &id).await;
    assert_eq!(detail.status, 429);
    assert_eq!(detail.error_type.as_deref(), Some("requests"));
    assert_eq!(
        detail.error_message.as_deref(),
        Some("Rate limit reached for requests")
    );
    assert_eq!(detail.upstream_request_id.as_deref(), Some("req-up-429"));
    assert_eq!(detail.usage.total_tokens, None);
}

#[tokio::test]
async fn an_upstream_that_refuses_stream_options_gets_the_body_unchanged() {
    let (upstream, addr) = Upstream::start().await;
    let text = format!(
        r#"{{"upstreams": [{{"name": "old-vllm", "base_url": "http://{addr}/v1", "models": ["*"], "stream_usage": false}}]}}"#
    );
    let config = ProxyConfig::parse(&text, |_| None).expect("valid");
    let app = spawn_app_configured(WriterConfig::default(), |state| {
        state.with_proxy(config).expect("proxy")
    })
    .await;
    let request = json!({"model": "stream-ok", "stream": true, "messages": []});
    let (id, pieces, _) = chat(&app, request.clone()).await;
    assert!(pieces.iter().any(|(_, text)| text.contains("[DONE]")));
    assert_eq!(upstream.seen()[0].body, request.to_string().into_bytes());
    let detail = stored(&app, &id).await;
    assert!(detail.ttft_ms.is_some());
    assert_eq!(detail.usage.total_tokens, None, "never invented");
    assert_eq!(
        metadata_note(&detail),
        "unknown: the upstream reported no usage"
    );
}
