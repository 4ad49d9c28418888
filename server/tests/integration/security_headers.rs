//! Every answer carries the security headers; pages carry a Content-Security-Policy whose nonce
//! is on each of their inline scripts, fresh for every page.

use axum::http::StatusCode;

use crate::helpers::{spawn_app, HOST};

/// The nonce a page's policy allows.
fn policy_nonce(policy: &str) -> String {
    let start = policy.find("'nonce-").expect("a nonce in the policy") + "'nonce-".len();
    policy[start..]
        .split('\'')
        .next()
        .expect("closed")
        .to_owned()
}

#[tokio::test]
async fn a_page_allows_exactly_its_own_inline_scripts_and_cannot_be_framed() {
    let app = spawn_app().await;
    for path in ["/login", "/analytics", "/logs?range=1h", "/no-such-page"] {
        let page = app.get(path).await;
        assert!(
            matches!(page.status, StatusCode::OK | StatusCode::NOT_FOUND),
            "{path}: {}",
            page.status
        );
        let policy = page.headers["content-security-policy"]
            .to_str()
            .expect("ascii")
            .to_owned();
        for directive in [
            "default-src 'self'",
            "'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        let scripts_from = policy
            .split(';')
            .find(|directive| directive.trim().starts_with("script-src"))
            .expect("a script-src");
        assert!(
            !scripts_from
                .split_whitespace()
                .any(|source| matches!(source, "'unsafe-inline'" | "'unsafe-eval'")),
            "{scripts_from}"
        );
        let nonce = policy_nonce(&policy);
        assert!(nonce.len() >= 16, "{nonce}");
        let scripts: Vec<&str> = page.body.split("<script").skip(1).collect();
        assert!(!scripts.is_empty(), "{path}: the page has scripts");
        for script in scripts {
            let tag = script.split('>').next().expect("tag");
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")) || tag.contains("src="),
                "{path}: a script the policy would block: <script{tag}>"
            );
        }
        assert_eq!(page.headers["x-content-type-options"], "nosniff");
        assert_eq!(page.headers["referrer-policy"], "same-origin");
        assert!(page.headers.get("strict-transport-security").is_none());
    }
    let first = app.get("/login").await.headers["content-security-policy"].clone();
    let second = app.get("/login").await.headers["content-security-policy"].clone();
    assert_ne!(first, second, "a fresh nonce for every page");
}

#[tokio::test]
async fn answers_that_are_not_pages_allow_nothing_and_https_gets_hsts() {
    let app = spawn_app().await;
    let health = app.get_json("/healthz").await;
    assert_eq!(
        health.headers["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    );
    assert_eq!(health.headers["x-content-type-options"], "nosniff");
    let api = app.get_json("/api/v1/logs/export?format=nope").await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.headers["x-content-type-options"], "nosniff");
    let https = app
        .raw(
            "GET",
            "/login",
            &[("host", HOST), ("x-forwarded-proto", "https")],
            "",
        )
        .await;
    assert_eq!(
        https.headers["strict-transport-security"],
        "max-age=31536000"
    );
}
