//! The Logs table: one row per call, newest first. A row opens the call's details (a click, or
//! Enter when the row has focus; the request ID and the row's "Details" link are plain links,
//! so they work without JavaScript, and the link is reached with Tab). Times show in the
//! browser's local time once hydrated, UTC on hover.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::format::{call_time, call_usage, millis, utc_second};
use crate::model::{status_class, LogRow};
use crate::url_state::link;

/// The browser's offset from UTC in minutes east; `None` on the server and before hydration,
/// so both render the same UTC text first.
pub fn use_local_offset() -> ReadSignal<Option<i32>> {
    let (offset, set_offset) = signal(None);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let minutes_west = js_sys::Date::new_0().get_timezone_offset();
            set_offset.set(Some(-(minutes_west as i32)));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = set_offset;
    });
    offset
}

/// The URL of the page at `query` with the details of `request_id` open.
pub fn details_link(query: &str, request_id: &str) -> String {
    link("/logs", query, &[("id", Some(request_id))])
}

/// The table of calls.
#[component]
pub fn LogsTable(
    /// The calls, newest first.
    rows: Vec<LogRow>,
    /// The page's query string, for the details links.
    #[prop(into)]
    query: Signal<String>,
    /// The request ID whose details are open, if any.
    #[prop(into)]
    selected: Signal<Option<String>>,
) -> impl IntoView {
    let offset = use_local_offset();
    let navigate = use_navigate();
    let rows = rows
        .into_iter()
        .map(|row| {
            let id = row.request_id.clone();
            let href = {
                let id = id.clone();
                move || details_link(&query.get(), &id)
            };
            let open = {
                let (navigate, href) = (navigate.clone(), href.clone());
                move || navigate(&href(), Default::default())
            };
            let on_key = {
                let open = open.clone();
                move |event: leptos::ev::KeyboardEvent| {
                    if event.key() == "Enter" {
                        event.prevent_default();
                        open();
                    }
                }
            };
            let is_selected = {
                let id = id.clone();
                Signal::derive(move || selected.get().as_deref() == Some(id.as_str()))
            };
            let ts = row.ts_ms;
            let data_id = id.clone();
            let details_href = href.clone();
            let details_label = format!("Details of {id}");
            let class = status_class(row.status);
            view! {
                <tr
                    tabindex="0"
                    class="log-row"
                    class:selected=is_selected
                    aria-selected=move || is_selected.get().to_string()
                    on:click=move |_| open()
                    on:keydown=on_key
                    data-request-id=data_id
                >
                    <td class="mono request-id">
                        <A href=href attr:tabindex="-1">{id.clone()}</A>
                    </td>
                    <td class="time" title=format!("UTC: {}", utc_second(ts))>
                        <time datetime=crate::url_state::format_time(ts)>
                            {move || call_time(ts, offset.get())}
                        </time>
                    </td>
                    <td>{row.model.clone()}</td>
                    <td class="usage">{call_usage(row.kind, &row.usage)}</td>
                    <td class="num">{millis(row.ttft_ms.map(|ms| ms as f64))}</td>
                    <td class="num">{millis(row.latency_ms.map(|ms| ms as f64))}</td>
                    <td>
                        <span class=format!("status status-{class}")>{row.status}</span>
                    </td>
                    <td class="details">
                        <A
                            href=details_href
                            attr:class="details-link"
                            attr:aria-label=details_label
                        >
                            "Details"
                        </A>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="logs-table" data-testid="logs-table">
                <thead>
                    <tr>
                        <th scope="col">"Request ID"</th>
                        <th scope="col">"Time"</th>
                        <th scope="col">"Model"</th>
                        <th scope="col">"Usage"</th>
                        <th scope="col" class="num">"TTFT"</th>
                        <th scope="col" class="num">"Latency"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="visually-hidden">"Details"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
