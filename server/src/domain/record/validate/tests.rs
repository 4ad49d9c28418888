use app::model::Usage;

use super::*;

const NOW_MS: i64 = 1_790_000_000_000;

fn minimal() -> RecordInput {
    RecordInput {
        model: Some("qwen-plus".into()),
        timestamp_ms: Some(NOW_MS - 1_000),
        status: Some(200),
        ..RecordInput::default()
    }
}

fn refusal(input: RecordInput) -> (Step, String, String) {
    let error = input.validate(NOW_MS, Source::Otlp).expect_err("refused");
    (error.step, error.field, error.message)
}

#[test]
fn a_typed_record_is_trimmed_rounded_masked_and_completed() {
    let input = RecordInput {
        request_id: Some("  req-1 ".into()),
        operation: Some("chat".into()),
        latency_ms: Some(1234.6),
        ttft_ms: Some(99.4),
        api_key: Some("sk-0123456789abcdef".into()),
        usage: Usage {
            input_tokens: Some(10),
            output_tokens: Some(5),
            ..Usage::default()
        },
        metadata: Some(serde_json::Map::from_iter([(
            "app".to_owned(),
            "search".into(),
        )])),
        stream: true,
        ..minimal()
    };
    let record = input.validate(NOW_MS, Source::Proxy).expect("valid");
    assert_eq!(record.request_id, "req-1");
    assert_eq!((record.latency_ms, record.ttft_ms), (Some(1235), Some(99)));
    assert_eq!(record.api_key.as_deref(), Some("sk-…cdef"));
    assert_eq!(
        record.usage.total_tokens,
        Some(15),
        "filled in from its parts"
    );
    // `app` moved into its dimension; it reads back from there.
    assert_eq!(record.metadata, None);
    assert_eq!(record.dimensions.app.as_deref(), Some("search"));
    assert_eq!(record.source, Source::Proxy);
    assert!(record.stream);
}

#[test]
fn a_record_without_an_id_gets_a_time_ordered_one() {
    let record = minimal().validate(NOW_MS, Source::Api).expect("valid");
    let id = uuid::Uuid::parse_str(&record.request_id).expect("a uuid");
    assert_eq!(id.get_version_num(), 7);
}

#[test]
fn the_model_the_time_and_the_status_are_required() {
    let no_model = RecordInput {
        model: None,
        ..minimal()
    };
    assert_eq!(refusal(no_model).1, "model");
    let no_time = RecordInput {
        timestamp_ms: None,
        ..minimal()
    };
    assert_eq!(refusal(no_time).2, "is required");
    let no_status = RecordInput {
        status: None,
        ..minimal()
    };
    assert_eq!(
        refusal(no_status).2,
        "is required (the HTTP status of the call)"
    );
}

#[test]
fn the_first_wrong_field_in_check_order_is_named() {
    let input = RecordInput {
        model: Some(" ".into()),
        status: Some(700),
        latency_ms: Some(-1.0),
        ..minimal()
    };
    assert_eq!(
        refusal(input),
        (Step::Model, "model".into(), "must not be empty".into())
    );
    let input = RecordInput {
        status: Some(700),
        latency_ms: Some(-1.0),
        ..minimal()
    };
    assert_eq!(refusal(input).1, "status");
}

#[test]
fn times_out_of_range_and_parts_longer_than_the_call_are_refused() {
    for (input, field, message) in [
        (
            RecordInput {
                timestamp_ms: Some(NOW_MS + 3_600_000),
                ..minimal()
            },
            "timestamp",
            "in the future",
        ),
        (
            RecordInput {
                timestamp_ms: Some(NOW_MS / 1000),
                ..minimal()
            },
            "timestamp",
            "400 days old",
        ),
        (
            RecordInput {
                latency_ms: Some(f64::NAN),
                ..minimal()
            },
            "latency_ms",
            "non-negative",
        ),
        (
            RecordInput {
                first_byte_ms: Some(2e8),
                ..minimal()
            },
            "first_byte_ms",
            "at most one day",
        ),
        (
            RecordInput {
                latency_ms: Some(10.0),
                ttft_ms: Some(11.0),
                ..minimal()
            },
            "ttft_ms",
            "must not exceed latency_ms",
        ),
    ] {
        let (_, named, reason) = refusal(input);
        assert_eq!(named, field);
        assert!(reason.contains(message), "{field}: {reason}");
    }
}

#[test]
fn text_is_bounded_in_characters_and_free_of_control_characters_except_messages() {
    let long = RecordInput {
        model: Some("模".repeat(limits::MODEL_CHARS)),
        ..minimal()
    };
    assert!(
        long.validate(NOW_MS, Source::Api).is_ok(),
        "characters, not bytes"
    );
    let longer = RecordInput {
        model: Some("m".repeat(limits::MODEL_CHARS + 1)),
        ..minimal()
    };
    assert_eq!(refusal(longer).2, "must be at most 200 characters");
    let control = RecordInput {
        error_type: Some("a\u{7}b".into()),
        ..minimal()
    };
    assert_eq!(refusal(control).2, "must not contain control characters");
    let message = RecordInput {
        error_message: Some("line one\nline two".into()),
        ..minimal()
    };
    assert!(message.validate(NOW_MS, Source::Api).is_ok());
}

#[test]
fn metadata_and_bodies_are_bounded_in_bytes() {
    let metadata = RecordInput {
        metadata: Some(serde_json::Map::from_iter([(
            "padding".to_owned(),
            "x".repeat(limits::METADATA_BYTES).into(),
        )])),
        ..minimal()
    };
    assert_eq!(refusal(metadata).1, "metadata");
    let body = RecordInput {
        response_body: Some("x".repeat(limits::BODY_BYTES + 1)),
        ..minimal()
    };
    assert_eq!(refusal(body).1, "response_body");
}

#[test]
fn usage_is_checked_unit_by_unit_and_parts_never_exceed_their_whole() {
    let usage = |usage: Usage| RecordInput { usage, ..minimal() };
    for (input, field, message) in [
        (
            usage(Usage {
                images: Some(-1),
                ..Usage::default()
            }),
            "usage.images",
            "must be between 0 and 1000000000",
        ),
        (
            usage(Usage {
                audio_seconds: Some(f64::INFINITY),
                ..Usage::default()
            }),
            "usage.audio_seconds",
            "must be between 0 and 86400 seconds",
        ),
        (
            usage(Usage {
                input_tokens: Some(10),
                cached_tokens: Some(11),
                ..Usage::default()
            }),
            "usage.cached_tokens",
            "must not exceed input_tokens",
        ),
        (
            usage(Usage {
                output_tokens: Some(10),
                reasoning_tokens: Some(11),
                ..Usage::default()
            }),
            "usage.reasoning_tokens",
            "must not exceed output_tokens",
        ),
    ] {
        assert_eq!(
            refusal(input),
            (Step::Usage, field.to_owned(), message.to_owned())
        );
    }
    let reported_total = usage(Usage {
        input_tokens: Some(10),
        total_tokens: Some(12),
        ..Usage::default()
    });
    let record = reported_total.validate(NOW_MS, Source::Api).expect("valid");
    assert_eq!(
        record.usage.total_tokens,
        Some(12),
        "a reported total is kept"
    );
    let media = usage(Usage {
        images: Some(2),
        ..Usage::default()
    });
    let record = media.validate(NOW_MS, Source::Api).expect("valid");
    assert_eq!(
        record.usage.total_tokens, None,
        "never invented from nothing"
    );
}

#[test]
fn a_key_is_masked_to_its_ends_and_a_short_one_entirely() {
    assert_eq!(mask_secret("sk-0123456789abcdef"), "sk-…cdef");
    assert_eq!(mask_secret("short"), "…");
}
