//! The Logs filter bar: time range (presets and a custom UTC range), models, status and request
//! ID, and the export links. Every control is a link or a GET form on `/logs`, so each change
//! is a new URL that works before the wasm loads; changing a filter returns to the newest page.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::custom_range::CustomRange;
use crate::components::filter_bar::carried;
use crate::components::get_form::GetForm;
use crate::components::logs_narrowing::LogsNarrowing;
use crate::components::model_picker::ModelPicker;
use crate::model::{ModelOption, RangePreset, TimeRange};
use crate::url_state::{link, LogsFilter};

/// Parameters that only say where the user is, not what is filtered.
const POSITION: [(&str, Option<&str>); 4] = [
    ("before", None),
    ("after", None),
    ("id", None),
    ("view", None),
];

/// `/logs` with `changes` applied to `query`, back on the newest page.
pub fn logs_link(query: &str, changes: &[(&str, Option<&str>)]) -> String {
    let mut all: Vec<(&str, Option<&str>)> = POSITION.to_vec();
    all.extend_from_slice(changes);
    link("/logs", query, &all)
}

/// The filter bar of the Logs tab.
#[component]
pub fn LogsFilterBar(
    /// The page's query string (without `?`).
    #[prop(into)]
    query: Signal<String>,
    /// The filter it parses to.
    filter: LogsFilter,
    /// Models offered in the model filter.
    models: Vec<ModelOption>,
    /// The range the page searched, to prefill the custom range.
    answered: (i64, i64),
) -> impl IntoView {
    let current_range = filter.range;
    let preset_link = move |preset: RangePreset| {
        let active = current_range == TimeRange::Preset(preset);
        let href = move || {
            logs_link(
                &query.get(),
                &[
                    ("range", Some(preset.as_str())),
                    ("from", None),
                    ("to", None),
                ],
            )
        };
        view! {
            <A href=href attr:class=if active { "seg active" } else { "seg" } attr:aria-current=active.then_some("true")>
                {preset.as_str()}
            </A>
        }
    };
    let custom = matches!(current_range, TimeRange::Custom { .. });
    let status = filter
        .status
        .map(|status| status.as_param())
        .unwrap_or_default();
    let request_id = filter
        .request_id
        .as_ref()
        .map(|filter| filter.as_param())
        .unwrap_or_default();
    // The export reads the same workspace as the page.
    let export_query = crate::workspace::keep_ws(filter.filter_query(), &query.get_untracked());
    let export_href = move |format: &str| {
        link(
            "/api/v1/logs/export",
            &export_query,
            &[("format", Some(format))],
        )
    };

    view! {
        <section class="filters" aria-label="Filters">
            <div class="filter-group" role="group" aria-label="Time range">
                <span class="filter-label">"Range"</span>
                {RangePreset::ALL.into_iter().map(preset_link).collect_view()}
                <CustomRange action="/logs" except=&["range", "from", "to", "before", "after", "id", "view"] query active=custom answered />
            </div>
            <div class="filter-group" role="group" aria-label="Models">
                <ModelPicker
                    action="/logs"
                    field="model"
                    except=&["model", "models", "before", "after", "id", "view"]
                    query
                    models
                    chosen=filter.models.clone()
                    all_href=Signal::derive(move || logs_link(&query.get(), &[("model", None), ("models", None)]))
                />
            </div>
            <GetForm action="/logs">
                {move || carried(&query.get(), &["status", "request_id", "before", "after", "id", "view"])}
                <div class="filter-group" role="group" aria-label="Status and request ID">
                    <label class="filter-label" for="status-filter">"Status"</label>
                    <input
                        id="status-filter"
                        class="narrow"
                        name="status"
                        value=status
                        placeholder="429 or 5xx"
                        pattern="[1-5]([0-9][0-9]|[xX][xX])"
                        title="An HTTP status such as 429, or a class such as 4xx"
                        size="7"
                    />
                    <label class="filter-label" for="request-id-filter">"Request ID"</label>
                    <input
                        id="request-id-filter"
                        name="request_id"
                        value=request_id
                        placeholder="exact ID, or prefix*"
                        maxlength="129"
                        size="24"
                    />
                    <button type="submit" class="primary">"Filter"</button>
                </div>
            </GetForm>
            <LogsNarrowing query narrowing=filter.narrowing.clone() />
            <div class="filter-group export" role="group" aria-label="Export">
                <span class="filter-label">"Export"</span>
                <a class="seg" href=export_href("csv") download="" rel="external" data-testid="export-csv">"CSV"</a>
                <a class="seg" href=export_href("jsonl") download="" rel="external" data-testid="export-jsonl">"JSON Lines"</a>
            </div>
        </section>
    }
}
