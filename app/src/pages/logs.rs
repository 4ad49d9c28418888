//! The Logs tab: every recorded model call, newest first, 50 to a page, filtered by time
//! range, models, status and request ID; `?id=` opens one call's details beside the table.
//! The URL's query string is the whole state.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::{get_log, list_logs};
use crate::components::empty_state::EmptyState;
use crate::components::error_note::ErrorState;
use crate::components::log_details::LogDetailsPanel;
use crate::components::logs_filters::{logs_link, LogsFilterBar};
use crate::components::logs_table::LogsTable;
use crate::format::{grouped, utc_minute};
use crate::hooks::{use_query, use_query_resource};
use crate::model::{Cursor, LogPage};
use crate::url_state::{LogsFilter, QueryParams};

/// The request ID whose details the URL asks for (`id=`).
fn opened_id(query: &str) -> Option<String> {
    QueryParams::parse(query)
        .get("id")
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

/// `/logs`
#[component]
pub fn LogsPage() -> impl IntoView {
    let query = use_query();
    // The page depends only on the filter and page position, not on the open panel.
    let page = use_query_resource::<LogsFilter, _, _>(query, list_logs);
    let opened = Memo::new(move |_| opened_id(&query.get()));
    let ws = crate::workspace::use_ws();
    let detail = Resource::new(
        move || (opened.get(), ws.get()),
        |(id, ws)| async move {
            match id {
                Some(id) => Some(get_log(id, ws).await),
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
                            Err(error) => view! {
                                <ErrorState
                                    title="These logs could not be loaded"
                                    error
                                    reset="/logs"
                                    testid="logs-error"
                                />
                            }
                            .into_any(),
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

/// The newer (`after`) or older (`before`) page next to `cursor`.
fn page_link(query: &str, key: &'static str, cursor: Cursor) -> String {
    logs_link(query, &[(key, Some(&cursor.to_param()))])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_opened_call_is_the_first_id_in_the_query() {
        assert_eq!(opened_id("id=a&id=b"), Some("a".to_owned()));
        assert_eq!(opened_id("range=1h&id=+x+"), Some("x".to_owned()));
        assert_eq!(opened_id("id=&id=b"), None);
        assert_eq!(opened_id(""), None);
    }

    #[test]
    fn page_links_leave_the_panel_and_the_other_direction_behind() {
        let cursor = Cursor { ts_ms: 5, row: 7 };
        assert_eq!(
            page_link("range=1h&before=1.2&id=x&view=json", "after", cursor),
            format!("/logs?range=1h&after={}", cursor.to_param())
        );
    }
}
