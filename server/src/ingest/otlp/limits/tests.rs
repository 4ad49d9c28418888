//! The counters against real encodings (exports built with the proto crate, encoded by prost
//! and by its serde form) and against the hostile bodies of `hostile.rs`.

use axum::http::StatusCode;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

use super::*;
use crate::ingest::otlp::body::Compression;
use crate::ingest::otlp::hostile;

fn kv(key: &str, value: Option<Value>) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: value.map(|value| AnyValue { value: Some(value) }),
        key_strindex: 0,
    }
}

fn attributes(count: usize) -> Vec<KeyValue> {
    (0..count)
        .map(|i| kv(&format!("a{i}"), Some(Value::IntValue(i as i64))))
        .collect()
}

fn export_of(
    resource: Resource,
    scope: InstrumentationScope,
    spans: Vec<Span>,
) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(resource),
            scope_spans: vec![ScopeSpans {
                scope: Some(scope),
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
}

fn export(spans: Vec<Span>) -> ExportTraceServiceRequest {
    export_of(Resource::default(), InstrumentationScope::default(), spans)
}

/// The first limit `export` passes, the same in protobuf and in JSON.
fn exceeded_by(export: &ExportTraceServiceRequest) -> Option<Exceeded> {
    let protobuf = exceeded(&export.encode_to_vec(), Encoding::Protobuf);
    let json = exceeded(
        &serde_json::to_vec(export).expect("serialises"),
        Encoding::Json,
    );
    assert_eq!(protobuf, json, "both encodings count alike");
    protobuf
}

#[test]
fn the_issues_ten_million_empty_spans_are_refused_by_the_counter() {
    for encoding in [Encoding::Protobuf, Encoding::Json] {
        let plain = hostile::empty_spans(encoding, crate::ingest::otlp::MAX_DECODED_BYTES);
        assert!(plain.len() <= crate::ingest::otlp::MAX_DECODED_BYTES);
        assert_eq!(
            exceeded(&plain, encoding),
            Some(Exceeded::Spans),
            "{encoding:?}"
        );
    }
    // Compressed, it is a few KB; read whole, it is a 400 naming the limit, which only the
    // counter can give (prost would have decoded every span).
    for (encoding, compression) in [
        (Encoding::Protobuf, Compression::Gzip),
        (Encoding::Json, Compression::Deflate),
    ] {
        let body = hostile::hostile_export(encoding, compression);
        assert!(body.len() < 64 * 1024, "{} bytes", body.len());
        let refused =
            crate::ingest::otlp::read_export(&body, encoding, compression, 0).expect_err("refused");
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            refused.message,
            "the export holds more than 10000 spans; send at most 10000 spans per export"
        );
    }
}

#[test]
fn the_span_limit_is_ten_thousand_exactly() {
    let at = export(vec![Span::default(); MAX_SPANS]);
    assert_eq!(exceeded_by(&at), None);
    let over = export(vec![Span::default(); MAX_SPANS + 1]);
    assert_eq!(exceeded_by(&over), Some(Exceeded::Spans));
}

#[test]
fn a_span_may_hold_128_attributes_events_and_links_and_not_one_more() {
    let full = Span {
        attributes: attributes(MAX_ATTRIBUTES),
        events: vec![Event::default(); MAX_EVENTS],
        links: vec![Link::default(); MAX_LINKS],
        ..Span::default()
    };
    assert_eq!(exceeded_by(&export(vec![full.clone()])), None);

    let mut more = full.clone();
    more.attributes
        .push(kv("one.more", Some(Value::BoolValue(true))));
    assert_eq!(
        exceeded_by(&export(vec![more])),
        Some(Exceeded::Attributes(Owner::Span))
    );
    let mut more = full.clone();
    more.events.push(Event::default());
    assert_eq!(exceeded_by(&export(vec![more])), Some(Exceeded::Events));
    let mut more = full;
    more.links.push(Link::default());
    assert_eq!(exceeded_by(&export(vec![more])), Some(Exceeded::Links));
}

#[test]
fn events_links_resources_and_scopes_have_the_attribute_limit_too() {
    let event = Span {
        events: vec![Event {
            attributes: attributes(MAX_ATTRIBUTES + 1),
            ..Event::default()
        }],
        ..Span::default()
    };
    assert_eq!(
        exceeded_by(&export(vec![event])),
        Some(Exceeded::Attributes(Owner::Event))
    );
    let link = Span {
        links: vec![Link {
            attributes: attributes(MAX_ATTRIBUTES + 1),
            ..Link::default()
        }],
        ..Span::default()
    };
    assert_eq!(
        exceeded_by(&export(vec![link])),
        Some(Exceeded::Attributes(Owner::Link))
    );
    let resource = Resource {
        attributes: attributes(MAX_ATTRIBUTES + 1),
        ..Resource::default()
    };
    assert_eq!(
        exceeded_by(&export_of(
            resource,
            InstrumentationScope::default(),
            vec![]
        )),
        Some(Exceeded::Attributes(Owner::Resource))
    );
    let scope = InstrumentationScope {
        attributes: attributes(MAX_ATTRIBUTES + 1),
        ..InstrumentationScope::default()
    };
    assert_eq!(
        exceeded_by(&export_of(Resource::default(), scope, vec![])),
        Some(Exceeded::Attributes(Owner::Scope))
    );
}

#[test]
fn a_million_values_inside_one_attribute_pass_the_object_limit() {
    let values = vec![
        AnyValue {
            value: Some(Value::BoolValue(false)),
        };
        MAX_VALUES
    ];
    let huge = Span {
        attributes: vec![kv("list", Some(Value::ArrayValue(ArrayValue { values })))],
        ..Span::default()
    };
    assert_eq!(exceeded_by(&export(vec![huge])), Some(Exceeded::Values));
}

#[test]
fn json_values_under_unknown_keys_count_too() {
    // The empty-value repair would read all of it as a serde_json::Value.
    let junk = format!(
        r#"{{"resourceSpans": [], "junk": [{}]}}"#,
        vec!["0"; MAX_VALUES].join(",")
    );
    assert_eq!(
        exceeded(junk.as_bytes(), Encoding::Json),
        Some(Exceeded::Values)
    );
}

#[test]
fn spans_written_as_json_arrays_still_count_as_spans() {
    let spans = vec!["[]"; MAX_SPANS + 1].join(",");
    let body = format!(r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{spans}]}}]}}]}}"#);
    assert_eq!(
        exceeded(body.as_bytes(), Encoding::Json),
        Some(Exceeded::Spans)
    );
}

#[test]
fn empty_groups_count_against_the_group_limit() {
    let groups = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans::default(); MAX_GROUPS + 1],
    };
    assert_eq!(exceeded_by(&groups), Some(Exceeded::Groups));
}

#[test]
fn values_nested_too_deep_are_refused() {
    let mut value = Value::IntValue(1);
    for _ in 0..MAX_NESTING {
        value = Value::KvlistValue(KeyValueList {
            values: vec![kv("inner", Some(value))],
        });
    }
    let deep = Span {
        attributes: vec![kv("deep", Some(value))],
        ..Span::default()
    };
    assert_eq!(exceeded_by(&export(vec![deep])), Some(Exceeded::Nesting));

    let mut shallow = Value::IntValue(1);
    for _ in 0..6 {
        shallow = Value::KvlistValue(KeyValueList {
            values: vec![kv("inner", Some(shallow))],
        });
    }
    let fine = Span {
        attributes: vec![kv("nested", Some(shallow))],
        ..Span::default()
    };
    assert_eq!(exceeded_by(&export(vec![fine])), None);
}

#[test]
fn the_heaviest_accepted_export_is_accepted() {
    for encoding in [Encoding::Protobuf, Encoding::Json] {
        let body = hostile::heaviest_accepted_export(encoding, Compression::Identity);
        assert!(check(&body, encoding).is_ok(), "{encoding:?}");
    }
}

#[test]
fn broken_bytes_are_a_400_saying_the_body_is_no_export() {
    for broken in [&[0x0a, 0xff, 0xff][..], &[0x0a, 0x05, 0x12], &[0x00]] {
        let refused = check(broken, Encoding::Protobuf).expect_err("refused");
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(
            refused
                .message
                .starts_with("the body is not a protobuf trace export: "),
            "{}",
            refused.message
        );
    }
    let refused = check(b"{\"resourceSpans\": [", Encoding::Json).expect_err("refused");
    assert!(
        refused
            .message
            .starts_with("the body is not an OTLP/JSON trace export: EOF"),
        "{}",
        refused.message
    );
    // Wrong types are left to the decoder, which names them.
    assert!(check(b"{\"resourceSpans\": {}}", Encoding::Json).is_ok());
    assert!(check(b"", Encoding::Protobuf).is_ok());
}

#[test]
fn unknown_protobuf_fields_are_skipped_as_prost_skips_them() {
    let mut bytes = export(vec![Span::default()]).encode_to_vec();
    // Field 9 of the export, a varint, then field 10, a length-delimited blob.
    bytes.extend_from_slice(&[0x48, 0x01, 0x52, 0x02, 0xaa, 0xbb]);
    assert!(check(&bytes, Encoding::Protobuf).is_ok());
    assert!(ExportTraceServiceRequest::decode(bytes.as_slice()).is_ok());
}
