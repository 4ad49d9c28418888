//! Server functions of the Alerts page. Rules are validated here with the same code the
//! editor runs as you type (`RuleDraft::validate`). Reading needs a viewer of the workspace;
//! changing rules and channels needs an admin.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::api::AppError;
use crate::model::{AlertChannel, AlertRule, Delivery, EventPage, RuleDraft, RulePreview};

/// Most events one call asks deliveries for.
pub const MAX_EVENTS: u32 = 500;

/// The workspace's alert rules.
#[server(input = GetUrl, endpoint = "list_alert_rules")]
pub async fn list_alert_rules(ws: Option<i64>) -> Result<Vec<AlertRule>, AppError> {
    use crate::api::access::{access, answer};
    let access = access(ws, crate::model::Role::Viewer)?;
    answer(
        crate::api::backend::backend()?
            .alert_rules(access.workspace_id)
            .await,
    )
}

/// Saves the rule in `draft` as a new rule (`id` empty) or over rule `id`. An invalid draft is
/// answered with 400 and every wrong field (`field: reason; ...`).
#[server(endpoint = "save_alert_rule")]
pub async fn save_alert_rule(
    ws: Option<i64>,
    id: Option<i64>,
    draft: RuleDraft,
) -> Result<i64, AppError> {
    use crate::api::access::{access, answer};
    let access = access(ws, crate::model::Role::Admin)?;
    let spec = validated(draft)?;
    answer(
        crate::api::backend::backend()?
            .save_alert_rule(access.workspace_id, id, spec)
            .await,
    )
}

/// The rule's metric over the last 24 hours, measured as the evaluator measures it, for the
/// editor's preview. An invalid draft is answered with 400 like [`save_alert_rule`].
#[server(endpoint = "preview_alert_rule")]
pub async fn preview_alert_rule(
    ws: Option<i64>,
    draft: RuleDraft,
) -> Result<RulePreview, AppError> {
    use crate::api::access::{access, answer};
    let access = access(ws, crate::model::Role::Viewer)?;
    let spec = validated(draft)?;
    answer(
        crate::api::backend::backend()?
            .preview_alert_rule(access.workspace_id, spec)
            .await,
    )
}

/// The rule a draft describes, or 400 naming every wrong field (`field: reason; ...`).
#[cfg(feature = "ssr")]
fn validated(draft: RuleDraft) -> Result<crate::model::RuleSpec, AppError> {
    draft.validate().or_else(|problems| {
        let reasons: Vec<String> = problems
            .iter()
            .map(|problem| format!("{}: {}", problem.field, problem.message))
            .collect();
        crate::api::access::invalid(reasons.join("; "))
    })
}

/// Deletes rule `id`; its events stay in the history.
#[server(endpoint = "delete_alert_rule")]
pub async fn delete_alert_rule(ws: Option<i64>, id: i64) -> Result<(), AppError> {
    use crate::api::access::{access, answer};
    let access = access(ws, crate::model::Role::Admin)?;
    answer(
        crate::api::backend::backend()?
            .delete_alert_rule(access.workspace_id, id)
            .await,
    )
}

/// One page of the alert history for the filter in `query` (the Alerts page's own query
/// string, without `?`), newest first. An invalid filter is answered with 400 and the
/// parameter at fault.
#[server(input = GetUrl, endpoint = "list_alert_events")]
pub async fn list_alert_events(query: String) -> Result<EventPage, AppError> {
    use crate::api::access::{access_for_query, answer, refuse};
    let access = access_for_query(&query, crate::model::Role::Viewer)?;
    let filter = match crate::url_state::HistoryFilter::from_query(&query) {
        Ok(filter) => filter,
        Err(error) => return refuse(error.into()),
    };
    answer(
        crate::api::backend::backend()?
            .alert_events(access.workspace_id, filter)
            .await,
    )
}

/// The workspace's webhook channels; their URLs whole only for an admin (they carry secrets),
/// a viewer sees scheme and host.
#[server(input = GetUrl, endpoint = "list_alert_channels")]
pub async fn list_alert_channels(ws: Option<i64>) -> Result<Vec<AlertChannel>, AppError> {
    use crate::api::access::{access, answer};
    let access = access(ws, crate::model::Role::Viewer)?;
    let channels = answer(
        crate::api::backend::backend()?
            .alert_channels(access.workspace_id)
            .await,
    )?;
    Ok(channels
        .into_iter()
        .map(|channel| channel.for_role(access.role))
        .collect())
}

/// Adds a webhook channel (`format`: `json` or `slack`); 400 names the wrong field.
#[server(endpoint = "create_alert_channel")]
pub async fn create_alert_channel(
    ws: Option<i64>,
    name: String,
    url: String,
    format: String,
) -> Result<i64, AppError> {
    use crate::api::access::{access, answer, invalid};
    let access = access(ws, crate::model::Role::Admin)?;
    let Some(format) = crate::model::ChannelFormat::parse(&format) else {
        return invalid("format: json or slack");
    };
    if let Err(problem) = crate::model::validate_channel(&name, &url) {
        return invalid(format!("{}: {}", problem.field, problem.message));
    }
    answer(
        crate::api::backend::backend()?
            .create_alert_channel(access.workspace_id, name, url, format)
            .await,
    )
}

/// Deletes webhook channel `id`.
#[server(endpoint = "delete_alert_channel")]
pub async fn delete_alert_channel(ws: Option<i64>, id: i64) -> Result<(), AppError> {
    use crate::api::access::{access, answer};
    let access = access(ws, crate::model::Role::Admin)?;
    answer(
        crate::api::backend::backend()?
            .delete_alert_channel(access.workspace_id, id)
            .await,
    )
}

/// Sends a test notification to channel `id` and returns how the delivery went
/// (`Delivery::outcome` says it in one of four fixed forms, nothing more).
#[server(endpoint = "send_test_alert")]
pub async fn send_test_alert(ws: Option<i64>, id: i64) -> Result<Delivery, AppError> {
    use crate::api::access::{access, answer};
    let access = access(ws, crate::model::Role::Admin)?;
    answer(
        crate::api::backend::backend()?
            .send_test_alert(access.workspace_id, id)
            .await,
    )
}

/// The webhook deliveries of the events in `event_ids` (comma-separated, at most 500).
#[server(input = GetUrl, endpoint = "list_alert_deliveries")]
pub async fn list_alert_deliveries(
    ws: Option<i64>,
    event_ids: String,
) -> Result<Vec<Delivery>, AppError> {
    use crate::api::access::{access, answer, invalid};
    let access = access(ws, crate::model::Role::Viewer)?;
    let ids: Result<Vec<i64>, _> = event_ids
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::parse)
        .collect();
    match ids {
        Ok(ids) if ids.len() <= MAX_EVENTS as usize => answer(
            crate::api::backend::backend()?
                .alert_deliveries(access.workspace_id, ids)
                .await,
        ),
        _ => invalid("event_ids: up to 500 event ids, comma-separated"),
    }
}
