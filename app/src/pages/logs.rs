//! The Logs tab: every recorded model call, newest first, 50 to a page, filtered by time
//! range, models, status and request ID; `?id=` opens one call's details beside the table.
//! The URL's query string is the whole state.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::api::{get_log, list_logs};
use crate::components::empty_state::EmptyState;
use crate::components::log_details::LogDetailsPanel;
use crate::components::logs_filters::{logs_link, LogsFilterBar};
use crate::components::logs_table::LogsTable;
use crate::format::{grouped, utc_minute};
use crate::model::{Cursor, LogPage};
use crate::url_state::{query_pairs, with_params, LogsFilter};

/// The request ID whose details the URL asks for (`id=`).
fn opened_id(query: &str) -> Option<String> {
    query_pairs(query)
        .into_iter()
        .rev()
        .find(|(key, _)| key == "id")
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// `/logs`
#[component]
pub fn LogsPage() -> impl IntoView {
    let location = use_location();
    let query = Memo::new(move |_| location.search.get().trim_start_matches('?').to_owned());
    // The page depends only on the filter and page position, not on the open panel.
    let key = Memo::new(move |_| {
        LogsFilter::from_query(&query.get())
            .map(|filter| crate::workspace::keep_ws(filter.to_query(), &query.get()))
            .map_err(|error| error.to_string())
    });
    let page = Resource::new(
        move || key.get(),
        |key| async move {
            match key {
                Ok(canonical) => list_logs(canonical).await,
                Err(message) => Err(ServerFnError::new(message)),
            }
        },
    );
    let opened = Memo::new(move |_| opened_id(&query.get()));
    let ws = crate::workspace::use_ws();
    let detail = Resource::new(
        move || (opened.get(), ws.get()),
        |(id, ws)| async move {
            match id {
                Some(id) => Some(
                    get_log(id, ws)
                        .await
                        .map_err(|error| clean(&error.to_string())),
                ),
                None => None,
            }
        },
    );
    let pending = RwSignal::new(false);

    view! {
        <Title text="Logs" />
        <div class="page-head">
            <h1>"Logs"</h1>
            <span class="muted refreshing" class:visible=move || pending.get() role="status">
                "Loading…"
            </span>
        </div>
        <div class="logs-layout" class:with-panel=move || opened.get().is_some()>
            <div class="logs-main">
                <Transition
                    fallback=|| view! { <p class="loading" role="status">"Loading logs…"</p> }
                    set_pending=pending.write_only()
                >
                    {move || Suspend::new(async move {
                        match page.await {
                            Ok(page) => view! { <Page page query selected=opened /> }.into_any(),
                            Err(error) => view! { <PageError error=error.to_string() /> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    detail
                        .await
                        .map(|detail| view! { <LogDetailsPanel detail query /> })
                })}
            </Transition>
        </div>
    }
}

fn clean(error: &str) -> String {
    error
        .trim_start_matches("error running server function: ")
        .to_owned()
}

/// Why there is no page: an invalid URL names its parameter; anything else is generic.
#[component]
fn PageError(error: String) -> impl IntoView {
    view! {
        <section class="error-state" role="alert" data-testid="logs-error">
            <h2>"These logs could not be loaded"</h2>
            <p>{clean(&error)}</p>
            <p>
                <a href="/logs">"Reset all filters"</a>
                " or try again in a moment."
            </p>
        </section>
    }
}

fn page_link(query: &str, key: &'static str, cursor: Cursor) -> String {
    let cursor = cursor.to_param();
    format!(
        "/logs?{}",
        with_params(
            query,
            &[
                ("before", None),
                ("after", None),
                ("id", None),
                ("view", None),
                (key, Some(&cursor)),
            ],
        )
    )
}

/// Everything below the title for one page.
#[component]
fn Page(page: LogPage, query: Memo<String>, selected: Memo<Option<String>>) -> impl IntoView {
    let filter = LogsFilter::from_query(&query.get_untracked()).unwrap_or_default();
    let bar = view! {
        <LogsFilterBar
            query
            filter=filter.clone()
            models=page.model_options.clone()
            answered=(page.from_ms, page.to_ms)
        />
    };
    let retention = view! {
        <p class="muted retention" data-testid="retention">
            {format!(
                "Logs are kept for {} days; older calls are not shown.",
                page.retention_days
            )}
        </p>
    };
    if page.model_options.is_empty() {
        return view! {
            {bar}
            {retention}
            <EmptyState title="No logs yet">
                <p>
                    "Each model call this workspace receives will be listed here, newest first, "
                    "with its status, latency and usage."
                </p>
            </EmptyState>
        }
        .into_any();
    }
    let summary = {
        let range = format!("{} – {}", utc_minute(page.from_ms), utc_minute(page.to_ms));
        let matching = match page.matching {
            Some(1) => "1 call matches".to_owned(),
            Some(count) => format!("{} calls match", grouped(count)),
            None => "Matching calls".to_owned(),
        };
        view! {
            <p class="period muted" data-testid="logs-summary">
                <span data-testid="matching">{matching}</span>
                {format!(" · {range} · newest first")}
            </p>
        }
    };
    let searched = page.searched_to_ms.map(|searched_to| {
        view! {
            <p class="notice" role="status" data-testid="searched-to">
                {format!(
                    "Searched calls back to {}; {} so far. Older calls were not searched yet.",
                    utc_minute(searched_to),
                    if page.rows.is_empty() { "no matches".to_owned() } else { format!("{} matches", page.rows.len()) }
                )}
            </p>
        }
    });
    let pager = {
        let query = query.get_untracked();
        let on_newest = page.newer.is_none();
        let newer = page.newer.map(|cursor| page_link(&query, "after", cursor));
        let older = page.older.map(|cursor| page_link(&query, "before", cursor));
        let older_label = if page.searched_to_ms.is_some() {
            "Search older →"
        } else {
            "Older →"
        };
        view! {
            <nav class="pager" aria-label="Pages">
                {(!on_newest).then(|| view! {
                    <A href=logs_link(&query, &[]) attr:class="seg">"⇤ Newest"</A>
                })}
                {match newer {
                    Some(href) => view! { <A href=href attr:class="seg" attr:rel="prev">"← Newer"</A> }.into_any(),
                    None => view! { <span class="seg disabled" aria-disabled="true">"← Newer"</span> }.into_any(),
                }}
                {match older {
                    Some(href) => view! { <A href=href attr:class="seg" attr:rel="next">{older_label}</A> }.into_any(),
                    None => view! { <span class="seg disabled" aria-disabled="true">"Older →"</span> }.into_any(),
                }}
            </nav>
        }
    };
    let body = if page.rows.is_empty() && page.searched_to_ms.is_none() {
        view! {
            <EmptyState title="No calls match">
                <p>"Nothing in this range matches the filters. Widen the range or clear a filter."</p>
            </EmptyState>
        }
        .into_any()
    } else if page.rows.is_empty() {
        ().into_any()
    } else {
        view! { <LogsTable rows=page.rows query selected /> }.into_any()
    };
    view! {
        {bar}
        {retention}
        {summary}
        {searched}
        {body}
        {pager}
    }
    .into_any()
}
