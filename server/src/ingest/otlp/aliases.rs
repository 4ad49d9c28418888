//! The one table of span attributes Modelwatch understands: each name, the record field it
//! feeds and how its value is converted. Current GenAI semantic-convention names come first,
//! then deprecated ones, then common vendor names (OpenLLMetry, OpenLIT, OpenInference, the
//! Vercel AI SDK); [`ALIASES`] says where each comes from.
//!
//! When a span carries several names for the same field, the first one in this table wins.

use app::model::{ModelKind, Unit as UsageUnit};

/// A record field an attribute can feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `model`: the model that answered, else the one asked for.
    Model,
    InputTokens,
    OutputTokens,
    TotalTokens,
    CachedTokens,
    ReasoningTokens,
    /// `ttft_ms`: time to the first content token.
    Ttft,
    /// `operation` (and `model_kind` where the operation says it, see [`OPERATIONS`]).
    Operation,
    UpstreamRequestId,
    ErrorType,
    /// `status`: the HTTP status of the call.
    HttpStatus,
    Stream,
    /// `metadata.provider`.
    Provider,
    /// `metadata.user`: the end user the call was made for.
    User,
    /// `metadata.session`.
    Session,
    /// `metadata.app` (without it, the resource's `service.name` names the app).
    App,
    /// `metadata.tags`: comma-separated.
    Tags,
}

impl Field {
    /// The usage unit a token count feeds.
    pub fn unit(self) -> Option<UsageUnit> {
        match self {
            Field::InputTokens => Some(UsageUnit::InputTokens),
            Field::OutputTokens => Some(UsageUnit::OutputTokens),
            Field::TotalTokens => Some(UsageUnit::TotalTokens),
            Field::CachedTokens => Some(UsageUnit::CachedTokens),
            Field::ReasoningTokens => Some(UsageUnit::ReasoningTokens),
            _ => None,
        }
    }

    /// Where the value lands in an ingest record (a dotted path inside objects).
    pub fn record_path(self) -> &'static str {
        match self {
            Field::Model => "model",
            Field::InputTokens => "usage.input_tokens",
            Field::OutputTokens => "usage.output_tokens",
            Field::TotalTokens => "usage.total_tokens",
            Field::CachedTokens => "usage.cached_tokens",
            Field::ReasoningTokens => "usage.reasoning_tokens",
            Field::Ttft => "ttft_ms",
            Field::Operation => "operation",
            Field::UpstreamRequestId => "upstream_request_id",
            Field::ErrorType => "error_type",
            Field::HttpStatus => "status",
            Field::Stream => "stream",
            Field::Provider => "metadata.provider",
            Field::User => "metadata.user",
            Field::Session => "metadata.session",
            Field::App => "metadata.app",
            Field::Tags => "metadata.tags",
        }
    }

    /// The metadata key a text attribute of this field lands in, for the fields kept there.
    pub fn metadata_key(self) -> Option<&'static str> {
        self.record_path().strip_prefix("metadata.")
    }
}

/// How an attribute's value becomes the field's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A string, kept as sent.
    Text,
    /// A whole, non-negative number of units (int, whole double or decimal string).
    Count,
    /// A duration in seconds (semantic-convention durations are), stored as milliseconds.
    Seconds,
    /// A duration already in milliseconds.
    Milliseconds,
    /// A boolean (or the strings `true` / `false`).
    Flag,
    /// An HTTP status code, 100 to 599.
    HttpStatus,
}

/// One attribute name Modelwatch reads.
#[derive(Clone, Copy, Debug)]
pub struct Alias {
    pub name: &'static str,
    pub field: Field,
    pub unit: Unit,
}

const fn alias(name: &'static str, field: Field, unit: Unit) -> Alias {
    Alias { name, field, unit }
}

/// Every attribute Modelwatch maps, in priority order within each field. Where each name comes
/// from (the libraries' semantic-convention constants):
/// - `gen_ai.*` without a note: the OpenTelemetry GenAI conventions (registry `gen_ai`, current
///   or deprecated), as the official instrumentations write them;
/// - OpenLLMetry: `opentelemetry-semantic-conventions-ai` (`SpanAttributes`: `llm.request.type`,
///   `llm.usage.total_tokens`, `llm.is_streaming`, `gen_ai.usage.prompt_tokens` and
///   `completion_tokens`, `gen_ai.usage.cache_read_input_tokens`, `gen_ai.usage.reasoning_tokens`;
///   `gen_ai.request.streaming` in its instrumentations and in LiteLLM's, often as a string);
/// - OpenLIT: `openlit.semcov.SemanticConvention` (`GEN_AI_REQUEST_IS_STREAM`
///   `gen_ai.request.is_stream`, `GEN_AI_SERVER_TTFT` `gen_ai.server.time_to_first_token` in
///   seconds, `gen_ai.usage.total_tokens`);
/// - OpenInference: `openinference.semconv.trace.SpanAttributes` (`llm.model_name`,
///   `llm.request.model_name`, `llm.response.model_name`, `llm.token_count.*`, `llm.provider`,
///   `llm.system`);
/// - the Vercel AI SDK's telemetry (`ai.usage.promptTokens` / `completionTokens` before v5,
///   `ai.usage.inputTokens` / `outputTokens` / `totalTokens` / `cachedInputTokens` /
///   `reasoningTokens` since, `ai.response.msToFirstChunk` and, before, `ai.stream.msToFirstChunk`
///   in milliseconds, on streamed calls only).
pub const ALIASES: &[Alias] = &[
    // The model that actually answered beats the one asked for.
    alias("gen_ai.response.model", Field::Model, Unit::Text),
    alias("llm.response.model", Field::Model, Unit::Text),
    alias("llm.response.model_name", Field::Model, Unit::Text),
    alias("gen_ai.request.model", Field::Model, Unit::Text),
    alias("llm.request.model", Field::Model, Unit::Text),
    alias("llm.request.model_name", Field::Model, Unit::Text),
    alias("llm.model_name", Field::Model, Unit::Text),
    alias("gen_ai.usage.input_tokens", Field::InputTokens, Unit::Count),
    alias(
        "gen_ai.usage.prompt_tokens",
        Field::InputTokens,
        Unit::Count,
    ),
    alias("llm.usage.prompt_tokens", Field::InputTokens, Unit::Count),
    alias("llm.token_count.prompt", Field::InputTokens, Unit::Count),
    alias("ai.usage.inputTokens", Field::InputTokens, Unit::Count),
    alias("ai.usage.promptTokens", Field::InputTokens, Unit::Count),
    alias(
        "gen_ai.usage.output_tokens",
        Field::OutputTokens,
        Unit::Count,
    ),
    alias(
        "gen_ai.usage.completion_tokens",
        Field::OutputTokens,
        Unit::Count,
    ),
    alias(
        "llm.usage.completion_tokens",
        Field::OutputTokens,
        Unit::Count,
    ),
    alias(
        "llm.token_count.completion",
        Field::OutputTokens,
        Unit::Count,
    ),
    alias("ai.usage.outputTokens", Field::OutputTokens, Unit::Count),
    alias(
        "ai.usage.completionTokens",
        Field::OutputTokens,
        Unit::Count,
    ),
    alias("gen_ai.usage.total_tokens", Field::TotalTokens, Unit::Count),
    alias("llm.usage.total_tokens", Field::TotalTokens, Unit::Count),
    alias("llm.token_count.total", Field::TotalTokens, Unit::Count),
    alias("ai.usage.totalTokens", Field::TotalTokens, Unit::Count),
    alias(
        "gen_ai.usage.cache_read.input_tokens",
        Field::CachedTokens,
        Unit::Count,
    ),
    alias(
        "gen_ai.usage.cache_read_input_tokens",
        Field::CachedTokens,
        Unit::Count,
    ),
    alias(
        "llm.token_count.prompt_details.cache_read",
        Field::CachedTokens,
        Unit::Count,
    ),
    alias(
        "ai.usage.cachedInputTokens",
        Field::CachedTokens,
        Unit::Count,
    ),
    alias(
        "gen_ai.usage.reasoning.output_tokens",
        Field::ReasoningTokens,
        Unit::Count,
    ),
    alias(
        "gen_ai.usage.reasoning_tokens",
        Field::ReasoningTokens,
        Unit::Count,
    ),
    alias(
        "llm.token_count.completion_details.reasoning",
        Field::ReasoningTokens,
        Unit::Count,
    ),
    alias(
        "ai.usage.reasoningTokens",
        Field::ReasoningTokens,
        Unit::Count,
    ),
    alias(
        "gen_ai.response.time_to_first_chunk",
        Field::Ttft,
        Unit::Seconds,
    ),
    alias(
        "gen_ai.server.time_to_first_token",
        Field::Ttft,
        Unit::Seconds,
    ),
    alias(
        "ai.response.msToFirstChunk",
        Field::Ttft,
        Unit::Milliseconds,
    ),
    alias("ai.stream.msToFirstChunk", Field::Ttft, Unit::Milliseconds),
    alias("gen_ai.operation.name", Field::Operation, Unit::Text),
    alias("llm.request.type", Field::Operation, Unit::Text),
    alias("gen_ai.response.id", Field::UpstreamRequestId, Unit::Text),
    alias("error.type", Field::ErrorType, Unit::Text),
    alias(
        "http.response.status_code",
        Field::HttpStatus,
        Unit::HttpStatus,
    ),
    alias("http.status_code", Field::HttpStatus, Unit::HttpStatus),
    alias("gen_ai.request.stream", Field::Stream, Unit::Flag),
    alias("gen_ai.request.is_stream", Field::Stream, Unit::Flag),
    alias("gen_ai.request.streaming", Field::Stream, Unit::Flag),
    alias("llm.is_streaming", Field::Stream, Unit::Flag),
    alias("gen_ai.provider.name", Field::Provider, Unit::Text),
    alias("gen_ai.system", Field::Provider, Unit::Text),
    alias("llm.provider", Field::Provider, Unit::Text),
    alias("llm.system", Field::Provider, Unit::Text),
    // Who and what the call was for: OpenTelemetry's `user.id` and `session.id` (and the
    // deprecated `enduser.id`), Langfuse's and OpenInference's spellings, and our own.
    alias("user.id", Field::User, Unit::Text),
    alias("enduser.id", Field::User, Unit::Text),
    alias("langfuse.user.id", Field::User, Unit::Text),
    alias("session.id", Field::Session, Unit::Text),
    alias("langfuse.session.id", Field::Session, Unit::Text),
    alias("gen_ai.conversation.id", Field::Session, Unit::Text),
    alias("modelwatch.app", Field::App, Unit::Text),
    alias("modelwatch.tags", Field::Tags, Unit::Text),
];

/// TTFT attributes that only streamed calls carry (the Vercel AI SDK sets them on `doStream`
/// spans and has no stream flag): a span with one of them and no stream flag streamed.
pub const STREAM_ONLY: &[&str] = &["ai.response.msToFirstChunk", "ai.stream.msToFirstChunk"];

/// Operation names (from `gen_ai.operation.name` or a vendor alias) that Modelwatch renames or
/// that say which kind of model answered: `(name, stored operation, kind)`. Names not listed
/// are kept as sent, with the kind left to the catalog.
pub const OPERATIONS: &[(&str, &str, Option<ModelKind>)] = &[
    ("chat", "chat", None),
    ("text_completion", "completion", None),
    ("completion", "completion", None),
    ("embeddings", "embedding", Some(ModelKind::Embedding)),
    ("embedding", "embedding", Some(ModelKind::Embedding)),
    (
        "image_generation",
        "image_generation",
        Some(ModelKind::Image),
    ),
    ("generate_image", "image_generation", Some(ModelKind::Image)),
    ("create_image", "image_generation", Some(ModelKind::Image)),
    (
        "video_generation",
        "video_generation",
        Some(ModelKind::Video),
    ),
    ("text_to_speech", "tts", Some(ModelKind::Speech)),
    ("speech", "tts", Some(ModelKind::Speech)),
    ("transcription", "asr", Some(ModelKind::Speech)),
    ("speech_to_text", "asr", Some(ModelKind::Speech)),
];

/// The stored operation and the kind it implies for operation name `name`; `None` for a name
/// that says nothing (OpenLLMetry's `unknown`).
pub fn operation(name: &str) -> Option<(String, Option<ModelKind>)> {
    if name.eq_ignore_ascii_case("unknown") {
        return None;
    }
    let known = OPERATIONS
        .iter()
        .find(|(known, _, _)| known.eq_ignore_ascii_case(name));
    Some(match known {
        Some((_, stored, kind)) => ((*stored).to_owned(), *kind),
        None => (name.to_owned(), None),
    })
}

#[cfg(test)]
mod tests;
