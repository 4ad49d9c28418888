//! The isolation suite's fixture: two workspaces with things in each, the users who see
//! them, and every call of the dashboard's API.

use app::model::Role;
use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{
    now_ms, record, signed_in, spawn_app, TestApp, TestResponse, HOST, ORIGIN, WS,
};

/// What the suite needs of two workspaces: ids of things that belong to the second.
pub(super) struct World {
    pub(super) app: TestApp,
    /// Admin of workspace 1 only.
    pub(super) alice: String,
    /// Viewer of workspace 1 only.
    pub(super) victor: String,
    /// Admin of workspace 2 only.
    pub(super) bob: String,
    pub(super) other_ws: i64,
    pub(super) other_rule: i64,
    pub(super) other_channel: i64,
    pub(super) other_key: i64,
    pub(super) other_model: i64,
    pub(super) other_event: i64,
    pub(super) bob_id: i64,
}

pub(super) async fn world() -> World {
    let app = spawn_app().await;
    let storage = app.storage.clone();
    let pool = app.pool.clone();
    let other = storage
        .find_or_create_workspace("other", now_ms())
        .await
        .expect("workspace");
    let other_ws = other.get();
    let alice = signed_in(storage.as_ref(), "alice@test.local", WS, Role::Admin).await;
    let victor = signed_in(storage.as_ref(), "victor@test.local", WS, Role::Viewer).await;
    let bob = signed_in(storage.as_ref(), "bob@test.local", other, Role::Admin).await;
    let bob_id = storage
        .user_by_email("bob@test.local")
        .await
        .expect("user")
        .expect("bob")
        .id;
    // Calls in both workspaces, each through its own key.
    let other_key = storage
        .create_key(other, "theirs", now_ms())
        .await
        .expect("key");
    let theirs = app
        .post(
            "/api/v1/requests",
            &[("authorization", &format!("Bearer {}", other_key.key))],
            json!([record("secret-call", "their-model", now_ms() - 60_000)]).to_string(),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    let ours = app
        .ingest(json!([record("our-call", "our-model", now_ms() - 60_000)]).to_string())
        .await;
    assert_eq!(ours.status, StatusCode::OK, "{}", ours.body);
    let other_model: i64 = sqlx::query_scalar("SELECT id FROM models WHERE workspace_id = $1")
        .bind(other_ws)
        .fetch_one(&pool)
        .await
        .expect("model");
    let other_rule = storage
        .create_rule(other, &crate::alerts::error_rate_rule(), now_ms())
        .await
        .expect("rule");
    let other_channel = storage
        .create_channel(
            other,
            "their hook",
            "http://127.0.0.1:9/hook",
            app::model::ChannelFormat::Json,
            now_ms(),
        )
        .await
        .expect("channel");
    let other_event: i64 = sqlx::query_scalar(
        "INSERT INTO alert_events (workspace_id, rule_id, rule_name, severity, metric, target, \
         models, kind, value, threshold, window_from_ms, window_to_ms, at_ms) \
         VALUES ($1, $2, 'theirs', 'critical', 'error_rate', '', '[]', 'firing', 50, 20, 0, 1, $3) \
         RETURNING id",
    )
    .bind(other_ws)
    .bind(other_rule)
    .bind(now_ms())
    .fetch_one(&pool)
    .await
    .expect("event");
    World {
        app,
        alice,
        victor,
        bob,
        other_ws,
        other_rule,
        other_channel,
        other_key: other_key.id,
        other_model,
        other_event,
        bob_id,
    }
}

/// One call of the dashboard's API.
pub(super) struct Call {
    pub(super) method: &'static str,
    pub(super) path: String,
    /// Form-encoded (POST) or JSON (`json` true) body.
    pub(super) body: String,
    pub(super) json: bool,
    /// Needs an admin of the workspace (else a viewer may).
    pub(super) admin: bool,
}

pub(super) fn get(path: String) -> Call {
    Call {
        method: "GET",
        path,
        body: String::new(),
        json: false,
        admin: false,
    }
}

pub(super) fn post(path: &str, body: String, admin: bool) -> Call {
    Call {
        method: "POST",
        path: path.to_owned(),
        body,
        json: false,
        admin,
    }
}

pub(super) fn draft(ws: i64, channels: &str) -> String {
    format!(
        "ws={ws}&draft[name]=r&draft[metric]=error_rate&draft[scope]=all&draft[condition]=threshold\
         &draft[comparator]=%3E&draft[threshold]=5&draft[window_minutes]=5&draft[consecutive]=1\
         &draft[min_requests]=1&draft[severity]=warning&draft[enabled]=true&draft[channels]={channels}"
    )
}

/// Every call of the dashboard's API aimed at workspace `ws`, with `world`'s ids of that
/// workspace's things.
pub(super) fn calls(ws: i64, world: &World) -> Vec<Call> {
    let query = |extra: &str| app::url_state::encode_value(&format!("ws={ws}{extra}"));
    vec![
        get(format!("/api/get_analytics?query={}", query("&range=24h"))),
        get(format!("/api/list_logs?query={}", query(""))),
        get(format!("/api/get_log?request_id=secret-call&ws={ws}")),
        get(format!("/api/list_alert_rules?ws={ws}")),
        get(format!("/api/list_alert_events?query={}", query(""))),
        get(format!("/api/list_alert_channels?ws={ws}")),
        get(format!(
            "/api/list_alert_deliveries?ws={ws}&event_ids={}",
            world.other_event
        )),
        get(format!("/api/get_settings?ws={ws}")),
        get(format!("/api/v1/logs/export?ws={ws}")),
        get(format!("/api/v1/logs/call?id=secret-call&ws={ws}")),
        get(format!("/api/v1/events?ws={ws}")),
        post("/api/preview_alert_rule", draft(ws, ""), false),
        post("/api/save_alert_rule", draft(ws, ""), true),
        post(
            "/api/delete_alert_rule",
            format!("ws={ws}&id={}", world.other_rule),
            true,
        ),
        post(
            "/api/create_alert_channel",
            format!("ws={ws}&name=x&url=http%3A%2F%2F127.0.0.1%3A9%2Fx&format=json"),
            true,
        ),
        post(
            "/api/delete_alert_channel",
            format!("ws={ws}&id={}", world.other_channel),
            true,
        ),
        post(
            "/api/send_test_alert",
            format!("ws={ws}&id={}", world.other_channel),
            true,
        ),
        post("/api/set_retention", format!("ws={ws}&days=3"), true),
        post(
            "/api/add_member",
            format!("ws={ws}&email=mallory%40test.local&role=admin"),
            true,
        ),
        post(
            "/api/change_member",
            format!("ws={ws}&user_id={}&role=viewer", world.bob_id),
            true,
        ),
        post("/api/create_api_key", format!("ws={ws}&name=stolen"), true),
        post(
            "/api/reset_member_password",
            format!("ws={ws}&user_id={}", world.bob_id),
            true,
        ),
        post(
            "/api/revoke_api_key",
            format!("ws={ws}&id={}", world.other_key),
            true,
        ),
        Call {
            method: "POST",
            path: "/api/set_model_prices".into(),
            body: json!({"ws": ws, "model_id": world.other_model, "prices": {"input_per_mtok": 999.0}})
                .to_string(),
            json: true,
            admin: true,
        },
    ]
}

/// Calls that concern the signed-in user only, not a workspace.
pub(super) const PERSONAL: [&str; 4] = [
    "/api/current_viewer",
    "/api/sign_out_everywhere",
    "/api/create_workspace",
    "/api/change_password",
];

pub(super) async fn send(app: &TestApp, call: &Call, session: Option<&str>) -> TestResponse {
    let cookie = session.map(|token| format!("mw_session={token}"));
    let content_type = if call.json {
        "application/json"
    } else {
        "application/x-www-form-urlencoded"
    };
    let mut headers = vec![
        ("host", HOST),
        ("origin", ORIGIN),
        ("content-type", content_type),
        ("accept", "application/json"),
    ];
    if let Some(cookie) = &cookie {
        headers.push(("cookie", cookie.as_str()));
    }
    app.raw(call.method, &call.path, &headers, call.body.clone())
        .await
}

/// What the second workspace holds, to prove nothing changed.
pub(super) async fn snapshot(world: &World) -> serde_json::Value {
    let pool = &world.app.pool;
    let one = |sql: &'static str| async move {
        sqlx::query_scalar::<_, String>(sql)
            .bind(world.other_ws)
            .fetch_one(pool)
            .await
            .expect("snapshot")
    };
    json!({
        "rules": one("SELECT string_agg(id || ':' || spec, ',' ORDER BY id) FROM alert_rules WHERE workspace_id = $1").await,
        "channels": one("SELECT string_agg(id || ':' || url, ',' ORDER BY id) FROM alert_channels WHERE workspace_id = $1").await,
        "keys": one("SELECT string_agg(id || ':' || coalesce(CAST(revoked_at_ms AS TEXT), '-'), ',' ORDER BY id) FROM api_keys WHERE workspace_id = $1").await,
        "members": one("SELECT string_agg(user_id || ':' || role, ',' ORDER BY user_id) FROM memberships WHERE workspace_id = $1").await,
        "passwords": one("SELECT string_agg(users.id || ':' || users.password_hash, ',' ORDER BY users.id) FROM users JOIN memberships ON memberships.user_id = users.id WHERE memberships.workspace_id = $1").await,
        "retention": one("SELECT CAST(retention_days AS TEXT) FROM workspaces WHERE id = $1").await,
        "prices": one("SELECT string_agg(id || ':' || coalesce(CAST(price_input_per_mtok AS TEXT), '-'), ',' ORDER BY id) FROM models WHERE workspace_id = $1").await,
    })
}
