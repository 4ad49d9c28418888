//! The alert rule editor: every field of a rule, checked as you type with the same code the
//! server runs on save (`RuleDraft::validate`).

use leptos::prelude::*;

use crate::api::AppError;
use crate::components::error_note::ErrorNote;
use crate::model::{AlertChannel, Comparator, Dimension, Metric, RuleDraft, Severity};

mod labelled;
use labelled::{Labelled, Shown};

/// A draft for a new rule (see [`RuleDraft::new_rule`]).
pub fn new_draft() -> RuleDraft {
    RuleDraft::new_rule()
}

/// A text input bound to one field of `draft`.
fn text_input(
    draft: RwSignal<RuleDraft>,
    field: &'static str,
    get: fn(&RuleDraft) -> String,
    set: fn(&mut RuleDraft, String),
) -> impl IntoView {
    view! {
        <input
            name=field
            prop:value=move || draft.with(get)
            on:input=move |event| {
                let value = event_target_value(&event);
                draft.update(|draft| set(draft, value));
            }
        />
    }
}

/// A select bound to one field of `draft`.
fn select_input(
    draft: RwSignal<RuleDraft>,
    field: &'static str,
    options: Vec<(String, String)>,
    get: fn(&RuleDraft) -> String,
    set: fn(&mut RuleDraft, String),
) -> impl IntoView {
    view! {
        <select
            name=field
            prop:value=move || draft.with(get)
            on:change=move |event| {
                let value = event_target_value(&event);
                draft.update(|draft| set(draft, value));
            }
        >
            {options
                .into_iter()
                .map(|(value, label)| {
                    let selected_value = value.clone();
                    view! {
                        <option value=value selected=move || draft.with(get) == selected_value>
                            {label}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(value, label)| ((*value).to_owned(), (*label).to_owned()))
        .collect()
}

/// The editor. `on_save` is called with a draft that passed validation.
#[component]
pub fn RuleEditor(
    /// The fields being edited.
    draft: RwSignal<RuleDraft>,
    /// The rule being edited (`None`: a new rule).
    #[prop(into)]
    editing: Signal<Option<i64>>,
    /// Saves the draft.
    on_save: Callback<RuleDraft>,
    /// Starts over with a new rule.
    on_cancel: Callback<()>,
    /// Why the last save failed, if it did.
    #[prop(into)]
    save_error: Signal<Option<AppError>>,
    /// The webhook channels a rule may notify.
    #[prop(into)]
    channels: Signal<Vec<AlertChannel>>,
) -> impl IntoView {
    let problems =
        Memo::new(move |_| draft.with(|draft| draft.validate().err().unwrap_or_default()));
    let shown = Shown::new();
    // Another rule (or a new one) starts with nothing shown.
    Effect::watch(move || editing.get(), move |_, _, _| shown.reset(), false);
    let metrics: Vec<(String, String)> = Metric::ALL
        .iter()
        .map(|metric| (metric.as_str().to_owned(), metric.label().to_owned()))
        .collect();
    let comparators: Vec<(String, String)> = Comparator::ALL
        .iter()
        .map(|comparator| {
            (
                comparator.as_str().to_owned(),
                comparator.as_str().to_owned(),
            )
        })
        .collect();
    let severities: Vec<(String, String)> = Severity::ALL
        .iter()
        .map(|severity| (severity.as_str().to_owned(), severity.as_str().to_owned()))
        .collect();
    let is_status = move || draft.with(|draft| draft.metric == Metric::StatusCount.as_str());
    let is_cost = move || draft.with(|draft| draft.metric == Metric::Cost.as_str());
    let is_models = move || draft.with(|draft| draft.scope == "models");
    let has_dimension = move || draft.with(|draft| !draft.dimension.is_empty());
    let dimensions: Vec<(String, String)> =
        std::iter::once((String::new(), "every call".to_owned()))
            .chain(Dimension::ALL.map(|dimension| {
                (
                    dimension.as_str().to_owned(),
                    format!("one {}", dimension.label().to_lowercase()),
                )
            }))
            .collect();
    let is_baseline = move || draft.with(|draft| draft.condition == "baseline");
    let title = move || match editing.get() {
        Some(_) => "Edit rule",
        None => "New rule",
    };
    view! {
        <section class="panel rule-editor" data-testid="rule-editor" aria-label="Rule editor">
            <h2>{title}</h2>
            <form on:submit=move |event| {
                event.prevent_default();
                if problems.with(Vec::is_empty) {
                    shown.reset();
                    on_save.run(draft.get());
                } else {
                    shown.all.set(true);
                }
            }>
                <div class="editor-grid">
                    <Labelled field="name" label="Name" problems shown>
                        {text_input(draft, "name", |d| d.name.clone(), |d, v| d.name = v)}
                    </Labelled>
                    <Labelled field="metric" label="Metric" problems shown>
                        {select_input(draft, "metric", metrics, |d| d.metric.clone(), |d, v| d.metric = v)}
                    </Labelled>
                    <Show when=is_cost>
                        <p class="muted small wide-note" data-testid="cost-rule-note">
                            "Cost counts the calls whose price is known; each notification says what share of calls that was. "
                            <a href="/settings#prices">"Prices"</a>
                        </p>
                    </Show>
                    <Show when=is_status>
                        <Labelled field="status" label="Status (429 or 5xx)" problems shown>
                            {text_input(draft, "status", |d| d.status.clone(), |d, v| d.status = v)}
                        </Labelled>
                    </Show>
                    <Labelled field="scope" label="Scope" problems shown>
                        {select_input(
                            draft,
                            "scope",
                            pairs(&[("all", "All models together"), ("models", "Chosen models"), ("each", "Each model separately")]),
                            |d| d.scope.clone(),
                            |d, v| d.scope = v,
                        )}
                    </Labelled>
                    <Show when=is_models>
                        <Labelled field="models" label="Models (comma-separated)" problems shown>
                            {text_input(draft, "models", |d| d.models.clone(), |d, v| d.models = v)}
                        </Labelled>
                    </Show>
                    <Labelled field="dimension" label="Only the calls of" problems shown>
                        {select_input(
                            draft,
                            "dimension",
                            dimensions.clone(),
                            |d| d.dimension.clone(),
                            |d, v| d.dimension = v,
                        )}
                    </Labelled>
                    <Show when=has_dimension>
                        <Labelled field="dimension_value" label="Value (a user, app, tag, ...)" problems shown>
                            {text_input(draft, "dimension_value", |d| d.dimension_value.clone(), |d, v| d.dimension_value = v)}
                        </Labelled>
                    </Show>
                    <Labelled field="condition" label="Condition" problems shown>
                        {select_input(
                            draft,
                            "condition",
                            pairs(&[("threshold", "Against a threshold"), ("baseline", "Change against an earlier window")]),
                            |d| d.condition.clone(),
                            |d, v| d.condition = v,
                        )}
                    </Labelled>
                    <Show
                        when=is_baseline
                        fallback=move || {
                            let comparators = comparators.clone();
                            view! {
                                <Labelled field="comparator" label="Comparator" problems shown>
                                    {select_input(draft, "comparator", comparators, |d| d.comparator.clone(), |d, v| d.comparator = v)}
                                </Labelled>
                                <Labelled field="threshold" label="Threshold" problems shown>
                                    {text_input(draft, "threshold", |d| d.threshold.clone(), |d, v| d.threshold = v)}
                                </Labelled>
                            }
                        }
                    >
                        <Labelled field="direction" label="Direction" problems shown>
                            {select_input(
                                draft,
                                "direction",
                                pairs(&[("up", "Rises"), ("down", "Falls"), ("either", "Rises or falls")]),
                                |d| d.direction.clone(),
                                |d, v| d.direction = v,
                            )}
                        </Labelled>
                        <Labelled field="percent" label="By more than (%)" problems shown>
                            {text_input(draft, "percent", |d| d.percent.clone(), |d, v| d.percent = v)}
                        </Labelled>
                        <Labelled field="offset" label="Compared with" problems shown>
                            {select_input(
                                draft,
                                "offset",
                                pairs(&[("day", "The same window a day earlier"), ("week", "The same window a week earlier")]),
                                |d| d.offset.clone(),
                                |d, v| d.offset = v,
                            )}
                        </Labelled>
                        <Labelled field="min_baseline" label="Ignore baselines below" problems shown>
                            {text_input(draft, "min_baseline", |d| d.min_baseline.clone(), |d, v| d.min_baseline = v)}
                        </Labelled>
                    </Show>
                    <Labelled field="window_minutes" label="Window (minutes, 1 to 1,440)" problems shown>
                        {text_input(draft, "window_minutes", |d| d.window_minutes.clone(), |d, v| d.window_minutes = v)}
                    </Labelled>
                    <Labelled field="consecutive" label="Breaching evaluations before firing" problems shown>
                        {text_input(draft, "consecutive", |d| d.consecutive.clone(), |d, v| d.consecutive = v)}
                    </Labelled>
                    <Labelled field="min_requests" label="Minimum requests in the window" problems shown>
                        {text_input(draft, "min_requests", |d| d.min_requests.clone(), |d, v| d.min_requests = v)}
                    </Labelled>
                    <Labelled field="severity" label="Severity" problems shown>
                        {select_input(draft, "severity", severities, |d| d.severity.clone(), |d, v| d.severity = v)}
                    </Labelled>
                    <Labelled field="renotify_minutes" label="Remind every (minutes; empty: once)" problems shown>
                        {text_input(draft, "renotify_minutes", |d| d.renotify_minutes.clone(), |d, v| d.renotify_minutes = v)}
                    </Labelled>
                    <fieldset class="editor-field" data-field="channels">
                        <legend class="editor-label">"Webhooks (the dashboard is always notified)"</legend>
                        {move || {
                            channels
                                .get()
                                .is_empty()
                                .then(|| view! { <span class="muted small">"No webhook channels yet: add one below."</span> })
                        }}
                        {move || {
                            channels
                                .get()
                                .into_iter()
                                .map(|channel| {
                                    let id = channel.id.to_string();
                                    let checked_id = id.clone();
                                    view! {
                                        <label class="checkbox">
                                            <input
                                                type="checkbox"
                                                prop:checked=move || draft.with(|d| d.channels.split(',').any(|part| part.trim() == checked_id))
                                                on:change=move |event| {
                                                    let on = event_target_checked(&event);
                                                    let id = id.clone();
                                                    draft.update(|d| {
                                                        let mut ids: Vec<String> = d
                                                            .channels
                                                            .split(',')
                                                            .map(str::trim)
                                                            .filter(|part| !part.is_empty() && *part != id)
                                                            .map(str::to_owned)
                                                            .collect();
                                                        if on {
                                                            ids.push(id);
                                                        }
                                                        d.channels = ids.join(",");
                                                    });
                                                }
                                            />
                                            {channel.name}
                                        </label>
                                    }
                                })
                                .collect_view()
                        }}
                    </fieldset>
                    <label class="editor-field checkbox">
                        <input
                            type="checkbox"
                            name="enabled"
                            prop:checked=move || draft.with(|d| d.enabled)
                            on:change=move |event| {
                                let checked = event_target_checked(&event);
                                draft.update(|d| d.enabled = checked);
                            }
                        />
                        <span>"Enabled"</span>
                    </label>
                </div>
                <p class="field-problem" role="alert" data-testid="save-error">
                    {move || save_error.get().map(|error| view! { <ErrorNote error /> })}
                </p>
                <div class="editor-actions">
                    <button type="submit" class="primary">"Save rule"</button>
                    <button
                        type="button"
                        on:click=move |_| {
                            shown.reset();
                            on_cancel.run(());
                        }
                    >
                        "New rule"
                    </button>
                </div>
            </form>
        </section>
    }
    .into_any()
}
