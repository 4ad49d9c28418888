//! Export bodies built to hurt, for the tests and the abuse benchmark: the decode amplification
//! of the issue (millions of empty spans, a few KB compressed, filling the 20 MiB cap once
//! inflated) and the heaviest export the limits still accept. Not used by the server itself.

use std::io::Write;

use prost::encoding::encode_varint;

use super::body::{Compression, Encoding, MAX_DECODED_BYTES};
use super::limits::{MAX_LINKS, MAX_VALUES};

/// The largest hostile export: as many empty spans (`{}`) as fit in [`MAX_DECODED_BYTES`]
/// once decompressed (about 10.5 million in protobuf, 7 million in JSON), compressed as asked.
/// The receiver refuses it with a 400 after counting 10,001 spans.
pub fn hostile_export(encoding: Encoding, compression: Compression) -> Vec<u8> {
    compress(&empty_spans(encoding, MAX_DECODED_BYTES), compression)
}

/// The heaviest export the limits accept: spans carrying nothing but the most links allowed
/// (a link is the largest object an export can hold two bytes of protobuf for), as many as
/// [`MAX_VALUES`] allows. What it decodes into bounds one export's memory.
pub fn heaviest_accepted_export(encoding: Encoding, compression: Compression) -> Vec<u8> {
    compress(&linked_spans(encoding), compression)
}

/// An export of empty spans, `bytes` long at most.
pub fn empty_spans(encoding: Encoding, bytes: usize) -> Vec<u8> {
    match encoding {
        // Export { ResourceSpans(1) { ScopeSpans(2) { Span(2) {} ... } } }: each span is the two
        // bytes 0x12 0x00; the two headers take at most 12 bytes.
        Encoding::Protobuf => {
            let spans = bytes.saturating_sub(12) / 2;
            let scope: Vec<u8> = [0x12, 0x00].repeat(spans);
            protobuf_export(&scope)
        }
        Encoding::Json => {
            let (head, tail) = JSON_FRAME;
            let room = bytes.saturating_sub(head.len() + tail.len()) + 1;
            let spans = (room / 3).max(1);
            let mut body = Vec::with_capacity(head.len() + tail.len() + spans * 3);
            body.extend_from_slice(head.as_bytes());
            body.extend_from_slice(&b"{},".repeat(spans)[..spans * 3 - 1]);
            body.extend_from_slice(tail.as_bytes());
            body
        }
    }
}

/// The text around the spans of a one-resource, one-scope OTLP/JSON export.
const JSON_FRAME: (&str, &str) = (r#"{"resourceSpans":[{"scopeSpans":[{"spans":["#, "]}]}]}");

/// Spans with [`MAX_LINKS`] empty links each, as many as [`MAX_VALUES`] allows counting every
/// object (and, in JSON, the lists too).
fn linked_spans(encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Protobuf => {
            // Per span: the span and its links; per export: the two groups.
            let spans = (MAX_VALUES - 2) / (1 + MAX_LINKS);
            let mut span = Vec::new();
            for _ in 0..MAX_LINKS {
                span.extend_from_slice(&[0x6a, 0x00]); // field 13 (links), empty
            }
            let mut scope = Vec::new();
            for _ in 0..spans {
                scope.push(0x12);
                encode_varint(span.len() as u64, &mut scope);
                scope.extend_from_slice(&span);
            }
            protobuf_export(&scope)
        }
        Encoding::Json => {
            // Per span: its object, the links array and the links; per export: six values.
            let spans = (MAX_VALUES - 6) / (2 + MAX_LINKS);
            let links = vec!["{}"; MAX_LINKS].join(",");
            let span = format!(r#"{{"links":[{links}]}}"#);
            let (head, tail) = JSON_FRAME;
            format!("{head}{}{tail}", vec![span; spans].join(",")).into_bytes()
        }
    }
}

/// `Export { ResourceSpans { <scope_fields> } }` where `scope_fields` is the content of one
/// `ScopeSpans`.
fn protobuf_export(scope_fields: &[u8]) -> Vec<u8> {
    let mut resource = vec![0x12];
    encode_varint(scope_fields.len() as u64, &mut resource);
    resource.extend_from_slice(scope_fields);
    let mut export = vec![0x0a];
    encode_varint(resource.len() as u64, &mut export);
    export.extend_from_slice(&resource);
    export
}

/// `plain` compressed as `compression` says (deflate as the zlib stream exporters send).
pub fn compress(plain: &[u8], compression: Compression) -> Vec<u8> {
    let level = flate2::Compression::default();
    let written = match compression {
        Compression::Identity => return plain.to_vec(),
        Compression::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
            encoder.write_all(plain).and_then(|()| encoder.finish())
        }
        Compression::Deflate => {
            let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), level);
            encoder.write_all(plain).and_then(|()| encoder.finish())
        }
    };
    // Writing into a Vec cannot fail.
    written.unwrap_or_default()
}
