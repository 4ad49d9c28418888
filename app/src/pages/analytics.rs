//! The Analytics page: usage, latency and reliability of every model over time. The URL's
//! query string is the whole state; the report is one server function call keyed on it.

use leptos::prelude::*;
use leptos_meta::Title;

mod grouped;

use crate::api::{get_analytics, AppError};
use crate::charts::{latency_chart, requests_chart, tokens_chart};
use crate::components::chart::ChartBox;
use crate::components::empty_state::EmptyState;
use crate::components::error_note::ErrorState;
use crate::components::filter_bar::{refresh_seconds, FilterBar};
use crate::components::kind_usage::KindUsageCards;
use crate::components::kpi_card::KpiCard;
use crate::components::model_table::ModelTable;
use crate::format::{
    cost_coverage, count, millis, money, percent, point_change, relative_change, utc_clock,
    utc_minute, Polarity,
};
use crate::hooks::{use_query, use_query_resource};
use crate::model::AnalyticsReport;
use crate::url_state::{link, AnalyticsFilter};
use crate::workspace::use_ws;
use leptos_router::components::A;

/// `/analytics`
#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let query = use_query();
    // Sorting or refresh settings change the URL without fetching again.
    let report = use_query_resource::<AnalyticsFilter, _, _>(query, get_analytics);
    auto_refresh(query, report);
    let pending = RwSignal::new(false);

    view! {
        <Title text="Analytics" />
        <div class="page-head">
            <h1>"Analytics"</h1>
            <span class="muted refreshing" class:visible=move || pending.get() role="status">
                "Refreshing…"
            </span>
        </div>
        <Transition
            fallback=|| view! { <p class="loading" role="status">"Loading analytics…"</p> }
            set_pending=pending.write_only()
        >
            {move || Suspend::new(async move {
                match report.await {
                    Ok(report) => view! { <Report report query /> }.into_any(),
                    Err(error) => view! {
                        <ErrorState
                            title="This view could not be loaded"
                            error
                            reset="/analytics"
                            testid="analytics-error"
                        />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// Refetches `report` every few seconds while the URL asks for it (`refresh=10s|30s|1m`).
fn auto_refresh(query: Memo<String>, report: Resource<Result<AnalyticsReport, AppError>>) {
    let seconds = Memo::new(move |_| refresh_seconds(&query.get()));
    let timer: StoredValue<Option<IntervalHandle>> = StoredValue::new(None);
    let stop = move || {
        if let Some(handle) = timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    Effect::new(move |_| {
        stop();
        if let Some(seconds) = seconds.get() {
            let handle = set_interval_with_handle(
                move || report.refetch(),
                std::time::Duration::from_secs(seconds),
            );
            if let Ok(handle) = handle {
                timer.set_value(Some(handle));
            }
        }
    });
    on_cleanup(stop);
}

/// Everything below the page title for one report.
#[component]
fn Report(report: AnalyticsReport, query: Memo<String>) -> impl IntoView {
    let filter = AnalyticsFilter::from_query(&query.get_untracked()).unwrap_or_default();
    let range = filter.range;
    let bar = view! {
        <FilterBar
            query
            filter=filter.clone()
            models=report.model_options.clone()
            answered=(report.from_ms, report.to_ms)
        />
    };
    let period = view! {
        <p class="period muted" data-testid="period">
            {format!("{} – {}", utc_minute(report.from_ms), utc_minute(report.to_ms))}
            " · "
            <span data-testid="last-updated">{format!("Updated {}", utc_clock(report.generated_at_ms))}</span>
        </p>
    };
    // Where a key is created and shown with snippets to paste, in this workspace.
    let connect = format!(
        "{}#connect",
        crate::workspace::ws_path(
            "/settings",
            crate::url_state::workspace_param(&query.get_untracked())
                .ok()
                .flatten()
        )
    );
    if report.model_options.is_empty() {
        return view! {
            {bar}
            <EmptyState title="No model calls recorded yet">
                <p>
                    "Tokens, requests, latency, time to first token and success rate per model will "
                    "appear here as soon as this workspace receives its first model calls "
                    "(POST /api/v1/requests)."
                </p>
                <p>
                    <a href=connect data-testid="connect-app">"Connect an app"</a>
                    ": create a key in Settings and paste one of its snippets (curl, the OpenAI SDK, "
                    "OpenTelemetry)."
                </p>
            </EmptyState>
        }
        .into_any();
    }
    if report.kpis.requests == 0 {
        return view! {
            {bar}
            {period}
            <EmptyState title="No calls in this range">
                <p>
                    "No model call matches these filters between "
                    {utc_minute(report.from_ms)} " and " {utc_minute(report.to_ms)}
                    ". Choose a longer range or "
                    <a href="/analytics">"show all models"</a> "."
                </p>
                <p>
                    "Expecting calls from an app? "
                    <a href=connect data-testid="connect-app">"Connect an app"</a>
                    ": create a key in Settings and paste one of its snippets."
                </p>
            </EmptyState>
        }
        .into_any();
    }
    let (now, before) = (&report.kpis, &report.previous);
    let unpriced_models = report
        .models
        .iter()
        .filter(|row| row.priced_requests < row.requests)
        .count();
    let coverage = cost_coverage(now.priced_requests, now.requests, unpriced_models);
    let spenders_href = move || {
        link(
            "/analytics",
            &query.get(),
            &[("group", Some("user")), ("by", Some("cost"))],
        )
    };
    let as_f64 = |value: i64| Some(value as f64);
    let cards = view! {
        <section class="kpis" aria-label="Key numbers">
            <KpiCard
                label="Total tokens"
                value=count(now.total_tokens)
                previous=count(before.total_tokens)
                change=relative_change(as_f64(now.total_tokens), as_f64(before.total_tokens), Polarity::Neutral)
            />
            <KpiCard
                label="Requests"
                value=count(now.requests)
                previous=count(before.requests)
                change=relative_change(as_f64(now.requests), as_f64(before.requests), Polarity::Neutral)
            />
            <KpiCard
                label="Average latency"
                value=millis(now.avg_latency_ms)
                previous=millis(before.avg_latency_ms)
                change=relative_change(now.avg_latency_ms, before.avg_latency_ms, Polarity::LowerIsBetter)
            />
            <KpiCard
                label="Success rate"
                value=percent(now.success_rate)
                previous=percent(before.success_rate)
                change=point_change(now.success_rate, before.success_rate, Polarity::HigherIsBetter)
            />
            <KpiCard
                label="p95 latency"
                value=millis(now.p95_latency_ms)
                previous=millis(before.p95_latency_ms)
                change=relative_change(now.p95_latency_ms, before.p95_latency_ms, Polarity::LowerIsBetter)
            />
            <KpiCard
                label="Average TTFT"
                value=millis(now.avg_ttft_ms)
                previous=millis(before.avg_ttft_ms)
                change=relative_change(now.avg_ttft_ms, before.avg_ttft_ms, Polarity::LowerIsBetter)
            />
            <KpiCard
                label="Cost"
                value=money(now.cost)
                previous=money(before.cost)
                change=relative_change(now.cost, before.cost, Polarity::Neutral)
            >
                {coverage.map(|text| view! {
                    <a href="/settings#prices" data-testid="cost-coverage">{text}</a>
                })}
                " · "
                <A href=spenders_href attr:data-testid="top-spenders">"Top spenders →"</A>
            </KpiCard>
        </section>
    };
    let gran = report.granularity;
    if let Some(groups) = report.groups.clone() {
        return view! {
            {bar}
            {period}
            {cards}
            <grouped::Grouped report=groups ws=use_ws().get_untracked() />
            <KindUsageCards kinds=report.kinds.clone() />
        }
        .into_any();
    }
    view! {
        {bar}
        {period}
        {cards}
        <section class="charts">
            <figure class="panel wide">
                <figcaption>"Tokens Analysis"</figcaption>
                <ChartBox
                    id="chart-tokens"
                    label="Input and output tokens over time"
                    chart=tokens_chart(&report.series, gran)
                />
            </figure>
            <figure class="panel">
                <figcaption>"Requests and errors"</figcaption>
                <ChartBox
                    id="chart-requests"
                    label="Requests over time by outcome"
                    chart=requests_chart(&report.series, gran)
                />
            </figure>
            <LatencyFigure series=report.series.clone() gran query />
            <noscript>
                <p class="muted">"Charts are drawn in the browser; enable JavaScript to see them."</p>
            </noscript>
        </section>
        <KindUsageCards kinds=report.kinds.clone() />
        <section class="panel" aria-label="Per-model table">
            <h2>"Models"</h2>
            <ModelTable rows=report.models.clone() query range />
        </section>
    }
    .into_any()
}

/// The latency percentiles, on a linear axis or (`latency=log` in the URL) a logarithmic one,
/// so minutes-long media generations do not flatten seconds-long chat calls onto zero.
#[component]
fn LatencyFigure(
    series: Vec<crate::model::SeriesPoint>,
    gran: crate::model::Granularity,
    query: Memo<String>,
) -> impl IntoView {
    let log = Memo::new(move |_| {
        crate::url_state::QueryParams::parse(&query.get()).get("latency") == Some("log")
    });
    let toggle = move || {
        let next = (!log.get()).then_some("log");
        link("/analytics", &query.get(), &[("latency", next)])
    };
    view! {
        <figure class="panel">
            <figcaption class="figure-head">
                "Latency percentiles"
                <A href=toggle attr:class="chip" attr:data-testid="latency-axis">
                    {move || if log.get() { "linear axis" } else { "log axis" }}
                </A>
            </figcaption>
            {move || {
                let chart = latency_chart(&series, gran, log.get());
                view! {
                    <ChartBox id="chart-latency" label="Latency p50, p95 and p99 over time" chart />
                }
            }}
        </figure>
    }
}
