//! The details side panel of one call: a List view (grouped fields in human units), a JSON
//! view (everything, pretty-printed, collapsible, copyable) and a link downloading that JSON as
//! a file. Prompt and response text is untrusted: it is only ever rendered as text. Escape or
//! the close link closes the panel.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::api::AppError;
use crate::components::error_note::ErrorNote;
use crate::components::json_view::JsonView;
use crate::format::{amount_exact, millis, money, utc_second};
use crate::model::{status_class, LogDetail, UNITS};
use crate::url_state::{link, QueryParams};

/// The address of the JSON file of call `request_id`, in the workspace of the page's `query`
/// (a plain download link: it works without JavaScript and the router leaves it alone).
pub fn download_href(query: &str, request_id: &str) -> String {
    let own = crate::workspace::keep_ws(
        crate::url_state::with_params("", &[("id", Some(request_id))]),
        query,
    );
    format!("/api/v1/logs/call?{own}")
}

/// The panel's two views (`view=json` in the URL picks the JSON view).
pub fn json_chosen(query: &str) -> bool {
    QueryParams::parse(query).get("view") == Some("json")
}

/// One `label: value` line of the List view; nothing when the value is unknown.
fn field(label: &'static str, value: Option<String>) -> impl IntoView {
    value.map(|value| {
        view! {
            <dt>{label}</dt>
            <dd>{value}</dd>
        }
    })
}

/// The List view.
#[component]
fn ListView(detail: LogDetail) -> impl IntoView {
    let usage = &detail.usage;
    let units = UNITS
        .iter()
        .map(|spec| field(spec.label, usage.get(spec.unit).map(amount_exact)))
        .collect_view();
    let other = (!usage.other.is_empty()).then(|| {
        usage
            .other
            .iter()
            .map(|(key, value)| view! { <dt class="mono">{key.clone()}</dt><dd class="mono">{value.to_string()}</dd> })
            .collect_view()
    });
    let metadata = detail.metadata.as_ref().map(|metadata| match metadata {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(key, value)| {
                let text = match value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                view! { <dt class="mono">{key.clone()}</dt><dd>{text}</dd> }
            })
            .collect_view()
            .into_any(),
        other => view! { <dt>"value"</dt><dd class="mono">{other.to_string()}</dd> }.into_any(),
    });
    let body = |title: &'static str, text: Option<String>| {
        text.map(|text| {
            view! {
                <section class="detail-group">
                    <h3>{title}</h3>
                    <pre class="body-text">{text}</pre>
                </section>
            }
        })
    };
    view! {
        <div class="detail-list" data-testid="detail-list">
            <section class="detail-group">
                <h3>"Call"</h3>
                <dl>
                    {field("Request ID", Some(detail.request_id.clone()))}
                    {field("Time", Some(utc_second(detail.ts_ms)))}
                    {field("Model", Some(detail.model.clone()))}
                    {field("Kind", Some(detail.kind.as_str().to_owned()))}
                    {field("Operation", Some(detail.operation.clone()))}
                    {field("Source", Some(detail.source.clone()))}
                    {field("Streamed", Some(if detail.stream { "yes" } else { "no" }.to_owned()))}
                    {field("Upstream request ID", detail.upstream_request_id.clone())}
                    {field("API key", detail.api_key.clone())}
                </dl>
            </section>
            <section class="detail-group">
                <h3>"Outcome"</h3>
                <dl>
                    <dt>"Status"</dt>
                    <dd>
                        <span class=format!("status status-{}", status_class(detail.status))>{detail.status}</span>
                    </dd>
                    {field("Error type", detail.error_type.clone())}
                    {field("Error message", detail.error_message.clone())}
                </dl>
            </section>
            <section class="detail-group">
                <h3>"Timing"</h3>
                <dl>
                    {field("Latency", Some(millis(detail.latency_ms.map(|ms| ms as f64))))}
                    {field("Time to first token", Some(millis(detail.ttft_ms.map(|ms| ms as f64))))}
                    {field("Time to first byte", detail.first_byte_ms.map(|ms| millis(Some(ms as f64))))}
                </dl>
            </section>
            <section class="detail-group">
                <h3>"Usage and cost"</h3>
                <dl>
                    {units}
                    {other}
                    {field("Cost", Some(money(detail.cost)))}
                </dl>
            </section>
            {metadata.map(|metadata| view! {
                <section class="detail-group">
                    <h3>"Metadata"</h3>
                    <dl>{metadata}</dl>
                </section>
            })}
            {body("Request body", detail.request_body.clone())}
            {body("Response body", detail.response_body.clone())}
        </div>
    }
}

/// The side panel for `detail` (or the reason it could not be loaded).
#[component]
pub fn LogDetailsPanel(
    /// The call, or why it is not shown.
    detail: Result<LogDetail, AppError>,
    /// The page's query string (the panel's links change only `id` and `view`).
    #[prop(into)]
    query: Signal<String>,
) -> impl IntoView {
    let close_href = move || link("/logs", &query.get(), &[("id", None), ("view", None)]);
    let navigate = use_navigate();
    let handle = window_event_listener(leptos::ev::keydown, move |event| {
        if event.key() == "Escape" {
            navigate(&close_href(), Default::default());
        }
    });
    on_cleanup(move || handle.remove());
    let json = move || json_chosen(&query.get());
    let tab = move |label: &'static str, is_json: bool| {
        let href = move || {
            link(
                "/logs",
                &query.get(),
                &[("view", is_json.then_some("json"))],
            )
        };
        let active = move || json() == is_json;
        view! {
            <A
                href=href
                attr:class=move || if active() { "seg active" } else { "seg" }
                attr:role="tab"
                attr:aria-selected=move || active().to_string()
            >
                {label}
            </A>
        }
    };
    let content = match detail {
        Ok(detail) => {
            let value = serde_json::to_value(&detail).unwrap_or_default();
            let title = detail.request_id.clone();
            let download = {
                let id = detail.request_id.clone();
                move || download_href(&query.get(), &id)
            };
            view! {
                <header class="panel-head">
                    <h2 class="mono">{title}</h2>
                    <A href=close_href attr:class="close" attr:aria-label="Close details">"×"</A>
                </header>
                <div class="view-tabs">
                    <div class="seg-group" role="tablist" aria-label="Details view">
                        {tab("List", false)}
                        {tab("JSON", true)}
                    </div>
                    <a
                        class="seg download"
                        href=download
                        download=""
                        rel="external"
                        data-testid="download-json"
                    >
                        "Download JSON"
                    </a>
                </div>
                <Show when=json fallback={
                    let detail = detail.clone();
                    move || view! { <ListView detail=detail.clone() /> }
                }>
                    <JsonView value=value.clone() />
                </Show>
            }
            .into_any()
        }
        Err(error) => view! {
            <header class="panel-head">
                <h2>"Call details"</h2>
                <A href=close_href attr:class="close" attr:aria-label="Close details">"×"</A>
            </header>
            <p role="alert" data-testid="detail-error"><ErrorNote error /></p>
        }
        .into_any(),
    };
    view! {
        <aside class="side-panel" role="dialog" aria-label="Call details" data-testid="log-details">
            {content}
        </aside>
    }
}

#[cfg(test)]
mod tests {
    use super::{download_href, json_chosen};

    #[test]
    fn the_download_names_the_call_and_the_pages_workspace_only() {
        assert_eq!(
            download_href("ws=2&range=1h&id=x&view=json", "req a/b"),
            "/api/v1/logs/call?id=req%20a%2Fb&ws=2"
        );
        assert_eq!(
            download_href("range=1h", "qwen-0"),
            "/api/v1/logs/call?id=qwen-0"
        );
    }

    #[test]
    fn the_json_view_is_chosen_by_the_first_view_in_the_query() {
        assert!(json_chosen("id=a&view=json"));
        assert!(!json_chosen("id=a&view=list&view=json"));
        assert!(json_chosen("view=json&view=list"));
        assert!(!json_chosen("id=a"));
    }
}
