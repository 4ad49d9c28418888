//! The grouped Analytics table: per user, app, key, tag, ... the calls, errors, tokens, cost
//! (with what it covers), latency and TTFT, throughput and other units; ranked on the server
//! (`by=`), the rest summed in an "other" row. A group's name opens its calls in Logs.

use leptos::prelude::*;

use crate::format::{cost_coverage, count, millis, money, other_units, percent, rate, utc_minute};
use crate::model::{Dimension, GroupReport, GroupRow, TimeRange};
use crate::url_state::logs_link_for;

/// The table of `report`.
#[component]
pub fn GroupTable(
    /// The grouped report.
    report: GroupReport,
    /// The workspace of the page, kept in links.
    ws: Option<i64>,
) -> impl IntoView {
    let dimension = report.dimension;
    let range = TimeRange::Custom {
        from_ms: report.from_ms,
        to_ms: report.to_ms,
    };
    let widened = if dimension.daily_only() {
        "whole UTC days"
    } else {
        "whole UTC hours"
    };
    let rows = report
        .rows
        .into_iter()
        .map(|row| group_row(dimension, row, range, ws))
        .collect_view();
    let other = report.other.map(|row| group_row(dimension, row, range, ws));
    let shown = report.groups.min(crate::model::MAX_GROUP_ROWS as i64);
    view! {
        <section class="panel wide" aria-label=format!("By {}", dimension.label())>
            <h2>{format!("By {}", dimension.label().to_lowercase())}</h2>
            <p class="muted small" data-testid="group-range">
                {format!(
                    "{} of {} {}s, ranked by {} · {} – {} ({widened}: these cells are kept per hour or day)",
                    count(shown),
                    count(report.groups),
                    dimension.label().to_lowercase(),
                    report.sort.label().to_lowercase(),
                    utc_minute(report.from_ms),
                    utc_minute(report.to_ms),
                )}
            </p>
            <div class="table-wrap">
                <table class="models groups" data-testid="group-table">
                    <thead>
                        <tr>
                            <th scope="col" class="text">{dimension.label()}</th>
                            <th scope="col">"Calls"</th>
                            <th scope="col">"Errors"</th>
                            <th scope="col">"Success"</th>
                            <th scope="col">"Tokens in"</th>
                            <th scope="col">"Tokens out"</th>
                            <th scope="col">"Cost"</th>
                            <th scope="col">"Latency avg"</th>
                            <th scope="col">"p50"</th>
                            <th scope="col">"p95"</th>
                            <th scope="col">"p99"</th>
                            <th scope="col">"TTFT avg"</th>
                            <th scope="col">"TTFT p95"</th>
                            <th scope="col">"RPM"</th>
                            <th scope="col">"TPM"</th>
                            <th scope="col" class="text">"Other units"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}{other}</tbody>
                </table>
            </div>
        </section>
    }
}

fn group_row(
    dimension: Dimension,
    row: GroupRow,
    range: TimeRange,
    ws: Option<i64>,
) -> impl IntoView {
    let name = match &row.value {
        Some(value) => {
            let href = logs_link_for(range, (dimension.as_str(), value), ws);
            view! { <a href=href title="Open these calls in Logs">{value.clone()}</a> }.into_any()
        }
        None => view! { <span class="muted">"other"</span> }.into_any(),
    };
    let coverage = cost_coverage(row.priced_requests, row.requests, 0).unwrap_or_default();
    view! {
        <tr data-group=row.value.clone().unwrap_or_default()>
            <th scope="row" class="text">{name}</th>
            <td data-col="calls">{count(row.requests)}</td>
            <td data-col="errors">{count(row.errors)}</td>
            <td>{percent(row.success_rate)}</td>
            <td>{count(row.units.input_tokens)}</td>
            <td>{count(row.units.output_tokens)}</td>
            <td data-col="cost" title=coverage>
                {money(row.cost)}
                {(row.priced_requests < row.requests).then(|| view! {
                    <span class="muted small">
                        {format!(" (of {:.0} %)", (row.priced_requests as f64 / row.requests.max(1) as f64 * 100.0).floor())}
                    </span>
                })}
            </td>
            <td>{millis(row.latency_avg_ms)}</td>
            <td>{millis(row.latency_p50_ms)}</td>
            <td>{millis(row.latency_p95_ms)}</td>
            <td>{millis(row.latency_p99_ms)}</td>
            <td>{millis(row.ttft_avg_ms)}</td>
            <td>{millis(row.ttft_p95_ms)}</td>
            <td>{rate(row.rpm_avg)}</td>
            <td>{rate(row.tpm_avg)}</td>
            <td class="text">{other_units(&row.units)}</td>
        </tr>
    }
}
