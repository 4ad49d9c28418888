//! "Connect an app": the snippets a new key is shown with (`connect::snippets`), each as
//! selectable text (so it can be copied without JavaScript) with a Copy button that works
//! once the page is hydrated.

use leptos::prelude::*;

use crate::connect::{snippets, Snippet};

/// One snippet with its Copy button.
#[component]
fn SnippetBlock(snippet: Snippet) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let text = snippet.text.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&text);
            set_copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&text, set_copied);
    };
    view! {
        <figure class="snippet" data-snippet=snippet.id>
            <figcaption>
                <strong>{snippet.title}</strong>
                <button
                    type="button"
                    class="copy"
                    aria-label=format!("Copy: {}", snippet.title)
                    on:click=copy
                >
                    "Copy"
                </button>
                <span class="muted small" role="status">
                    {move || if copied.get() { "Copied" } else { "" }}
                </span>
            </figcaption>
            <p class="muted small">{snippet.note}</p>
            <pre class="snippet-text"><code>{snippet.text}</code></pre>
        </figure>
    }
}

/// The snippets for `key` on the server at `base_url`.
#[component]
pub fn ConnectSnippets(
    /// This server's address as the browser reached it (`http(s)://host[:port]`, checked).
    base_url: String,
    /// The new key's secret.
    key: String,
) -> impl IntoView {
    view! {
        <section class="connect-snippets" aria-label="Connect an app" data-testid="connect-snippets">
            <h3>"Connect an app"</h3>
            <p class="muted small">
                "Paste one of these where your app runs; each is filled with this key and the "
                "address this page was opened on. Calls show up in Analytics and Logs within a "
                "second."
            </p>
            {snippets(&base_url, &key)
                .into_iter()
                .map(|snippet| view! { <SnippetBlock snippet /> })
                .collect_view()}
        </section>
    }
}
