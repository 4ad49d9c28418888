//! The per-model table: throughput, reliability, speed, usage and cost per model. Sorted by any
//! column through the URL (`sort`, `dir`); a model's name filters the page to it, and a link
//! opens its calls in Logs for the same time range.

use std::cmp::Ordering;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::format::{cost_coverage, count, millis, money, other_units, percent, rate};
use crate::model::{ModelRow, TimeRange};
use crate::url_state::{link, QueryParams};

/// A sortable column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelColumn {
    Model,
    Kind,
    Calls,
    RpmAvg,
    RpmPeak,
    TpmAvg,
    TpmPeak,
    Success,
    TtftAvg,
    TtftP95,
    LatencyAvg,
    LatencyP95,
    LatencyP99,
    TokensIn,
    TokensOut,
    Cost,
}

impl ModelColumn {
    pub const ALL: [ModelColumn; 16] = [
        ModelColumn::Model,
        ModelColumn::Kind,
        ModelColumn::Calls,
        ModelColumn::RpmAvg,
        ModelColumn::RpmPeak,
        ModelColumn::TpmAvg,
        ModelColumn::TpmPeak,
        ModelColumn::Success,
        ModelColumn::TtftAvg,
        ModelColumn::TtftP95,
        ModelColumn::LatencyAvg,
        ModelColumn::LatencyP95,
        ModelColumn::LatencyP99,
        ModelColumn::TokensIn,
        ModelColumn::TokensOut,
        ModelColumn::Cost,
    ];

    /// The URL form (`sort=p95`).
    pub fn key(self) -> &'static str {
        use ModelColumn::*;
        match self {
            Model => "model",
            Kind => "kind",
            Calls => "calls",
            RpmAvg => "rpm",
            RpmPeak => "rpm_peak",
            TpmAvg => "tpm",
            TpmPeak => "tpm_peak",
            Success => "success",
            TtftAvg => "ttft",
            TtftP95 => "ttft_p95",
            LatencyAvg => "latency",
            LatencyP95 => "p95",
            LatencyP99 => "p99",
            TokensIn => "tokens_in",
            TokensOut => "tokens_out",
            Cost => "cost",
        }
    }

    /// The column heading.
    pub fn title(self) -> &'static str {
        use ModelColumn::*;
        match self {
            Model => "Model",
            Kind => "Kind",
            Calls => "Calls",
            RpmAvg => "RPM avg",
            RpmPeak => "RPM peak",
            TpmAvg => "TPM avg",
            TpmPeak => "TPM peak",
            Success => "Success",
            TtftAvg => "TTFT avg",
            TtftP95 => "TTFT p95",
            LatencyAvg => "Latency avg",
            LatencyP95 => "p95",
            LatencyP99 => "p99",
            TokensIn => "Tokens in",
            TokensOut => "Tokens out",
            Cost => "Cost",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        ModelColumn::ALL
            .into_iter()
            .find(|column| column.key() == text)
    }

    fn is_text(self) -> bool {
        matches!(self, ModelColumn::Model | ModelColumn::Kind)
    }
}

/// The table's order: from `sort` and `dir` in the query, busiest first by default.
pub fn sort_from_query(query: &str) -> (ModelColumn, bool) {
    let params = QueryParams::parse(query);
    let column = params
        .get("sort")
        .and_then(ModelColumn::parse)
        .unwrap_or(ModelColumn::Calls);
    let descending = match params.get("dir") {
        Some("asc") => false,
        Some("desc") => true,
        _ => !column.is_text(),
    };
    (column, descending)
}

fn compare_numbers(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => Ordering::Equal,
    }
}

fn numeric(row: &ModelRow, column: ModelColumn) -> Option<f64> {
    use ModelColumn::*;
    match column {
        Model | Kind => None,
        Calls => Some(row.requests as f64),
        RpmAvg => Some(row.rpm_avg),
        RpmPeak => row.rpm_peak.map(|value| value as f64),
        TpmAvg => Some(row.tpm_avg),
        TpmPeak => row.tpm_peak.map(|value| value as f64),
        Success => row.success_rate,
        TtftAvg => row.ttft_avg_ms,
        TtftP95 => row.ttft_p95_ms,
        LatencyAvg => row.latency_avg_ms,
        LatencyP95 => row.latency_p95_ms,
        LatencyP99 => row.latency_p99_ms,
        TokensIn => Some(row.units.input_tokens as f64),
        TokensOut => Some(row.units.output_tokens as f64),
        Cost => row.cost,
    }
}

/// Sorts `rows` by `column`; rows without a value go last either way, ties by model name.
pub fn sort_rows(rows: &mut [ModelRow], column: ModelColumn, descending: bool) {
    rows.sort_by(|a, b| {
        let missing_last = match (numeric(a, column), numeric(b, column)) {
            (None, Some(_)) if !column.is_text() => return Ordering::Greater,
            (Some(_), None) if !column.is_text() => return Ordering::Less,
            _ => Ordering::Equal,
        };
        let order = match column {
            ModelColumn::Model => a.model.cmp(&b.model),
            ModelColumn::Kind => a.kind.as_str().cmp(b.kind.as_str()),
            _ => compare_numbers(numeric(a, column), numeric(b, column)),
        };
        let order = if descending { order.reverse() } else { order };
        missing_last.then(order).then_with(|| a.model.cmp(&b.model))
    });
}

/// The Logs tab's URL for one model over `range`, in workspace `ws` (`None`: the default).
pub fn logs_link(range: TimeRange, model: &str, ws: Option<i64>) -> String {
    crate::url_state::logs_link_for(range, ("model", model), ws)
}

fn optional(value: Option<i64>) -> String {
    value.map(count).unwrap_or_else(|| "—".to_owned())
}

/// The per-model table.
#[component]
pub fn ModelTable(
    /// The rows, in the server's order.
    rows: Vec<ModelRow>,
    /// The page's query string (without `?`): sort order and the links' other parameters.
    #[prop(into)]
    query: Signal<String>,
    /// The report's time range, for the Logs links.
    range: TimeRange,
) -> impl IntoView {
    let ws = crate::workspace::use_ws();
    let sorted = Memo::new(move |_| {
        let (column, descending) = sort_from_query(&query.get());
        let mut rows = rows.clone();
        sort_rows(&mut rows, column, descending);
        rows
    });
    let heading = move |column: ModelColumn| {
        let href = move || {
            let current = query.get();
            let (sorted_by, descending) = sort_from_query(&current);
            let next_descending = if sorted_by == column {
                !descending
            } else {
                !column.is_text()
            };
            let dir = if next_descending { "desc" } else { "asc" };
            link(
                "/analytics",
                &current,
                &[("sort", Some(column.key())), ("dir", Some(dir))],
            )
        };
        let aria_sort = move || {
            let (sorted_by, descending) = sort_from_query(&query.get());
            match (sorted_by == column, descending) {
                (false, _) => "none",
                (true, true) => "descending",
                (true, false) => "ascending",
            }
        };
        view! {
            <th scope="col" aria-sort=aria_sort class:text=column.is_text()>
                <A href=href attr:data-sort=column.key()>
                    {column.title()}
                </A>
            </th>
        }
    };
    view! {
        <div class="table-wrap">
            <table class="models" data-testid="model-table">
                <thead>
                    <tr>
                        {ModelColumn::ALL.into_iter().map(heading).collect_view()}
                        <th scope="col" class="text">"Other units"</th>
                        <th scope="col" class="text">
                            <span class="visually-hidden">"Logs"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || sorted.get()
                        key=|row| row.model.clone()
                        children=move |row| {
                            let model = row.model.clone();
                            let logs_href = logs_link(range, &row.model, ws.get_untracked());
                            let label = row.model.clone();
                            let filter_href = move || {
                                link("/analytics", &query.get(), &[("models", Some(&model))])
                            };
                            view! {
                                <tr data-model=row.model.clone()>
                                    <th scope="row" class="text">
                                        <A href=filter_href attr:title="Show only this model">
                                            {label}
                                        </A>
                                    </th>
                                    <td class="text">{row.kind.as_str()}</td>
                                    <td data-col="calls">{count(row.requests)}</td>
                                    <td>{rate(row.rpm_avg)}</td>
                                    <td>{optional(row.rpm_peak)}</td>
                                    <td>{rate(row.tpm_avg)}</td>
                                    <td>{optional(row.tpm_peak)}</td>
                                    <td data-col="success">{percent(row.success_rate)}</td>
                                    <td>{millis(row.ttft_avg_ms)}</td>
                                    <td>{millis(row.ttft_p95_ms)}</td>
                                    <td>{millis(row.latency_avg_ms)}</td>
                                    <td data-col="p95">{millis(row.latency_p95_ms)}</td>
                                    <td>{millis(row.latency_p99_ms)}</td>
                                    <td>{count(row.units.input_tokens)}</td>
                                    <td>{count(row.units.output_tokens)}</td>
                                    <td data-col="cost" title=cost_coverage(row.priced_requests, row.requests, 0).unwrap_or_default()>
                                        {money(row.cost)}
                                        {(row.priced_requests < row.requests && row.priced_requests > 0).then(|| view! {
                                            <span class="muted small">
                                                {format!(" (of {:.0} %)", (row.priced_requests as f64 / row.requests as f64 * 100.0).floor())}
                                            </span>
                                        })}
                                        {(row.priced_requests == 0).then(|| view! {
                                            <a class="small" href="/settings#prices">" set price"</a>
                                        })}
                                    </td>
                                    <td class="text">{other_units(&row.units)}</td>
                                    <td class="text">
                                        <a href=logs_href class="logs-link">
                                            "Logs →"
                                        </a>
                                    </td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ModelKind, RangePreset, UnitTotals};

    fn row(model: &str, requests: i64, p95: Option<f64>) -> ModelRow {
        ModelRow {
            model: model.to_owned(),
            kind: ModelKind::Llm,
            requests,
            success_rate: Some(1.0),
            rpm_avg: requests as f64,
            rpm_peak: None,
            tpm_avg: 0.0,
            tpm_peak: None,
            ttft_avg_ms: None,
            ttft_p95_ms: None,
            latency_avg_ms: None,
            latency_p95_ms: p95,
            latency_p99_ms: None,
            units: UnitTotals::default(),
            cost: None,
            priced_requests: 0,
        }
    }

    fn names(rows: &[ModelRow]) -> Vec<&str> {
        rows.iter().map(|row| row.model.as_str()).collect()
    }

    #[test]
    fn rows_sort_by_any_column_with_unknown_values_last() {
        let mut rows = vec![
            row("b", 5, Some(300.0)),
            row("a", 9, None),
            row("c", 1, Some(100.0)),
        ];
        sort_rows(&mut rows, ModelColumn::Calls, true);
        assert_eq!(names(&rows), vec!["a", "b", "c"]);
        sort_rows(&mut rows, ModelColumn::LatencyP95, true);
        assert_eq!(names(&rows), vec!["b", "c", "a"]);
        sort_rows(&mut rows, ModelColumn::LatencyP95, false);
        assert_eq!(names(&rows), vec!["c", "b", "a"]);
        sort_rows(&mut rows, ModelColumn::Model, false);
        assert_eq!(names(&rows), vec!["a", "b", "c"]);
    }

    #[test]
    fn the_order_comes_from_the_query_with_sensible_defaults() {
        assert_eq!(sort_from_query(""), (ModelColumn::Calls, true));
        assert_eq!(
            sort_from_query("sort=p99&dir=asc"),
            (ModelColumn::LatencyP99, false)
        );
        assert_eq!(sort_from_query("sort=model"), (ModelColumn::Model, false));
        assert_eq!(sort_from_query("sort=nonsense"), (ModelColumn::Calls, true));
        assert_eq!(
            sort_from_query("sort=p99&dir=asc&sort=model&dir=desc"),
            (ModelColumn::LatencyP99, false)
        );
        for column in ModelColumn::ALL {
            assert_eq!(ModelColumn::parse(column.key()), Some(column));
        }
    }

    #[test]
    fn logs_links_keep_the_time_range_and_name_the_model() {
        assert_eq!(
            logs_link(TimeRange::Preset(RangePreset::Last7Days), "qwen plus", None),
            "/logs?range=7d&model=qwen%20plus"
        );
        assert_eq!(
            logs_link(TimeRange::Preset(RangePreset::Last7Days), "m", Some(2)),
            "/logs?range=7d&model=m&ws=2",
            "the link stays in the page's workspace"
        );
        assert_eq!(
            logs_link(
                TimeRange::Custom {
                    from_ms: 1_763_596_800_000,
                    to_ms: 1_763_683_200_000
                },
                "m",
                None
            ),
            "/logs?from=2025-11-20T00:00Z&to=2025-11-21T00:00Z&model=m"
        );
    }
}
