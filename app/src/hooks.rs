//! Hooks the pages share: the page's query string, and a resource keyed on the canonical form
//! of the filter that query names.

use std::future::Future;

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use serde::{de::DeserializeOwned, Serialize};

use crate::api::AppError;
use crate::url_state::UrlFilter;

/// The page's query string, without `?`.
pub fn use_query() -> Memo<String> {
    let location = use_location();
    Memo::new(move |_| location.search.get().trim_start_matches('?').to_owned())
}

/// The canonical query of filter `F` in `query` (a page's query string) with the page's
/// workspace kept: what a server function that reads a filter is sent. An invalid filter is
/// the [`AppError::Invalid`] the server would answer, naming the parameter.
pub fn canonical_query<F: UrlFilter>(query: &str) -> Result<String, AppError> {
    let filter = F::from_query(query)?;
    Ok(crate::workspace::keep_ws(filter.to_query(), query))
}

/// What else a [`use_query_resource_with_options`] refetches on.
#[derive(Clone, Copy)]
pub struct QueryResourceOptions {
    /// Refetch whenever this changes (a notification, a saved rule...).
    pub version: Signal<u64>,
}

impl Default for QueryResourceOptions {
    fn default() -> Self {
        Self {
            version: Signal::stored(0),
        }
    }
}

/// A resource of `fetch(canonical)`, where `canonical` is the canonical query of filter `F` in
/// `query` ([`canonical_query`]). Keyed on that canonical form, so parameters the filter does
/// not read (sorting, auto-refresh, an open side panel) change the URL without fetching again;
/// an invalid filter resolves to its error without calling the server.
pub fn use_query_resource<F, T, Fut>(
    query: impl Into<Signal<String>>,
    fetch: impl Fn(String) -> Fut + Send + Sync + 'static,
) -> Resource<Result<T, AppError>>
where
    F: UrlFilter,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    use_query_resource_with_options::<F, T, Fut>(query, QueryResourceOptions::default(), fetch)
}

/// [`use_query_resource`] that also refetches when `options.version` changes.
pub fn use_query_resource_with_options<F, T, Fut>(
    query: impl Into<Signal<String>>,
    options: QueryResourceOptions,
    fetch: impl Fn(String) -> Fut + Send + Sync + 'static,
) -> Resource<Result<T, AppError>>
where
    F: UrlFilter,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    let query = query.into();
    let key = Memo::new(move |_| canonical_query::<F>(&query.get()));
    Resource::new(
        move || (key.get(), options.version.get()),
        move |(key, _)| {
            let call = key.map(&fetch);
            async move { call?.await }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_state::{AnalyticsFilter, HistoryFilter, LogsFilter};

    #[test]
    fn the_canonical_query_drops_what_the_filter_does_not_read_and_keeps_the_workspace() {
        assert_eq!(
            canonical_query::<AnalyticsFilter>("sort=p95&refresh=10s&range=7d&ws=2"),
            Ok("range=7d&ws=2".to_owned())
        );
        assert_eq!(
            canonical_query::<LogsFilter>("id=abc&view=json&status=5XX"),
            Ok("status=5xx".to_owned())
        );
        assert_eq!(
            canonical_query::<HistoryFilter>("kind=&rule=3"),
            Ok("rule=3".to_owned())
        );
    }

    #[test]
    fn an_invalid_filter_is_the_error_the_server_would_answer() {
        assert_eq!(
            canonical_query::<AnalyticsFilter>("gran=10s"),
            Err(AppError::Invalid(
                "gran: must be one of 1m, 5m, 1h, 1d".into()
            ))
        );
    }
}
