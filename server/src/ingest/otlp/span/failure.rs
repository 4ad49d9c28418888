//! What a failed call's span says about its failure beyond an HTTP status attribute. Some
//! instrumentations report a failed call with status ERROR and nothing else: the GenAI span name
//! `{operation} {model}`, the SDK's message (`Error code: 429 - {...}` in the OpenAI and
//! Anthropic SDKs) and an `exception` event naming the SDK's error class.

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;

/// The operations of the GenAI conventions whose span name is `{operation} {model}` (the agent
/// and tool operations name an agent or a tool there instead).
pub const NAMED_OPERATIONS: &[&str] =
    &["chat", "text_completion", "embeddings", "generate_content"];

/// The HTTP status each error class of the OpenAI-style SDKs stands for (openai-python and
/// openai-node `_exceptions`, anthropic-sdk-python `_exceptions`; same names in both).
pub const SDK_ERROR_CLASSES: &[(&str, u16)] = &[
    ("BadRequestError", 400),
    ("AuthenticationError", 401),
    ("PermissionDeniedError", 403),
    ("NotFoundError", 404),
    ("ConflictError", 409),
    ("RequestTooLargeError", 413),
    ("UnprocessableEntityError", 422),
    ("RateLimitError", 429),
    ("InternalServerError", 500),
    ("APIConnectionError", 502),
    ("ServiceUnavailableError", 503),
    ("APITimeoutError", 504),
    ("APIConnectionTimeoutError", 504),
    ("DeadlineExceededError", 504),
    ("OverloadedError", 529),
];

/// A failed call named by its span only: `chat gpt-4o-mini`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NamedCall<'a> {
    pub operation: &'a str,
    pub model: &'a str,
}

/// The operation and model in span name `name`, when it has the conventions' form.
pub fn named_call(name: &str) -> Option<NamedCall<'_>> {
    let (operation, model) = name.trim().split_once(' ')?;
    let model = model.trim();
    let known = NAMED_OPERATIONS.contains(&operation);
    (known && !model.is_empty() && !model.contains(char::is_whitespace))
        .then_some(NamedCall { operation, model })
}

/// The `exception` event of a span: the exception's type and message, as recorded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Exception<'a> {
    pub kind: Option<&'a str>,
    pub message: Option<&'a str>,
}

/// The first `exception` event of `span` (an empty one when there is none).
pub fn exception(span: &Span) -> Exception<'_> {
    let Some(event) = span.events.iter().find(|event| event.name == "exception") else {
        return Exception::default();
    };
    let text = |key: &str| {
        event
            .attributes
            .iter()
            .find(|pair| pair.key == key)
            .and_then(|pair| match pair.value.as_ref()?.value.as_ref()? {
                Value::StringValue(text) => Some(text.trim()),
                _ => None,
            })
            .filter(|text| !text.is_empty())
    };
    Exception {
        kind: text("exception.type"),
        message: text("exception.message"),
    }
}

/// The HTTP status in an SDK error message: `Error code: 429 - {...}`.
pub fn status_in_message(message: &str) -> Option<u16> {
    const MARK: &str = "Error code: ";
    let start = message.find(MARK)? + MARK.len();
    let digits = message.get(start..start + 3)?;
    let code: u16 = digits.parse().ok()?;
    let ends = !message[start + 3..].starts_with(|c: char| c.is_ascii_digit());
    (ends && (400..=599).contains(&code)).then_some(code)
}

/// The HTTP status an error type stands for: an SDK error class, bare or module-qualified
/// (`openai.RateLimitError`, `anthropic._exceptions.OverloadedError`), a timeout or connection
/// error of any library, or a status code written as the type (`error.type` may be one).
pub fn status_of_error_type(error_type: &str) -> Option<u16> {
    let error_type = error_type.trim();
    if let Ok(code) = error_type.parse::<u16>() {
        return (400..=599).contains(&code).then_some(code);
    }
    let class = error_type.rsplit(['.', ':']).next().unwrap_or(error_type);
    if let Some((_, code)) = SDK_ERROR_CLASSES.iter().find(|(name, _)| *name == class) {
        return Some(*code);
    }
    if class.ends_with("Timeout") || class.ends_with("TimeoutError") || class == "timeout" {
        return Some(504);
    }
    if class.ends_with("ConnectError") || class.ends_with("ConnectionError") {
        return Some(502);
    }
    None
}
