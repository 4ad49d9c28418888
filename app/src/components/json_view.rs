//! A JSON value as a collapsible tree (objects and arrays fold) with a Copy button for the
//! pretty-printed text. Every string is rendered as text, never as HTML.

use leptos::prelude::*;
use serde_json::Value;

/// A string as JSON writes it (quoted and escaped).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn scalar(value: &Value) -> AnyView {
    match value {
        Value::String(text) => view! { <span class="json-string">{quoted(text)}</span> }.into_any(),
        Value::Number(number) => {
            view! { <span class="json-number">{number.to_string()}</span> }.into_any()
        }
        Value::Bool(flag) => view! { <span class="json-bool">{flag.to_string()}</span> }.into_any(),
        _ => view! { <span class="json-null">"null"</span> }.into_any(),
    }
}

fn node(label: Option<String>, value: &Value) -> AnyView {
    let key = label.map(|key| view! { <span class="json-key">{quoted(&key)}</span> ": " });
    match value {
        Value::Object(map) if !map.is_empty() => {
            let children = map
                .iter()
                .map(|(key, value)| view! { <li>{node(Some(key.clone()), value)}</li> })
                .collect_view();
            view! {
                <details open>
                    <summary>{key}{format!("{{ {} }}", map.len())}</summary>
                    <ul class="json-children">{children}</ul>
                </details>
            }
            .into_any()
        }
        Value::Array(items) if !items.is_empty() => {
            let children = items
                .iter()
                .map(|value| view! { <li>{node(None, value)}</li> })
                .collect_view();
            view! {
                <details open>
                    <summary>{key}{format!("[ {} ]", items.len())}</summary>
                    <ul class="json-children">{children}</ul>
                </details>
            }
            .into_any()
        }
        Value::Object(_) => view! { <span>{key}"{}"</span> }.into_any(),
        Value::Array(_) => view! { <span>{key}"[]"</span> }.into_any(),
        other => view! { <span>{key}{scalar(other)}</span> }.into_any(),
    }
}

/// The tree of `value` and a button copying its pretty-printed JSON.
#[component]
pub fn JsonView(
    /// What to show.
    value: Value,
) -> impl IntoView {
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    let (copied, set_copied) = signal(false);
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
        <div class="json-view" data-testid="json-view">
            <div class="json-actions">
                <button type="button" on:click=copy>"Copy JSON"</button>
                <span class="muted" role="status">{move || if copied.get() { "Copied" } else { "" }}</span>
            </div>
            <div class="json-tree mono">{node(None, &value)}</div>
        </div>
    }
}
