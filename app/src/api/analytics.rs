//! Server functions of the Analytics page.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::AnalyticsReport;
#[cfg(feature = "ssr")]
use crate::url_state::AnalyticsFilter;

/// The Analytics report for the filter in `query` (the page's own query string, without `?`).
/// An invalid filter is answered with 400 and the parameter at fault.
#[server(input = GetUrl, endpoint = "get_analytics")]
pub async fn get_analytics(query: String) -> Result<AnalyticsReport, ServerFnError> {
    let filter = match AnalyticsFilter::from_query(&query) {
        Ok(filter) => filter,
        Err(error) => {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::BAD_REQUEST);
            }
            return Err(ServerFnError::new(error.to_string()));
        }
    };
    Ok(crate::api::backend::backend()?.analytics(filter).await?)
}
