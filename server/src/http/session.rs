//! Sessions on every request: the `mw_session` cookie is resolved to the signed-in user
//! (`app::model::Viewer`, put in the request's extensions for pages and server functions, with
//! `app::api::access::RequestSession`: the session's hash and the client's address);
//! pages without a session redirect to the login page and the dashboard's API answers 401;
//! state-changing requests must come from the dashboard's own origin (CSRF).

use app::model::Viewer;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::clock::now_ms;
use crate::http::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "mw_session";

/// The signed-in session of a request: its user and the hash of its token (for logout).
#[derive(Clone, Debug)]
pub struct Session {
    pub viewer: Viewer,
    pub token_hash: Vec<u8>,
}

/// The value of cookie `name` in `headers`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Whether the request arrived over HTTPS (directly or through a proxy that says so).
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` value carrying `token` for `max_age_secs` (0 clears it).
pub fn set_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Paths anyone may reach: the login page and form, machine endpoints with their own keys,
/// health, and static files (a dot in the last segment).
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login"
            | "/logout"
            | "/healthz"
            | "/api/v1/requests"
            | "/v1/traces"
            | "/v1/metrics"
            | "/v1/logs"
    ) || path.starts_with("/pkg/")
        || path.starts_with("/proxy/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
}

/// Machine endpoints authenticated by a Bearer key, not a cookie: no CSRF check. The OTLP
/// metrics and logs paths only answer a 404 saying so (SDKs post there next to traces).
fn is_machine(path: &str) -> bool {
    matches!(
        path,
        "/api/v1/requests" | "/v1/traces" | "/v1/metrics" | "/v1/logs"
    ) || path.starts_with("/proxy/")
}

/// Whether an unsafe request comes from our own origin: its `Origin` (or, lacking that, its
/// `Referer`) names the host the request was sent to.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|value| value.to_str().ok());
    source.is_some_and(|source| {
        let rest = source
            .strip_prefix("https://")
            .or_else(|| source.strip_prefix("http://"));
        rest.is_some_and(|rest| rest.split('/').next() == Some(host))
    })
}

/// The workspace a machine-readable dashboard endpoint (export, events) may read for
/// `viewer`: the query's `ws`, or their default; 400 for a malformed `ws`, 403 for a
/// workspace that is not theirs.
pub fn readable_workspace(
    viewer: &Viewer,
    query: &str,
) -> Result<app::model::WorkspaceId, crate::error::ApiError> {
    use crate::error::ApiError;
    let ws = app::url_state::workspace_param(query)
        .map_err(|error| ApiError::bad_request(error.to_string()))?;
    viewer
        .membership(ws)
        .map(|membership| app::model::WorkspaceId::trusted(membership.workspace.id))
        .ok_or_else(|| ApiError::new(StatusCode::FORBIDDEN, "ws: not a workspace of yours"))
}

/// The dashboard API's answer without a session: 401 with the wire form of
/// `app::api::AppError::Unauthorized`, so a server function called after the session ended
/// reaches the page as that variant (and the page offers to sign in again).
fn signed_out() -> Response {
    use leptos::prelude::FromServerFnError;
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "application/json")],
        app::api::AppError::Unauthorized.ser(),
    )
        .into_response()
}

/// The middleware.
pub async fn sessions(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !is_machine(&path) && !same_origin(request.headers()) {
        return (
            StatusCode::FORBIDDEN,
            "cross-site request refused: the Origin header must be this dashboard's",
        )
            .into_response();
    }
    // Public paths need no session (and must answer while the database is down: /healthz);
    // the login page and logging out look at it.
    if is_public(&path) && !matches!(path.as_str(), "/login" | "/logout") {
        return next.run(request).await;
    }
    let session = match cookie(request.headers(), COOKIE) {
        Some(token) if !token.is_empty() && token.len() <= 128 => {
            let token_hash = crate::auth::token_hash(token);
            match state.storage.session_viewer(&token_hash, now_ms()).await {
                Ok(viewer) => viewer.map(|viewer| Session { viewer, token_hash }),
                Err(error) => {
                    tracing::error!(%error, "session lookup failed");
                    return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
                }
            }
        }
        _ => None,
    };
    match session {
        Some(session) => {
            let client = request
                .extensions()
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string());
            request
                .extensions_mut()
                .insert(app::api::access::RequestSession {
                    token_hash: session.token_hash.clone(),
                    client,
                });
            request.extensions_mut().insert(session.viewer.clone());
            request.extensions_mut().insert(session);
        }
        None if is_public(&path) => {}
        None if path.starts_with("/api/") => return signed_out(),
        None if safe => {
            let wanted = request
                .uri()
                .path_and_query()
                .map_or("/", |target| target.as_str());
            return Redirect::to(&format!(
                "/login?next={}",
                app::url_state::encode_value(wanted)
            ))
            .into_response();
        }
        None => {
            return (StatusCode::UNAUTHORIZED, "sign in first: no valid session").into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_str(value).expect("value"));
        }
        headers
    }

    #[test]
    fn cookies_are_found_among_others() {
        let headers = headers(&[("cookie", "a=1; mw_session=abc; b=2")]);
        assert_eq!(cookie(&headers, COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "c"), None);
    }

    #[test]
    fn only_our_own_origin_passes() {
        let ours = headers(&[
            ("host", "mw.example:3000"),
            ("origin", "https://mw.example:3000"),
        ]);
        assert!(same_origin(&ours));
        let referer = headers(&[
            ("host", "mw.example"),
            ("referer", "http://mw.example/alerts?x=1"),
        ]);
        assert!(same_origin(&referer));
        for (origin, host) in [
            ("https://evil.example", "mw.example"),
            ("https://mw.example.evil.example", "mw.example"),
            ("null", "mw.example"),
        ] {
            assert!(
                !same_origin(&headers(&[("host", host), ("origin", origin)])),
                "{origin}"
            );
        }
        assert!(
            !same_origin(&headers(&[("host", "mw.example")])),
            "no origin at all"
        );
    }

    #[test]
    fn static_files_and_machine_paths_are_public_pages_are_not() {
        for path in [
            "/login",
            "/pkg/modelwatch.js",
            "/favicon.svg",
            "/api/v1/requests",
            "/healthz",
        ] {
            assert!(is_public(path), "{path}");
        }
        for path in [
            "/",
            "/analytics",
            "/api/get_analytics",
            "/api/v1/events",
            "/api/v1/logs/export",
        ] {
            assert!(!is_public(path), "{path}");
        }
    }
}
