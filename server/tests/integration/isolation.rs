//! The isolation suite: no server function or dashboard endpoint returns or changes another
//! workspace's data, for either role; viewers change nothing; nothing answers without a
//! session, and API keys read nothing. The list of calls is checked against every server
//! function the application registers, so a new one cannot slip past.

use std::collections::BTreeSet;

use app::model::Role;
use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{now_ms, record, signed_in, spawn_app, TestApp, TestResponse, HOST, ORIGIN};

/// What the suite needs of two workspaces: ids of things that belong to the second.
struct World {
    app: TestApp,
    /// Admin of workspace 1 only.
    alice: String,
    /// Viewer of workspace 1 only.
    victor: String,
    /// Admin of workspace 2 only.
    bob: String,
    other_ws: i64,
    other_rule: i64,
    other_channel: i64,
    other_key: i64,
    other_model: i64,
    other_event: i64,
    bob_id: i64,
}

async fn world() -> World {
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let other_ws = server::store::workspaces::find_or_create_workspace(&pool, "other", now_ms())
        .await
        .expect("workspace");
    let alice = signed_in(&pool, "alice@test.local", 1, Role::Admin).await;
    let victor = signed_in(&pool, "victor@test.local", 1, Role::Viewer).await;
    let bob = signed_in(&pool, "bob@test.local", other_ws, Role::Admin).await;
    let bob_id = server::store::accounts::user_by_email(&pool, "bob@test.local")
        .await
        .expect("user")
        .expect("bob")
        .id;
    // Calls in both workspaces, each through its own key.
    let other_key = server::store::api_keys::create_key(&pool, other_ws, "theirs", now_ms())
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
    let other_model: i64 = sqlx::query_scalar("SELECT id FROM models WHERE workspace_id = ?")
        .bind(other_ws)
        .fetch_one(&pool)
        .await
        .expect("model");
    let other_rule = server::store::alerts::create_rule(
        &pool,
        other_ws,
        &crate::alerts::error_rate_rule(),
        now_ms(),
    )
    .await
    .expect("rule");
    let other_channel = server::store::channels::create_channel(
        &pool,
        other_ws,
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
         VALUES (?, ?, 'theirs', 'critical', 'error_rate', '', '[]', 'firing', 50, 20, 0, 1, ?) \
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
struct Call {
    method: &'static str,
    path: String,
    /// Form-encoded (POST) or JSON (`json` true) body.
    body: String,
    json: bool,
    /// Needs an admin of the workspace (else a viewer may).
    admin: bool,
}

fn get(path: String) -> Call {
    Call {
        method: "GET",
        path,
        body: String::new(),
        json: false,
        admin: false,
    }
}

fn post(path: &str, body: String, admin: bool) -> Call {
    Call {
        method: "POST",
        path: path.to_owned(),
        body,
        json: false,
        admin,
    }
}

fn draft(ws: i64, channels: &str) -> String {
    format!(
        "ws={ws}&draft[name]=r&draft[metric]=error_rate&draft[scope]=all&draft[condition]=threshold\
         &draft[comparator]=%3E&draft[threshold]=5&draft[window_minutes]=5&draft[consecutive]=1\
         &draft[min_requests]=1&draft[severity]=warning&draft[enabled]=true&draft[channels]={channels}"
    )
}

/// Every call of the dashboard's API aimed at workspace `ws`, with `world`'s ids of that
/// workspace's things.
fn calls(ws: i64, world: &World) -> Vec<Call> {
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
const PERSONAL: [&str; 3] = [
    "/api/current_viewer",
    "/api/sign_out_everywhere",
    "/api/create_workspace",
];

async fn send(app: &TestApp, call: &Call, session: Option<&str>) -> TestResponse {
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
async fn snapshot(world: &World) -> serde_json::Value {
    let pool = &world.app.pool;
    let one = |sql: &'static str| async move {
        sqlx::query_scalar::<_, String>(sql)
            .bind(world.other_ws)
            .fetch_one(pool)
            .await
            .expect("snapshot")
    };
    json!({
        "rules": one("SELECT group_concat(id || ':' || spec) FROM alert_rules WHERE workspace_id = ?").await,
        "channels": one("SELECT group_concat(id || ':' || url) FROM alert_channels WHERE workspace_id = ?").await,
        "keys": one("SELECT group_concat(id || ':' || coalesce(revoked_at_ms, '-')) FROM api_keys WHERE workspace_id = ?").await,
        "members": one("SELECT group_concat(user_id || ':' || role) FROM memberships WHERE workspace_id = ?").await,
        "retention": one("SELECT CAST(retention_days AS TEXT) FROM workspaces WHERE id = ?").await,
        "prices": one("SELECT group_concat(id || ':' || coalesce(price_input_per_mtok, '-')) FROM models WHERE workspace_id = ?").await,
    })
}

#[tokio::test]
async fn the_suite_covers_every_server_function() {
    let world = world().await;
    let covered: BTreeSet<String> = calls(1, &world)
        .iter()
        .map(|call| call.path.split('?').next().unwrap_or_default().to_owned())
        .chain(PERSONAL.iter().map(|path| (*path).to_owned()))
        .collect();
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    let missing: Vec<&String> = registered.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "server functions without an isolation check: {missing:?}"
    );
}

#[tokio::test]
async fn no_member_of_one_workspace_reads_or_changes_another() {
    let world = world().await;
    let before = snapshot(&world).await;
    for session in [&world.alice, &world.victor] {
        for call in calls(world.other_ws, &world) {
            let answer = send(&world.app, &call, Some(session)).await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{} {}: {}",
                call.method,
                call.path,
                answer.body
            );
            assert!(!answer.body.contains("secret-call"), "{}", call.path);
        }
    }
    assert_eq!(snapshot(&world).await, before, "workspace 2 changed");
    // Their own admin reaches the same things.
    let theirs = send(
        &world.app,
        &calls(world.other_ws, &world)[2],
        Some(&world.bob),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    assert!(theirs.body.contains("secret-call"));
}

#[tokio::test]
async fn ids_of_another_workspace_are_not_found_from_ones_own() {
    let world = world().await;
    let before = snapshot(&world).await;
    // (The event stream of one's own workspace never ends: its own test reads it.)
    for call in calls(1, &world)
        .into_iter()
        .filter(|call| !call.path.starts_with("/api/v1/events"))
    {
        let answer = send(&world.app, &call, Some(&world.alice)).await;
        assert!(
            !answer.body.contains("secret-call") && !answer.body.contains("their hook"),
            "{} leaked: {}",
            call.path,
            answer.body
        );
    }
    assert_eq!(snapshot(&world).await, before, "workspace 2 changed");
    // Named directly, the other workspace's things are simply not there.
    for path in [
        "/api/delete_alert_rule",
        "/api/delete_alert_channel",
        "/api/send_test_alert",
        "/api/revoke_api_key",
    ] {
        let id = match path {
            "/api/delete_alert_rule" => world.other_rule,
            "/api/revoke_api_key" => world.other_key,
            _ => world.other_channel,
        };
        let answer = send(
            &world.app,
            &post(path, format!("ws=1&id={id}"), true),
            Some(&world.alice),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            answer.body
        );
    }
    let foreign_channel = send(
        &world.app,
        &post(
            "/api/save_alert_rule",
            draft(1, &world.other_channel.to_string()),
            true,
        ),
        Some(&world.alice),
    )
    .await;
    assert_eq!(
        foreign_channel.status,
        StatusCode::BAD_REQUEST,
        "{}",
        foreign_channel.body
    );
    assert!(
        foreign_channel.body.contains("channels"),
        "{}",
        foreign_channel.body
    );
    let deliveries = send(
        &world.app,
        &get(format!(
            "/api/list_alert_deliveries?ws=1&event_ids={}",
            world.other_event
        )),
        Some(&world.alice),
    )
    .await;
    assert_eq!(deliveries.body, "[]");
    // Without ws, a user sees their own (only) workspace.
    let logs = send(
        &world.app,
        &get("/api/list_logs?query=".into()),
        Some(&world.alice),
    )
    .await;
    assert!(
        logs.body.contains("our-call") && !logs.body.contains("secret-call"),
        "{}",
        logs.body
    );
}

#[tokio::test]
async fn a_viewer_reads_but_changes_nothing() {
    let world = world().await;
    let ours = |world: &World| {
        let pool = world.app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT (SELECT count(*) FROM alert_rules WHERE workspace_id = 1) || '/' || \
                 (SELECT count(*) FROM api_keys WHERE workspace_id = 1) || '/' || \
                 (SELECT count(*) FROM memberships WHERE workspace_id = 1) || '/' || \
                 (SELECT retention_days FROM workspaces WHERE id = 1) || '/' || \
                 (SELECT count(*) FROM alert_channels WHERE workspace_id = 1)",
            )
            .fetch_one(&pool)
            .await
            .expect("state")
        }
    };
    let before = ours(&world).await;
    for call in calls(1, &world)
        .into_iter()
        .filter(|call| !call.path.starts_with("/api/v1/events"))
    {
        let answer = send(&world.app, &call, Some(&world.victor)).await;
        if call.admin {
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{}: {}",
                call.path,
                answer.body
            );
        } else if call.path.starts_with("/api/get_log") {
            // That call is the other workspace's: not found here, for anyone.
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
        } else {
            assert!(
                answer.status.is_success(),
                "{}: {} {}",
                call.path,
                answer.status,
                answer.body
            );
        }
    }
    assert_eq!(ours(&world).await, before);
    let create = send(
        &world.app,
        &post("/api/create_workspace", "name=mine".into(), true),
        Some(&world.victor),
    )
    .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN, "{}", create.body);
}

#[tokio::test]
async fn nothing_answers_without_a_session_and_keys_read_nothing() {
    let world = world().await;
    for call in calls(1, &world) {
        let answer = send(&world.app, &call, None).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{}: {}",
            call.path,
            answer.body
        );
        let with_key = world
            .app
            .raw(
                call.method,
                &call.path,
                &[
                    ("host", HOST),
                    ("origin", ORIGIN),
                    ("authorization", &format!("Bearer {}", world.app.key)),
                ],
                call.body.clone(),
            )
            .await;
        assert_eq!(
            with_key.status,
            StatusCode::UNAUTHORIZED,
            "{}: a key read it",
            call.path
        );
    }
    for page in ["/analytics", "/logs?model=a", "/alerts", "/settings"] {
        let answer = world.app.get_as(page, "text/html", None).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{page}");
        let location = answer.headers["location"].to_str().expect("location");
        assert_eq!(
            location,
            format!("/login?next={}", app::url_state::encode_value(page)),
        );
    }
    let login = world.app.get_as("/login", "text/html", None).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains(r#"action="/login""#));
}

#[tokio::test]
async fn each_dashboard_hears_only_its_workspace() {
    use http_body_util::BodyExt;
    let world = world().await;
    // The test app's own admin belongs to workspace 1 only.
    let response = world.app.get_streaming("/api/v1/events?ws=1").await;
    assert_eq!(response.status(), StatusCode::OK);
    let event = |id, ws: i64| {
        (
            ws,
            app::model::AlertEvent {
                id,
                rule_id: 1,
                rule_name: "r".into(),
                severity: app::model::Severity::Info,
                metric: app::model::Metric::Requests,
                target: String::new(),
                models: Vec::new(),
                kind: "firing".into(),
                value: None,
                threshold: None,
                window_from_ms: 0,
                window_to_ms: 1,
                at_ms: 1,
            },
        )
    };
    world
        .app
        .alert_events
        .send(event(77, world.other_ws))
        .expect("sent");
    world.app.alert_events.send(event(78, 1)).expect("sent");
    let mut body = response.into_body();
    let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
        .await
        .expect("a frame in time")
        .expect("a frame")
        .expect("data");
    let text = String::from_utf8(frame.into_data().expect("data").to_vec()).expect("utf-8");
    assert!(text.contains("id: 78"), "{text}");
    assert!(!text.contains("id: 77"), "{text}");
}
