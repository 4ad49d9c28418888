//! The Settings page's reads and the member operations that need more than one store call.

use app::model::WorkspaceId;
use app::model::{AddedMember, CatalogModel, CatalogPrice, Member, Role, SettingsOverview};

use super::Engine;
use crate::cost::{self, Catalog, PriceOrigin, Prices};
use crate::store::StoreError;

impl Engine {
    /// Members, keys and models of `ws`, as seen with `role`.
    pub async fn settings_overview(
        &self,
        ws: WorkspaceId,
        role: Role,
    ) -> Result<SettingsOverview, StoreError> {
        let workspace = self.workspace(ws).await?;
        let members = self.storage.members(ws).await?;
        let keys = self.storage.list_keys(ws).await?;
        let imported = Catalog::new(self.storage.imported_prices().await?);
        let models = self
            .storage
            .list_models(ws)
            .await?
            .into_iter()
            .map(|(id, name, model)| CatalogModel {
                id,
                catalog: catalog_price(&name, &imported),
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
        ws: WorkspaceId,
        email: &str,
        role: Role,
    ) -> anyhow::Result<AddedMember> {
        let (user_id, new_password) = match self.storage.user_by_email(email).await? {
            Some(user) => (user.id, None),
            None => {
                let password = crate::auth::random_password();
                let hash = crate::auth::password::hash(password.clone()).await?;
                let created = self
                    .storage
                    .create_user(email, &hash, false, crate::clock::now_ms())
                    .await?;
                match created {
                    Some(id) => (id, Some(password)),
                    // Created by someone else meanwhile: use that account.
                    None => (
                        self.storage
                            .user_by_email(email)
                            .await?
                            .map(|user| user.id)
                            .ok_or_else(|| anyhow::anyhow!("the user vanished"))?,
                        None,
                    ),
                }
            }
        };
        self.storage.set_membership(ws, user_id, role).await?;
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

/// The list price a catalog has for `name` (imported first, then built in).
fn catalog_price(name: &str, imported: &Catalog) -> Option<CatalogPrice> {
    let (origin, entry) =
        match cost::resolve(&Prices::default(), imported.lookup(name).cloned(), name) {
            PriceOrigin::Imported(entry) => ("imported", entry),
            PriceOrigin::BuiltIn(entry) => ("built-in", entry),
            PriceOrigin::Workspace | PriceOrigin::Unknown => return None,
        };
    Some(CatalogPrice {
        origin: origin.to_owned(),
        entry: entry.model,
        as_of: entry.as_of,
        source: entry.source,
        prices: entry.prices,
    })
}
