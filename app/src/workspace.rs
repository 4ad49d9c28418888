//! The workspace a page shows: the URL's `ws=` (the user's default workspace when absent),
//! read reactively inside the router, and links that keep it.

use leptos::prelude::*;

use crate::url_state::{link, with_params, workspace_param};

/// The workspace the current URL names (`None`: the user's default).
pub fn use_ws() -> Memo<Option<i64>> {
    let query = crate::hooks::use_query();
    Memo::new(move |_| workspace_param(&query.get()).ok().flatten())
}

/// `path` in workspace `ws` (unchanged for the default).
pub fn ws_path(path: &str, ws: Option<i64>) -> String {
    match ws {
        Some(ws) => {
            let (base, query) = path.split_once('?').unwrap_or((path, ""));
            link(base, query, &[("ws", Some(&ws.to_string()))])
        }
        None => path.to_owned(),
    }
}

/// A canonical filter query with the workspace of `query` (the page's) kept: what server
/// functions that read the workspace from the query are sent.
pub fn keep_ws(canonical: String, query: &str) -> String {
    match workspace_param(query).ok().flatten() {
        Some(ws) => with_params(&canonical, &[("ws", Some(&ws.to_string()))]),
        None => canonical,
    }
}

#[cfg(test)]
mod tests {
    use super::ws_path;

    #[test]
    fn paths_keep_their_query_and_gain_the_workspace() {
        assert_eq!(ws_path("/logs", None), "/logs");
        assert_eq!(ws_path("/logs", Some(2)), "/logs?ws=2");
        assert_eq!(ws_path("/logs?model=a&ws=1", Some(2)), "/logs?model=a&ws=2");
    }

    #[test]
    fn canonical_queries_keep_the_pages_workspace() {
        assert_eq!(
            super::keep_ws("range=1h".into(), "ws=3&range=1h&sort=x"),
            "range=1h&ws=3"
        );
        assert_eq!(super::keep_ws(String::new(), "ws=3"), "ws=3");
        assert_eq!(super::keep_ws("range=1h".into(), "range=1h"), "range=1h");
    }
}
