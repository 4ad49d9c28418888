//! Outbound webhooks under the server's policy: internal targets refused by default (by
//! address and by what a name resolves to), allowed ones reached, redirects not followed,
//! "send test" answering in fixed forms only, and webhook URLs whole for admins only.

mod concurrency;
mod endpoints;

use std::time::Duration;

use app::model::{ChannelFormat, Delivery, Role};
use axum::http::StatusCode;
use serde_json::json;
use server::alerts::webhook::client::{Outcome, WebhookClient};
use server::alerts::webhook::policy::WebhookPolicy;

use crate::helpers::{
    now_ms, signed_in, spawn_app, spawn_app_configured, TestApp, HOST, ORIGIN, WS,
};

/// A policy allowing what the tests' local endpoints listen on.
fn local_policy() -> WebhookPolicy {
    WebhookPolicy::allowing(["127.0.0.1/32".parse().expect("range")])
}

fn body() -> serde_json::Value {
    json!({"text": "hello"})
}

#[tokio::test]
async fn the_default_policy_refuses_internal_targets_before_connecting() {
    let endpoint = endpoints::answering(StatusCode::OK, None, None).await;
    let client = WebhookClient::new(WebhookPolicy::default());
    let port = endpoint.port;
    for url in [
        format!("http://127.0.0.1:{port}/hook"),
        format!("http://localhost:{port}/hook"),
        format!("http://[::1]:{port}/hook"),
        format!("http://[::ffff:127.0.0.1]:{port}/hook"),
        format!("http://2130706433:{port}/hook"),
        format!("http://0.0.0.0:{port}/hook"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[fe80::1]/hook".to_owned(),
        "http://10.0.0.1/hook".to_owned(),
        "ftp://example.com/hook".to_owned(),
    ] {
        assert_eq!(
            client.send(&url, &body()).await,
            Outcome::Refused,
            "{url} must be refused"
        );
    }
    assert_eq!(endpoint.hits(), 0, "nothing may reach the endpoint");
}

#[tokio::test]
async fn allowed_ranges_and_host_names_are_reached() {
    let endpoint = endpoints::answering(StatusCode::NO_CONTENT, None, None).await;
    let by_range = WebhookClient::new(local_policy());
    assert_eq!(
        by_range
            .send(&format!("{}/hook", endpoint.base), &body())
            .await,
        Outcome::Answered(204)
    );
    let by_name = WebhookClient::new(WebhookPolicy::allowing(["localhost"
        .parse()
        .expect("host")]));
    let url = format!("http://localhost:{}/hook", endpoint.port);
    assert_eq!(by_name.send(&url, &body()).await, Outcome::Answered(204));
    // Allowing a name does not allow its address written out.
    assert_eq!(
        by_name
            .send(&format!("{}/hook", endpoint.base), &body())
            .await,
        Outcome::Refused
    );
    assert_eq!(endpoint.hits(), 2);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let target = endpoints::answering(StatusCode::OK, None, None).await;
    let redirecting = endpoints::answering(
        StatusCode::FOUND,
        Some(format!("{}/hook", target.base)),
        None,
    )
    .await;
    let client = WebhookClient::new(local_policy());
    let outcome = client
        .send(&format!("{}/hook", redirecting.base), &body())
        .await;
    assert_eq!(outcome, Outcome::Answered(302));
    assert!(!outcome.delivered());
    assert_eq!(redirecting.hits(), 1);
    assert_eq!(target.hits(), 0, "the redirect's target must not be hit");
}

async fn channel(app: &TestApp, name: &str, url: &str) -> i64 {
    app.storage
        .create_channel(WS, name, url, ChannelFormat::Json, now_ms())
        .await
        .expect("channel")
}

/// "Send test" through its server function, as the dashboard calls it.
async fn send_test(app: &TestApp, id: i64) -> (Delivery, serde_json::Value) {
    let cookie = format!("mw_session={}", app.session);
    let answer = app
        .raw(
            "POST",
            "/api/send_test_alert",
            &[
                ("host", HOST),
                ("origin", ORIGIN),
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept", "application/json"),
                ("cookie", &cookie),
            ],
            format!("ws=1&id={id}"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let raw: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
    (serde_json::from_str(&answer.body).expect("a delivery"), raw)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_test_answers_refused_under_the_default_policy() {
    let app = spawn_app().await;
    let endpoint = endpoints::answering(StatusCode::OK, None, None).await;
    for url in [
        format!("{}/hook", endpoint.base),
        format!("http://localhost:{}/hook", endpoint.port),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ] {
        let id = channel(&app, "internal", &url).await;
        let (delivery, _) = send_test(&app, id).await;
        assert_eq!(
            delivery.outcome(),
            "refused by the server's webhook policy",
            "{url}"
        );
    }
    assert_eq!(endpoint.hits(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_test_answers_in_fixed_forms_that_do_not_tell_closed_from_filtered_ports() {
    let app = spawn_app_configured(Default::default(), |state| {
        state.with_webhooks(WebhookClient::with_timeout(
            local_policy(),
            Duration::from_millis(500),
        ))
    })
    .await;
    let ok = endpoints::answering(StatusCode::OK, None, None).await;
    let broken = endpoints::answering(StatusCode::INTERNAL_SERVER_ERROR, None, None).await;
    let (arrived, _seen) = tokio::sync::mpsc::unbounded_channel();
    let filtered = endpoints::hanging(arrived).await;
    let closed = endpoints::closed_port().await;
    let cases = [
        (format!("{}/hook", ok.base), "delivered (status 200)"),
        (format!("{}/hook", broken.base), "failed (status 500)"),
        (format!("{}/hook", filtered.base), "failed (timed out)"),
        (
            format!("http://127.0.0.1:{closed}/hook"),
            "failed (timed out)",
        ),
        (
            "http://10.0.0.1/hook".to_owned(),
            "refused by the server's webhook policy",
        ),
    ];
    let mut no_answers = Vec::new();
    for (url, expected) in cases {
        let id = channel(&app, "probe", &url).await;
        let (delivery, raw) = send_test(&app, id).await;
        assert_eq!(delivery.outcome(), expected, "{url}");
        let fields: Vec<&String> = raw.as_object().expect("object").keys().collect();
        assert_eq!(
            fields,
            [
                "attempts",
                "channel",
                "error",
                "event_id",
                "http_status",
                "status"
            ],
            "{raw}"
        );
        if expected == "failed (timed out)" {
            no_answers.push(raw);
        }
    }
    // A closed port and one that never answers give the very same answer.
    assert_eq!(no_answers[0], no_answers[1]);
    assert_eq!(filtered.hits(), 1);
}

#[tokio::test]
async fn viewers_see_webhook_urls_masked_and_admins_see_them_whole() {
    let app = spawn_app().await;
    let secret = "https://hooks.slack.com/services/T000/B000/s3cr3t-t0ken";
    channel(&app, "slack", secret).await;
    let viewer = signed_in(app.storage.as_ref(), "viewer@test.local", WS, Role::Viewer).await;

    let as_admin = app.get_json("/api/list_alert_channels?ws=1").await;
    assert_eq!(as_admin.status, StatusCode::OK, "{}", as_admin.body);
    assert!(as_admin.body.contains(secret), "{}", as_admin.body);

    let as_viewer = app
        .get_as(
            "/api/list_alert_channels?ws=1",
            "application/json",
            Some(&viewer),
        )
        .await;
    assert_eq!(as_viewer.status, StatusCode::OK, "{}", as_viewer.body);
    assert!(!as_viewer.body.contains("s3cr3t"), "{}", as_viewer.body);
    assert!(
        as_viewer.body.contains("https://hooks.slack.com/…"),
        "{}",
        as_viewer.body
    );
    // The Alerts page rendered for the viewer does not carry it either.
    let page = app.get_as("/alerts", "text/html", Some(&viewer)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("hooks.slack.com"),
        "the channel is listed"
    );
    assert!(!page.body.contains("s3cr3t"));
}
