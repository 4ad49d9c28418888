//! `get_analytics` over HTTP against known calls: every number of the report, exactly.

use app::model::{AnalyticsReport, Granularity, ModelKind};
use axum::http::StatusCode;
use serde_json::json;
use server::cost::Prices;
use server::rollup::Level;

use crate::helpers::{now_ms, spawn_app, TestApp, WS};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

fn call(id: &str, model: &str, ts: i64, status: u16, latency: i64) -> serde_json::Value {
    json!({ "request_id": id, "timestamp": ts, "model": model, "status": status, "latency_ms": latency })
}

fn llm(
    id: &str,
    ts: i64,
    status: u16,
    latency: i64,
    ttft: Option<i64>,
    input: i64,
) -> serde_json::Value {
    let mut record = call(id, "alpha", ts, status, latency);
    record["usage"] = json!({ "input_tokens": input, "output_tokens": input / 10 });
    if let Some(ttft) = ttft {
        record["ttft_ms"] = json!(ttft);
        record["stream"] = json!(true);
    }
    record
}

fn image(id: &str, ts: i64, status: u16, latency: i64, images: i64) -> serde_json::Value {
    let mut record = call(id, "pics", ts, status, latency);
    record["model_kind"] = json!("image");
    record["usage"] = json!({ "images": images });
    record
}

pub async fn fetch_report(app: &TestApp, query: &str) -> AnalyticsReport {
    let path = format!(
        "/api/get_analytics?query={}",
        app::url_state::encode_value(query)
    );
    let response = app.get_json(&path).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).expect("a report")
}

fn close(actual: Option<f64>, expected: f64) -> bool {
    actual.is_some_and(|actual| (actual - expected).abs() < 1e-9)
}

#[tokio::test]
async fn the_report_of_known_calls_has_exact_numbers() {
    let app = spawn_app().await;
    let prices = Prices {
        input_per_mtok: Some(2.0),
        output_per_mtok: Some(10.0),
        ..Prices::default()
    };
    app.storage
        .upsert_model(WS, "alpha", ModelKind::Llm, &prices, now_ms())
        .await
        .expect("price");

    // A whole UTC day three days ago, always inside raw retention.
    let day = Level::Day.bucket(now_ms()) - 3 * DAY;
    let at = |hours: i64, minutes: i64, seconds: i64| {
        day + hours * HOUR + minutes * MINUTE + seconds * 1_000
    };
    let calls = json!([
        llm("a1", at(10, 0, 10), 200, 100, Some(50), 10),
        llm("a2", at(10, 0, 40), 200, 200, Some(70), 20),
        llm("a3", at(10, 0, 50), 500, 300, None, 30),
        llm("a4", at(10, 5, 0), 200, 400, Some(90), 40),
        image("p1", at(11, 30, 0), 200, 1_000, 2),
        image("p2", at(11, 30, 30), 429, 2_000, 0),
        // The period before (08:00-10:00) and the first instant after the range.
        llm("before", at(9, 0, 0), 200, 500, None, 50),
        llm("after", at(12, 0, 0), 200, 700, None, 60),
    ]);
    assert_eq!(app.ingest(calls.to_string()).await.json()["accepted"], 8);

    let from = app::url_state::format_time(at(10, 0, 0));
    let to = app::url_state::format_time(at(12, 0, 0));
    let report = fetch_report(&app, &format!("from={from}&to={to}&gran=1h")).await;

    assert_eq!((report.from_ms, report.to_ms), (at(10, 0, 0), at(12, 0, 0)));
    assert_eq!(report.granularity, Granularity::Hour);
    let kpis = &report.kpis;
    assert_eq!(kpis.requests, 6);
    assert!(close(kpis.success_rate, 4.0 / 6.0));
    assert_eq!(
        (kpis.input_tokens, kpis.output_tokens, kpis.total_tokens),
        (100, 10, 110)
    );
    assert!(close(kpis.avg_latency_ms, 4_000.0 / 6.0));
    assert!(close(kpis.avg_ttft_ms, 70.0));
    let p95 = kpis.p95_latency_ms.expect("p95");
    assert!((p95 - 1_000.0).abs() <= 10.0, "p95 {p95}");
    // Only alpha has prices: 100 input tokens at $2/M and 10 output tokens at $10/M.
    assert!(close(kpis.cost, 100.0 * 2.0 / 1e6 + 10.0 * 10.0 / 1e6));
    assert_eq!(report.previous.requests, 1);
    assert!(close(report.previous.avg_latency_ms, 500.0));

    let points: Vec<(i64, i64, i64, i64, i64, i64)> = report
        .series
        .iter()
        .map(|p| {
            (
                p.bucket_ms,
                p.requests,
                p.errors,
                p.status_4xx,
                p.status_5xx,
                p.input_tokens,
            )
        })
        .collect();
    assert_eq!(
        points,
        vec![
            (at(10, 0, 0), 4, 1, 0, 1, 100),
            (at(11, 0, 0), 2, 1, 1, 0, 0)
        ]
    );

    let names: Vec<&str> = report.models.iter().map(|row| row.model.as_str()).collect();
    assert_eq!(names, vec!["alpha", "pics"], "busiest first");
    let alpha = &report.models[0];
    assert_eq!(alpha.kind, ModelKind::Llm);
    assert_eq!(alpha.requests, 4);
    assert!((alpha.rpm_avg - 4.0 / 120.0).abs() < 1e-9);
    assert_eq!(alpha.rpm_peak, Some(3), "three calls in 10:00");
    assert_eq!(
        alpha.tpm_peak,
        Some(66),
        "(10+1)+(20+2)+(30+3) tokens in 10:00"
    );
    assert!((alpha.tpm_avg - 110.0 / 120.0).abs() < 1e-9);
    assert!(close(alpha.success_rate, 0.75));
    assert!(close(alpha.ttft_avg_ms, 70.0));
    assert!(close(alpha.latency_avg_ms, 250.0));
    let p99 = alpha.latency_p99_ms.expect("p99");
    // DDSketch's rank rule: the value at floor(0.99 * (4 - 1)) = 2 of [100, 200, 300, 400].
    assert!((p99 - 300.0).abs() <= 3.0, "p99 {p99}");
    let pics = &report.models[1];
    assert_eq!(
        (pics.kind, pics.requests, pics.units.images),
        (ModelKind::Image, 2, 2)
    );
    assert_eq!(pics.rpm_peak, Some(2));
    assert!(close(pics.success_rate, 0.5));
    // p1 made images but pics has no price; p2's failed generation costs nothing.
    assert_eq!((pics.cost, pics.priced_requests), (Some(0.0), 1));
    assert_eq!((report.kpis.priced_requests, report.kpis.requests), (5, 6));
    assert_eq!(pics.ttft_avg_ms, None);

    let kinds: Vec<(ModelKind, i64)> = report.kinds.iter().map(|k| (k.kind, k.requests)).collect();
    assert_eq!(kinds, vec![(ModelKind::Llm, 4), (ModelKind::Image, 2)]);
    assert_eq!(report.kinds[1].units.images, 2);
    assert_eq!(
        report.kinds[1].units.input_tokens, 0,
        "images are never tokens"
    );
    let options: Vec<&str> = report
        .model_options
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(options, vec!["alpha", "pics"]);

    // One model: every number narrows to it, and the chart's empty hour is zero.
    let only = fetch_report(&app, &format!("from={from}&to={to}&gran=1h&models=pics")).await;
    assert_eq!(only.kpis.requests, 2);
    assert_eq!(
        only.series.iter().map(|p| p.requests).collect::<Vec<_>>(),
        vec![0, 2]
    );
    assert_eq!(only.models.len(), 1);
    assert_eq!(only.previous.requests, 0);

    // Minute granularity reads minute cells: 120 points, three calls in the first minute.
    let minutes = fetch_report(&app, &format!("from={from}&to={to}&gran=1m")).await;
    assert_eq!(minutes.series.len(), 120);
    assert_eq!(minutes.series[0].requests, 3);
    assert_eq!(minutes.series[5].requests, 1);
    assert_eq!(minutes.series.iter().map(|p| p.requests).sum::<i64>(), 6);
}

#[tokio::test]
async fn an_invalid_filter_is_a_400_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, parameter) in [
        ("gran=7m", "gran"),
        ("range=2h", "range"),
        ("from=2026-11-20T00:00Z", "to"),
        ("from=2026-11-21T00:00Z&to=2026-11-20T00:00Z", "from"),
    ] {
        let path = format!(
            "/api/get_analytics?query={}",
            app::url_state::encode_value(query)
        );
        let response = app.get_json(&path).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            response.body.contains(parameter),
            "{query}: {}",
            response.body
        );
    }
}

#[tokio::test]
async fn the_page_renders_the_report_on_the_server() {
    let app = spawn_app().await;
    let empty = app.get("/analytics").await;
    assert!(
        empty.body.contains("No model calls recorded yet"),
        "{}",
        empty.body
    );

    let now = now_ms();
    let calls = json!([
        call("x1", "qwen-plus", now - HOUR, 200, 800),
        call("x2", "qwen-plus", now - HOUR, 503, 900)
    ]);
    assert_eq!(app.ingest(calls.to_string()).await.json()["accepted"], 2);
    let page = app.get("/analytics?range=24h&sort=p95").await;
    assert_eq!(page.status, StatusCode::OK);
    for expected in [
        r#"data-testid="kpi-requests""#,
        "50.0 %",
        r#"data-model="qwen-plus""#,
        r#"id="chart-tokens""#,
        "/logs?range=24h&amp;model=qwen-plus",
    ] {
        assert!(page.body.contains(expected), "missing {expected}");
    }
    let invalid = app.get("/analytics?range=2h").await;
    assert!(
        invalid.body.contains("range: must be one of"),
        "{}",
        invalid.body
    );
}
