//! The real `modelwatch` binary: start-up failures, serving, and a clean stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn modelwatch() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_modelwatch"));
    command.env_remove("MODELWATCH_DATABASE_URL");
    command.env_remove("MODELWATCH_ADDR");
    command
}

#[test]
fn an_unusable_database_aborts_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"a file where a folder should be").expect("write");
    let url = format!("sqlite://{}/db.sqlite", blocker.display());
    let output = modelwatch()
        .args(["--database-url", &url, "migrate"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot create the database folder"),
        "{stderr}"
    );
}

#[test]
fn a_database_url_this_build_cannot_open_is_refused_without_showing_its_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (url, names) in [
        ("mysql://user:s3cret@127.0.0.1/db", "\"mysql\""),
        ("mariadb://user:s3cret@127.0.0.1/db", "\"mariadb\""),
        ("data/modelwatch.db", "no scheme"),
    ] {
        for command in [&["migrate"][..], &["keys", "create"][..]] {
            let output = modelwatch()
                .current_dir(dir.path())
                .args(["--database-url", url])
                .args(command)
                .output()
                .expect("runs");
            assert!(!output.status.success(), "{url} {command:?}");
            let stderr = String::from_utf8_lossy(&output.stderr);
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(stderr.contains("unsupported database url"), "{stderr}");
            assert!(stderr.contains(names), "{stderr}");
            assert!(stderr.contains("sqlite://"), "{stderr}");
            assert!(stderr.contains("postgres://"), "{stderr}");
            assert!(
                !stderr.contains("s3cret") && !stdout.contains("s3cret"),
                "{stderr}"
            );
            assert!(!stdout.contains("migrations applied"), "{stdout}");
        }
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "nothing may be created: {left:?}");
}

#[test]
fn a_failed_migration_aborts_start_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("tampered.db");
    let url = format!("sqlite://{}", path.display());
    let status = modelwatch()
        .args(["--database-url", &url, "migrate"])
        .status()
        .expect("runs");
    assert!(status.success());
    // Pretend the applied migration differs from the one this binary carries.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect(&url).await.expect("connect");
        sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 1")
            .execute(&pool)
            .await
            .expect("update");
        pool.close().await;
    });
    let output = modelwatch()
        .args(["--database-url", &url, "migrate"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("database migration failed"), "{stderr}");
}

#[test]
fn the_server_serves_and_stops_cleanly_on_sigterm() {
    let database = crate::database::TestDatabase::fresh_blocking();
    let url = database.url.clone();
    let mut child = modelwatch()
        .args([
            "--database-url",
            &url,
            "--log-format",
            "json",
            "serve",
            "--addr",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("server printed its address")
            .expect("line");
        let event: serde_json::Value = serde_json::from_str(&line).expect("json log line");
        if let Some(addr) = event["addr"].as_str() {
            break addr.to_owned();
        }
    };

    let health = http_get(&addr, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "server did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|line| line.contains("modelwatch stopped")),
        "{rest:?}"
    );
}

/// A minimal HTTP/1.1 GET over a plain socket (no client library needed for one request).
fn http_get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

#[test]
fn retention_is_set_per_workspace_and_validated() {
    let database = crate::database::TestDatabase::fresh_blocking();
    let url = database.url.clone();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_modelwatch"))
            .args(["--database-url", &url])
            .args(args)
            .output()
            .expect("runs")
    };
    let zero = run(&["workspaces", "set-retention", "--days", "0"]);
    assert!(!zero.status.success());
    assert!(String::from_utf8_lossy(&zero.stderr).contains("--days"));
    let missing = run(&[
        "workspaces",
        "set-retention",
        "--workspace",
        "nope",
        "--days",
        "7",
    ]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no workspace named"));
    let ok = run(&["workspaces", "set-retention", "--days", "30"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let days: i64 = runtime.block_on(async {
        let (_, pool) = crate::helpers::open_store(&url).await;
        sqlx::query_scalar("SELECT retention_days FROM workspaces WHERE id = 1")
            .fetch_one(&pool)
            .await
            .expect("days")
    });
    assert_eq!(days, 30);
}

#[test]
fn users_come_from_the_command_line_with_their_password_hashed() {
    let database = crate::database::TestDatabase::fresh_blocking();
    let url = database.url.clone();
    let run = |args: &[&str], password: Option<&str>| {
        let mut command = modelwatch();
        command.args(["--database-url", &url]).args(args);
        match password {
            Some(password) => command.env("MODELWATCH_PASSWORD", password),
            None => command.env_remove("MODELWATCH_PASSWORD"),
        };
        command.stdin(Stdio::null()).output().expect("runs")
    };
    let short = run(
        &["users", "add", "--admin", "ops@example.com"],
        Some("short"),
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10"));
    let bad = run(&["users", "add", "not-an-address"], Some("long enough pw"));
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("email"));
    let added = run(
        &["users", "add", "--admin", "Ops@Example.com"],
        Some("long enough pw"),
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let viewer = run(
        &["users", "add", "--workspace", "staging", "dev@example.com"],
        Some("another long pw"),
    );
    assert!(
        viewer.status.success(),
        "{}",
        String::from_utf8_lossy(&viewer.stderr)
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (storage, pool) = crate::helpers::open_store(&url).await;
        let ops = storage
            .user_by_email("ops@example.com")
            .await
            .expect("read")
            .expect("ops exists, lower-cased");
        assert!(ops.is_admin);
        assert!(ops.password_hash.starts_with("$argon2id$"));
        assert!(
            server::auth::password::verify("long enough pw".into(), Some(ops.password_hash)).await
        );
        let roles: Vec<(String, String)> = sqlx::query_as(
            "SELECT users.email, workspaces.name || ':' || memberships.role FROM memberships \
             JOIN users ON users.id = user_id JOIN workspaces ON workspaces.id = workspace_id \
             ORDER BY users.email",
        )
        .fetch_all(&pool)
        .await
        .expect("roles");
        assert_eq!(
            roles,
            [
                ("dev@example.com".to_owned(), "staging:viewer".to_owned()),
                ("ops@example.com".to_owned(), "default:admin".to_owned())
            ]
        );
        // With a user present, the first start creates no administrator.
        assert_eq!(
            server::auth::accounts::first_admin(storage.as_ref(), "admin@localhost")
                .await
                .expect("first run"),
            None
        );
    });
    // On a fresh database the first start makes one and says its password once.
    let fresh = crate::database::TestDatabase::fresh_blocking();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (storage, _) = crate::helpers::open_store(&fresh.url).await;
        let password = server::auth::accounts::first_admin(storage.as_ref(), "admin@localhost")
            .await
            .expect("first run")
            .expect("a password");
        assert_eq!(password.len(), 16);
        let admin = storage
            .user_by_email("admin@localhost")
            .await
            .expect("read")
            .expect("admin");
        assert!(server::auth::password::verify(password, Some(admin.password_hash)).await);
        assert_eq!(
            server::auth::accounts::first_admin(storage.as_ref(), "admin@localhost")
                .await
                .expect("second run"),
            None
        );
    });
}

#[test]
fn a_wrong_proxy_configuration_stops_start_up_naming_the_problem_not_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/db.sqlite", dir.path().display());
    let config = dir.path().join("proxy.json");
    let run = |config: &std::path::Path| {
        modelwatch()
            .args([
                "--database-url",
                &url,
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--proxy-config",
            ])
            .arg(config)
            .env("MODELWATCH_TEST_PROVIDER_KEY", "sk-never-shown-42")
            .env_remove("MODELWATCH_MISSING_KEY")
            .output()
            .expect("runs")
    };

    let output = run(&dir.path().join("missing.json"));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("missing.json"), "{stderr}");

    std::fs::write(
        &config,
        r#"{"upstreams": [{"base_url": "https://api.example.com/v1", "models": ["*"], "api_key_env": "MODELWATCH_MISSING_KEY"}]}"#,
    )
    .expect("write");
    let output = run(&config);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MODELWATCH_MISSING_KEY"), "{stderr}");

    std::fs::write(
        &config,
        r#"{"upstreams": [{"base_url": "https://api.example.com/v1", "models": ["gpt*4"], "api_key_env": "MODELWATCH_TEST_PROVIDER_KEY"}]}"#,
    )
    .expect("write");
    let output = run(&config);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("gpt*4") && !stderr.contains("sk-never-shown-42"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("db.sqlite").exists(),
        "nothing was started"
    );
}
