//! This server's public address as a request reached it (ssr only): the `Host` header (or the
//! URI's authority, as HTTP/2 sends it), over HTTPS when the TLS proxy in front says so
//! (`X-Forwarded-Proto: https`, as the session cookie's `Secure` flag reads it), checked by
//! `connect::base_url`. Nothing is configured and nothing is assumed: what the browser used to
//! reach this page is what an app on the same network uses.

use leptos::prelude::*;

use crate::api::AppError;

/// The base URL (`http(s)://host[:port]`) of the request being answered; 400 when its host is
/// not a plain host name or address with an optional port.
pub fn public_base_url() -> Result<String, AppError> {
    let Some(parts) = use_context::<http::request::Parts>() else {
        leptos::logging::error!("the request is not available in this context");
        return Err(AppError::Internal);
    };
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| parts.uri.authority().map(|authority| authority.as_str()));
    let https = parts
        .headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"));
    match host.and_then(|host| crate::connect::base_url(https, host)) {
        Some(url) => Ok(url),
        None => crate::api::access::invalid(
            "host: the request's Host is not a plain host name or address with an optional port",
        ),
    }
}
