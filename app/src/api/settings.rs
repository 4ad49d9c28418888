//! Server functions of the Settings page: reading needs a viewer of the workspace, changing
//! anything an admin of it; creating a workspace needs a server administrator.

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

use crate::api::AppError;
use crate::model::{AddedMember, KeyToConnect, Prices, SettingsOverview};

/// Members, keys, retention and the model catalog of workspace `ws`.
#[server(input = GetUrl, endpoint = "get_settings")]
pub async fn get_settings(ws: Option<i64>) -> Result<SettingsOverview, AppError> {
    use crate::api::access::{access, answer};
    let access = access(ws, crate::model::Role::Viewer)?;
    answer(
        crate::api::backend::backend()?
            .settings(access.workspace_id, access.role)
            .await,
    )
}

/// Sets how many days raw calls are kept (1 to 3,650).
#[server(endpoint = "set_retention")]
pub async fn set_retention(ws: Option<i64>, days: String) -> Result<(), AppError> {
    use crate::api::access::{access, answer, invalid};
    let access = access(ws, crate::model::Role::Admin)?;
    let Some(days) = days
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|days| (1..=3_650).contains(days))
    else {
        return invalid("days: a whole number of days from 1 to 3,650");
    };
    answer(
        crate::api::backend::backend()?
            .set_retention(access.workspace_id, days)
            .await,
    )
}

/// Adds `email` as a member with `role` (`admin` or `viewer`); a new account's password is
/// returned once.
#[server(endpoint = "add_member")]
pub async fn add_member(
    ws: Option<i64>,
    email: String,
    role: String,
) -> Result<AddedMember, AppError> {
    use crate::api::access::{access, answer, invalid};
    let access = access(ws, crate::model::Role::Admin)?;
    let email = email.trim().to_lowercase();
    if let Err(reason) = crate::model::validate_email(&email) {
        return invalid(reason);
    }
    let Some(role) = crate::model::Role::parse(&role) else {
        return invalid("role: admin or viewer");
    };
    answer(
        crate::api::backend::backend()?
            .add_member(access.workspace_id, email, role)
            .await,
    )
}

/// Gives member `user_id` role `role` (`admin`, `viewer`), or removes them (`remove`).
#[server(endpoint = "change_member")]
pub async fn change_member(ws: Option<i64>, user_id: i64, role: String) -> Result<(), AppError> {
    use crate::api::access::{access, answer, invalid};
    let access = access(ws, crate::model::Role::Admin)?;
    let role = match role.as_str() {
        "remove" => None,
        other => match crate::model::Role::parse(other) {
            Some(role) => Some(role),
            None => return invalid("role: admin, viewer or remove"),
        },
    };
    answer(
        crate::api::backend::backend()?
            .change_member(access.workspace_id, user_id, role)
            .await,
    )
}

/// Creates an ingest API key named `name`; the secret is in the answer and nowhere else, with
/// this server's address as the request reached it, for the "Connect an app" snippets (a
/// request whose host is not a plain host is refused before the key is made).
#[server(endpoint = "create_api_key")]
pub async fn create_api_key(ws: Option<i64>, name: String) -> Result<KeyToConnect, AppError> {
    use crate::api::access::{access, answer, invalid};
    let access = access(ws, crate::model::Role::Admin)?;
    if let Err(reason) = crate::model::validate_name("name", &name) {
        return invalid(reason);
    }
    let base_url = crate::api::origin::public_base_url()?;
    let key = answer(
        crate::api::backend::backend()?
            .create_api_key(access.workspace_id, name.trim().to_owned())
            .await,
    )?;
    Ok(KeyToConnect { key, base_url })
}

/// Revokes key `id`: it is refused from then on.
#[server(endpoint = "revoke_api_key")]
pub async fn revoke_api_key(ws: Option<i64>, id: i64) -> Result<(), AppError> {
    use crate::api::access::{access, answer};
    let access = access(ws, crate::model::Role::Admin)?;
    answer(
        crate::api::backend::backend()?
            .revoke_api_key(access.workspace_id, id)
            .await,
    )
}

/// Sets the prices of model `model_id` (USD; missing: unknown).
#[server(input = Json, endpoint = "set_model_prices")]
pub async fn set_model_prices(
    ws: Option<i64>,
    model_id: i64,
    prices: Prices,
) -> Result<(), AppError> {
    use crate::api::access::{access, answer, invalid};
    let access = access(ws, crate::model::Role::Admin)?;
    if let Err(reason) = prices.check() {
        return invalid(reason);
    }
    answer(
        crate::api::backend::backend()?
            .set_model_prices(access.workspace_id, model_id, prices)
            .await,
    )
}

/// Creates workspace `name` with the signed-in user as its admin (server administrators
/// only); returns its id.
#[server(endpoint = "create_workspace")]
pub async fn create_workspace(name: String) -> Result<i64, AppError> {
    use crate::api::access::{answer, invalid, refuse, viewer};
    let viewer = viewer()?;
    if !viewer.is_admin {
        return refuse(AppError::Forbidden(
            "only a server administrator may create workspaces".into(),
        ));
    }
    if let Err(reason) = crate::model::validate_name("name", &name) {
        return invalid(reason);
    }
    answer(
        crate::api::backend::backend()?
            .create_workspace(viewer.user_id, name.trim().to_owned())
            .await,
    )
}

/// Ends every session of the signed-in user, this one included.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<u64, AppError> {
    use crate::api::access::{answer, viewer};
    let viewer = viewer()?;
    answer(
        crate::api::backend::backend()?
            .sign_out_everywhere(viewer.user_id)
            .await,
    )
}
