use axum::http::StatusCode;

use crate::database::{backend, Backend, TestDatabase};
use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_is_ok_when_the_database_answers() {
    let app = spawn_app().await;
    let response = app.get_json("/healthz").await;
    assert_eq!(response.status, StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&response.body).expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn healthz_is_unavailable_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.storage.close().await;
    let response = app.get_json("/healthz").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = serde_json::from_str(&response.body).expect("json");
    assert_eq!(body["status"], "unavailable");
    assert!(
        !response.body.contains("sqlx") && !response.body.contains("closed"),
        "internal error text leaked: {}",
        response.body
    );
}

#[tokio::test]
async fn migrations_are_applied_once_and_reopening_is_harmless() {
    let database = TestDatabase::fresh().await;
    let url = match backend() {
        // A SQLite file in folders that do not exist yet.
        Backend::Sqlite => format!(
            "sqlite://{}",
            database.dir().join("nested/deeper/m.db").display()
        ),
        Backend::Postgres => database.url.clone(),
    };
    let first = server::store::open(&url)
        .await
        .expect("creates folder and db");
    first.close().await;
    let (_, second) = crate::helpers::open_store(&url).await;
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&second)
        .await
        .expect("count");
    let migrations = match backend() {
        Backend::Sqlite => server::store::sqlite::MIGRATOR.iter().count(),
        Backend::Postgres => server::store::postgres::MIGRATOR.iter().count(),
    };
    assert_eq!(applied as usize, migrations);
    let workspaces: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workspaces")
        .fetch_one(&second)
        .await
        .expect("count");
    assert_eq!(
        workspaces, 1,
        "the default workspace is seeded exactly once"
    );
    if backend() == Backend::Postgres {
        return;
    }
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&second)
        .await
        .expect("pragma");
    assert_eq!(journal, "wal");
}
