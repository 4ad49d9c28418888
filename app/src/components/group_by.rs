//! The Analytics "Group by" control: one link per dimension (and "none"), and, when grouped,
//! what ranks the groups. Links change only their own keys, so they work before hydration.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::model::{Dimension, GroupSort};
use crate::url_state::link;

/// The group-by and rank-by links.
#[component]
pub fn GroupBy(
    /// The page's query string (without `?`).
    #[prop(into)]
    query: Signal<String>,
    /// The dimension grouped by, if any.
    group: Option<Dimension>,
    /// What ranks the groups.
    sort: GroupSort,
) -> impl IntoView {
    let seg = |active: bool| if active { "seg active" } else { "seg" };
    let choice = move |dimension: Option<Dimension>| {
        let href = move || {
            link(
                "/analytics",
                &query.get(),
                &[("group", dimension.map(Dimension::as_str))],
            )
        };
        let label = dimension.map_or("none", Dimension::as_str);
        let active = group == dimension;
        view! {
            <A href=href attr:class=seg(active) attr:aria-current=active.then_some("true") attr:data-group=label>
                {label}
            </A>
        }
    };
    let rank = move |choice: GroupSort| {
        let href = move || link("/analytics", &query.get(), &[("by", Some(choice.as_str()))]);
        let active = sort == choice;
        view! {
            <A href=href attr:class=seg(active) attr:aria-current=active.then_some("true")>
                {choice.label()}
            </A>
        }
    };
    let dimensions = std::iter::once(None).chain(Dimension::ALL.map(Some));
    view! {
        <div class="filter-group" role="group" aria-label="Group by">
            <span class="filter-label">"Group by"</span>
            {dimensions.map(choice).collect_view()}
        </div>
        {group.map(|_| view! {
            <div class="filter-group" role="group" aria-label="Rank groups by">
                <span class="filter-label">"Rank by"</span>
                {GroupSort::ALL.into_iter().map(rank).collect_view()}
            </div>
        })}
    }
}
