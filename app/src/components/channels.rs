//! Webhook channels on the Alerts page: the list (send a test, delete) and a form to add one,
//! checked as you type with the same code the server runs.

use leptos::prelude::*;

use crate::api::{CreateAlertChannel, DeleteAlertChannel, SendTestAlert};
use crate::components::error_note::ErrorNote;
use crate::model::{validate_channel, AlertChannel};

/// The channels panel.
#[component]
pub fn ChannelsPanel(
    /// The channels.
    channels: Vec<AlertChannel>,
    /// Adds a channel.
    create: ServerAction<CreateAlertChannel>,
    /// Deletes one.
    delete: ServerAction<DeleteAlertChannel>,
) -> impl IntoView {
    let ws = crate::workspace::use_ws();
    let test = ServerAction::<SendTestAlert>::new();
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let format = RwSignal::new("json".to_owned());
    let problem = Memo::new(move |_| {
        let (name, url) = (name.get(), url.get());
        if name.is_empty() && url.is_empty() {
            return None;
        }
        validate_channel(&name, &url)
            .err()
            .map(|problem| format!("{}: {}", problem.field, problem.message))
    });
    let test_result = move || {
        test.value().get().map(|result| match result {
            Ok(delivery) => {
                format!("Test to {}: {}", delivery.channel, delivery.outcome()).into_any()
            }
            Err(error) => view! { <ErrorNote error /> }.into_any(),
        })
    };
    let rows = channels
        .into_iter()
        .map(|channel| {
            let id = channel.id;
            view! {
                <li data-testid="channel-row">
                    <strong>{channel.name.clone()}</strong>
                    <span class="muted small">{format!(" {} · {}", channel.format.as_str(), channel.url)}</span>
                    <span class="actions">
                        <button type="button" on:click=move |_| { test.dispatch(SendTestAlert { ws: ws.get_untracked(), id }); }>"Send test"</button>
                        <button type="button" class="danger" on:click=move |_| { delete.dispatch(DeleteAlertChannel { ws: ws.get_untracked(), id }); }>"Delete"</button>
                    </span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-label="Webhook channels" data-testid="channels">
            <h2>"Webhook channels"</h2>
            <ul class="channel-list">{rows}</ul>
            <p class="muted small" role="status" data-testid="test-result">{test_result}</p>
            <form class="channel-form" on:submit=move |event| {
                event.prevent_default();
                if problem.get().is_none() && !name.get().is_empty() {
                    create.dispatch(CreateAlertChannel { ws: ws.get_untracked(), name: name.get(), url: url.get(), format: format.get() });
                    name.set(String::new());
                    url.set(String::new());
                }
            }>
                <input aria-label="Channel name" placeholder="Name" prop:value=name on:input=move |e| name.set(event_target_value(&e)) />
                <input aria-label="Webhook URL" placeholder="https://hooks.slack.com/…" prop:value=url on:input=move |e| url.set(event_target_value(&e)) />
                <select aria-label="Payload" on:change=move |e| format.set(event_target_value(&e))>
                    <option value="json">"Generic JSON"</option>
                    <option value="slack">"Slack"</option>
                </select>
                <button type="submit" class="primary">"Add channel"</button>
                <span class="field-problem" role="alert">{move || problem.get()}</span>
            </form>
        </section>
    }
    .into_any()
}
