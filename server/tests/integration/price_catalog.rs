//! Prices out of the box: the built-in catalog prices well-known models (by exact name, dated
//! snapshot and provider prefix), a workspace's own prices override it, an imported catalog
//! (LiteLLM's map) wins over the built-in one, failed generations cost nothing, and every cost
//! total says what share of calls it covers.

use app::model::{Comparator, Condition, Metric, ModelKind, Role, RuleSpec};
use serde_json::json;
use server::cost::Prices;

use crate::alerts::{error_rate_rule, evaluator, ingest};
use crate::helpers::{now_ms, record, spawn_app, TestApp, WS};

const MINUTE: i64 = 60_000;

/// The stored cost of each call, by request id.
async fn cost_of(app: &TestApp, request_id: &str) -> Option<f64> {
    let sql = format!(
        "SELECT cost FROM requests WHERE {} = '{request_id}'",
        crate::database::request_id_text()
    );
    sqlx::query_scalar(&sql)
        .fetch_one(&app.pool)
        .await
        .expect("a stored call")
}

fn assert_cost(actual: Option<f64>, expected: f64, what: &str) {
    let actual = actual.unwrap_or_else(|| panic!("{what}: no cost"));
    assert!(
        (actual - expected).abs() < 1e-12,
        "{what}: {actual} != {expected}"
    );
}

#[tokio::test]
async fn well_known_models_are_priced_out_of_the_box_and_own_prices_override_the_catalog() {
    let app = spawn_app().await;
    let own = Prices {
        input_per_mtok: Some(1.0),
        output_per_mtok: Some(1.0),
        ..Prices::default()
    };
    app.storage
        .upsert_model(WS, "gpt-4.1", ModelKind::Llm, &own, now_ms())
        .await
        .expect("own price");
    let now = now_ms() - MINUTE;
    ingest(
        &app,
        vec![
            record("mini", "gpt-4o-mini", now),
            record("dated", "gpt-4o-2024-08-06", now),
            record("prefixed", "openai/gpt-4o-mini", now),
            record("older-snapshot", "gpt-4o-2024-05-13", now),
            record("own", "gpt-4.1", now),
            record("in-house", "in-house-7b", now),
        ],
    )
    .await;
    // record(): 100 input and 40 output tokens.
    let tokens = |input: f64, output: f64| (100.0 * input + 40.0 * output) / 1e6;
    assert_cost(
        cost_of(&app, "mini").await,
        tokens(0.15, 0.6),
        "gpt-4o-mini",
    );
    assert_cost(
        cost_of(&app, "prefixed").await,
        tokens(0.15, 0.6),
        "openai/ prefix",
    );
    assert_cost(
        cost_of(&app, "dated").await,
        tokens(2.5, 10.0),
        "a dated gpt-4o",
    );
    assert_cost(
        cost_of(&app, "older-snapshot").await,
        tokens(5.0, 15.0),
        "a snapshot priced on its own",
    );
    assert_cost(
        cost_of(&app, "own").await,
        tokens(1.0, 1.0),
        "the workspace's price",
    );
    assert_eq!(cost_of(&app, "in-house").await, None, "no price anywhere");

    // Settings show where each list price comes from.
    let overview = app
        .state
        .engine
        .settings_overview(WS, Role::Admin)
        .await
        .expect("overview");
    let catalog = |name: &str| {
        overview
            .models
            .iter()
            .find(|model| model.name == name)
            .unwrap_or_else(|| panic!("{name} listed"))
            .catalog
            .clone()
    };
    let dated = catalog("gpt-4o-2024-08-06").expect("a list price");
    assert_eq!(
        (dated.origin.as_str(), dated.entry.as_str()),
        ("built-in", "gpt-4o")
    );
    assert_eq!(dated.prices.input_per_mtok, Some(2.5));
    assert!(
        catalog("gpt-4.1").is_some(),
        "the list price stays visible under an override"
    );
    assert_eq!(catalog("in-house-7b"), None);
}

#[tokio::test]
async fn a_failed_generation_keeps_its_units_and_costs_nothing() {
    let app = spawn_app().await;
    let now = now_ms() - MINUTE;
    let image = |id: &str, status: u16| {
        json!({"request_id": id, "timestamp": now, "model": "dall-e-3", "status": status,
               "latency_ms": 9000, "usage": {"images": 2}})
    };
    ingest(&app, vec![image("made", 200), image("failed", 500)]).await;
    assert_cost(cost_of(&app, "made").await, 0.08, "two images at $0.04");
    assert_cost(cost_of(&app, "failed").await, 0.0, "a failed generation");
    let images = app
        .count("SELECT CAST(sum(images) AS BIGINT) FROM requests")
        .await;
    assert_eq!(images, 4, "the failed generation keeps its units");
    let kind = app.count("SELECT min(kind) FROM requests").await;
    assert_eq!(
        kind,
        ModelKind::Image.code(),
        "the catalog knows dall-e-3 is an image model"
    );
}

#[tokio::test]
async fn an_imported_litellm_map_prices_new_models_and_wins_over_the_built_in_catalog() {
    let app = spawn_app().await;
    let map = json!({
        "sample_spec": {"mode": "one of: chat, embedding"},
        "gpt-4o-mini": {"litellm_provider": "openai", "mode": "chat",
            "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
        "acme/brand-new-model": {"litellm_provider": "acme", "mode": "chat",
            "input_cost_per_token": 3e-06, "output_cost_per_token": 5e-06}
    });
    let imported = server::cost::import::read(&map.to_string(), "2026-12-01", "test map")
        .expect("a LiteLLM map");
    assert_eq!(imported.entries.len(), 2);
    let stored = app
        .storage
        .import_prices(&imported.entries, now_ms())
        .await
        .expect("import");
    assert_eq!(stored, 2);
    assert_eq!(app.storage.imported_prices().await.expect("list").len(), 2);
    let now = now_ms() - MINUTE;
    ingest(
        &app,
        vec![
            record("mini", "gpt-4o-mini", now),
            record("new", "acme/brand-new-model", now),
        ],
    )
    .await;
    assert_cost(
        cost_of(&app, "mini").await,
        (100.0 + 80.0) / 1e6,
        "imported wins",
    );
    assert_cost(
        cost_of(&app, "new").await,
        (300.0 + 200.0) / 1e6,
        "a model only imported",
    );
}

#[tokio::test]
async fn cost_totals_say_which_share_of_calls_they_cover() {
    let app = spawn_app().await;
    let start = now_ms() / MINUTE * MINUTE - 10 * MINUTE;
    let mut calls: Vec<_> = (0..3)
        .map(|k| record(&format!("priced-{k}"), "gpt-4o-mini", start + k))
        .collect();
    calls.push(record("unpriced", "in-house-7b", start + 5));
    ingest(&app, calls).await;

    let report = crate::analytics_report::fetch_report(&app, "range=1h").await;
    assert_eq!((report.kpis.priced_requests, report.kpis.requests), (3, 4));
    assert_eq!(report.kpis.cost_coverage(), Some(0.75));
    let priced = |name: &str| {
        let row = report
            .models
            .iter()
            .find(|row| row.model == name)
            .expect("a row");
        (row.priced_requests, row.requests)
    };
    assert_eq!(priced("gpt-4o-mini"), (3, 3));
    assert_eq!(priced("in-house-7b"), (0, 1));
    assert_eq!(
        app::format::cost_coverage(3, 4, 1).as_deref(),
        Some("cost of 75.0 % of calls; 1 model has no price")
    );

    // A rule on cost says the same in its events.
    let rule = RuleSpec {
        name: "Spend".into(),
        metric: Metric::Cost,
        condition: Condition::Threshold {
            comparator: Comparator::Above,
            value: 0.0,
        },
        window_secs: 3600,
        min_requests: 1,
        ..error_rate_rule()
    };
    app.storage
        .create_rule(WS, &rule, now_ms())
        .await
        .expect("rule");
    let events = evaluator(&app)
        .evaluate_all(now_ms())
        .await
        .expect("evaluate");
    let fired = events
        .iter()
        .find(|event| event.kind == "firing")
        .expect("the rule fired");
    assert_eq!(fired.cost_coverage, Some(0.75));
    let (_, detail) = app::format::alert_summary(fired);
    assert!(detail.ends_with("; cost of 75.0 % of calls"), "{detail}");
}

#[tokio::test]
async fn the_export_says_for_every_call_what_its_cost_means() {
    let app = spawn_app().await;
    let now = now_ms() - MINUTE;
    let mut failed = json!({"request_id": "failed", "timestamp": now, "model": "dall-e-3",
        "status": 500, "usage": {"images": 1}});
    failed["latency_ms"] = json!(100);
    ingest(
        &app,
        vec![
            record("priced", "gpt-4o-mini", now),
            record("unpriced", "in-house-7b", now),
            failed,
        ],
    )
    .await;
    let jsonl = app
        .get("/api/v1/logs/export?format=jsonl&range=1h")
        .await
        .body;
    let mut statuses: Vec<(String, String)> = jsonl
        .lines()
        .map(|line| {
            let call: serde_json::Value = serde_json::from_str(line).expect("json");
            (
                call["request_id"].as_str().expect("id").to_owned(),
                call["cost_status"].as_str().expect("status").to_owned(),
            )
        })
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [
            ("failed".to_owned(), "not billed".to_owned()),
            ("priced".to_owned(), "priced".to_owned()),
            ("unpriced".to_owned(), "no price".to_owned())
        ]
    );
    let csv = app
        .get("/api/v1/logs/export?format=csv&range=1h")
        .await
        .body;
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let column = header
        .iter()
        .position(|name| *name == "cost_status")
        .expect("a cost_status column");
    assert_eq!(header[column - 1], "cost");
    let mut values: Vec<String> = lines
        .map(|line| line.split(',').nth(column).expect("a value").to_owned())
        .collect();
    values.sort();
    assert_eq!(values, ["no price", "not billed", "priced"]);
}

fn modelwatch(url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_modelwatch"))
        .env("RUST_BACKTRACE", "0")
        .args(["--log-level", "warn", "--database-url", url])
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn prices_import_loads_a_litellm_map_and_prices_show_says_where_a_price_comes_from() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/prices/litellm-sample.json");
    let output = modelwatch(&url, &["prices", "import", sample]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("imported 11 model prices"), "{stderr}");

    let output = modelwatch(&url, &["prices", "show", "openai/gpt-4o-mini-2024-07-18"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("imported catalog entry \"gpt-4o-mini\""),
        "{stdout}"
    );
    assert!(stdout.contains("0.15 USD"), "{stdout}");

    let output = modelwatch(&url, &["prices", "show", "claude-3-5-haiku-latest"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("built-in catalog entry \"claude-3-5-haiku\""),
        "{stdout}"
    );

    let output = modelwatch(&url, &["prices", "show", "in-house-7b"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no price for \"in-house-7b\""));

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "[1, 2]").expect("write");
    let output = modelwatch(&url, &["prices", "import", bad.to_str().expect("path")]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("a JSON object: our catalog or a LiteLLM price map"),
        "{stderr}"
    );
}
