//! Server functions of the Analytics page.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::api::AppError;
use crate::model::AnalyticsReport;

/// The Analytics report for the filter in `query` (the page's own query string, without `?`,
/// `ws=` naming the workspace). An invalid filter is answered with 400 and the parameter at
/// fault.
#[server(input = GetUrl, endpoint = "get_analytics")]
pub async fn get_analytics(query: String) -> Result<AnalyticsReport, AppError> {
    use crate::api::access::{access_for_query, answer, refuse};
    let access = access_for_query(&query, crate::model::Role::Viewer)?;
    let filter = match crate::url_state::AnalyticsFilter::from_query(&query) {
        Ok(filter) => filter,
        Err(error) => return refuse(error.into()),
    };
    answer(
        crate::api::backend::backend()?
            .analytics(access.workspace_id, filter)
            .await,
    )
}
