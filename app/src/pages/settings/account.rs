//! The signed-in user's own actions in Settings: changing their password (the other sessions
//! end, this one stays), signing out everywhere, and new workspaces for server administrators.

use leptos::prelude::*;

use crate::api::{ChangePassword, CreateWorkspace, SignOutEverywhere};
use crate::components::error_note::ErrorNote;

/// The browser's check of a new password before sending: the rules of new accounts, and the
/// same text typed twice.
pub fn check_new_password(new: &str, repeated: &str) -> Result<(), String> {
    crate::model::validate_new_password("new_password", new)?;
    if new == repeated {
        Ok(())
    } else {
        Err("repeat_password: the two new passwords differ".to_owned())
    }
}

/// Current password, new password twice, and what the change did.
#[component]
fn ChangePasswordForm() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeated = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        match check_new_password(&new.get(), &repeated.get()) {
            Ok(()) => {
                problem.set(None);
                action.dispatch(ChangePassword {
                    current_password: current.get(),
                    new_password: new.get(),
                });
            }
            Err(reason) => problem.set(Some(reason)),
        }
    };
    // A changed password clears the form.
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            for field in [current, new, repeated] {
                field.set(String::new());
            }
        }
    });
    let outcome = move || {
        action.value().get().map(|result| match result {
            Ok(ended) => view! {
                <p role="status" data-testid="password-changed">
                    {match ended {
                        0 => "Password changed. You had no other sessions.".to_owned(),
                        1 => "Password changed; 1 other session was signed out.".to_owned(),
                        ended => format!("Password changed; {ended} other sessions were signed out."),
                    }}
                </p>
            }
            .into_any(),
            Err(error) => view! { <p class="field-problem" role="alert"><ErrorNote error /></p> }.into_any(),
        })
    };
    let field = |id: &'static str,
                 label: &'static str,
                 autocomplete: &'static str,
                 value: RwSignal<String>| {
        view! {
            <label class="filter-label" for=id>{label}</label>
            <input
                id=id
                type="password"
                autocomplete=autocomplete
                maxlength="1024"
                prop:value=value
                on:input=move |e| value.set(event_target_value(&e))
            />
        }
    };
    view! {
        <form class="password-form" aria-label="Change your password" on:submit=submit>
            {field("current-password", "Current password", "current-password", current)}
            {field("new-password", "New password", "new-password", new)}
            {field("repeat-password", "Repeat new password", "new-password", repeated)}
            <div class="inline-form">
                <button type="submit">"Change password"</button>
                <span class="muted small">"At least 10 characters. Your other sessions end; this one stays."</span>
            </div>
            <span class="field-problem" role="alert">{move || problem.get()}</span>
            {outcome}
        </form>
    }
}

/// The signed-in user's own actions.
#[component]
pub fn AccountPanel() -> impl IntoView {
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let create = ServerAction::<CreateWorkspace>::new();
    let name = RwSignal::new(String::new());
    let created = move || {
        create.value().get().map(|result| match result {
            Ok(id) => view! {
                <p role="status">"Created. " <a href=format!("/settings?ws={id}") rel="external">"Open it"</a></p>
            }
            .into_any(),
            Err(error) => view! { <p class="field-problem" role="alert"><ErrorNote error /></p> }.into_any(),
        })
    };
    // Signed out everywhere, this browser too: back to the login page.
    Effect::new(move |_| {
        if let Some(Ok(_)) = everywhere.value().get() {
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.location().set_href("/login");
            }
        }
    });
    view! {
        <section class="panel" aria-label="Account">
            <h2>"Account"</h2>
            <ChangePasswordForm />
            <div class="inline-form">
                <button type="button" on:click=move |_| { everywhere.dispatch(SignOutEverywhere {}); }>"Sign out everywhere"</button>
                <span class="muted small">"Ends every session of your account, on every device."</span>
            </div>
            <form class="inline-form" on:submit=move |event| {
                event.prevent_default();
                create.dispatch(CreateWorkspace { name: name.get() });
            }>
                <input aria-label="Name of a new workspace" placeholder="New workspace name" prop:value=name on:input=move |e| name.set(event_target_value(&e)) />
                <button type="submit">"Create workspace"</button>
                <span class="muted small">"Server administrators only."</span>
            </form>
            {created}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::check_new_password;

    #[test]
    fn a_new_password_is_checked_before_it_is_sent() {
        assert_eq!(
            check_new_password("long enough pass", "long enough pass"),
            Ok(())
        );
        assert_eq!(
            check_new_password("short", "short"),
            Err("new_password: at least 10 characters".to_owned())
        );
        assert_eq!(
            check_new_password("long enough pass", "long enough pasS"),
            Err("repeat_password: the two new passwords differ".to_owned())
        );
    }
}
