//! Cost at ingest from the catalog, unknown without a price, and recomputed after a change.

use app::model::ModelKind;
use serde_json::json;
use server::cost::Prices;

use crate::helpers::{now_ms, record, spawn_app, WS};

async fn costs(app: &crate::helpers::TestApp) -> Vec<Option<f64>> {
    sqlx::query_scalar("SELECT cost FROM requests ORDER BY request_id")
        .fetch_all(&app.pool)
        .await
        .expect("costs")
}

#[tokio::test]
async fn cost_is_priced_at_ingest_unknown_without_a_price_and_recomputed_after_a_change() {
    let app = spawn_app().await;
    let prices = Prices {
        input_per_mtok: Some(2.0),
        output_per_mtok: Some(10.0),
        ..Prices::default()
    };
    app.storage
        .upsert_model(WS, "priced", ModelKind::Llm, &prices, now_ms())
        .await
        .expect("price");

    let now = now_ms();
    let body = json!([
        record("a-priced", "priced", now),
        record("b-unpriced", "unpriced", now)
    ]);
    assert_eq!(app.ingest(body.to_string()).await.json()["accepted"], 2);
    // 100 input tokens at $2/M + 40 output tokens at $10/M.
    let expected = 100.0 * 2.0 / 1e6 + 40.0 * 10.0 / 1e6;
    let stored = costs(&app).await;
    assert!(
        (stored[0].expect("priced") - expected).abs() < 1e-12,
        "{stored:?}"
    );
    assert_eq!(stored[1], None, "no price, no cost");
    let (cell_cost, cell_count): (f64, i64) =
        sqlx::query_as("SELECT sum(cost), CAST(sum(cost_count) AS BIGINT) FROM rollup_1d")
            .fetch_one(&app.pool)
            .await
            .expect("cell");
    assert!((cell_cost - expected).abs() < 1e-12);
    assert_eq!(cell_count, 1);

    // Price the second model, double the first, and recompute.
    let doubled = Prices {
        input_per_mtok: Some(4.0),
        output_per_mtok: Some(20.0),
        ..Prices::default()
    };
    app.storage
        .upsert_model(WS, "priced", ModelKind::Llm, &doubled, now_ms())
        .await
        .expect("price");
    app.storage
        .upsert_model(WS, "unpriced", ModelKind::Llm, &prices, now_ms())
        .await
        .expect("price");
    let report = app
        .storage
        .recompute(WS, now - 60_000)
        .await
        .expect("recompute");
    assert_eq!(report.requests, 2);
    let stored = costs(&app).await;
    assert!(
        (stored[0].expect("priced") - 2.0 * expected).abs() < 1e-12,
        "{stored:?}"
    );
    assert!(
        (stored[1].expect("now priced") - expected).abs() < 1e-12,
        "{stored:?}"
    );
    for table in ["rollup_1m", "rollup_1h", "rollup_1d"] {
        let sql = format!("SELECT sum(cost), CAST(sum(cost_count) AS BIGINT) FROM {table}");
        let (cost, count): (f64, i64) = sqlx::query_as(&sql)
            .fetch_one(&app.pool)
            .await
            .expect("cell");
        assert!((cost - 3.0 * expected).abs() < 1e-12, "{table}: {cost}");
        assert_eq!(count, 2, "{table}");
    }
}

/// Re-pricing reaches the costs grouped by user and app, their ranking and the rest row:
/// 52 users, user i with one call of 1000 + i input tokens, u00..u25 on a model at $1/M (app
/// a1), u26..u51 on one without a price (app a2) until it is priced at $5/M and re-priced.
#[tokio::test]
async fn recompute_reprices_grouped_costs_and_their_ranking() {
    let app = spawn_app().await;
    let cheap = Prices {
        input_per_mtok: Some(1.0),
        ..Prices::default()
    };
    app.storage
        .upsert_model(WS, "cheap-model", ModelKind::Llm, &cheap, now_ms())
        .await
        .expect("price");
    let hour = (now_ms() / 3_600_000 - 2) * 3_600_000;
    let call = |i: i64| {
        let (model, app) = if i < 26 {
            ("cheap-model", "a1")
        } else {
            ("later-model", "a2")
        };
        json!({"request_id": format!("r{i:02}"), "timestamp": hour + i * 1000, "model": model,
               "status": 200, "usage": {"input_tokens": 1000 + i, "output_tokens": 0},
               "metadata": {"user": format!("u{i:02}"), "app": app}})
    };
    crate::alerts::ingest(&app, (0..26).map(call).collect()).await;
    crate::dimension_index::indexed(&app).await;
    crate::alerts::ingest(&app, (26..52).map(call).collect()).await;
    let dear = Prices {
        input_per_mtok: Some(5.0),
        ..Prices::default()
    };
    app.storage
        .upsert_model(WS, "later-model", ModelKind::Llm, &dear, now_ms())
        .await
        .expect("price");
    let report = app.storage.recompute(WS, hour).await.expect("recompute");
    assert_eq!(report.requests, 26);
    crate::dimension_index::indexed(&app).await;
    let range = format!(
        "from={}&to={}",
        app::url_state::format_time(hour),
        app::url_state::format_time(hour + 3_600_000)
    );
    let users = crate::groups::grouped(&app, &format!("{range}&group=user&by=cost")).await;
    let names: Vec<&str> = users
        .rows
        .iter()
        .map(|row| row.value.as_deref().expect("named"))
        .collect();
    // $5/M for u51 down to u26, then $1/M for u25 down to u02; u01 and u00 are the rest.
    let expected: Vec<String> = (26..52)
        .rev()
        .chain((2..26).rev())
        .map(|i| format!("u{i:02}"))
        .collect();
    assert_eq!(names, expected);
    assert!((users.rows[0].cost.expect("priced") - 1051.0 * 5e-6).abs() < 1e-12);
    let other = users.other.expect("u00 and u01");
    assert_eq!((other.requests, other.priced_requests), (2, 2));
    assert!((other.cost.expect("priced") - 2001.0 * 1e-6).abs() < 1e-12);
    let apps = crate::groups::grouped(&app, &format!("{range}&group=app&by=cost")).await;
    let per_app: Vec<(&str, i64, f64)> = apps
        .rows
        .iter()
        .map(|row| {
            (
                row.value.as_deref().expect("named"),
                row.priced_requests,
                row.cost.expect("priced"),
            )
        })
        .collect();
    assert_eq!(per_app.len(), 2);
    assert_eq!((per_app[0].0, per_app[0].1), ("a2", 26));
    // a2: 26 calls of 1026..=1051 tokens at $5/M; a1: 1000..=1025 at $1/M.
    assert!((per_app[0].2 - (26.0 * 1038.5) * 5e-6).abs() < 1e-12);
    assert!((per_app[1].2 - (26.0 * 1012.5) * 1e-6).abs() < 1e-12);
}

#[test]
fn recompute_cost_refuses_a_malformed_since() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("c.db").display());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_modelwatch"))
        .args([
            "--database-url",
            &url,
            "recompute-cost",
            "--since",
            "last week",
        ])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("RFC 3339"));
}
