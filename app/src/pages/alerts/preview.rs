//! The rule editor's preview: the metric's value now and over the last 24 hours against the
//! threshold, for each target, measured on the server as the evaluator measures it and judged
//! in the browser with the rule's own code (`RuleSpec::judge`), so changing the threshold
//! redraws at once and only a change of what is measured asks the server again.

use leptos::prelude::*;

use crate::api::preview_alert_rule;
use crate::charts::{preview_chart, target_label};
use crate::components::chart::ChartBox;
use crate::components::error_note::ErrorNote;
use crate::format::{grouped, metric_value};
use crate::model::{Condition, RuleDraft, RulePreview, RuleSpec, Verdict};

/// The draft as the preview sends it: a rule without a name yet still previews.
fn previewable(draft: &RuleDraft) -> RuleDraft {
    let mut draft = draft.clone();
    if draft.name.trim().is_empty() {
        draft.name = "Preview".into();
    }
    draft
}

/// What the server measures for a rule: the preview is fetched again only when this changes.
fn measured_key(spec: &RuleSpec) -> String {
    let offset = match spec.condition {
        Condition::Baseline { offset, .. } => Some(offset.millis()),
        Condition::Threshold { .. } => None,
    };
    format!(
        "{}|{:?}|{:?}|{}|{:?}",
        spec.metric.as_str(),
        spec.status,
        spec.scope,
        spec.window_secs,
        offset
    )
}

/// A verdict as the table says it.
fn verdict_text(spec: &RuleSpec, verdict: Verdict, requests: i64) -> String {
    let change = |number: f64| match spec.condition {
        Condition::Baseline { .. } => format!(" ({number:+.1} % against the earlier window)"),
        Condition::Threshold { .. } => String::new(),
    };
    match verdict {
        Verdict::Breaching(number) => format!("breaching{}", change(number)),
        Verdict::Clear(number) => format!("within{}", change(number)),
        Verdict::NotEvaluable if requests < i64::from(spec.min_requests) => format!(
            "not judged: {} of the {} requests the rule needs",
            grouped(requests),
            grouped(i64::from(spec.min_requests))
        ),
        Verdict::NotEvaluable => "not judged: no value or no usable baseline".to_owned(),
    }
}

/// The preview under the editor.
#[component]
pub fn RulePreviewPanel(
    /// The fields being edited.
    draft: RwSignal<RuleDraft>,
) -> impl IntoView {
    let spec = Memo::new(move |_| draft.with(|draft| previewable(draft).validate().ok()));
    let key = Memo::new(move |_| spec.with(|spec| spec.as_ref().map(measured_key)));
    let ws = crate::workspace::use_ws();
    let requested = RwSignal::new(None::<RuleDraft>);
    #[cfg(feature = "hydrate")]
    {
        // Ask once typing pauses.
        let pending = StoredValue::new_local(None::<TimeoutHandle>);
        Effect::new(move |_| {
            if key.get().is_none() {
                return;
            }
            if let Some(handle) = pending.get_value() {
                handle.clear();
            }
            // The editor may be gone when the time comes (the user navigated away).
            let handle = set_timeout_with_handle(
                move || {
                    // Typing went on meanwhile: ask only for a draft that is still valid.
                    let wanted = draft
                        .try_get_untracked()
                        .map(|draft| previewable(&draft))
                        .filter(|draft| draft.validate().is_ok());
                    if let Some(wanted) = wanted {
                        requested.try_set(Some(wanted));
                    }
                },
                std::time::Duration::from_millis(300),
            )
            .ok();
            pending.set_value(handle);
        });
        on_cleanup(move || {
            if let Some(Some(handle)) = pending.try_get_value() {
                handle.clear();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
    let preview = LocalResource::new(move || {
        let wanted = requested.get();
        let ws = ws.get();
        async move {
            match wanted {
                Some(draft) => Some(preview_alert_rule(ws, draft).await),
                None => None,
            }
        }
    });
    let body = move || {
        let Some(spec) = spec.get() else {
            return view! {
                <p class="muted small">"The preview appears once every field is valid."</p>
            }
            .into_any();
        };
        match preview.get().flatten() {
            None => {
                view! { <p class="loading small">"Measuring the last 24 hours…"</p> }.into_any()
            }
            Some(Err(error)) => view! { <p role="alert"><ErrorNote error /></p> }.into_any(),
            Some(Ok(preview)) => view! { <PreviewBody preview spec /> }.into_any(),
        }
    };
    view! {
        <section class="panel rule-preview" data-testid="rule-preview" aria-label="Preview">
            <h3>"Preview: the last 24 hours"</h3>
            {body}
        </section>
    }
}

/// The current values and the chart of one answered preview.
#[component]
fn PreviewBody(preview: RulePreview, spec: RuleSpec) -> impl IntoView {
    let window_ms = i64::from(spec.window_secs) * 1_000;
    let rows = preview
        .series
        .iter()
        .map(|series| {
            let now = series.points.last().cloned().unwrap_or_default();
            let verdict = spec.judge(now.value, now.baseline, now.requests);
            let breaching = matches!(verdict, Verdict::Breaching(_));
            let value = now
                .value
                .map(|value| metric_value(spec.metric, value))
                .unwrap_or_else(|| "no value".to_owned());
            let breaches = series
                .points
                .iter()
                .filter(|point| {
                    matches!(
                        spec.judge(point.value, point.baseline, point.requests),
                        Verdict::Breaching(_)
                    )
                })
                .count();
            view! {
                <tr data-testid="preview-row" class:breaching=breaching>
                    <td>{target_label(&series.target).to_owned()}</td>
                    <td class="num" data-testid="preview-now">{value}</td>
                    <td class="num">{grouped(now.requests)}</td>
                    <td data-testid="preview-verdict">{verdict_text(&spec, verdict, now.requests)}</td>
                    <td class="num">{format!("{breaches} of {}", series.points.len())}</td>
                </tr>
            }
        })
        .collect_view();
    let more = (preview.more_targets > 0).then(|| {
        view! {
            <p class="muted small">
                {format!("{} more models are not shown (the highest current values are).", preview.more_targets)}
            </p>
        }
    });
    let chart = preview_chart(&preview, &spec);
    view! {
        <table class="preview-table">
            <thead>
                <tr>
                    <th>"Target"</th>
                    <th class="num">"Now"</th>
                    <th class="num">{format!("Calls in {} min", window_ms / 60_000)}</th>
                    <th>"The rule would say"</th>
                    <th class="num">"Breaching points"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        {more}
        <ChartBox id="rule-preview-chart" label="The rule's metric over the last 24 hours" chart />
        <p class="muted small">
            "Each point is the rule's window ending at that time, every 15 minutes; a rule fires after its breaching evaluations in a row."
        </p>
    }
}
