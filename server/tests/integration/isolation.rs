//! The isolation suite: no server function or dashboard endpoint returns or changes another
//! workspace's data, for either role; viewers change nothing; nothing answers without a
//! session, and API keys read nothing. The list of calls is checked against every server
//! function the application registers, so a new one cannot slip past.

mod world;

use std::collections::BTreeSet;

use axum::http::StatusCode;

use self::world::{calls, draft, get, post, send, snapshot, world, World, PERSONAL};
use crate::helpers::{HOST, ORIGIN};

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
        } else if call.path.starts_with("/api/get_log")
            || call.path.starts_with("/api/v1/logs/call")
        {
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
            app::model::WorkspaceId::trusted(ws),
            app::model::AlertEvent {
                id,
                rule_id: 1,
                rule_name: "r".into(),
                severity: app::model::Severity::Info,
                metric: app::model::Metric::Requests,
                target: String::new(),
                models: Vec::new(),
                dimension: None,
                kind: "firing".into(),
                value: None,
                threshold: None,
                cost_coverage: None,
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
