//! Server functions of the Alerts page. Rules are validated here with the same code the
//! editor runs as you type (`RuleDraft::validate`).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AlertEvent, AlertRule, RuleDraft};

/// Most events one call returns.
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
    let spec = match draft.validate() {
        Ok(spec) => spec,
        Err(problems) => {
            answer_status(http::StatusCode::BAD_REQUEST);
            let reasons: Vec<String> = problems
                .iter()
                .map(|problem| format!("{}: {}", problem.field, problem.message))
                .collect();
            return Err(ServerFnError::new(reasons.join("; ")));
        }
    };
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

/// The newest alert events (of one rule when `rule_id` is given), at most `limit` (500).
#[server(input = GetUrl, endpoint = "list_alert_events")]
pub async fn list_alert_events(
    rule_id: Option<i64>,
    limit: Option<u32>,
) -> Result<Vec<AlertEvent>, ServerFnError> {
    let limit = limit.unwrap_or(100);
    if limit == 0 || limit > MAX_EVENTS {
        answer_status(http::StatusCode::BAD_REQUEST);
        return Err(ServerFnError::new(format!("limit: 1 to {MAX_EVENTS}")));
    }
    Ok(crate::api::backend::backend()?
        .alert_events(rule_id, limit)
        .await?)
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
