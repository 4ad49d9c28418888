//! The headers of a proxied call: what of the client's goes upstream (no hop-by-hop headers,
//! no credentials or cookies, the provider key instead), and which connection headers of the
//! answer stay behind.

use axum::http::{header, HeaderMap, HeaderValue};

use super::upstreams::Upstream;

/// The client's headers as sent upstream: hop-by-hop headers, the client's credentials and
/// cookies left out, the provider key added, and no compression (the proxy reads the answer).
pub(super) fn upstream_headers(headers: &HeaderMap, upstream: &Upstream) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len() + 2);
    for (name, value) in headers {
        let name_text = name.as_str();
        let dropped = is_hop_by_hop(name_text)
            || matches!(
                name_text,
                "host"
                    | "content-length"
                    | "authorization"
                    | "accept-encoding"
                    | "cookie"
                    | "api-key"
                    | "x-api-key"
                    | "origin"
                    | "referer"
            )
            || name_text.starts_with("x-modelwatch-")
            || name_text.starts_with("x-forwarded-");
        if !dropped {
            out.append(name.clone(), value.clone());
        }
    }
    if let Some(key) = upstream.api_key() {
        if let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {}", key.expose())) {
            value.set_sensitive(true);
            out.insert(header::AUTHORIZATION, value);
        }
    }
    out.insert(
        header::ACCEPT_ENCODING,
        HeaderValue::from_static("identity"),
    );
    out
}

/// Headers that belong to one connection, never forwarded (RFC 9110, 7.6.1).
pub(super) fn is_hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::upstreams::ProxyConfig;
    use axum::http::HeaderName;

    #[test]
    fn credentials_and_hop_by_hop_headers_stay_behind() {
        let config = ProxyConfig::parse(
            r#"{"upstreams":[{"base_url":"http://127.0.0.1:1/v1","models":["*"],"api_key":"sk-provider"}]}"#,
            |_| None,
        )
        .expect("valid");
        let upstream = config.default_upstream().expect("catch-all");
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("content-type", "application/json"),
            ("authorization", "Bearer mw_client"),
            ("cookie", "mw_session=x"),
            ("connection", "keep-alive"),
            ("accept-encoding", "gzip"),
            ("openai-organization", "org-1"),
        ] {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let out = upstream_headers(&headers, upstream);
        assert_eq!(
            out.get("authorization").map(|v| v.as_bytes()),
            Some(&b"Bearer sk-provider"[..])
        );
        assert!(out.get("cookie").is_none() && out.get("connection").is_none());
        assert_eq!(
            out.get("accept-encoding").map(|v| v.as_bytes()),
            Some(&b"identity"[..])
        );
        assert_eq!(
            out.get("openai-organization").map(|v| v.as_bytes()),
            Some(&b"org-1"[..])
        );
    }
}
