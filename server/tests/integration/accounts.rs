//! Logging in and out: cookie flags, the login rate limit, expired and revoked sessions,
//! cross-site requests, revoked keys, and what Settings changes.

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
    sqlx::query("UPDATE sessions SET expires_at_ms = ? WHERE token_hash = ?")
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

#[tokio::test]
async fn keys_made_in_settings_write_to_their_workspace_until_revoked() {
    let app = spawn_app().await;
    let created = form(&app, &app.session, "/api/create_api_key", "ws=1&name=ci").await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let created = created.json();
    let secret = created["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with(created["info"]["prefix"].as_str().expect("prefix")));
    let stored: i64 = app
        .count(&format!(
            "SELECT count(*) FROM api_keys WHERE key_hash = x'{}'",
            hex(&secret)
        ))
        .await;
    assert_eq!(stored, 1, "stored hashed");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM api_keys WHERE prefix = '{secret}'"
        ))
        .await,
        0,
        "the secret itself is not stored"
    );
    let bearer = format!("Bearer {secret}");
    let accepted = app
        .post(
            "/api/v1/requests",
            &[("authorization", &bearer)],
            json!([record("k1", "m", now_ms())]).to_string(),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let settings = app.get_json("/api/get_settings?ws=1").await.json();
    let listed = settings["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|key| key["name"] == "ci")
        .expect("listed")
        .clone();
    assert!(listed["last_used_ms"].as_i64().is_some(), "{listed}");

    let id = created["info"]["id"].as_i64().expect("id");
    let revoked = form(
        &app,
        &app.session,
        "/api/revoke_api_key",
        &format!("ws=1&id={id}"),
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let refused = app
        .post(
            "/api/v1/requests",
            &[("authorization", &bearer)],
            json!([record("k2", "m", now_ms())]).to_string(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}

fn hex(secret: &str) -> String {
    server::auth::token_hash(secret)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[tokio::test]
async fn members_roles_retention_and_prices_change_through_settings() {
    let app = spawn_app().await;
    let added = form(
        &app,
        &app.session,
        "/api/add_member",
        "ws=1&email=New%40Test.local&role=viewer",
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let added = added.json();
    let password = added["new_password"]
        .as_str()
        .expect("a new account's password");
    assert_eq!(added["member"]["email"], "new@test.local");
    let session = login(&app, "new@test.local", password, &[]).await;
    assert_eq!(session.status, StatusCode::SEE_OTHER);
    assert!(
        session.headers.get("set-cookie").is_some(),
        "the new member can sign in"
    );

    let user_id = added["member"]["user_id"].as_i64().expect("id");
    let promoted = form(
        &app,
        &app.session,
        "/api/change_member",
        &format!("ws=1&user_id={user_id}&role=admin"),
    )
    .await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.body);
    // The last admin cannot go; with two, one can.
    let admin_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'admin@test.local'")
        .fetch_one(&app.pool)
        .await
        .expect("admin");
    let removed = form(
        &app,
        &app.session,
        "/api/change_member",
        &format!("ws=1&user_id={user_id}&role=remove"),
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK);
    let last = form(
        &app,
        &app.session,
        "/api/change_member",
        &format!("ws=1&user_id={admin_id}&role=viewer"),
    )
    .await;
    assert_eq!(last.status, StatusCode::BAD_REQUEST, "{}", last.body);
    assert!(
        matches!(app_error(&last), AppError::Invalid(reason) if reason.contains("at least one admin")),
        "{}",
        last.body
    );

    for (days, status) in [
        ("30", StatusCode::OK),
        ("0", StatusCode::BAD_REQUEST),
        ("abc", StatusCode::BAD_REQUEST),
    ] {
        let answer = form(
            &app,
            &app.session,
            "/api/set_retention",
            &format!("ws=1&days={days}"),
        )
        .await;
        assert_eq!(answer.status, status, "{days}: {}", answer.body);
    }
    assert_eq!(
        app.count("SELECT retention_days FROM workspaces WHERE id = 1")
            .await,
        30
    );

    app.ingest(json!([record("p1", "priced", now_ms())]).to_string())
        .await;
    let model_id = app
        .count("SELECT id FROM models WHERE name = 'priced'")
        .await;
    let cookie = format!("mw_session={}", app.session);
    let prices = |body: serde_json::Value| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            app.raw(
                "POST",
                "/api/set_model_prices",
                &[
                    ("host", HOST),
                    ("origin", ORIGIN),
                    ("content-type", "application/json"),
                    ("cookie", &cookie),
                ],
                body.to_string(),
            )
            .await
        }
    };
    let good = prices(json!({"ws": 1, "model_id": model_id, "prices": {"input_per_mtok": 0.8, "output_per_mtok": 2.0}})).await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    let bad =
        prices(json!({"ws": 1, "model_id": model_id, "prices": {"input_per_mtok": -1.0}})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let settings = app.get_json("/api/get_settings?ws=1").await.json();
    let model = settings["models"]
        .as_array()
        .expect("models")
        .iter()
        .find(|m| m["name"] == "priced")
        .expect("model")
        .clone();
    assert_eq!(model["prices"]["input_per_mtok"], 0.8);
    assert_eq!(model["prices"]["output_per_mtok"], 2.0);
}

#[tokio::test]
async fn server_administrators_create_workspaces_and_lead_them() {
    let app = spawn_app().await;
    sqlx::query("UPDATE users SET is_admin = 1 WHERE email = 'admin@test.local'")
        .execute(&app.pool)
        .await
        .expect("admin");
    let created = form(&app, &app.session, "/api/create_workspace", "name=staging").await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let id: i64 = created.body.trim().parse().expect("id");
    let settings = app
        .get_json(&format!("/api/get_settings?ws={id}"))
        .await
        .json();
    assert_eq!(settings["workspace"]["name"], "staging");
    assert_eq!(settings["role"], "admin");
    let again = form(&app, &app.session, "/api/create_workspace", "name=staging").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
}
