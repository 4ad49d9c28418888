//! Settings as an admin uses it: ingest keys, members and roles, retention, prices and new
//! workspaces, each through the real server functions.

use super::*;

#[tokio::test]
async fn keys_made_in_settings_write_to_their_workspace_until_revoked() {
    let app = spawn_app().await;
    let created = form(&app, &app.session, "/api/create_api_key", "ws=1&name=ci").await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let created = created.json();
    assert_eq!(
        created["base_url"], "http://modelwatch.test",
        "the snippets' address is the host the request came to"
    );
    let secret = created["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with(created["info"]["prefix"].as_str().expect("prefix")));
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM api_keys WHERE key_hash = $1")
        .bind(server::auth::token_hash(&secret))
        .fetch_one(&app.pool)
        .await
        .expect("count");
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
    sqlx::query("UPDATE users SET is_admin = TRUE WHERE email = 'admin@test.local'")
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

#[tokio::test]
async fn a_new_keys_snippet_address_is_the_host_and_scheme_the_request_came_by() {
    let app = spawn_app().await;
    let cookie = format!("mw_session={}", app.session);
    let create = |host: &'static str, origin: &'static str, https: bool| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            let mut headers = vec![
                ("host", host),
                ("origin", origin),
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept", "application/json"),
                ("cookie", cookie.as_str()),
            ];
            if https {
                headers.push(("x-forwarded-proto", "https"));
            }
            app.raw(
                "POST",
                "/api/create_api_key",
                &headers,
                "ws=1&name=snippets",
            )
            .await
        }
    };
    for (host, origin, https, wanted) in [
        (
            "mw.internal:8080",
            "http://mw.internal:8080",
            false,
            "http://mw.internal:8080",
        ),
        (
            "monitor.example.com",
            "https://monitor.example.com",
            true,
            "https://monitor.example.com",
        ),
        (
            "10.1.2.3:3000",
            "http://10.1.2.3:3000",
            false,
            "http://10.1.2.3:3000",
        ),
        (
            "[fd00::5]:3000",
            "http://[fd00::5]:3000",
            false,
            "http://[fd00::5]:3000",
        ),
    ] {
        let answer = create(host, origin, https).await;
        assert_eq!(answer.status, StatusCode::OK, "{host}: {}", answer.body);
        assert_eq!(answer.json()["base_url"], wanted, "{host}");
    }
    let keys_before = app.count("SELECT count(*) FROM api_keys").await;
    let refused = create("mw.internal:99999", "http://mw.internal:99999", false).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        matches!(app_error(&refused), AppError::Invalid(reason) if reason.starts_with("host: ")),
        "{}",
        refused.body
    );
    assert_eq!(
        app.count("SELECT count(*) FROM api_keys").await,
        keys_before,
        "no key is made for a request whose host cannot go into a snippet"
    );
}
