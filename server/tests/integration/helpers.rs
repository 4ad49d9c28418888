//! `spawn_app()`: a router over a fresh database of the backend under test, driven in-process.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use server::http::{router, AppState};
use server::ingest::writer::WriterConfig;
use server::store::SharedStorage;
use sqlx::AnyPool;

use crate::database::{rows_pool, TestDatabase};
use tower::ServiceExt;

/// One application under test with its own database.
pub struct TestApp {
    pub router: Router,
    /// The storage every part of the server uses.
    pub storage: SharedStorage,
    /// A pool on the same database, for checks on stored rows (SQL both backends run).
    pub pool: AnyPool,
    /// A valid ingest key of the default workspace.
    pub key: String,
    /// Where alert events are published to open dashboards.
    pub alert_events: tokio::sync::broadcast::Sender<server::alerts::evaluator::WorkspaceEvent>,
    /// The session token of an admin of the default workspace (sent by `get`, `post`, ...).
    pub session: String,
    /// The state the router was built from (its limiter, engine and counters).
    pub state: AppState,
    _database: TestDatabase,
}

/// The host requests are addressed to, and the origin the dashboard's own requests carry.
/// The default workspace every test database starts with.
pub const WS: app::model::WorkspaceId = app::model::WorkspaceId::trusted(1);

pub const HOST: &str = "modelwatch.test";
pub const ORIGIN: &str = "http://modelwatch.test";

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
    spawn_app_configured(config, |state| state).await
}

/// An app whose state `configure` changes first (a proxy configuration, for example).
pub async fn spawn_app_configured(
    config: WriterConfig,
    configure: impl FnOnce(AppState) -> AppState,
) -> TestApp {
    let database = TestDatabase::fresh().await;
    let (storage, pool) = open_store(&database.url).await;
    let (ingest, _writer) =
        server::ingest::writer::spawn(storage.as_ref(), config).expect("writer starts");
    let key = storage
        .create_key(WS, "test", now_ms())
        .await
        .expect("key")
        .key;
    // Tests check what a search finds, never how fast (benchmarks do): a generous budget keeps
    // a busy machine from cutting a search short. The one test of an out-of-time search sets
    // its own.
    let state = AppState::new(
        storage.clone(),
        ingest,
        "target/site",
        "127.0.0.1:0".parse().expect("addr"),
    )
    .with_logs_search_budget(std::time::Duration::from_millis(500));
    let state = configure(state);
    let alert_events = state.alert_events.clone();
    let session = signed_in(
        storage.as_ref(),
        "admin@test.local",
        WS,
        app::model::Role::Admin,
    )
    .await;
    TestApp {
        alert_events,
        router: router(state.clone()),
        state,
        storage,
        pool,
        key,
        session,
        _database: database,
    }
}

/// A session token of `email` (created when missing, password `correct horse battery`) with
/// `role` in workspace `ws`, straight through the store.
pub async fn signed_in(
    storage: &dyn server::store::Storage,
    email: &str,
    ws: app::model::WorkspaceId,
    role: app::model::Role,
) -> String {
    let hash = server::auth::password::hash(PASSWORD.into())
        .await
        .expect("hash");
    let user_id = match storage
        .create_user(email, &hash, false, now_ms())
        .await
        .expect("user")
    {
        Some(id) => id,
        None => {
            storage
                .user_by_email(email)
                .await
                .expect("user")
                .expect("exists")
                .id
        }
    };
    storage
        .set_membership(ws, user_id, role)
        .await
        .expect("membership");
    let token = server::auth::random_hex(32);
    storage
        .create_session(
            &server::auth::token_hash(&token),
            user_id,
            now_ms(),
            now_ms() + 3_600_000,
        )
        .await
        .expect("session");
    token
}

/// The password of every test user.
pub const PASSWORD: &str = "correct horse battery";

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
        let mut request = Request::post(path)
            .header("content-type", "application/json")
            .header("host", HOST)
            .header("origin", ORIGIN)
            .header("cookie", format!("mw_session={}", self.session));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(body.into()).expect("request")).await
    }

    /// Holds a lock that stops the batch writer's next transaction until the connection is
    /// dropped, so that its queue fills: SQLite's write lock (`BEGIN IMMEDIATE`), or in
    /// PostgreSQL a SHARE lock on `requests`, which every insert waits for.
    pub async fn hold_write_lock(&self) -> sqlx::pool::PoolConnection<sqlx::Any> {
        crate::database::hold_write_lock(&self.pool).await
    }

    /// The one integer `sql` (a `SELECT count(*) ...`, `SELECT sum(...) ...`) answers, read as
    /// a BIGINT on either backend (PostgreSQL sums integers to NUMERIC).
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT CAST(({sql}) AS BIGINT)"))
            .fetch_one(&self.pool)
            .await
            .expect("count")
    }

    async fn get_accepting(&self, path: &str, accept: &str) -> TestResponse {
        self.get_as(path, accept, Some(&self.session)).await
    }

    /// Sends a GET with session `session` (none: signed out).
    pub async fn get_as(&self, path: &str, accept: &str, session: Option<&str>) -> TestResponse {
        let mut request = Request::get(path)
            .header("accept", accept)
            .header("host", HOST);
        if let Some(session) = session {
            request = request.header("cookie", format!("mw_session={session}"));
        }
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }

    /// Sends `method` to `path` with `headers` (nothing added) and `body`.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
    ) -> TestResponse {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(body.into()).expect("request")).await
    }

    /// Like [`TestApp::raw`], for answers that are not text (protobuf).
    pub async fn raw_bytes(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
    ) -> BytesResponse {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(body.into()).expect("request"))
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        BytesResponse {
            status,
            headers,
            body,
        }
    }

    /// Sends `request` and hands back the response with its body still streaming.
    pub async fn respond(&self, request: Request<Body>) -> axum::response::Response {
        self.router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible")
    }

    /// Sends a GET and hands back the response with its body still streaming.
    pub async fn get_streaming(&self, path: &str) -> axum::response::Response {
        let request = Request::get(path)
            .header("host", HOST)
            .header("cookie", format!("mw_session={}", self.session))
            .body(Body::empty())
            .expect("request");
        self.respond(request).await
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

/// A response read to the end, kept as bytes.
pub struct BytesResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
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

/// Serves `router` on a fresh port of 127.0.0.1 (for real clients) and returns its address.
pub async fn serve(router: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    addr
}

/// The interpreter of the test venv (`end2end/.venv`, made by `make setup`), with the pinned
/// client libraries. Missing, the test fails: client tests are never skipped silently.
pub fn python() -> std::path::PathBuf {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the server crate lives in the workspace");
    let python = workspace.join("end2end/.venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run `make setup` to create end2end/.venv",
        python.display()
    );
    python
}

/// Opens the database at `url` (migrated) as the server's storage, with a pool for checks on
/// stored rows.
pub async fn open_store(url: &str) -> (SharedStorage, AnyPool) {
    let storage = server::store::open(url).await.expect("store opens");
    (storage, rows_pool(url).await)
}
