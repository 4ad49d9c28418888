//! Live event streams end when their permission does, and one user cannot open them without
//! end.

use std::time::Duration;

use app::model::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;

use crate::helpers::{now_ms, signed_in, spawn_app, TestApp, HOST, WS};

/// Opens `/api/v1/events` as the holder of `session`.
async fn open_stream(app: &TestApp, session: &str) -> axum::response::Response {
    let request = Request::get("/api/v1/events")
        .header("host", HOST)
        .header("accept", "text/event-stream")
        .header("cookie", format!("mw_session={session}"))
        .body(Body::empty())
        .expect("request");
    app.respond(request).await
}

/// Reads `response` until its stream ends; false when it is still open after `limit`.
async fn ends_within(response: axum::response::Response, limit: Duration) -> bool {
    let mut body = response.into_body();
    tokio::time::timeout(limit, async {
        while let Some(frame) = body.frame().await {
            if frame.is_err() {
                break;
            }
        }
    })
    .await
    .is_ok()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.storage
        .user_by_email(email)
        .await
        .expect("lookup")
        .expect("user")
        .id
}

#[tokio::test]
async fn a_stream_ends_within_seconds_once_its_user_is_removed_from_the_workspace() {
    let app = spawn_app().await;
    let session = signed_in(app.storage.as_ref(), "viewer@test.local", WS, Role::Viewer).await;
    let stream = open_stream(&app, &session).await;
    assert_eq!(stream.status(), StatusCode::OK);
    let user = user_id(&app, "viewer@test.local").await;
    let kept = open_stream(&app, &app.session).await;
    app.storage
        .change_membership(WS, user, None)
        .await
        .expect("store")
        .expect("removed");
    assert!(ends_within(stream, Duration::from_secs(10)).await);
    assert!(
        !ends_within(kept, Duration::from_secs(5)).await,
        "a member's stream stays open"
    );
}

#[tokio::test]
async fn a_stream_ends_within_seconds_once_its_user_signs_out_everywhere() {
    let app = spawn_app().await;
    let stream = open_stream(&app, &app.session).await;
    assert_eq!(stream.status(), StatusCode::OK);
    let user = user_id(&app, "admin@test.local").await;
    app.storage
        .revoke_sessions_of(user, now_ms())
        .await
        .expect("revoked");
    assert!(ends_within(stream, Duration::from_secs(10)).await);
}

#[tokio::test]
async fn one_user_keeps_at_most_sixteen_streams_open() {
    let app = spawn_app().await;
    let mut open = Vec::new();
    for _ in 0..16 {
        let stream = open_stream(&app, &app.session).await;
        assert_eq!(stream.status(), StatusCode::OK);
        open.push(stream);
    }
    let refused = open_stream(&app, &app.session).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let other = signed_in(app.storage.as_ref(), "other@test.local", WS, Role::Viewer).await;
    assert_eq!(open_stream(&app, &other).await.status(), StatusCode::OK);
    // A closed tab frees its place.
    open.pop();
    assert_eq!(
        open_stream(&app, &app.session).await.status(),
        StatusCode::OK
    );
}
