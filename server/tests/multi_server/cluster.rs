//! Servers under test: a fresh database on the test cluster, the real binary started on it
//! as many times as a test needs, and the accounts and keys to talk to them.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use app::model::{Role, WorkspaceId};
use server::store::SharedStorage;

/// The default workspace of a fresh database.
pub const WS: WorkspaceId = WorkspaceId::trusted(1);

/// A database with a signed-in admin and an ingest key, and the storage to check it with.
pub struct Cluster {
    pub url: String,
    pub storage: SharedStorage,
    pub pool: sqlx::PgPool,
    pub session: String,
    pub key: String,
}

pub use crate::database::postgres_database as empty_database;

impl Cluster {
    pub async fn new() -> Self {
        let url = empty_database().await;
        let storage = server::store::open(&url).await.expect("migrates");
        let pool = sqlx::PgPool::connect(&url).await.expect("pool");
        let now = now_ms();
        let hash = server::auth::password::hash(PASSWORD.into())
            .await
            .expect("hash");
        let user = storage
            .create_user("admin@test.local", &hash, false, now)
            .await
            .expect("user")
            .expect("new");
        storage
            .set_membership(WS, user, Role::Admin)
            .await
            .expect("membership");
        let session = server::auth::random_hex(32);
        storage
            .create_session(
                &server::auth::token_hash(&session),
                user,
                now,
                now + 3_600_000,
            )
            .await
            .expect("session");
        let key = storage.create_key(WS, "load", now).await.expect("key").key;
        Self {
            url,
            storage,
            pool,
            session,
            key,
        }
    }

    /// Starts a server on this database with the alert interval `alert_secs`.
    pub fn start(&self, alert_secs: u64) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_modelwatch"))
            .env_remove("MODELWATCH_ADDR")
            .args([
                "--database-url",
                &self.url,
                "--log-format",
                "json",
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--alert-interval-secs",
                &alert_secs.to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("the server printed its address")
                .expect("a line");
            let event: serde_json::Value = serde_json::from_str(&line).expect("a json log line");
            if let Some(addr) = event["addr"].as_str() {
                break addr.to_owned();
            }
        };
        // Keep reading, so a chatty log never fills the pipe and stalls the server; warnings and
        // errors are shown with the test's output.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if line.contains("\"WARN\"") || line.contains("\"ERROR\"") {
                    eprintln!("server: {line}");
                }
            }
        });
        Server {
            child,
            base: format!("http://{addr}"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }
}

/// One running server, stopped (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    pub client: reqwest::Client,
}

impl Server {
    /// POSTs `records` to the ingest API with `key`.
    pub async fn ingest(&self, key: &str, records: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(format!("{}/api/v1/requests", self.base))
            .bearer_auth(key)
            .json(records)
            .send()
            .await
            .expect("the server answers")
    }

    /// POSTs a form to `path` as the dashboard does, with `session`.
    pub async fn form(&self, session: Option<&str>, path: &str, body: &str) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body.to_owned());
        if let Some(session) = session {
            request = request.header("cookie", format!("mw_session={session}"));
        }
        request.send().await.expect("the server answers")
    }

    /// Kills the process at once, as `kill -9` does.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub const PASSWORD: &str = "correct horse battery";

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A valid ingest record.
pub fn record(
    request_id: &str,
    model: &str,
    ts_ms: i64,
    status: u16,
    latency_ms: i64,
) -> serde_json::Value {
    serde_json::json!({
        "request_id": request_id,
        "timestamp": ts_ms,
        "model": model,
        "status": status,
        "latency_ms": latency_ms,
        "ttft_ms": latency_ms / 4,
        "usage": { "input_tokens": 100 + latency_ms % 50, "output_tokens": 40 },
    })
}
