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
