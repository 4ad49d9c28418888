//! One test per alias: each attribute name reaches its field with its unit conversion. A
//! table entry without a test here fails `every_alias_in_the_table_has_its_own_test`.

use app::model::ModelKind;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::trace::v1::Span;

use super::{Field, Unit, ALIASES};
use crate::ingest::otlp::span::tests::{kv, NOW_MS};
use crate::ingest::otlp::span::to_record;
use crate::ingest::record::NewRequest;

fn text(value: &str) -> Value {
    Value::StringValue(value.to_owned())
}

/// A two-second span, ten seconds ago, with `attributes`.
fn span(attributes: Vec<KeyValue>) -> Span {
    let start = (NOW_MS - 10_000) as u64 * 1_000_000;
    Span {
        trace_id: vec![0x11; 16],
        span_id: vec![0x22; 8],
        name: "chat test".to_owned(),
        start_time_unix_nano: start,
        end_time_unix_nano: start + 2_000_000_000,
        attributes,
        ..Span::default()
    }
}

fn is_alias_of(name: &str, field: Field) -> bool {
    ALIASES
        .iter()
        .any(|alias| alias.name == name && alias.field == field)
}

fn is_model_alias(name: &str) -> bool {
    is_alias_of(name, Field::Model)
}

/// The record of a span carrying `name = value` (plus a model, unless `name` is one, and a
/// stream flag for a TTFT, which only streamed calls keep).
fn record_with(attributes: &[(&str, Value)]) -> NewRequest {
    let mut pairs: Vec<KeyValue> = attributes
        .iter()
        .map(|(name, value)| kv(name, value.clone()))
        .collect();
    if !attributes.iter().any(|(name, _)| is_model_alias(name)) {
        pairs.push(kv("gen_ai.request.model", text("base-model")));
    }
    let has = |field| attributes.iter().any(|(name, _)| is_alias_of(name, field));
    if has(Field::Ttft) && !has(Field::Stream) {
        pairs.push(kv("gen_ai.request.stream", Value::BoolValue(true)));
    }
    to_record(&span(pairs), Some("svc"), NOW_MS)
        .unwrap_or_else(|refusal| panic!("{attributes:?} refused: {refusal}"))
}

fn metadata(record: &NewRequest) -> serde_json::Value {
    serde_json::from_str(record.metadata.as_deref().unwrap_or("{}")).expect("metadata is JSON")
}

macro_rules! alias_tests {
    ($($test:ident: $name:literal = $value:expr => |$record:ident| $check:expr;)*) => {
        $(
            #[test]
            fn $test() {
                let $record = record_with(&[($name, $value)]);
                assert!($check, "{} did not reach its field: {:?}", $name, $record);
            }
        )*

        /// Every attribute name tested above.
        const TESTED: &[&str] = &[$($name),*];
    };
}

alias_tests! {
    gen_ai_response_model: "gen_ai.response.model" = text("gpt-4o-2024-08-06")
        => |r| r.model == "gpt-4o-2024-08-06";
    llm_response_model: "llm.response.model" = text("claude-answered")
        => |r| r.model == "claude-answered";
    llm_response_model_name: "llm.response.model_name" = text("openinference-answered")
        => |r| r.model == "openinference-answered";
    gen_ai_request_model: "gen_ai.request.model" = text("gpt-4o")
        => |r| r.model == "gpt-4o";
    llm_request_model: "llm.request.model" = text("claude-asked")
        => |r| r.model == "claude-asked";
    llm_request_model_name: "llm.request.model_name" = text("openinference-asked")
        => |r| r.model == "openinference-asked";
    llm_model_name: "llm.model_name" = text("openinference-model")
        => |r| r.model == "openinference-model";

    gen_ai_usage_input_tokens: "gen_ai.usage.input_tokens" = Value::IntValue(120)
        => |r| r.usage.input_tokens == Some(120) && r.usage.total_tokens == Some(120);
    gen_ai_usage_prompt_tokens: "gen_ai.usage.prompt_tokens" = text("121")
        => |r| r.usage.input_tokens == Some(121);
    llm_usage_prompt_tokens: "llm.usage.prompt_tokens" = Value::DoubleValue(122.0)
        => |r| r.usage.input_tokens == Some(122);
    llm_token_count_prompt: "llm.token_count.prompt" = Value::IntValue(123)
        => |r| r.usage.input_tokens == Some(123);
    ai_usage_input_tokens: "ai.usage.inputTokens" = Value::IntValue(124)
        => |r| r.usage.input_tokens == Some(124);
    ai_usage_prompt_tokens: "ai.usage.promptTokens" = Value::IntValue(125)
        => |r| r.usage.input_tokens == Some(125);

    gen_ai_usage_output_tokens: "gen_ai.usage.output_tokens" = Value::IntValue(40)
        => |r| r.usage.output_tokens == Some(40);
    gen_ai_usage_completion_tokens: "gen_ai.usage.completion_tokens" = text("41")
        => |r| r.usage.output_tokens == Some(41);
    llm_usage_completion_tokens: "llm.usage.completion_tokens" = Value::IntValue(42)
        => |r| r.usage.output_tokens == Some(42);
    llm_token_count_completion: "llm.token_count.completion" = Value::DoubleValue(43.0)
        => |r| r.usage.output_tokens == Some(43);
    ai_usage_output_tokens: "ai.usage.outputTokens" = Value::IntValue(44)
        => |r| r.usage.output_tokens == Some(44);
    ai_usage_completion_tokens: "ai.usage.completionTokens" = Value::IntValue(45)
        => |r| r.usage.output_tokens == Some(45);

    gen_ai_usage_total_tokens: "gen_ai.usage.total_tokens" = Value::IntValue(160)
        => |r| r.usage.total_tokens == Some(160);
    llm_usage_total_tokens: "llm.usage.total_tokens" = text("161")
        => |r| r.usage.total_tokens == Some(161);
    llm_token_count_total: "llm.token_count.total" = Value::IntValue(162)
        => |r| r.usage.total_tokens == Some(162);
    ai_usage_total_tokens: "ai.usage.totalTokens" = Value::IntValue(163)
        => |r| r.usage.total_tokens == Some(163);

    gen_ai_usage_cache_read_input_tokens: "gen_ai.usage.cache_read.input_tokens" = Value::IntValue(30)
        => |r| r.usage.cached_tokens == Some(30);
    gen_ai_usage_cache_read_input_tokens_legacy: "gen_ai.usage.cache_read_input_tokens" = text("31")
        => |r| r.usage.cached_tokens == Some(31);
    llm_token_count_prompt_details_cache_read: "llm.token_count.prompt_details.cache_read" = Value::IntValue(32)
        => |r| r.usage.cached_tokens == Some(32);
    ai_usage_cached_input_tokens: "ai.usage.cachedInputTokens" = Value::IntValue(33)
        => |r| r.usage.cached_tokens == Some(33);

    gen_ai_usage_reasoning_output_tokens: "gen_ai.usage.reasoning.output_tokens" = Value::IntValue(7)
        => |r| r.usage.reasoning_tokens == Some(7);
    gen_ai_usage_reasoning_tokens: "gen_ai.usage.reasoning_tokens" = text("8")
        => |r| r.usage.reasoning_tokens == Some(8);
    llm_token_count_completion_details_reasoning: "llm.token_count.completion_details.reasoning" = Value::IntValue(9)
        => |r| r.usage.reasoning_tokens == Some(9);
    ai_usage_reasoning_tokens: "ai.usage.reasoningTokens" = Value::IntValue(10)
        => |r| r.usage.reasoning_tokens == Some(10);

    gen_ai_response_time_to_first_chunk: "gen_ai.response.time_to_first_chunk" = Value::DoubleValue(0.25)
        => |r| r.ttft_ms == Some(250);
    gen_ai_server_time_to_first_token: "gen_ai.server.time_to_first_token" = text("0.5")
        => |r| r.ttft_ms == Some(500);
    ai_response_ms_to_first_chunk: "ai.response.msToFirstChunk" = Value::DoubleValue(312.4)
        => |r| r.ttft_ms == Some(312);
    ai_stream_ms_to_first_chunk: "ai.stream.msToFirstChunk" = Value::IntValue(640)
        => |r| r.ttft_ms == Some(640);

    gen_ai_operation_name: "gen_ai.operation.name" = text("embeddings")
        => |r| r.operation.as_deref() == Some("embedding") && r.kind == Some(ModelKind::Embedding);
    llm_request_type: "llm.request.type" = text("completion")
        => |r| r.operation.as_deref() == Some("completion") && r.kind.is_none();

    gen_ai_response_id: "gen_ai.response.id" = text("chatcmpl-123")
        => |r| r.upstream_request_id.as_deref() == Some("chatcmpl-123");
    error_type: "error.type" = text("rate_limit_exceeded")
        => |r| r.error_type.as_deref() == Some("rate_limit_exceeded");

    http_response_status_code: "http.response.status_code" = Value::IntValue(429)
        => |r| r.status == 429;
    http_status_code: "http.status_code" = text("503")
        => |r| r.status == 503;

    gen_ai_request_stream: "gen_ai.request.stream" = Value::BoolValue(true)
        => |r| r.stream;
    gen_ai_request_is_stream: "gen_ai.request.is_stream" = Value::BoolValue(true)
        => |r| r.stream;
    gen_ai_request_streaming: "gen_ai.request.streaming" = text("True")
        => |r| r.stream;
    llm_is_streaming: "llm.is_streaming" = text("true")
        => |r| r.stream;

    gen_ai_provider_name: "gen_ai.provider.name" = text("openai")
        => |r| metadata(&r)["provider"] == "openai";
    gen_ai_system: "gen_ai.system" = text("anthropic")
        => |r| metadata(&r)["provider"] == "anthropic";
    llm_provider: "llm.provider" = text("azure")
        => |r| metadata(&r)["provider"] == "azure";
    llm_system: "llm.system" = text("vertexai")
        => |r| metadata(&r)["provider"] == "vertexai";

    user_id: "user.id" = text("alice")
        => |r| r.dimensions.user.as_deref() == Some("alice");
    enduser_id: "enduser.id" = text("bob")
        => |r| r.dimensions.user.as_deref() == Some("bob");
    langfuse_user_id: "langfuse.user.id" = text("carol")
        => |r| r.dimensions.user.as_deref() == Some("carol");
    session_id: "session.id" = text("s-1")
        => |r| metadata(&r)["session"] == "s-1";
    langfuse_session_id: "langfuse.session.id" = text("s-2")
        => |r| metadata(&r)["session"] == "s-2";
    gen_ai_conversation_id: "gen_ai.conversation.id" = text("conv-3")
        => |r| metadata(&r)["session"] == "conv-3";
    modelwatch_app: "modelwatch.app" = text("checkout")
        => |r| r.dimensions.app.as_deref() == Some("checkout");
    modelwatch_tags: "modelwatch.tags" = text("beta, eu")
        => |r| r.dimensions.tags == ["beta", "eu"] && metadata(&r)["tags"] == "beta, eu";
}

#[test]
fn every_alias_in_the_table_has_its_own_test() {
    for alias in ALIASES {
        assert!(
            TESTED.contains(&alias.name),
            "alias {} has no test in aliases/tests.rs",
            alias.name
        );
    }
    for name in TESTED {
        assert!(
            ALIASES.iter().any(|alias| alias.name == *name),
            "{name} is tested but not in the table"
        );
    }
    let mut names: Vec<&str> = ALIASES.iter().map(|alias| alias.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), ALIASES.len(), "an alias is listed twice");
}

/// Two different values of `unit`, the first one's field value differing from the second's.
fn two_values(unit: Unit) -> (Value, Value) {
    match unit {
        Unit::Text => (text("first"), text("second")),
        Unit::Count => (Value::IntValue(1), Value::IntValue(2)),
        Unit::Seconds => (Value::DoubleValue(0.1), Value::DoubleValue(0.2)),
        Unit::Milliseconds => (Value::IntValue(100), Value::IntValue(200)),
        Unit::Flag => (Value::BoolValue(true), Value::BoolValue(false)),
        Unit::HttpStatus => (Value::IntValue(201), Value::IntValue(202)),
    }
}

#[test]
fn an_earlier_alias_in_the_table_wins_over_a_later_one() {
    for (position, earlier) in ALIASES.iter().enumerate() {
        for later in ALIASES[position + 1..]
            .iter()
            .filter(|later| later.field == earlier.field)
        {
            let (first, second) = two_values(earlier.unit);
            let (_, later_value) = two_values(later.unit);
            let both = record_with(&[(earlier.name, first.clone()), (later.name, later_value)]);
            let alone = record_with(&[(earlier.name, first)]);
            let other = record_with(&[(earlier.name, second)]);
            assert_eq!(both, alone, "{} must win over {}", earlier.name, later.name);
            assert_ne!(both, other, "{} changed nothing", earlier.name);
        }
    }
}

#[test]
fn a_wrong_type_or_negative_count_refuses_the_span_naming_the_attribute() {
    for (name, value, reason) in [
        ("gen_ai.usage.input_tokens", Value::IntValue(-5), "negative"),
        (
            "llm.token_count.prompt",
            Value::BoolValue(true),
            "a boolean",
        ),
        (
            "gen_ai.response.model",
            Value::IntValue(4),
            "must be a string",
        ),
        ("gen_ai.request.stream", text("sometimes"), "true or false"),
        (
            "http.response.status_code",
            Value::IntValue(700),
            "between 100",
        ),
        (
            "gen_ai.response.time_to_first_chunk",
            text("soon"),
            "number",
        ),
    ] {
        let mut attributes = vec![kv(name, value)];
        if !is_model_alias(name) {
            attributes.push(kv("gen_ai.request.model", text("m")));
        }
        let refusal = to_record(&span(attributes), None, NOW_MS).expect_err("refused");
        let message = refusal.to_string();
        assert!(message.contains(name), "{message}");
        assert!(message.contains(reason), "{message}");
    }
}

#[test]
fn operations_name_their_kind_only_where_it_is_clear() {
    for (name, operation, kind) in [
        ("chat", "chat", None),
        ("text_completion", "completion", None),
        ("generate_content", "generate_content", None),
        ("execute_tool", "execute_tool", None),
        (
            "image_generation",
            "image_generation",
            Some(ModelKind::Image),
        ),
        ("transcription", "asr", Some(ModelKind::Speech)),
    ] {
        let record = record_with(&[("gen_ai.operation.name", text(name))]);
        assert_eq!(record.operation.as_deref(), Some(operation), "{name}");
        assert_eq!(record.kind, kind, "{name}");
    }
    let unknown = record_with(&[("llm.request.type", text("unknown"))]);
    assert_eq!(unknown.operation, None);
}

#[test]
fn the_answering_model_and_current_names_win_as_documented() {
    let record = record_with(&[
        ("llm.model_name", text("vendor")),
        ("gen_ai.request.model", text("asked")),
        ("gen_ai.response.model", text("answered")),
        ("gen_ai.usage.prompt_tokens", Value::IntValue(2)),
        ("llm.token_count.prompt", Value::IntValue(3)),
        ("gen_ai.usage.input_tokens", Value::IntValue(1)),
        ("gen_ai.system", text("deprecated")),
        ("gen_ai.provider.name", text("current")),
        ("http.status_code", Value::IntValue(202)),
        ("http.response.status_code", Value::IntValue(201)),
        ("ai.response.msToFirstChunk", Value::IntValue(900)),
        (
            "gen_ai.response.time_to_first_chunk",
            Value::DoubleValue(0.1),
        ),
    ]);
    assert_eq!(record.model, "answered");
    assert_eq!(record.usage.input_tokens, Some(1));
    assert_eq!(metadata(&record)["provider"], "current");
    assert_eq!(record.status, 201);
    assert_eq!(record.ttft_ms, Some(100));
    let asked = record_with(&[
        ("llm.model_name", text("vendor")),
        ("gen_ai.request.model", text("asked")),
    ]);
    assert_eq!(asked.model, "asked");
}
