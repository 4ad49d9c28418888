//! Property tests of decoding and mapping: no input makes the receiver panic or answer
//! anything but a 4xx or a mapping, and both encodings of the same spans give the same records.

use std::io::Write;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use proptest::prelude::*;
use prost::Message;

use super::aliases::ALIASES;
use super::{read_export, Compression, Encoding, Mapped};

const NOW_MS: i64 = 1_790_000_000_000;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("compress")
}

/// Reads `bytes` every way the receiver can be asked to; each answer must be a mapping or a 4xx.
fn read_every_way(bytes: &[u8]) {
    let packed = gzip(bytes);
    for encoding in [Encoding::Protobuf, Encoding::Json] {
        for (body, compression) in [
            (bytes, Compression::Identity),
            (packed.as_slice(), Compression::Gzip),
            (bytes, Compression::Gzip),
            (bytes, Compression::Deflate),
        ] {
            if let Err(error) = read_export(body, encoding, compression, NOW_MS) {
                assert!(
                    error.status.is_client_error(),
                    "{}: {}",
                    error.status,
                    error.message
                );
                assert!(!error.message.is_empty());
            }
        }
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "[a-zA-Z0-9.]{0,10}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        // Keys lean towards OTLP's own names, so the decoder gets deep into the structure.
        let key = prop_oneof![
            prop::sample::select(vec![
                "resourceSpans",
                "scopeSpans",
                "spans",
                "resource",
                "attributes",
                "key",
                "value",
                "stringValue",
                "intValue",
                "doubleValue",
                "boolValue",
                "arrayValue",
                "kvlistValue",
                "values",
                "traceId",
                "spanId",
                "name",
                "startTimeUnixNano",
                "endTimeUnixNano",
                "status",
                "code",
            ])
            .prop_map(str::to_owned),
            "[a-z]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

fn attribute_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::IntValue),
        (0i64..5_000).prop_map(Value::IntValue),
        // Quarters: exact in decimal, so JSON carries the same double as protobuf (serde_json's
        // default float parsing may land one ulp away from other decimal expansions).
        (-40i32..40_000).prop_map(|n| Value::DoubleValue(f64::from(n) / 4.0)),
        (0u32..3_000).prop_map(|n| Value::DoubleValue(f64::from(n))),
        "[a-z0-9. -]{0,12}".prop_map(Value::StringValue),
        "[0-9]{1,4}".prop_map(Value::StringValue),
        any::<bool>().prop_map(Value::BoolValue),
    ]
}

fn attribute() -> impl Strategy<Value = KeyValue> {
    let names: Vec<&'static str> = ALIASES.iter().map(|alias| alias.name).collect();
    let key = prop_oneof![
        3 => prop::sample::select(names).prop_map(str::to_owned),
        1 => "[a-z]{1,6}\\.[a-z_]{1,8}",
    ];
    (key, attribute_value()).prop_map(|(key, value)| KeyValue {
        key,
        value: Some(AnyValue { value: Some(value) }),
        key_strindex: 0,
    })
}

/// Spans as exporters send them: most with a model, random alias attributes of any type,
/// times within retention, any status.
fn span() -> impl Strategy<Value = Span> {
    (
        prop::collection::vec(any::<u8>(), 16),
        prop::collection::vec(any::<u8>(), 8),
        "[a-zA-Z /]{0,20}",
        prop::option::weighted(0.8, "[a-z0-9-]{1,16}"),
        prop::collection::vec(attribute(), 0..8),
        0i64..(300 * 86_400_000),
        0u64..120_000_000_000,
        0i32..3,
        "[a-z ]{0,20}",
    )
        .prop_map(
            |(trace_id, span_id, name, model, mut attributes, ago_ms, nanos, code, message)| {
                if let Some(model) = model {
                    attributes.push(KeyValue {
                        key: "gen_ai.request.model".to_owned(),
                        value: Some(AnyValue {
                            value: Some(Value::StringValue(model)),
                        }),
                        key_strindex: 0,
                    });
                }
                let start = (NOW_MS - ago_ms) as u64 * 1_000_000 + 789;
                Span {
                    trace_id,
                    span_id,
                    name,
                    start_time_unix_nano: start,
                    end_time_unix_nano: start + nanos,
                    attributes,
                    status: Some(Status { message, code }),
                    ..Span::default()
                }
            },
        )
}

fn export() -> impl Strategy<Value = ExportTraceServiceRequest> {
    prop::collection::vec(
        (
            prop::option::of("[a-z-]{1,10}"),
            prop::collection::vec(span(), 0..6),
        ),
        0..3,
    )
    .prop_map(|groups| ExportTraceServiceRequest {
        resource_spans: groups
            .into_iter()
            .map(|(service, spans)| ResourceSpans {
                resource: Some(Resource {
                    attributes: service
                        .map(|name| KeyValue {
                            key: "service.name".to_owned(),
                            value: Some(AnyValue {
                                value: Some(Value::StringValue(name)),
                            }),
                            key_strindex: 0,
                        })
                        .into_iter()
                        .collect(),
                    ..Resource::default()
                }),
                scope_spans: vec![ScopeSpans {
                    spans,
                    ..ScopeSpans::default()
                }],
                ..ResourceSpans::default()
            })
            .collect(),
    })
}

fn span_count(export: &ExportTraceServiceRequest) -> usize {
    export
        .resource_spans
        .iter()
        .flat_map(|group| &group.scope_spans)
        .map(|scope| scope.spans.len())
        .sum()
}

fn assert_same(left: &Mapped, right: &Mapped) {
    assert_eq!(left.records, right.records);
    assert_eq!(left.refused, right.refused);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        read_every_way(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        read_every_way(value.to_string().as_bytes());
        let wrapped = serde_json::json!({
            "resourceSpans": [{ "scopeSpans": [{ "spans": [value] }] }]
        });
        read_every_way(wrapped.to_string().as_bytes());
    }

    #[test]
    fn spans_map_the_same_from_protobuf_json_and_gzip(export in export()) {
        let protobuf = export.encode_to_vec();
        let json = serde_json::to_vec(&export).expect("serialises");
        let from_protobuf = read_export(&protobuf, Encoding::Protobuf, Compression::Identity, NOW_MS)
            .expect("protobuf decodes");
        let from_json = read_export(&json, Encoding::Json, Compression::Identity, NOW_MS)
            .expect("JSON decodes");
        let from_gzip = read_export(&gzip(&protobuf), Encoding::Protobuf, Compression::Gzip, NOW_MS)
            .expect("gzip decodes");
        assert_same(&from_protobuf, &from_json);
        assert_same(&from_protobuf, &from_gzip);
        // Every span is either a record or a reason.
        prop_assert_eq!(
            from_protobuf.records.len() + from_protobuf.refused.len(),
            span_count(&export)
        );
        for record in &from_protobuf.records {
            prop_assert_eq!(record.source, crate::ingest::record::Source::Otlp);
            prop_assert!(record.request_id.len() == 49, "{}", record.request_id);
        }
    }

    #[test]
    fn truncated_exports_are_a_mapping_or_a_400(export in export(), cut in any::<prop::sample::Index>()) {
        let protobuf = export.encode_to_vec();
        let json = serde_json::to_vec(&export).expect("serialises");
        read_every_way(&protobuf[..cut.index(protobuf.len() + 1)]);
        read_every_way(&json[..cut.index(json.len() + 1)]);
    }
}

#[test]
fn the_summary_counts_every_refusal_and_shows_the_first_few() {
    let mapped = Mapped {
        records: Vec::new(),
        refused: (0..7).map(|i| format!("reason {i}")).collect(),
    };
    assert_eq!(
        mapped.summary(),
        "7 spans rejected: reason 0; reason 1; reason 2; reason 3; reason 4; and 2 more"
    );
    let one = Mapped {
        records: Vec::new(),
        refused: vec!["why".to_owned()],
    };
    assert_eq!(one.summary(), "1 span rejected: why");
    assert_eq!(Mapped::default().summary(), "");
}
