//! The time to first token is kept only for streamed calls and only below the latency, so that
//! Average TTFT is not an average latency in disguise.

use super::*;

fn seconds(value: f64) -> Value {
    Value::DoubleValue(value)
}

/// The record of a two-second call with a model and `attributes`.
fn two_second_call(attributes: Vec<KeyValue>) -> NewRequest {
    let mut all = vec![model("m")];
    all.extend(attributes);
    to_record(&span(all, 10_000, 2_000_000_000), None, NOW_MS).expect("recorded")
}

#[test]
fn a_streamed_call_keeps_a_ttft_below_its_latency() {
    let record = two_second_call(vec![
        kv("gen_ai.request.is_stream", Value::BoolValue(true)),
        kv("gen_ai.server.time_to_first_token", seconds(0.3)),
    ]);
    assert!(record.stream);
    assert_eq!(record.ttft_ms, Some(300));
}

#[test]
fn a_whole_answer_reported_with_a_ttft_has_none() {
    // OpenLIT writes the whole duration as TTFT for calls that did not stream.
    let explicit = two_second_call(vec![
        kv("gen_ai.request.is_stream", Value::BoolValue(false)),
        kv("gen_ai.server.time_to_first_token", seconds(2.0)),
    ]);
    assert!(!explicit.stream);
    assert_eq!(explicit.ttft_ms, None);
    // Without any stream flag, a call did not stream.
    let unflagged = two_second_call(vec![kv(
        "gen_ai.response.time_to_first_chunk",
        seconds(0.4),
    )]);
    assert!(!unflagged.stream);
    assert_eq!(unflagged.ttft_ms, None);
}

#[test]
fn an_embedding_with_its_duration_as_ttft_has_none() {
    let record = two_second_call(vec![
        kv(
            "gen_ai.operation.name",
            Value::StringValue("embeddings".into()),
        ),
        kv("gen_ai.server.time_to_first_token", seconds(2.0)),
    ]);
    assert_eq!(record.ttft_ms, None);
}

#[test]
fn a_ttft_at_or_over_the_latency_is_dropped_and_the_call_kept() {
    for ttft in [2.0, 5.0] {
        let record = two_second_call(vec![
            kv("gen_ai.request.stream", Value::BoolValue(true)),
            kv("gen_ai.response.time_to_first_chunk", seconds(ttft)),
        ]);
        assert!(record.stream);
        assert_eq!(record.ttft_ms, None, "{ttft}");
        assert_eq!(record.latency_ms, Some(2_000));
    }
}

#[test]
fn a_vercel_first_chunk_time_says_the_call_streamed() {
    for name in ["ai.response.msToFirstChunk", "ai.stream.msToFirstChunk"] {
        let record = two_second_call(vec![kv(name, Value::IntValue(250))]);
        assert!(record.stream, "{name}");
        assert_eq!(record.ttft_ms, Some(250), "{name}");
    }
    // An explicit flag still decides.
    let record = two_second_call(vec![
        kv("gen_ai.request.stream", Value::BoolValue(false)),
        kv("ai.response.msToFirstChunk", Value::IntValue(250)),
    ]);
    assert!(!record.stream);
    assert_eq!(record.ttft_ms, None);
}

#[test]
fn a_streamed_call_without_an_end_keeps_its_ttft() {
    let mut open = span(
        vec![
            model("m"),
            kv("llm.is_streaming", Value::BoolValue(true)),
            kv("gen_ai.response.time_to_first_chunk", seconds(0.5)),
        ],
        10_000,
        0,
    );
    open.end_time_unix_nano = 0;
    let record = to_record(&open, None, NOW_MS).expect("recorded");
    assert_eq!(record.latency_ms, None);
    assert_eq!(record.ttft_ms, Some(500));
}
