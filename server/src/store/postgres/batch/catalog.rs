//! The writer's view of the model catalog in PostgreSQL: name to id, kind and prices, re-read
//! after a while so price changes made through any server apply to new calls. A model new to
//! the workspace is created inside the batch's transaction; when two servers create the same
//! one at once, the unique (workspace, name) makes the second wait and then read the first's.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use app::model::ModelKind;
use sqlx::{PgConnection, Row};

use crate::cost::Prices;
use crate::store::catalog::CatalogModel;
use crate::store::StoreError;

/// Catalog entries by workspace and model name.
pub struct CatalogCache {
    entries: HashMap<(i64, String), (CatalogModel, Instant)>,
    ttl: Duration,
}

const SELECT_MODEL: &str = "SELECT id, kind, price_input_per_mtok, price_cached_input_per_mtok, \
     price_output_per_mtok, price_per_image, price_per_video_second, price_per_audio_second, \
     price_per_mchar FROM models WHERE workspace_id = $1 AND name = $2";

impl CatalogCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            entries: HashMap::new(),
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
        let model = match find(conn, workspace_id, name).await? {
            Some(model) => model,
            None => {
                let kind = kind.unwrap_or(ModelKind::Llm);
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
        self.entries.insert(key, (model.clone(), Instant::now()));
        Ok(model)
    }

    /// Forgets everything (after a rolled-back transaction created entries that do not exist).
    pub fn clear(&mut self) {
        self.entries.clear();
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
    }))
}
