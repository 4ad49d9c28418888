//! The Settings page's reads and the member operations that need more than one store call.

use app::model::{AddedMember, CatalogModel, Member, Role, SettingsOverview};

use super::Engine;
use crate::store::{self, StoreError};

impl Engine {
    /// Members, keys and models of `ws`, as seen with `role`.
    pub async fn settings_overview(
        &self,
        ws: i64,
        role: Role,
    ) -> Result<SettingsOverview, StoreError> {
        let workspace = self.workspace(ws).await?;
        let members = store::accounts::members(&self.pool, ws).await?;
        let keys = store::api_keys::list_keys(&self.pool, ws).await?;
        let models = store::catalog::list_models(&self.pool, ws)
            .await?
            .into_iter()
            .map(|(id, name, model)| CatalogModel {
                id,
                name,
                kind: model.kind,
                prices: model.prices,
            })
            .collect();
        Ok(SettingsOverview {
            workspace,
            role,
            members,
            keys,
            models,
        })
    }

    /// Adds `email` to `ws` with `role`, creating the account with a random password (returned
    /// once) when there is none.
    pub async fn add_workspace_member(
        &self,
        ws: i64,
        email: &str,
        role: Role,
    ) -> anyhow::Result<AddedMember> {
        let (user_id, new_password) =
            match store::accounts::user_by_email(&self.pool, email).await? {
                Some(user) => (user.id, None),
                None => {
                    let password = crate::auth::random_password();
                    let hash = crate::auth::password::hash(password.clone()).await?;
                    let created = store::accounts::create_user(
                        &self.pool,
                        email,
                        &hash,
                        false,
                        crate::clock::now_ms(),
                    )
                    .await?;
                    match created {
                        Some(id) => (id, Some(password)),
                        // Created by someone else meanwhile: use that account.
                        None => (
                            store::accounts::user_by_email(&self.pool, email)
                                .await?
                                .map(|user| user.id)
                                .ok_or_else(|| anyhow::anyhow!("the user vanished"))?,
                            None,
                        ),
                    }
                }
            };
        store::accounts::set_membership(&self.pool, ws, user_id, role).await?;
        Ok(AddedMember {
            member: Member {
                user_id,
                email: email.to_owned(),
                role,
            },
            new_password,
        })
    }
}
