//! The members table of Settings: each member's role (changed or removed by admins) and, for
//! admins, a password reset whose new password is shown once.

use leptos::prelude::*;

use crate::api::{ChangeMember, ResetMemberPassword};
use crate::model::{Member, Role};
use crate::workspace::use_ws;

/// One member's row.
#[component]
pub fn MemberRow(
    member: Member,
    /// Whether the signed-in user is an admin here.
    admin: bool,
    /// Whether this row is the signed-in user (who changes their own password under Account).
    is_you: bool,
    change_member: ServerAction<ChangeMember>,
    reset: ServerAction<ResetMemberPassword>,
) -> impl IntoView {
    let ws = use_ws();
    let user_id = member.user_id;
    let change = move |role: &str| {
        change_member.dispatch(ChangeMember {
            ws: ws.get_untracked(),
            user_id,
            role: role.to_owned(),
        });
    };
    let reset_label = format!("Reset the password of {}", member.email);
    view! {
        <tr data-testid="member-row">
            <td>{member.email.clone()}</td>
            <td>
                <select
                    aria-label=format!("Role of {}", member.email)
                    prop:disabled=!admin
                    on:change=move |event| change(&event_target_value(&event))
                >
                    {Role::ALL.map(|option| view! {
                        <option value=option.as_str() selected=option == member.role>{option.as_str()}</option>
                    }).collect_view()}
                </select>
            </td>
            <td class="actions">
                {(admin && !is_you).then(|| view! {
                    <button
                        type="button"
                        aria-label=reset_label
                        on:click=move |_| {
                            reset.dispatch(ResetMemberPassword { ws: ws.get_untracked(), user_id });
                        }
                    >
                        "Reset password"
                    </button>
                })}
                {admin.then(|| view! {
                    <button type="button" class="danger" on:click=move |_| change("remove")>"Remove"</button>
                })}
            </td>
        </tr>
    }
}

/// The password of the last reset, shown once, or why it failed.
#[component]
pub fn ResetOutcome(reset: ServerAction<ResetMemberPassword>) -> impl IntoView {
    move || {
        reset.value().get().map(|result| match result {
            Ok(done) => view! {
                <p class="secret" role="status" data-testid="reset-password">
                    {format!("New password for {}: ", done.email)}
                    <code>{done.password}</code>
                    " (shown once: pass it on now; their sessions have ended)."
                </p>
            }
            .into_any(),
            Err(error) => view! {
                <p class="field-problem" role="alert">
                    <crate::components::error_note::ErrorNote error />
                </p>
            }
            .into_any(),
        })
    }
}
