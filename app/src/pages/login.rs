//! `/login`: e-mail and password, posted as a plain form to `POST /login` (works without
//! JavaScript). `?error=` says why the last attempt failed, `?next=` where to go after.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::url_state::QueryParams;

/// The value of `key` in the page's query (empty when absent).
fn param(query: &str, key: &str) -> String {
    QueryParams::parse(query)
        .get(key)
        .unwrap_or_default()
        .to_owned()
}

/// `/login`
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = crate::hooks::use_query().get_untracked();
    let query = query.as_str();
    let error = match param(query, "error").as_str() {
        "" => None,
        "invalid" => Some("Wrong e-mail address or password."),
        _ => Some("Signing in failed; try again."),
    };
    let email = param(query, "email");
    let next = param(query, "next");
    view! {
        <Title text="Sign in" />
        <section class="panel login" aria-label="Sign in">
            <h1>"Sign in to Modelwatch"</h1>
            {error.map(|message| view! { <p class="field-problem" role="alert" data-testid="login-error">{message}</p> })}
            <form method="post" action="/login" class="login-form">
                <input type="hidden" name="next" value=next />
                <label class="editor-field">
                    <span class="editor-label">"E-mail"</span>
                    <input name="email" type="email" autocomplete="username" required value=email />
                </label>
                <label class="editor-field">
                    <span class="editor-label">"Password"</span>
                    <input name="password" type="password" autocomplete="current-password" required />
                </label>
                <button type="submit" class="primary">"Sign in"</button>
            </form>
            <p class="muted small">
                "No account? An admin of your workspace adds you in Settings; the first administrator is printed by the server on its first start."
            </p>
        </section>
    }
}
