//! Logging in and out: cookie flags, the login rate limit, expired and revoked sessions,
//! cross-site requests, revoked keys, what Settings changes, and passwords changed and reset.

use app::api::AppError;
use app::model::Role;
use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{
    now_ms, record, signed_in, spawn_app, TestApp, TestResponse, HOST, ORIGIN, PASSWORD, WS,
};

async fn login(app: &TestApp, email: &str, password: &str, extra: &[(&str, &str)]) -> TestResponse {
    let body = format!(
        "email={}&password={}&next=%2Flogs%3Fmodel%3Da",
        app::url_state::encode_value(email),
        app::url_state::encode_value(password)
    );
    let mut headers = vec![
        ("host", HOST),
        ("origin", ORIGIN),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    headers.extend_from_slice(extra);
    app.raw("POST", "/login", &headers, body).await
}

/// A server function's error answer as the browser decodes it.
fn app_error(response: &TestResponse) -> AppError {
    use leptos::prelude::FromServerFnError;
    AppError::de(response.body.clone().into())
}

fn session_of(response: &TestResponse) -> String {
    let cookie = response.headers["set-cookie"].to_str().expect("cookie");
    cookie
        .trim_start_matches("mw_session=")
        .split(';')
        .next()
        .expect("token")
        .to_owned()
}

async fn form(app: &TestApp, session: &str, path: &str, body: &str) -> TestResponse {
    let cookie = format!("mw_session={session}");
    app.raw(
        "POST",
        path,
        &[
            ("host", HOST),
            ("origin", ORIGIN),
            ("content-type", "application/x-www-form-urlencoded"),
            ("accept", "application/json"),
            ("cookie", &cookie),
        ],
        body.to_owned(),
    )
    .await
}

#[tokio::test]
async fn a_login_sets_a_safe_cookie_and_returns_to_the_page_asked_for() {
    let app = spawn_app().await;
    let answer = login(&app, "ADMIN@test.local", PASSWORD, &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.headers["location"], "/logs?model=a");
    let cookie = answer.headers["set-cookie"].to_str().expect("cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let session = session_of(&answer);
    let page = app.get_as("/logs", "text/html", Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);

    // Behind a proxy that terminates TLS, the cookie is Secure.
    let https = login(
        &app,
        "admin@test.local",
        PASSWORD,
        &[("x-forwarded-proto", "https")],
    )
    .await;
    assert!(https.headers["set-cookie"]
        .to_str()
        .expect("cookie")
        .contains("Secure"));

    // Logging out revokes the session: the same cookie no longer works.
    let out = form(&app, &session, "/logout", "").await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.headers["set-cookie"]
        .to_str()
        .expect("cookie")
        .contains("Max-Age=0"));
    let after = app
        .get_as("/api/current_viewer", "application/json", Some(&session))
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_then_rate_limited() {
    let app = spawn_app().await;
    let wrong = login(&app, "admin@test.local", "not the password", &[]).await;
    assert_eq!(wrong.status, StatusCode::SEE_OTHER);
    let location = wrong.headers["location"].to_str().expect("location");
    assert!(location.starts_with("/login?error=invalid"), "{location}");
    assert!(wrong.headers.get("set-cookie").is_none());
    let unknown = login(&app, "nobody@test.local", PASSWORD, &[]).await;
    assert!(unknown.headers["location"]
        .to_str()
        .expect("l")
        .starts_with("/login?error=invalid"));
    for _ in 0..4 {
        login(&app, "admin@test.local", "not the password", &[]).await;
    }
    // Five failures: even the right password waits now.
    let locked = login(&app, "admin@test.local", PASSWORD, &[]).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );
    let wait: u64 = locked.headers["retry-after"]
        .to_str()
        .expect("retry-after")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&wait), "{wait}");
    assert!(locked.headers.get("set-cookie").is_none());
}

#[tokio::test]
async fn cross_site_requests_are_refused() {
    let app = spawn_app().await;
    let cookie = format!("mw_session={}", app.session);
    for origin in [Some("https://evil.example"), None] {
        let mut headers = vec![
            ("host", HOST),
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", cookie.as_str()),
        ];
        if let Some(origin) = origin {
            headers.push(("origin", origin));
        }
        let answer = app
            .raw("POST", "/api/create_api_key", &headers, "ws=1&name=x")
            .await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{origin:?}: {}",
            answer.body
        );
        let forged_login = app
            .raw("POST", "/login", &headers, "email=a%40b.c&password=x")
            .await;
        assert_eq!(forged_login.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.count("SELECT count(*) FROM api_keys").await, 1);
}

#[tokio::test]
async fn expired_and_revoked_sessions_are_refused() {
    let app = spawn_app().await;
    let other = signed_in(app.storage.as_ref(), "admin@test.local", WS, Role::Admin).await;
    sqlx::query("UPDATE sessions SET expires_at_ms = $1 WHERE token_hash = $2")
        .bind(now_ms() - 1)
        .bind(server::auth::token_hash(&other))
        .execute(&app.pool)
        .await
        .expect("expire");
    let expired = app
        .get_as("/api/current_viewer", "application/json", Some(&other))
        .await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    // The browser reads it as the typed error, and offers to sign in again.
    assert_eq!(app_error(&expired), AppError::Unauthorized);

    // "Sign out everywhere" ends this session and every other one of the user.
    let second = signed_in(app.storage.as_ref(), "admin@test.local", WS, Role::Admin).await;
    let ended = form(&app, &app.session, "/api/sign_out_everywhere", "").await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    for session in [&app.session, &second] {
        let answer = app
            .get_as("/api/current_viewer", "application/json", Some(session))
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
}

mod passwords;
mod settings;
