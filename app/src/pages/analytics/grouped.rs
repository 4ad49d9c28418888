//! The grouped part of the Analytics page (`group=`): calls, tokens and cost stacked by the top
//! groups and "other", and the per-group table.

use leptos::prelude::*;

use crate::charts::{group_chart, GroupMeasure};
use crate::components::chart::ChartBox;
use crate::components::group_table::GroupTable;
use crate::model::GroupReport;

/// Charts and table of a grouped report.
#[component]
pub fn Grouped(
    /// The grouped report.
    report: GroupReport,
    /// The page's workspace, kept in links.
    ws: Option<i64>,
) -> impl IntoView {
    let label = report.dimension.label().to_lowercase();
    let gran = report.granularity;
    let chart = |id: &'static str, title: String, measure: GroupMeasure| {
        let chart = group_chart(&report.series, gran, measure);
        view! {
            <figure class="panel">
                <figcaption>{title.clone()}</figcaption>
                <ChartBox id label=title chart />
            </figure>
        }
    };
    view! {
        <section class="charts grouped-charts">
            {chart("chart-group-requests", format!("Calls by {label}"), GroupMeasure::Requests)}
            {chart("chart-group-tokens", format!("Tokens by {label}"), GroupMeasure::Tokens)}
            {chart("chart-group-cost", format!("Cost by {label}"), GroupMeasure::Cost)}
            <noscript>
                <p class="muted">"Charts are drawn in the browser; enable JavaScript to see them."</p>
            </noscript>
        </section>
        <GroupTable report ws />
    }
}
