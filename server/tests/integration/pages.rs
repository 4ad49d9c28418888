use axum::http::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn every_page_is_rendered_on_the_server_with_the_workspace_name() {
    let app = spawn_app().await;
    for (path, heading) in [
        ("/analytics", "Analytics"),
        ("/logs", "Logs"),
        ("/alerts", "Alerts"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert!(
            response.body.contains(&format!("<h1>{heading}</h1>")),
            "{path}: {}",
            response.body
        );
        assert!(
            response
                .body
                .contains(&format!("<title>{heading} · Modelwatch</title>")),
            "{path}"
        );
        let switcher = response
            .body
            .split(r#"data-testid="workspace""#)
            .nth(1)
            .unwrap_or_else(|| panic!("{path}: no workspace switcher"));
        assert!(
            switcher.contains(r#"class="workspace">default<span"#),
            "{path}: workspace name missing: {}",
            &switcher[..switcher.len().min(160)]
        );
        assert!(
            response
                .body
                .contains(&format!(r#"<a href="{path}" aria-current="page">"#)),
            "{path}: current tab not marked"
        );
    }
}

#[tokio::test]
async fn the_root_redirects_a_browser_to_analytics() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status, StatusCode::FOUND);
    assert_eq!(response.headers["location"], "/analytics");
}

#[tokio::test]
async fn an_unknown_path_is_a_404_page() {
    let app = spawn_app().await;
    let response = app.get("/definitely/not/here").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(response.body.contains("Page not found"));
}

#[tokio::test]
async fn the_viewer_server_function_answers_json() {
    let app = spawn_app().await;
    let response = app.get_json("/api/current_viewer").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let body: serde_json::Value = serde_json::from_str(&response.body).expect("json");
    assert_eq!(body["email"], "admin@test.local");
    assert_eq!(body["memberships"][0]["workspace"]["name"], "default");
    let signed_out = app
        .get_as("/api/current_viewer", "application/json", None)
        .await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["memberships"][0]["workspace"]["retention_days"], 14);
    assert_eq!(body["memberships"][0]["role"], "admin");
}
