//! Server functions of the Alerts page. Rules are validated here with the same code the
//! editor runs as you type (`RuleDraft::validate`).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AlertRule, EventPage, RuleDraft, RulePreview};

/// Most events one call asks deliveries for.
pub const MAX_EVENTS: u32 = 500;

#[cfg(feature = "ssr")]
fn answer_status(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

/// The workspace's alert rules.
#[server(input = GetUrl, endpoint = "list_alert_rules")]
pub async fn list_alert_rules() -> Result<Vec<AlertRule>, ServerFnError> {
    Ok(crate::api::backend::backend()?.alert_rules().await?)
}

/// Saves the rule in `draft` as a new rule (`id` empty) or over rule `id`. An invalid draft is
/// answered with 400 and every wrong field (`field: reason; ...`).
#[server(endpoint = "save_alert_rule")]
pub async fn save_alert_rule(id: Option<i64>, draft: RuleDraft) -> Result<i64, ServerFnError> {
    use crate::api::backend::BackendError;
    let spec = validated(draft)?;
    match crate::api::backend::backend()?
        .save_alert_rule(id, spec)
        .await
    {
        Err(BackendError::NotFound) => {
            answer_status(http::StatusCode::NOT_FOUND);
            Err(ServerFnError::new("id: no such rule"))
        }
        other => Ok(other?),
    }
}

/// The rule's metric over the last 24 hours, measured as the evaluator measures it, for the
/// editor's preview. An invalid draft is answered with 400 like [`save_alert_rule`].
#[server(endpoint = "preview_alert_rule")]
pub async fn preview_alert_rule(draft: RuleDraft) -> Result<RulePreview, ServerFnError> {
    let spec = validated(draft)?;
    Ok(crate::api::backend::backend()?
        .preview_alert_rule(spec)
        .await?)
}

/// The rule a draft describes, or 400 naming every wrong field (`field: reason; ...`).
#[cfg(feature = "ssr")]
fn validated(draft: RuleDraft) -> Result<crate::model::RuleSpec, ServerFnError> {
    draft.validate().map_err(|problems| {
        answer_status(http::StatusCode::BAD_REQUEST);
        let reasons: Vec<String> = problems
            .iter()
            .map(|problem| format!("{}: {}", problem.field, problem.message))
            .collect();
        ServerFnError::new(reasons.join("; "))
    })
}

/// Deletes rule `id`; its events stay in the history.
#[server(endpoint = "delete_alert_rule")]
pub async fn delete_alert_rule(id: i64) -> Result<(), ServerFnError> {
    use crate::api::backend::BackendError;
    match crate::api::backend::backend()?.delete_alert_rule(id).await {
        Err(BackendError::NotFound) => {
            answer_status(http::StatusCode::NOT_FOUND);
            Err(ServerFnError::new("id: no such rule"))
        }
        other => Ok(other?),
    }
}

/// One page of the alert history for the filter in `query` (the Alerts page's own query
/// string, without `?`), newest first. An invalid filter is answered with 400 and the
/// parameter at fault.
#[server(input = GetUrl, endpoint = "list_alert_events")]
pub async fn list_alert_events(query: String) -> Result<EventPage, ServerFnError> {
    let filter = match crate::url_state::HistoryFilter::from_query(&query) {
        Ok(filter) => filter,
        Err(error) => {
            answer_status(http::StatusCode::BAD_REQUEST);
            return Err(ServerFnError::new(error.to_string()));
        }
    };
    Ok(crate::api::backend::backend()?.alert_events(filter).await?)
}

/// The workspace's webhook channels.
#[server(input = GetUrl, endpoint = "list_alert_channels")]
pub async fn list_alert_channels() -> Result<Vec<crate::model::AlertChannel>, ServerFnError> {
    Ok(crate::api::backend::backend()?.alert_channels().await?)
}

/// Adds a webhook channel (`format`: `json` or `slack`); 400 names the wrong field.
#[server(endpoint = "create_alert_channel")]
pub async fn create_alert_channel(
    name: String,
    url: String,
    format: String,
) -> Result<i64, ServerFnError> {
    let Some(format) = crate::model::ChannelFormat::parse(&format) else {
        answer_status(http::StatusCode::BAD_REQUEST);
        return Err(ServerFnError::new("format: json or slack"));
    };
    if let Err(problem) = crate::model::validate_channel(&name, &url) {
        answer_status(http::StatusCode::BAD_REQUEST);
        return Err(ServerFnError::new(format!(
            "{}: {}",
            problem.field, problem.message
        )));
    }
    Ok(crate::api::backend::backend()?
        .create_alert_channel(name, url, format)
        .await?)
}

/// Deletes webhook channel `id`.
#[server(endpoint = "delete_alert_channel")]
pub async fn delete_alert_channel(id: i64) -> Result<(), ServerFnError> {
    use crate::api::backend::BackendError;
    match crate::api::backend::backend()?
        .delete_alert_channel(id)
        .await
    {
        Err(BackendError::NotFound) => {
            answer_status(http::StatusCode::NOT_FOUND);
            Err(ServerFnError::new("id: no such channel"))
        }
        other => Ok(other?),
    }
}

/// Sends a test notification to channel `id` and returns how the delivery went.
#[server(endpoint = "send_test_alert")]
pub async fn send_test_alert(id: i64) -> Result<crate::model::Delivery, ServerFnError> {
    use crate::api::backend::BackendError;
    match crate::api::backend::backend()?.send_test_alert(id).await {
        Err(BackendError::NotFound) => {
            answer_status(http::StatusCode::NOT_FOUND);
            Err(ServerFnError::new("id: no such channel"))
        }
        other => Ok(other?),
    }
}

/// The webhook deliveries of the events in `event_ids` (comma-separated, at most 500).
#[server(input = GetUrl, endpoint = "list_alert_deliveries")]
pub async fn list_alert_deliveries(
    event_ids: String,
) -> Result<Vec<crate::model::Delivery>, ServerFnError> {
    let ids: Result<Vec<i64>, _> = event_ids
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::parse)
        .collect();
    match ids {
        Ok(ids) if ids.len() <= MAX_EVENTS as usize => Ok(crate::api::backend::backend()?
            .alert_deliveries(ids)
            .await?),
        _ => {
            answer_status(http::StatusCode::BAD_REQUEST);
            Err(ServerFnError::new(
                "event_ids: up to 500 event ids, comma-separated",
            ))
        }
    }
}
