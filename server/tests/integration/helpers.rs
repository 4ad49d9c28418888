//! `spawn_app()`: a router over a fresh SQLite file, driven in-process.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use server::http::{router, AppState};
use server::ingest::writer::WriterConfig;
use sqlx::SqlitePool;
use tempfile::TempDir;
use tower::ServiceExt;

/// One application under test with its own database file (removed on drop).
pub struct TestApp {
    pub router: Router,
    pub pool: SqlitePool,
    /// A valid ingest key of the default workspace.
    pub key: String,
    /// Where alert events are published to open dashboards.
    pub alert_events: tokio::sync::broadcast::Sender<server::alerts::evaluator::WorkspaceEvent>,
    _dir: TempDir,
}

/// A response read to the end.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(WriterConfig::default()).await
}

pub async fn spawn_app_with(config: WriterConfig) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let pool = server::store::open(&url).await.expect("store opens");
    let (ingest, _writer) = server::ingest::writer::spawn(&url, config).expect("writer starts");
    let key = server::store::api_keys::create_key(&pool, 1, "test", now_ms())
        .await
        .expect("key")
        .key;
    let state = AppState::new(
        pool.clone(),
        ingest,
        "target/site",
        "127.0.0.1:0".parse().expect("addr"),
    );
    let alert_events = state.alert_events.clone();
    TestApp {
        alert_events,
        router: router(state),
        pool,
        key,
        _dir: dir,
    }
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
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

    /// POSTs `body` to the ingest API with this app's key.
    pub async fn ingest(&self, body: impl Into<Body>) -> TestResponse {
        let authorization = format!("Bearer {}", self.key);
        self.post(
            "/api/v1/requests",
            &[("authorization", authorization.as_str())],
            body,
        )
        .await
    }

    /// POSTs `body` with `headers` and reads the whole answer.
    pub async fn post(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
    ) -> TestResponse {
        let mut request = Request::post(path).header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(body.into()).expect("request")).await
    }

    /// How many rows `sql` (a `SELECT count(*) ...`) counts.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.pool)
            .await
            .expect("count")
    }

    async fn get_accepting(&self, path: &str, accept: &str) -> TestResponse {
        let request = Request::get(path)
            .header("accept", accept)
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }

    /// Sends a GET and hands back the response with its body still streaming.
    pub async fn get_streaming(&self, path: &str) -> axum::response::Response {
        let request = Request::get(path).body(Body::empty()).expect("request");
        self.router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible")
    }

    async fn send(&self, request: Request<Body>) -> TestResponse {
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

impl TestResponse {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

/// A valid ingest record at `ts_ms` for `model`.
pub fn record(request_id: &str, model: &str, ts_ms: i64) -> serde_json::Value {
    serde_json::json!({
        "request_id": request_id,
        "timestamp": ts_ms,
        "model": model,
        "status": 200,
        "latency_ms": 1200,
        "ttft_ms": 300,
        "stream": true,
        "usage": { "input_tokens": 100, "output_tokens": 40 },
    })
}
