//! The Alerts page: the rules (create, edit, enable/disable, duplicate, delete) and the history
//! of their events, which updates live as notifications arrive.

use leptos::prelude::*;
use leptos_meta::Title;

mod history;
mod preview;

use crate::api::{
    list_alert_channels, list_alert_rules, AppError, CreateAlertChannel, DeleteAlertChannel,
    DeleteAlertRule, SaveAlertRule,
};
use crate::components::channels::ChannelsPanel;
use crate::components::error_note::ErrorNote;
use crate::components::notifications::use_notifications;
use crate::components::rule_editor::{new_draft, RuleEditor};
use crate::hooks::use_query;
use crate::model::{AlertRule, Condition, RuleDraft, RuleScope};

/// One line describing what a rule watches.
fn rule_summary(rule: &AlertRule) -> String {
    let spec = &rule.spec;
    let metric = match spec.status {
        Some(status) => format!("{} {}", spec.metric.label(), status.as_param()),
        None => spec.metric.label().to_owned(),
    };
    let condition = match &spec.condition {
        Condition::Threshold { comparator, value } => format!("{} {value}", comparator.as_str()),
        Condition::Baseline {
            percent, offset, ..
        } => format!(
            "changes by more than {percent} % against {}",
            match offset {
                crate::model::BaselineOffset::DayEarlier => "a day earlier",
                crate::model::BaselineOffset::WeekEarlier => "a week earlier",
            }
        ),
    };
    let scope = match (&spec.scope, &spec.dimension) {
        (_, Some(only)) => format!("{} {}", only.dimension.label().to_lowercase(), only.value),
        (RuleScope::AllModels, None) => "all models".to_owned(),
        (RuleScope::EachModel, None) => "each model".to_owned(),
        (RuleScope::Models(models), None) => models.join(", "),
    };
    format!(
        "{metric} {condition} over {} min · {scope}",
        spec.window_secs / 60
    )
}

/// `/alerts`
#[component]
pub fn AlertsPage() -> impl IntoView {
    let page_query = use_query();
    let save = ServerAction::<SaveAlertRule>::new();
    let delete = ServerAction::<DeleteAlertRule>::new();
    let notifications = use_notifications();
    let ws = crate::workspace::use_ws();
    let rules = Resource::new(
        move || (ws.get(), save.version().get(), delete.version().get()),
        |(ws, _, _)| list_alert_rules(ws),
    );
    let refresh = Signal::derive(move || notifications.version.get() + save.version().get() as u64);
    let create_channel = ServerAction::<CreateAlertChannel>::new();
    let delete_channel = ServerAction::<DeleteAlertChannel>::new();
    let channels = Resource::new(
        move || {
            (
                ws.get(),
                create_channel.version().get(),
                delete_channel.version().get(),
            )
        },
        |(ws, _, _)| list_alert_channels(ws),
    );
    let channel_list =
        Signal::derive(move || channels.get().and_then(Result::ok).unwrap_or_default());
    let draft = RwSignal::new(new_draft());
    let editing = RwSignal::new(None::<i64>);
    let save_error = RwSignal::new(None::<AppError>);
    // After a save: start a new draft, or show why it failed.
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            draft.set(new_draft());
            editing.set(None);
            save_error.set(None);
        }
        Some(Err(error)) => save_error.set(Some(error)),
        None => {}
    });
    // Opening the page reads the notifications.
    Effect::new(move |_| notifications.unread.set(0));
    let on_save = Callback::new(move |draft: RuleDraft| {
        save.dispatch(SaveAlertRule {
            ws: ws.get_untracked(),
            id: editing.get_untracked(),
            draft,
        });
    });
    let on_cancel = Callback::new(move |_| {
        draft.set(new_draft());
        editing.set(None);
        save_error.set(None);
    });

    view! {
        <Title text="Alerts" />
        <div class="page-head">
            <h1>"Alerts"</h1>
            <span class="muted">"Every enabled rule is evaluated from the rollups every 15 s (the server's --alert-interval-secs)."</span>
        </div>
        <div class="alerts-layout">
            <div>
                <section class="panel" aria-label="Rules">
                    <h2>"Rules"</h2>
                    <Transition fallback=|| view! { <p class="loading">"Loading rules…"</p> }>
                        {move || Suspend::new(async move {
                            match rules.await {
                                Err(error) => view! { <p role="alert"><ErrorNote error /></p> }.into_any(),
                                Ok(rules) if rules.is_empty() => view! {
                                    <p class="muted" data-testid="no-rules">
                                        "No alert rules yet. Create one with the editor: a metric, a threshold or a baseline, and a window."
                                    </p>
                                }.into_any(),
                                Ok(rules) => view! {
                                    <RuleList rules draft editing save delete />
                                }.into_any(),
                            }
                        })}
                    </Transition>
                </section>
                <history::HistorySection query=page_query refresh />
            </div>
            <div>
                // The editor lists the channels: it waits for them inside a Transition, so the
                // resource is never read outside one (that would risk a hydration mismatch).
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let _ = channels.await;
                        view! {
                            <RuleEditor draft editing on_save on_cancel save_error channels=channel_list />
                        }
                    })}
                </Transition>
                <preview::RulePreviewPanel draft />
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        channels.await.ok().map(|channels| view! {
                            <ChannelsPanel channels create=create_channel delete=delete_channel />
                        })
                    })}
                </Transition>
            </div>
        </div>
    }
    .into_any()
}

/// The rules with their actions.
#[component]
fn RuleList(
    rules: Vec<AlertRule>,
    draft: RwSignal<RuleDraft>,
    editing: RwSignal<Option<i64>>,
    save: ServerAction<SaveAlertRule>,
    delete: ServerAction<DeleteAlertRule>,
) -> impl IntoView {
    let ws = crate::workspace::use_ws();
    let rows = rules
        .into_iter()
        .map(|rule| {
            let id = rule.id;
            let summary = rule_summary(&rule);
            let spec = rule.spec.clone();
            let enabled = spec.enabled;
            let (edit_spec, copy_spec, toggle_spec) = (spec.clone(), spec.clone(), spec.clone());
            view! {
                <tr data-testid="rule-row">
                    <td>
                        <strong>{spec.name.clone()}</strong>
                        <div class="muted small">{summary}</div>
                    </td>
                    <td><span class=format!("severity severity-{}", spec.severity.as_str())>{spec.severity.as_str()}</span></td>
                    <td>{if enabled { "enabled" } else { "disabled" }}</td>
                    <td class="actions">
                        <button type="button" on:click=move |_| {
                            draft.set(edit_spec.to_draft());
                            editing.set(Some(id));
                        }>"Edit"</button>
                        <button type="button" on:click=move |_| {
                            let mut copy = copy_spec.to_draft();
                            copy.name = format!("Copy of {}", copy.name);
                            draft.set(copy);
                            editing.set(None);
                        }>"Duplicate"</button>
                        <button type="button" on:click=move |_| {
                            let mut toggled = toggle_spec.to_draft();
                            toggled.enabled = !toggled.enabled;
                            save.dispatch(SaveAlertRule { ws: ws.get_untracked(), id: Some(id), draft: toggled });
                        }>{if enabled { "Disable" } else { "Enable" }}</button>
                        <button type="button" class="danger" on:click=move |_| {
                            delete.dispatch(DeleteAlertRule { ws: ws.get_untracked(), id });
                        }>"Delete"</button>
                        <a href=crate::workspace::ws_path(&format!("/alerts?rule={id}"), ws.get_untracked())>"History"</a>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="rules-table">
            <tbody>{rows}</tbody>
        </table>
    }
}
