//! The login form under attack: parallel guesses, oversized fields and `next` targets that try
//! to leave the site.

use axum::http::StatusCode;

use crate::helpers::{spawn_app, TestApp, TestResponse, HOST, ORIGIN, PASSWORD};

async fn login_to(app: &TestApp, email: &str, password: &str, next: &str) -> TestResponse {
    let body = format!(
        "email={}&password={}&next={}",
        app::url_state::encode_value(email),
        app::url_state::encode_value(password),
        app::url_state::encode_value(next)
    );
    app.raw(
        "POST",
        "/login",
        &[
            ("host", HOST),
            ("origin", ORIGIN),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        body,
    )
    .await
}

#[tokio::test]
async fn sixty_parallel_wrong_passwords_reach_the_password_check_five_times_at_most() {
    let app = spawn_app().await;
    let before = app.state.limiter.verifications();
    let mut attempts = Vec::new();
    for attempt in 0..60 {
        let router = app.router.clone();
        attempts.push(tokio::spawn(async move {
            let body = format!("email=admin%40test.local&password=guess-{attempt}&next=%2F");
            let request = axum::http::Request::post("/login")
                .header("host", HOST)
                .header("origin", ORIGIN)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(body))
                .expect("request");
            let answer = tower::ServiceExt::oneshot(router, request)
                .await
                .expect("infallible");
            (
                answer.status(),
                answer.headers().get("retry-after").cloned(),
            )
        }));
    }
    let mut refused = 0;
    for attempt in attempts {
        let (status, retry_after) = attempt.await.expect("attempt");
        match status {
            StatusCode::SEE_OTHER => {}
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
                assert!(retry_after.is_some(), "{status} without Retry-After");
                refused += 1;
            }
            other => panic!("unexpected answer {other}"),
        }
    }
    let verified = app.state.limiter.verifications() - before;
    assert_eq!(verified, 5, "password checks for the attacked account");
    assert_eq!(refused, 55);
    // And the right password waits too: the account is locked for this window.
    let locked = login_to(&app, "admin@test.local", PASSWORD, "/").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_email_longer_than_254_characters_is_refused_without_a_password_check() {
    let app = spawn_app().await;
    let long = format!("{}@test.local", "a".repeat(260));
    let answer = login_to(&app, &long, PASSWORD, "/logs").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let location = answer.headers["location"].to_str().expect("ascii");
    assert!(location.starts_with("/login?error=invalid"), "{location}");
    assert!(
        location.len() < 600,
        "the echoed address is clipped: {location}"
    );
    assert_eq!(app.state.limiter.verifications(), 0);
    let huge_password = login_to(&app, "admin@test.local", &"p".repeat(2_000), "/").await;
    assert!(huge_password.headers["location"]
        .to_str()
        .expect("ascii")
        .starts_with("/login?error=invalid"));
    assert_eq!(app.state.limiter.verifications(), 0);
}

#[tokio::test]
async fn after_login_the_browser_is_only_ever_sent_to_a_path_of_this_site() {
    let app = spawn_app().await;
    for (next, expected) in [
        ("/logs?model=a", "/logs?model=a"),
        ("/\t/evil.example", "/analytics"),
        ("/\n/evil.example", "/analytics"),
        ("//evil.example", "/analytics"),
        ("/\\evil.example", "/analytics"),
        ("https://evil.example/", "/analytics"),
        ("/ /evil.example", "/analytics"),
        ("javascript:alert(1)", "/analytics"),
        ("/login", "/analytics"),
    ] {
        let answer = login_to(&app, "admin@test.local", PASSWORD, next).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(answer.headers["location"], expected, "{next:?}");
    }
}
