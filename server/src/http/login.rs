//! `POST /login` (the login form: e-mail, password, the page to return to) and
//! `POST /logout`. Both are plain form posts, so they work before (and without) the wasm.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Extension, Form, Router};
use serde::Deserialize;

use super::session::{is_https, set_cookie, Session};
use crate::auth::limiter::Refused;
use crate::clock::now_ms;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// Longest e-mail address a login form may carry (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest password a login form may carry (argon2's work grows with it).
pub const MAX_PASSWORD_BYTES: usize = app::model::MAX_PASSWORD_BYTES;
/// Longest `next` path returned to.
const MAX_NEXT_BYTES: usize = 2_000;
/// The page a login lands on when `next` is missing or not a path of this site.
const LANDING: &str = "/analytics";

/// Where to go after login: `next` when it is a path on this site, else the Analytics page.
///
/// Decided on the parsed URL, as a browser would read it: the target is resolved against a
/// placeholder origin and must stay on it. Before that, anything a browser would silently drop
/// or reinterpret is refused outright: control characters and whitespace (`/\t/evil.example`
/// becomes `//evil.example`) and backslashes (read as slashes).
pub fn safe_next(next: &str) -> &str {
    const BASE: &str = "http://modelwatch.invalid/";
    let plain = next.len() <= MAX_NEXT_BYTES
        && next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    let on_this_site = plain
        && url::Url::parse(BASE)
            .and_then(|base| base.join(next))
            .is_ok_and(|target| {
                target.scheme() == "http"
                    && target.host_str() == Some("modelwatch.invalid")
                    && target.port().is_none()
                    && target.username().is_empty()
                    && target.password().is_none()
                    && target.path() != "/login"
            });
    if on_this_site {
        next
    } else {
        LANDING
    }
}

/// The answer to an attempt the limiter refused: 429 for too many attempts, 503 for a busy
/// server, both with `Retry-After`.
fn refused_answer(refused: Refused) -> Response {
    let (status, seconds, message) = match refused {
        Refused::TooMany { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            retry_after_secs,
            format!("Too many login attempts: try again in {retry_after_secs} seconds."),
        ),
        Refused::Busy { retry_after_secs } => (
            StatusCode::SERVICE_UNAVAILABLE,
            retry_after_secs,
            format!(
                "The server is busy signing people in: try again in {retry_after_secs} seconds."
            ),
        ),
    };
    (
        status,
        [(header::RETRY_AFTER, seconds.to_string())],
        message,
    )
        .into_response()
}

fn back_to_login(error: &str, form: &LoginForm) -> Response {
    Redirect::to(&format!(
        "/login?error={error}&email={}&next={}",
        app::url_state::encode_value(
            &form
                .email
                .trim()
                .chars()
                .take(MAX_EMAIL_CHARS)
                .collect::<String>()
        ),
        app::url_state::encode_value(safe_next(&form.next))
    ))
    .into_response()
}

async fn login(
    State(state): State<AppState>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let email = form.email.trim().to_lowercase();
    let address =
        connection.map_or_else(|| "unknown".to_owned(), |info| info.0 .0.ip().to_string());
    let well_formed = !email.is_empty()
        && email.chars().count() <= MAX_EMAIL_CHARS
        && !form.password.is_empty()
        && form.password.len() <= MAX_PASSWORD_BYTES;
    // A slot first, so an attempt refused for load is not counted against the account.
    let _slot = match state.limiter.verification_slot().await {
        Ok(slot) => slot,
        Err(refused) => return refused_answer(refused),
    };
    let account = well_formed.then_some(email.as_str());
    if let Err(refused) = state.limiter.reserve(account, &address, now_ms()) {
        return refused_answer(refused);
    }
    // Every server on the database counts the same attempts (a no-op where one process owns
    // it: the limiter above has counted them).
    let keys = crate::auth::limiter::counted_keys(account, &address);
    match state
        .storage
        .reserve_login(&keys, now_ms(), crate::auth::limiter::WINDOW_MS)
        .await
    {
        Ok(Ok(())) => {}
        Ok(Err(retry_after_secs)) => {
            return refused_answer(crate::auth::limiter::Refused::TooMany { retry_after_secs })
        }
        Err(error) => return crate::error::ApiError::internal(error).into_response(),
    }
    if !well_formed {
        return back_to_login("invalid", &form);
    }
    let user = match state.storage.user_by_email(&email).await {
        Ok(user) => user,
        Err(error) => return crate::error::ApiError::internal(error).into_response(),
    };
    let stored = user.as_ref().map(|user| user.password_hash.clone());
    state.limiter.count_verification();
    let matches = crate::auth::password::verify(form.password.clone(), stored).await;
    let Some(user) = user.filter(|_| matches) else {
        tracing::info!(%address, "login refused");
        return back_to_login("invalid", &form);
    };
    state.limiter.succeeded(&email);
    if let Err(error) = state
        .storage
        .forgive_login(&crate::auth::limiter::account_key(&email))
        .await
    {
        tracing::warn!(%error, "a successful sign-in left its failed attempts counted");
    }
    let now = now_ms();
    let token = crate::auth::random_hex(32);
    let created = state
        .storage
        .create_session(
            &crate::auth::token_hash(&token),
            user.id,
            now,
            now + state.session_ttl_ms,
        )
        .await;
    if let Err(error) = created {
        return crate::error::ApiError::internal(error).into_response();
    }
    tracing::info!(user_id = user.id, "signed in");
    (
        [(
            header::SET_COOKIE,
            set_cookie(&token, state.session_ttl_ms / 1_000, is_https(&headers)),
        )],
        Redirect::to(safe_next(&form.next)),
    )
        .into_response()
}

async fn logout(
    State(state): State<AppState>,
    session: Option<Extension<Session>>,
    headers: HeaderMap,
) -> Response {
    if let Some(Extension(session)) = session {
        if let Err(error) = state
            .storage
            .revoke_session(&session.token_hash, now_ms())
            .await
        {
            return crate::error::ApiError::internal(error).into_response();
        }
    }
    (
        [(header::SET_COOKIE, set_cookie("", 0, is_https(&headers)))],
        Redirect::to("/login"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_of_this_site_are_returned_to() {
        for good in [
            "/logs?model=a",
            "/analytics",
            "/alerts#rules",
            "/logs?id=a%20b",
        ] {
            assert_eq!(safe_next(good), good);
        }
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " //evil.example",
            "/ /evil.example",
            "/\u{3000}/evil.example",
            "/%09/../\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "/\x0b/evil.example",
            "",
            "/login?x",
            "/login",
            "evil.example",
        ] {
            assert_eq!(safe_next(bad), "/analytics", "{bad:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(2_000))), "/analytics");
    }
}
