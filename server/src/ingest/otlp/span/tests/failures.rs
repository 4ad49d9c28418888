//! Failed calls: spans known only by their name, and the status of SDK errors (the `Error code:
//! NNN` of their messages, their error classes, their `exception` events).

use app::model::ModelKind;
use opentelemetry_proto::tonic::trace::v1::span::Event;

use super::super::failure::{status_in_message, status_of_error_type};
use super::*;

fn text(value: &str) -> Value {
    Value::StringValue(value.to_owned())
}

fn exception_event(kind: &str, message: &str) -> Event {
    Event {
        name: "exception".to_owned(),
        attributes: vec![
            kv("exception.type", text(kind)),
            kv("exception.message", text(message)),
            kv(
                "exception.stacktrace",
                text("Traceback (most recent call last): ..."),
            ),
        ],
        ..Event::default()
    }
}

/// The span: status ERROR, no attributes, a GenAI name, an SDK message and an
/// `exception` event.
fn bare_failure(name: &str, message: &str, exception: Event) -> Span {
    let mut bare = failed(span(Vec::new(), 1_000, 700_000_000), message);
    bare.name = name.to_owned();
    bare.events = vec![exception];
    bare
}

const RATE_LIMITED: &str = "Error code: 429 - {'error': {'message': 'Rate limit reached for \
                            gpt-4o-mini', 'type': 'requests', 'code': 'rate_limit_exceeded'}}";

#[test]
fn an_error_span_with_nothing_but_a_name_is_recorded_as_the_failed_call_it_is() {
    let span = bare_failure(
        "chat gpt-4o-mini",
        &format!("RateLimitError: {RATE_LIMITED}"),
        exception_event("openai.RateLimitError", RATE_LIMITED),
    );
    let record = to_record(&span, Some("svc"), NOW_MS).expect("recorded, not dropped");
    assert_eq!(record.model, "gpt-4o-mini");
    assert_eq!(record.operation.as_deref(), Some("chat"));
    assert_eq!(record.status, 429);
    assert_eq!(record.error_type.as_deref(), Some("openai.RateLimitError"));
    assert_eq!(
        record.error_message.as_deref(),
        Some(format!("RateLimitError: {RATE_LIMITED}").as_str())
    );
    assert_eq!(record.latency_ms, Some(700));
}

#[test]
fn a_bare_failure_takes_status_and_message_from_the_exception_when_the_status_says_nothing() {
    let span = bare_failure(
        "embeddings text-embedding-3-small",
        "",
        exception_event(
            "openai.AuthenticationError",
            "Error code: 401 - invalid key",
        ),
    );
    let record = to_record(&span, None, NOW_MS).expect("recorded");
    assert_eq!(record.model, "text-embedding-3-small");
    assert_eq!(record.operation.as_deref(), Some("embedding"));
    assert_eq!(record.kind, Some(ModelKind::Embedding));
    assert_eq!(record.status, 401);
    assert_eq!(
        record.error_message.as_deref(),
        Some("Error code: 401 - invalid key")
    );
}

#[test]
fn only_failed_spans_named_operation_and_model_are_read_from_their_name() {
    let ok = span(Vec::new(), 1_000, 10);
    assert_eq!(ok.name, "chat gpt-4o");
    assert_eq!(
        to_record(&ok, None, NOW_MS),
        Err(Refusal::NotGenAi("no model attribute".into())),
        "a span that did not fail needs a model attribute"
    );
    for name in [
        "invoke_agent Tutor",
        "execute_tool get_weather",
        "chat",
        "chat gpt 4o",
        "POST /v1/chat/completions",
    ] {
        let span = bare_failure(name, "boom", exception_event("ValueError", "boom"));
        assert!(
            matches!(to_record(&span, None, NOW_MS), Err(Refusal::NotGenAi(_))),
            "{name}"
        );
    }
}

#[test]
fn a_model_attribute_wins_over_the_span_name() {
    let mut span = bare_failure("chat from-name", RATE_LIMITED, exception_event("E", "e"));
    span.attributes = vec![model("from-attribute")];
    assert_eq!(
        to_record(&span, None, NOW_MS).expect("recorded").model,
        "from-attribute"
    );
}

/// The record of a failed call with a model, `attributes`, and status message `message`.
fn failure_with(attributes: Vec<KeyValue>, message: &str) -> NewRequest {
    let mut all = vec![model("m")];
    all.extend(attributes);
    to_record(&failed(span(all, 1_000, 10), message), None, NOW_MS).expect("recorded")
}

#[test]
fn sdk_error_classes_give_their_http_status_bare_or_module_qualified() {
    for (error_type, status) in [
        ("RateLimitError", 429),
        ("openai.RateLimitError", 429),
        ("anthropic.RateLimitError", 429),
        ("openai.AuthenticationError", 401),
        ("PermissionDeniedError", 403),
        ("openai.NotFoundError", 404),
        ("anthropic.BadRequestError", 400),
        ("openai.UnprocessableEntityError", 422),
        ("openai.InternalServerError", 500),
        ("openai.APITimeoutError", 504),
        ("anthropic.APITimeoutError", 504),
        ("APIConnectionTimeoutError", 504),
        ("openai.APIConnectionError", 502),
        ("anthropic.APIConnectionError", 502),
        ("anthropic.OverloadedError", 529),
        ("anthropic._exceptions.ServiceUnavailableError", 503),
        ("httpx.ReadTimeout", 504),
        ("httpx.ConnectError", 502),
        ("429", 429),
        ("ValueError", 500),
    ] {
        let record = failure_with(vec![kv("error.type", text(error_type))], "");
        assert_eq!(record.status, status, "{error_type}");
        assert_eq!(record.error_type.as_deref(), Some(error_type));
    }
}

#[test]
fn the_error_code_of_the_message_beats_the_error_class() {
    let record = failure_with(
        vec![kv("error.type", text("openai.RateLimitError"))],
        "Error code: 503 - upstream overloaded",
    );
    assert_eq!(record.status, 503);
    // The exception's message counts too, still before the class.
    let mut span = failed(
        span(
            vec![model("m"), kv("error.type", text("RateLimitError"))],
            1_000,
            10,
        ),
        "",
    );
    span.events = vec![exception_event("RateLimitError", "Error code: 400 - odd")];
    assert_eq!(
        to_record(&span, None, NOW_MS).expect("recorded").status,
        400
    );
}

#[test]
fn an_http_status_attribute_beats_the_message_and_the_class() {
    let record = failure_with(
        vec![
            kv("http.response.status_code", Value::IntValue(429)),
            kv("error.type", text("InternalServerError")),
        ],
        "Error code: 500 - whatever",
    );
    assert_eq!(record.status, 429);
}

#[test]
fn the_exception_type_gives_status_and_error_type_when_no_attribute_does() {
    let mut span = failed(span(vec![model("m")], 1_000, 10), "overloaded");
    span.events = vec![exception_event("anthropic.OverloadedError", "Overloaded")];
    let record = to_record(&span, None, NOW_MS).expect("recorded");
    assert_eq!(record.status, 529);
    assert_eq!(
        record.error_type.as_deref(),
        Some("anthropic.OverloadedError")
    );
    assert_eq!(record.error_message.as_deref(), Some("overloaded"));
}

#[test]
fn error_codes_are_read_only_where_they_are_whole_error_statuses() {
    assert_eq!(status_in_message("Error code: 404 - {}"), Some(404));
    assert_eq!(
        status_in_message("RateLimitError: Error code: 429"),
        Some(429)
    );
    assert_eq!(status_in_message("Error code: 4291"), None);
    assert_eq!(status_in_message("Error code: 200 - fine?"), None);
    assert_eq!(status_in_message("error code 429"), None);
    assert_eq!(status_in_message("Error code: 4é"), None);
    assert_eq!(status_of_error_type(" openai.RateLimitError "), Some(429));
    assert_eq!(status_of_error_type("600"), None);
    assert_eq!(status_of_error_type("timeout"), Some(504));
    assert_eq!(status_of_error_type(""), None);
}
