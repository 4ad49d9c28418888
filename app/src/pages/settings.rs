//! `/settings`: the workspace's retention, members and roles (with password resets), ingest
//! API keys (a new one shown once with its "Connect an app" snippets), the model catalog's
//! prices, and the account (`settings/account.rs`). Viewers see everything but change nothing;
//! the server checks again.

mod account;
mod members;

use leptos::prelude::*;
use leptos_meta::Title;

use self::account::AccountPanel;
use self::members::{MemberRow, ResetOutcome};
use crate::api::{
    current_viewer, get_settings, AddMember, ChangeMember, CreateApiKey, ResetMemberPassword,
    RevokeApiKey, SetModelPrices, SetRetention,
};
use crate::components::connect_snippets::ConnectSnippets;
use crate::components::error_note::ErrorNote;
use crate::components::price_table::PriceTable;
use crate::format::utc_second;
use crate::model::{Role, SettingsOverview};
use crate::workspace::use_ws;

/// `/settings`
#[component]
pub fn SettingsPage() -> impl IntoView {
    let ws = use_ws();
    let retention = ServerAction::<SetRetention>::new();
    let add_member = ServerAction::<AddMember>::new();
    let change_member = ServerAction::<ChangeMember>::new();
    let create_key = ServerAction::<CreateApiKey>::new();
    let revoke_key = ServerAction::<RevokeApiKey>::new();
    let prices = ServerAction::<SetModelPrices>::new();
    let reset_password = ServerAction::<ResetMemberPassword>::new();
    let actions = Actions {
        retention,
        add_member,
        change_member,
        create_key,
        revoke_key,
        prices,
        reset_password,
    };
    // Who is looking: their own row has no password reset (they change it under Account).
    let me = Resource::new(|| (), |_| current_viewer());
    let settings = Resource::new(
        move || {
            (
                ws.get(),
                retention.version().get()
                    + add_member.version().get()
                    + change_member.version().get()
                    + create_key.version().get()
                    + revoke_key.version().get()
                    + prices.version().get(),
            )
        },
        |(ws, _)| get_settings(ws),
    );
    view! {
        <Title text="Settings" />
        <div class="page-head">
            <h1>"Settings"</h1>
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading settings…"</p> }>
            {move || Suspend::new(async move {
                let you = me.await.ok().flatten().map(|viewer| viewer.user_id);
                match settings.await {
                    Err(error) => view! { <p role="alert" data-testid="settings-error"><ErrorNote error /></p> }.into_any(),
                    Ok(overview) => view! { <Sections overview actions you /> }.into_any(),
                }
            })}
        </Transition>
        <AccountPanel />
    }
}

/// The actions that change the workspace, shared by its sections.
#[derive(Clone, Copy)]
struct Actions {
    retention: ServerAction<SetRetention>,
    add_member: ServerAction<AddMember>,
    change_member: ServerAction<ChangeMember>,
    create_key: ServerAction<CreateApiKey>,
    revoke_key: ServerAction<RevokeApiKey>,
    prices: ServerAction<SetModelPrices>,
    reset_password: ServerAction<ResetMemberPassword>,
}

/// The last failure of a server action, if its last run failed (a macro: the actions differ
/// in type).
macro_rules! failure {
    ($action:expr) => {
        move || {
            $action
                .value()
                .get()
                .and_then(|result| result.err())
                .map(|error| view! { <ErrorNote error /> })
        }
    };
}

#[component]
fn Sections(overview: SettingsOverview, actions: Actions, you: Option<i64>) -> impl IntoView {
    let ws = use_ws();
    let admin = overview.role == Role::Admin;
    let SettingsOverview {
        workspace,
        role,
        members,
        keys,
        models,
    } = overview;
    let days = RwSignal::new(workspace.retention_days.to_string());
    let member_email = RwSignal::new(String::new());
    let member_role = RwSignal::new("viewer".to_owned());
    let key_name = RwSignal::new(String::new());
    let Actions {
        retention,
        add_member,
        change_member,
        create_key,
        revoke_key,
        prices,
        reset_password,
    } = actions;
    let new_password = move || {
        add_member
            .value()
            .get()
            .and_then(Result::ok)
            .and_then(|added| {
                added
                    .new_password
                    .map(|password| (added.member.email, password))
            })
    };
    let new_key = move || create_key.value().get().and_then(Result::ok);
    let member_rows = members
        .into_iter()
        .map(|member| {
            let is_you = you == Some(member.user_id);
            view! { <MemberRow member admin is_you change_member reset=reset_password /> }
        })
        .collect_view();
    let key_rows = keys
        .into_iter()
        .map(|key| {
            let id = key.id;
            let live = key.revoked_at_ms.is_none();
            view! {
                <tr data-testid="key-row" class:revoked=!live>
                    <td>{key.name.clone()}</td>
                    <td class="mono">{format!("{}…", key.prefix)}</td>
                    <td>{utc_second(key.created_at_ms)}</td>
                    <td>{key.last_used_ms.map(utc_second).unwrap_or_else(|| "never".to_owned())}</td>
                    <td>{match key.revoked_at_ms {
                        Some(at) => format!("revoked {}", utc_second(at)),
                        None => "active".to_owned(),
                    }}</td>
                    <td class="actions">
                        {(admin && live).then(|| view! {
                            <button type="button" class="danger" on:click=move |_| {
                                revoke_key.dispatch(RevokeApiKey { ws: ws.get_untracked(), id });
                            }>"Revoke"</button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="settings-grid">
            <section class="panel" aria-label="Workspace">
                <h2>"Workspace"</h2>
                <p>
                    <strong data-testid="settings-workspace">{workspace.name.clone()}</strong>
                    <span class="muted">{format!(" · you are {}", role.as_str())}</span>
                </p>
                <form class="inline-form" on:submit=move |event| {
                    event.prevent_default();
                    retention.dispatch(SetRetention { ws: ws.get_untracked(), days: days.get() });
                }>
                    <label class="filter-label" for="retention-days">"Keep raw calls for (days)"</label>
                    <input id="retention-days" size="5" prop:value=days prop:disabled=!admin on:input=move |e| days.set(event_target_value(&e)) />
                    <button type="submit" prop:disabled=!admin>"Save"</button>
                    <span class="field-problem" role="alert">{failure!(retention)}</span>
                </form>
                <p class="muted small">"Hourly rollups are kept 400 days and daily ones for good, whatever this says."</p>
            </section>
            <section class="panel" aria-label="Members">
                <h2>"Members"</h2>
                <table class="rules-table"><tbody>{member_rows}</tbody></table>
                <span class="field-problem" role="alert">{failure!(change_member)}</span>
                <ResetOutcome reset=reset_password />
                {admin.then(|| view! {
                    <form class="inline-form" on:submit=move |event| {
                        event.prevent_default();
                        add_member.dispatch(AddMember { ws: ws.get_untracked(), email: member_email.get(), role: member_role.get() });
                        member_email.set(String::new());
                    }>
                        <input aria-label="E-mail of the new member" placeholder="name@example.com" prop:value=member_email on:input=move |e| member_email.set(event_target_value(&e)) />
                        <select aria-label="Role of the new member" on:change=move |e| member_role.set(event_target_value(&e))>
                            <option value="viewer">"viewer"</option>
                            <option value="admin">"admin"</option>
                        </select>
                        <button type="submit" class="primary">"Add member"</button>
                        <span class="field-problem" role="alert">{failure!(add_member)}</span>
                    </form>
                })}
                {move || new_password().map(|(email, password)| view! {
                    <p class="secret" role="status" data-testid="new-password">
                        {format!("New account {email}: password ")}<code>{password}</code>" (shown once: pass it on now)."
                    </p>
                })}
            </section>
            <section class="panel" aria-label="API keys" id="connect">
                <h2>"API keys"</h2>
                <p class="muted small">"Keys write calls into this workspace (ingest, OTLP, proxy) and read nothing."</p>
                <p class="muted small" data-testid="connect-hint">
                    {if admin {
                        "Connect an app: create a key below. It is shown once, with snippets to paste (curl, the OpenAI SDK through the proxy, OpenTelemetry) filled with it and this server's address."
                    } else {
                        "Connect an app: an admin of this workspace creates a key here, shown once with snippets to paste."
                    }}
                </p>
                <table class="rules-table">
                    <thead><tr><th>"Name"</th><th>"Key"</th><th>"Created"</th><th>"Last used"</th><th>"Status"</th><th></th></tr></thead>
                    <tbody>{key_rows}</tbody>
                </table>
                <span class="field-problem" role="alert">{failure!(revoke_key)}</span>
                {admin.then(|| view! {
                    <form class="inline-form" on:submit=move |event| {
                        event.prevent_default();
                        create_key.dispatch(CreateApiKey { ws: ws.get_untracked(), name: key_name.get() });
                        key_name.set(String::new());
                    }>
                        <input aria-label="Name of the new key" placeholder="production ingest" prop:value=key_name on:input=move |e| key_name.set(event_target_value(&e)) />
                        <button type="submit" class="primary">"Create key"</button>
                        <span class="field-problem" role="alert">{failure!(create_key)}</span>
                    </form>
                })}
                {move || new_key().map(|created| view! {
                    <p class="secret" role="status">
                        {format!("Key {}: ", created.key.info.name)}
                        <code data-testid="new-key">{created.key.secret.clone()}</code>
                        " (shown once: copy it now; only its hash is stored)."
                    </p>
                    <ConnectSnippets base_url=created.base_url key=created.key.secret />
                })}
            </section>
            <PriceTable models admin prices />
        </div>
    }
    .into_any()
}
