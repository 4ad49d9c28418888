//! What a client tells Modelwatch about a call without changing the call: a JSON object in the
//! `x-modelwatch-metadata` header (user, app, feature, tags, ...), which goes into the record's
//! metadata and never upstream, and the end user the body names (OpenAI's `user`, or its
//! successor `safety_identifier`), kept as `user` unless the header names one.

use axum::http::HeaderMap;
use serde_json::{Map, Value};

use crate::ingest::record::limits;

/// The request header that carries the caller's metadata.
pub const METADATA_HEADER: &str = "x-modelwatch-metadata";

/// Largest metadata header accepted; with the proxy's own few keys the record's metadata stays
/// far below its limit, so a call is never lost to its tags.
pub const MAX_METADATA_BYTES: usize = 4 * 1024;

/// Keys the proxy writes itself.
const RESERVED_KEYS: [&str; 4] = ["upstream", "usage", "response_model", "response_text"];

/// The caller's metadata for a recorded call, or why the header is refused.
pub fn caller_metadata(
    headers: &HeaderMap,
    body_user: Option<&str>,
) -> Result<Map<String, Value>, String> {
    let mut metadata = Map::new();
    let mut values = headers.get_all(METADATA_HEADER).iter();
    if let Some(value) = values.next() {
        if values.next().is_some() {
            return Err(format!("send the {METADATA_HEADER} header once"));
        }
        let bytes = value.as_bytes();
        if bytes.len() > MAX_METADATA_BYTES {
            return Err(format!(
                "the {METADATA_HEADER} header must be at most {MAX_METADATA_BYTES} bytes"
            ));
        }
        let parsed: Value = serde_json::from_slice(bytes).map_err(|error| {
            format!("the {METADATA_HEADER} header must be a JSON object: {error}")
        })?;
        let Value::Object(object) = parsed else {
            return Err(format!(
                "the {METADATA_HEADER} header must be a JSON object"
            ));
        };
        if let Some(key) = object
            .keys()
            .find(|key| RESERVED_KEYS.contains(&key.as_str()))
        {
            return Err(format!(
                "the {METADATA_HEADER} header may not set {key:?}: the proxy records it itself"
            ));
        }
        metadata = object;
    }
    if let Some(user) = body_user.map(str::trim).filter(|user| !user.is_empty()) {
        let user: String = user.chars().take(limits::SHORT_TEXT_CHARS).collect();
        metadata.entry("user").or_insert(Value::String(user));
    }
    Ok(metadata)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn with_header(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(METADATA_HEADER, value.parse().expect("header value"));
        headers
    }

    #[test]
    fn the_header_object_is_kept_and_its_user_beats_the_body() {
        let headers = with_header(r#"{"app": "checkout", "tags": ["beta"], "user": "u-7"}"#);
        let metadata = caller_metadata(&headers, Some("body-user")).expect("valid");
        assert_eq!(
            Value::Object(metadata),
            json!({"app": "checkout", "tags": ["beta"], "user": "u-7"})
        );
        let metadata = caller_metadata(&HeaderMap::new(), Some(" body-user ")).expect("valid");
        assert_eq!(Value::Object(metadata), json!({"user": "body-user"}));
        let long_user = "u".repeat(1000);
        let metadata = caller_metadata(&HeaderMap::new(), Some(&long_user)).expect("valid");
        assert_eq!(
            metadata["user"].as_str().map(str::len),
            Some(limits::SHORT_TEXT_CHARS)
        );
        assert!(caller_metadata(&HeaderMap::new(), Some("  "))
            .expect("valid")
            .is_empty());
    }

    #[test]
    fn a_header_that_is_not_a_small_json_object_without_reserved_keys_is_refused() {
        for (value, reason) in [
            ("not json", "must be a JSON object: expected"),
            ("[1, 2]", "must be a JSON object"),
            (r#"{"usage": "free"}"#, "may not set \"usage\""),
            (r#"{"upstream": "mine"}"#, "may not set \"upstream\""),
        ] {
            let error = caller_metadata(&with_header(value), None).expect_err(value);
            assert!(error.contains(METADATA_HEADER), "{error}");
            assert!(error.contains(reason), "{value}: {error}");
        }
        let large = format!(r#"{{"note": "{}"}}"#, "x".repeat(MAX_METADATA_BYTES));
        let error = caller_metadata(&with_header(&large), None).expect_err("too large");
        assert!(error.contains("at most 4096 bytes"), "{error}");
        let mut twice = with_header("{}");
        twice.append(METADATA_HEADER, "{}".parse().expect("header value"));
        let error = caller_metadata(&twice, None).expect_err("twice");
        assert!(error.contains("once"), "{error}");
    }
}
