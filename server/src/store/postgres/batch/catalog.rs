//! The writer's view of the model catalog in PostgreSQL: name to id, kind and prices, re-read
//! after a while so price changes made through any server apply to new calls. A model new to
//! the workspace is created inside the batch's transaction; when two servers create the same
//! one at once, the unique (workspace, name) makes the second wait and then read the first's.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use app::model::ModelKind;
use sqlx::{PgConnection, Row};

use crate::cost::{self, Catalog, Prices};
use crate::store::catalog::{catalog_provider, CatalogModel};
use crate::store::postgres::catalog::imported;
use crate::store::StoreError;

/// Catalog entries by workspace and model name, and the imported price catalog.
pub struct CatalogCache {
    entries: HashMap<(i64, String), (CatalogModel, Instant)>,
    imported: Option<(Catalog, Instant)>,
    ttl: Duration,
}

const SELECT_MODEL: &str = "SELECT id, kind, price_input_per_mtok, price_cached_input_per_mtok, \
     price_output_per_mtok, price_per_image, price_per_video_second, price_per_audio_second, \
     price_per_mchar FROM models WHERE workspace_id = $1 AND name = $2";

impl CatalogCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            entries: HashMap::new(),
            imported: None,
            ttl,
        }
    }

    /// The entry for `name`, created with `kind` (or `llm`) and no prices when the model is new.
    pub async fn get(
        &mut self,
        conn: &mut PgConnection,
        workspace_id: i64,
        name: &str,
        kind: Option<ModelKind>,
        now_ms: i64,
    ) -> Result<CatalogModel, StoreError> {
        let key = (workspace_id, name.to_owned());
        if let Some((model, loaded)) = self.entries.get(&key) {
            if loaded.elapsed() < self.ttl {
                return Ok(model.clone());
            }
        }
        let fresh = matches!(&self.imported, Some((_, loaded)) if loaded.elapsed() < self.ttl);
        if !fresh {
            let entries = imported::list(conn).await?;
            self.imported = Some((Catalog::new(entries), Instant::now()));
        }
        let imported = self
            .imported
            .as_ref()
            .and_then(|(catalog, _)| catalog.lookup(name).cloned());
        let origin_kind = imported.as_ref().map(|entry| entry.kind).or_else(|| {
            cost::catalog::built_in()
                .lookup(name)
                .map(|entry| entry.kind)
        });
        let mut model = match find(conn, workspace_id, name).await? {
            Some(model) => model,
            None => {
                let kind = kind.or(origin_kind).unwrap_or(ModelKind::Llm);
                sqlx::query(
                    "INSERT INTO models (workspace_id, name, kind, created_at_ms) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id, name) DO NOTHING",
                )
                .bind(workspace_id)
                .bind(name)
                .bind(kind.as_str())
                .bind(now_ms)
                .execute(&mut *conn)
                .await?;
                find(conn, workspace_id, name).await?.ok_or_else(|| {
                    StoreError::Corrupt(format!("model {name:?} vanished after its insert"))
                })?
            }
        };
        model.provider = catalog_provider(imported.as_ref(), name);
        model.prices = cost::resolve(&model.prices, imported, name).prices(&model.prices);
        self.entries.insert(key, (model.clone(), Instant::now()));
        Ok(model)
    }

    /// Forgets everything (after a rolled-back transaction created entries that do not exist).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.imported = None;
    }
}

async fn find(
    conn: &mut PgConnection,
    workspace_id: i64,
    name: &str,
) -> Result<Option<CatalogModel>, StoreError> {
    let Some(row) = sqlx::query(SELECT_MODEL)
        .bind(workspace_id)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let kind: String = row.try_get(1)?;
    Ok(Some(CatalogModel {
        id: row.try_get(0)?,
        kind: ModelKind::parse(&kind).unwrap_or(ModelKind::Llm),
        prices: Prices {
            input_per_mtok: row.try_get(2)?,
            cached_input_per_mtok: row.try_get(3)?,
            output_per_mtok: row.try_get(4)?,
            per_image: row.try_get(5)?,
            per_video_second: row.try_get(6)?,
            per_audio_second: row.try_get(7)?,
            per_mchar: row.try_get(8)?,
        },
        provider: None,
    }))
}
