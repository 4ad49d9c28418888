//! The Analytics filter bar: time range (presets and a custom UTC range), granularity, models
//! and auto-refresh. Every control is a link or a GET form on the page's own URL, so each
//! change is a new URL, works before the wasm loads and, once hydrated, navigates in place.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::custom_range::CustomRange;
use crate::components::group_by::GroupBy;
use crate::components::model_picker::ModelPicker;

use crate::model::{Granularity, ModelOption, RangePreset, TimeRange};
use crate::url_state::{link, query_pairs, AnalyticsFilter, QueryParams};

/// Auto-refresh choices: URL value, label, seconds.
pub const REFRESH_CHOICES: [(&str, &str, u64); 3] = [
    ("10s", "10 s", 10),
    ("30s", "30 s", 30),
    ("1m", "1 min", 60),
];

/// The refresh interval in the query (`refresh=30s`); `None` when off or unknown.
pub fn refresh_seconds(query: &str) -> Option<u64> {
    let value = current_refresh(query);
    REFRESH_CHOICES
        .iter()
        .find(|(key, _, _)| *key == value)
        .map(|(_, _, seconds)| *seconds)
}

/// The `refresh` parameter as written (empty when absent).
fn current_refresh(query: &str) -> String {
    QueryParams::parse(query)
        .get("refresh")
        .unwrap_or_default()
        .to_owned()
}

fn page_link(query: &str, changes: &[(&str, Option<&str>)]) -> String {
    link("/analytics", query, changes)
}

/// Hidden inputs carrying every parameter of `query` except `except`, so a form changes only
/// its own parameters.
pub fn carried(query: &str, except: &'static [&'static str]) -> impl IntoView {
    query_pairs(query)
        .into_iter()
        .filter(|(key, _)| !except.contains(&key.as_str()))
        .map(|(key, value)| view! { <input type="hidden" name=key value=value /> })
        .collect_view()
}

/// The filter bar.
#[component]
pub fn FilterBar(
    /// The page's query string (without `?`).
    #[prop(into)]
    query: Signal<String>,
    /// The filter it parses to.
    filter: AnalyticsFilter,
    /// Models offered in the model filter.
    models: Vec<ModelOption>,
    /// The range the report answered, to prefill the custom range.
    answered: (i64, i64),
) -> impl IntoView {
    let current_range = filter.range;
    let gran = filter.effective_granularity();
    let span = filter.range.span_ms();

    let preset_link = move |preset: RangePreset| {
        let active = current_range == TimeRange::Preset(preset);
        let href = move || {
            let current = query.get();
            // Keep the chosen granularity only where the new range offers it.
            let keep = filter_gran(&current)
                .filter(|gran| Granularity::choices_for(preset.span_ms()).contains(gran))
                .map(Granularity::as_str);
            page_link(
                &current,
                &[
                    ("range", Some(preset.as_str())),
                    ("from", None),
                    ("to", None),
                    ("gran", keep),
                ],
            )
        };
        view! {
            <A href=href attr:class=if active { "seg active" } else { "seg" } attr:aria-current=active.then_some("true")>
                {preset.as_str()}
            </A>
        }
    };
    let gran_link = move |choice: Granularity| {
        let active = choice == gran;
        let href = move || page_link(&query.get(), &[("gran", Some(choice.as_str()))]);
        view! {
            <A href=href attr:class=if active { "seg active" } else { "seg" } attr:aria-current=active.then_some("true")>
                {choice.as_str()}
            </A>
        }
    };
    let refresh_link = move |(value, label, _): (&'static str, &'static str, u64)| {
        let active = move || current_refresh(&query.get()) == value;
        let href = move || page_link(&query.get(), &[("refresh", Some(value))]);
        view! {
            <A href=href attr:class=move || if active() { "seg active" } else { "seg" }>
                {label}
            </A>
        }
    };
    let refresh_off_class = move || {
        if refresh_seconds(&query.get()).is_none() {
            "seg active"
        } else {
            "seg"
        }
    };

    let custom = matches!(current_range, TimeRange::Custom { .. });

    view! {
        <section class="filters" aria-label="Filters">
            <div class="filter-group" role="group" aria-label="Time range">
                <span class="filter-label">"Range"</span>
                {RangePreset::ALL.into_iter().map(preset_link).collect_view()}
                <CustomRange action="/analytics" except=&["range", "from", "to", "gran"] query active=custom answered />
            </div>
            <div class="filter-group" role="group" aria-label="Granularity">
                <span class="filter-label">"Every"</span>
                {Granularity::choices_for(span).into_iter().map(gran_link).collect_view()}
            </div>
            <div class="filter-group" role="group" aria-label="Models">
                <ModelPicker
                    action="/analytics"
                    field="models"
                    except=&["models"]
                    query
                    models
                    chosen=filter.models.clone()
                    all_href=Signal::derive(move || page_link(&query.get(), &[("models", None)]))
                />
            </div>
            <GroupBy query group=filter.group sort=filter.group_sort />
            <div class="filter-group" role="group" aria-label="Auto-refresh">
                <span class="filter-label">"Refresh"</span>
                <A href=move || page_link(&query.get(), &[("refresh", None)]) attr:class=refresh_off_class>
                    "Off"
                </A>
                {REFRESH_CHOICES.into_iter().map(refresh_link).collect_view()}
            </div>
        </section>
    }
}

fn filter_gran(query: &str) -> Option<Granularity> {
    AnalyticsFilter::from_query(query)
        .ok()
        .and_then(|filter| filter.granularity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_comes_from_the_query() {
        assert_eq!(refresh_seconds(""), None);
        assert_eq!(refresh_seconds("range=1h&refresh=30s"), Some(30));
        assert_eq!(refresh_seconds("refresh=1m"), Some(60));
        assert_eq!(refresh_seconds("refresh=5s"), None);
        assert_eq!(refresh_seconds("refresh=10s&refresh=1m"), Some(10));
    }
}
