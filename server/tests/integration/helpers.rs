//! `spawn_app()`: a router over a fresh SQLite file, driven in-process.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use server::http::{router, AppState};
use sqlx::SqlitePool;
use tempfile::TempDir;
use tower::ServiceExt;

/// One application under test with its own database file (removed on drop).
pub struct TestApp {
    pub router: Router,
    pub pool: SqlitePool,
    _dir: TempDir,
}

/// A response read to the end.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let pool = server::store::open(&url).await.expect("store opens");
    let state = AppState::new(
        pool.clone(),
        "target/site",
        "127.0.0.1:0".parse().expect("addr"),
    );
    TestApp {
        router: router(state),
        pool,
        _dir: dir,
    }
}

impl TestApp {
    /// Sends a GET as a browser would (accepting HTML) and reads the whole answer.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.get_accepting(path, "text/html").await
    }

    /// Sends a GET as an API client would (accepting JSON) and reads the whole answer.
    pub async fn get_json(&self, path: &str) -> TestResponse {
        self.get_accepting(path, "application/json").await
    }

    async fn get_accepting(&self, path: &str, accept: &str) -> TestResponse {
        let request = Request::get(path)
            .header("accept", accept)
            .body(Body::empty())
            .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).expect("utf-8 body"),
        }
    }
}
