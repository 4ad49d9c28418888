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
use crate::http::AppState;
use crate::query::now_ms;
use crate::store;

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

/// Where to go after login: a path on this site, never another site (`//host`, `/\host`).
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\");
    if local && next.len() <= 2_000 && !next.starts_with("/login") {
        next
    } else {
        "/analytics"
    }
}

fn back_to_login(error: &str, form: &LoginForm) -> Response {
    Redirect::to(&format!(
        "/login?error={error}&email={}&next={}",
        app::url_state::encode_value(form.email.trim()),
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
    let now = now_ms();
    if let Some(wait) = state.limiter.check(&email, &address, now) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.to_string())],
            format!("Too many login attempts: try again in {wait} seconds."),
        )
            .into_response();
    }
    if email.is_empty() || form.password.is_empty() || form.password.len() > 1_024 {
        state.limiter.record(&email, &address, false, now);
        return back_to_login("invalid", &form);
    }
    let user = match store::accounts::user_by_email(&state.pool, &email).await {
        Ok(user) => user,
        Err(error) => return crate::http::error::ApiError::internal(error).into_response(),
    };
    let stored = user.as_ref().map(|user| user.password_hash.clone());
    let matches = super::password::verify(form.password.clone(), stored).await;
    state
        .limiter
        .record(&email, &address, matches && user.is_some(), now);
    let Some(user) = user.filter(|_| matches) else {
        tracing::info!(%address, "login refused");
        return back_to_login("invalid", &form);
    };
    let token = super::random_hex(32);
    let created = store::accounts::create_session(
        &state.pool,
        &super::token_hash(&token),
        user.id,
        now,
        now + state.session_ttl_ms,
    )
    .await;
    if let Err(error) = created {
        return crate::http::error::ApiError::internal(error).into_response();
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
        if let Err(error) =
            store::accounts::revoke_session(&state.pool, &session.token_hash, now_ms()).await
        {
            return crate::http::error::ApiError::internal(error).into_response();
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
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_next("/logs?model=a"), "/logs?model=a");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "",
            "/login?x",
        ] {
            assert_eq!(safe_next(bad), "/analytics", "{bad}");
        }
    }
}
