//! The export body: which encoding and compression the client used, decompression under the
//! size cap, and decoding into an `ExportTraceServiceRequest`.

use std::io::Read;

use axum::http::{header, HeaderMap, StatusCode};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

use crate::error::ApiError;

/// Largest export accepted, after decompression (and as sent).
pub const MAX_DECODED_BYTES: usize = 20 * 1024 * 1024;

/// The two OTLP/HTTP encodings; the answer uses the request's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// How the body is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Identity,
    Gzip,
    /// HTTP's `deflate`: a zlib stream (what the OpenTelemetry exporters send), or a raw
    /// deflate stream from clients that read the name literally.
    Deflate,
}

impl Compression {
    fn name(self) -> &'static str {
        match self {
            Compression::Identity => "identity",
            Compression::Gzip => "gzip",
            Compression::Deflate => "deflate",
        }
    }
}

/// The media type of `Content-Type`, lowercase, without parameters.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let media = value.split(';').next().unwrap_or_default().trim();
    Some(media.to_ascii_lowercase())
}

/// The encoding `Content-Type` names, or a 415 saying which are accepted.
pub fn encoding(headers: &HeaderMap) -> Result<Encoding, ApiError> {
    match media_type(headers).as_deref() {
        Some("application/x-protobuf" | "application/protobuf") => Ok(Encoding::Protobuf),
        Some("application/json") => Ok(Encoding::Json),
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type {} is not supported; send application/x-protobuf or application/json",
                other.map_or_else(|| "(missing)".to_owned(), |media| format!("{media:?}"))
            ),
        )),
    }
}

/// The encoding errors are answered in, before the request is known to be valid: protobuf when
/// the client said so, else JSON.
pub fn answer_encoding(headers: &HeaderMap) -> Encoding {
    encoding(headers).unwrap_or(Encoding::Json)
}

/// The compression `Content-Encoding` names, or a 415.
pub fn compression(headers: &HeaderMap) -> Result<Compression, ApiError> {
    let Some(value) = headers.get(header::CONTENT_ENCODING) else {
        return Ok(Compression::Identity);
    };
    let name = value
        .to_str()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match name.as_str() {
        "" | "identity" => Ok(Compression::Identity),
        "gzip" | "x-gzip" => Ok(Compression::Gzip),
        "deflate" => Ok(Compression::Deflate),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Encoding {:?} is not supported; send gzip, deflate or an uncompressed body",
                super::value::clip(&name, 40)
            ),
        )),
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the export is larger than {MAX_DECODED_BYTES} bytes once decompressed; \
             export fewer spans per request"
        ),
    )
}

/// Whether `bytes` open with a zlib header (RFC 1950: method 8, check bits a multiple of 31).
fn is_zlib(bytes: &[u8]) -> bool {
    match bytes {
        [cmf, flg, ..] => cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

/// Inflates a compressed body, stopping (413) as soon as it passes `cap` bytes: a small bomb
/// never becomes a large allocation.
pub fn inflate(
    compressed: &[u8],
    compression: Compression,
    cap: usize,
) -> Result<Vec<u8>, ApiError> {
    let reader: Box<dyn Read + '_> = match compression {
        Compression::Identity => Box::new(compressed),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(compressed)),
        Compression::Deflate if is_zlib(compressed) => {
            Box::new(flate2::read::ZlibDecoder::new(compressed))
        }
        Compression::Deflate => Box::new(flate2::read::DeflateDecoder::new(compressed)),
    };
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    let mut inflated = Vec::new();
    reader
        .take(limit)
        .read_to_end(&mut inflated)
        .map_err(|error| {
            ApiError::bad_request(format!(
                "the {} body could not be decompressed: {error}",
                compression.name()
            ))
        })?;
    if inflated.len() > cap {
        return Err(too_large());
    }
    Ok(inflated)
}

/// The body as sent, decompressed when it is compressed, never more than `cap` bytes.
pub fn decompress<'a>(
    body: &'a [u8],
    compression: Compression,
    cap: usize,
) -> Result<std::borrow::Cow<'a, [u8]>, ApiError> {
    match compression {
        Compression::Identity if body.len() > cap => Err(too_large()),
        Compression::Identity => Ok(std::borrow::Cow::Borrowed(body)),
        compressed => inflate(body, compressed, cap).map(std::borrow::Cow::Owned),
    }
}

/// Decodes an export, or a 400 with the decoder's reason.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<ExportTraceServiceRequest, ApiError> {
    match encoding {
        Encoding::Protobuf => ExportTraceServiceRequest::decode(bytes).map_err(|error| {
            ApiError::bad_request(format!("the body is not a protobuf trace export: {error}"))
        }),
        Encoding::Json => super::json::decode(bytes).map_err(|error| {
            ApiError::bad_request(format!(
                "the body is not an OTLP/JSON trace export: {error}"
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(name, value.parse().expect("header value"));
        }
        headers
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).expect("compress");
        encoder.finish().expect("compress")
    }

    #[test]
    fn content_types_with_parameters_and_case_are_recognised() {
        let encoding_of = |value| encoding(&headers(&[(header::CONTENT_TYPE, value)]));
        assert_eq!(
            encoding_of("application/x-protobuf").ok(),
            Some(Encoding::Protobuf)
        );
        assert_eq!(
            encoding_of("Application/JSON; charset=utf-8").ok(),
            Some(Encoding::Json)
        );
        let refused = encoding_of("text/plain").expect_err("refused");
        assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(
            refused.message.contains("text/plain"),
            "{}",
            refused.message
        );
        let missing = encoding(&HeaderMap::new()).expect_err("refused");
        assert!(missing.message.contains("missing"), "{}", missing.message);
    }

    #[test]
    fn only_gzip_deflate_and_identity_encodings_are_accepted() {
        let compression_of = |value| compression(&headers(&[(header::CONTENT_ENCODING, value)]));
        assert_eq!(
            compression(&HeaderMap::new()).ok(),
            Some(Compression::Identity)
        );
        assert_eq!(compression_of("GZIP").ok(), Some(Compression::Gzip));
        assert_eq!(compression_of("identity").ok(), Some(Compression::Identity));
        assert_eq!(compression_of("Deflate").ok(), Some(Compression::Deflate));
        let refused = compression_of("br").expect_err("refused");
        assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(refused.message.contains("\"br\""), "{}", refused.message);
    }

    #[test]
    fn gzip_inflates_up_to_the_cap_and_not_a_byte_more() {
        let plain = vec![b'a'; 1000];
        let packed = gzip(&plain);
        assert_eq!(
            inflate(&packed, Compression::Gzip, 1000).expect("fits"),
            plain
        );
        let refused = inflate(&packed, Compression::Gzip, 999).expect_err("over the cap");
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
        let broken = inflate(b"not gzip at all", Compression::Gzip, 1000).expect_err("corrupt");
        assert_eq!(broken.status, StatusCode::BAD_REQUEST);
        assert!(
            broken.message.contains("decompressed"),
            "{}",
            broken.message
        );
    }

    #[test]
    fn deflate_bodies_inflate_in_zlib_and_raw_form_under_the_cap() {
        let plain = b"{\"resourceSpans\": []}".repeat(50);
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        zlib.write_all(&plain).expect("compress");
        let zlib = zlib.finish().expect("compress");
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(&plain).expect("compress");
        let raw = raw.finish().expect("compress");
        assert!(is_zlib(&zlib) && !is_zlib(&raw));
        for packed in [&zlib, &raw] {
            let inflated = decompress(packed, Compression::Deflate, plain.len()).expect("fits");
            assert_eq!(inflated.as_ref(), plain.as_slice());
            let refused =
                decompress(packed, Compression::Deflate, plain.len() - 1).expect_err("cap");
            assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
        }
        let broken =
            inflate(&[0x78, 0x9c, 0xff, 0xff], Compression::Deflate, 100).expect_err("corrupt");
        assert_eq!(broken.status, StatusCode::BAD_REQUEST);
        assert!(broken.message.contains("deflate"), "{}", broken.message);
    }

    #[test]
    fn a_gzip_bomb_is_refused_without_inflating_it_all() {
        // 64 gzip members of 1 MiB of zeros each: 64 MiB inflated from about 64 KiB.
        let member = gzip(&vec![0u8; 1 << 20]);
        let bomb: Vec<u8> = member
            .iter()
            .copied()
            .cycle()
            .take(member.len() * 64)
            .collect();
        assert!(bomb.len() < 128 << 10, "{} bytes", bomb.len());
        let refused = decompress(&bomb, Compression::Gzip, MAX_DECODED_BYTES).expect_err("bomb");
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
        // The same members under the cap inflate completely.
        let fits: Vec<u8> = member
            .iter()
            .copied()
            .cycle()
            .take(member.len() * 20)
            .collect();
        let inflated = decompress(&fits, Compression::Gzip, MAX_DECODED_BYTES).expect("fits");
        assert_eq!(inflated.len(), 20 << 20);
    }

    #[test]
    fn an_uncompressed_body_over_the_cap_is_refused() {
        let refused = decompress(&[0; 11], Compression::Identity, 10).expect_err("too large");
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn empty_exports_decode_in_both_encodings_and_garbage_says_why() {
        assert!(decode(b"", Encoding::Protobuf)
            .expect("empty protobuf")
            .resource_spans
            .is_empty());
        assert!(decode(b"{}", Encoding::Json)
            .expect("empty JSON")
            .resource_spans
            .is_empty());
        let refused = decode(b"{\"resourceSpans\": 3}", Encoding::Json).expect_err("bad");
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(refused.message.contains("OTLP/JSON"), "{}", refused.message);
        let refused = decode(&[0xff, 0xff, 0xff], Encoding::Protobuf).expect_err("bad");
        assert!(refused.message.contains("protobuf"), "{}", refused.message);
    }
}
