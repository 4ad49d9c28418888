//! The Logs "More filters" form: user, app, key, tag, operation, kind, provider, a metadata
//! pair, the error type, and latency, TTFT or cost at least a value; and the active ones as
//! chips that each remove themselves. A GET form and links on `/logs`, so it works before the
//! wasm loads; changing a filter returns to the newest page.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::filter_bar::carried;
use crate::components::get_form::GetForm;
use crate::components::logs_filters::logs_link;
use crate::model::Dimension;
use crate::url_state::{format_micros, Narrowing};

/// Every parameter the form sets (the others are carried along).
const FIELDS: [&str; 14] = [
    "user",
    "app",
    "key",
    "tag",
    "operation",
    "kind",
    "provider",
    "meta",
    "error_type",
    "min_latency",
    "min_ttft",
    "min_cost",
    "before",
    "after",
];

/// The form and chips.
#[component]
pub fn LogsNarrowing(
    /// The page's query string (without `?`).
    #[prop(into)]
    query: Signal<String>,
    /// The narrowing in effect.
    narrowing: Narrowing,
) -> impl IntoView {
    let open = !narrowing.is_empty();
    let dimension_inputs = Dimension::ALL
        .map(|dimension| {
            let value = narrowing.value(dimension).unwrap_or_default().to_owned();
            let id = format!("filter-{}", dimension.as_str());
            view! {
                <label class="filter-label" for=id.clone()>{dimension.label()}</label>
                <input id=id name=dimension.as_str() value=value maxlength="128" size="14" />
            }
        })
        .collect_view();
    let error_type = narrowing.error_type.clone().unwrap_or_default();
    let min_cost = narrowing
        .min_cost_micros
        .map(format_micros)
        .unwrap_or_default();
    let meta = narrowing
        .metadata
        .first()
        .map(|(key, value)| format!("{key}:{value}"))
        .unwrap_or_default();
    let number = |value: Option<i64>| value.map(|value| value.to_string()).unwrap_or_default();
    let chips = chips(&narrowing)
        .into_iter()
        .map(|(label, key)| {
            let href = move || logs_link(&query.get(), &[(key, None)]);
            view! {
                <A href=href attr:class="chip" attr:title="Remove this filter">
                    {label} " ×"
                </A>
            }
        })
        .collect_view();
    view! {
        <div class="filter-group chips" role="group" aria-label="Active filters" data-testid="active-filters">
            {chips}
        </div>
        <details class="more-filters" open=open>
            <summary>"More filters"</summary>
            <GetForm action="/logs">
                {move || carried(&query.get(), &FIELDS)}
                <div class="filter-grid">
                    {dimension_inputs}
                    <label class="filter-label" for="filter-meta">"Metadata"</label>
                    <input id="filter-meta" name="meta" value=meta placeholder="key:value" maxlength="257" size="14" />
                    <label class="filter-label" for="filter-error-type">"Error type"</label>
                    <input id="filter-error-type" name="error_type" value=error_type maxlength="128" size="14" />
                    <label class="filter-label" for="filter-min-latency">"Latency ≥ ms"</label>
                    <input id="filter-min-latency" name="min_latency" value=number(narrowing.min_latency_ms) inputmode="numeric" pattern="[0-9]{0,8}" size="8" />
                    <label class="filter-label" for="filter-min-ttft">"TTFT ≥ ms"</label>
                    <input id="filter-min-ttft" name="min_ttft" value=number(narrowing.min_ttft_ms) inputmode="numeric" pattern="[0-9]{0,8}" size="8" />
                    <label class="filter-label" for="filter-min-cost">"Cost ≥ USD"</label>
                    <input id="filter-min-cost" name="min_cost" value=min_cost inputmode="decimal" size="8" />
                </div>
                <button type="submit" class="primary">"Apply"</button>
            </GetForm>
        </details>
    }
}

/// Each active filter's label and the parameter that removes it.
fn chips(narrowing: &Narrowing) -> Vec<(String, &'static str)> {
    let mut chips: Vec<(String, &'static str)> = narrowing
        .dimensions
        .iter()
        .map(|(dimension, value)| {
            (
                format!("{} = {value}", dimension.label()),
                dimension.as_str(),
            )
        })
        .collect();
    for (key, value) in &narrowing.metadata {
        chips.push((format!("{key} = {value}"), "meta"));
    }
    if let Some(error_type) = &narrowing.error_type {
        chips.push((format!("error = {error_type}"), "error_type"));
    }
    if let Some(ms) = narrowing.min_latency_ms {
        chips.push((format!("latency ≥ {ms} ms"), "min_latency"));
    }
    if let Some(ms) = narrowing.min_ttft_ms {
        chips.push((format!("TTFT ≥ {ms} ms"), "min_ttft"));
    }
    if let Some(micros) = narrowing.min_cost_micros {
        chips.push((format!("cost ≥ ${}", format_micros(micros)), "min_cost"));
    }
    chips
}
