//! The writer's view of the model catalog: name to id, kind and prices, re-read after a while so
//! price changes made elsewhere apply to new calls.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use app::model::ModelKind;
use rusqlite::{OptionalExtension, Transaction};

use crate::cost::Prices;
use crate::store::catalog::CatalogModel;
use crate::store::StoreError;

/// Catalog entries by workspace and model name.
pub struct CatalogCache {
    entries: HashMap<i64, HashMap<String, (CatalogModel, Instant)>>,
    ttl: Duration,
}

const SELECT_MODEL: &str = "SELECT id, kind, price_input_per_mtok, price_cached_input_per_mtok, \
     price_output_per_mtok, price_per_image, price_per_video_second, price_per_audio_second, \
     price_per_mchar FROM models WHERE workspace_id = ?1 AND name = ?2";

impl CatalogCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            entries: HashMap::new(),
            ttl,
        }
    }

    /// The entry for `name`, created with `kind` (or `llm`) and no prices when the model is new.
    pub fn get(
        &mut self,
        tx: &Transaction<'_>,
        workspace_id: i64,
        name: &str,
        kind: Option<ModelKind>,
        now_ms: i64,
    ) -> Result<CatalogModel, StoreError> {
        let cached = self
            .entries
            .get(&workspace_id)
            .and_then(|models| models.get(name));
        if let Some((model, loaded)) = cached {
            if loaded.elapsed() < self.ttl {
                return Ok(model.clone());
            }
        }
        let model = match find(tx, workspace_id, name)? {
            Some(model) => model,
            None => {
                let kind = kind.unwrap_or(ModelKind::Llm);
                tx.prepare_cached(
                    "INSERT INTO models (workspace_id, name, kind, created_at_ms) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute((workspace_id, name, kind.as_str(), now_ms))?;
                CatalogModel {
                    id: tx.last_insert_rowid(),
                    kind,
                    prices: Prices::default(),
                }
            }
        };
        self.entries
            .entry(workspace_id)
            .or_default()
            .insert(name.to_owned(), (model.clone(), Instant::now()));
        Ok(model)
    }

    /// Forgets everything (after a rolled-back transaction created entries that do not exist).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

fn find(
    tx: &Transaction<'_>,
    workspace_id: i64,
    name: &str,
) -> Result<Option<CatalogModel>, StoreError> {
    let found = tx
        .prepare_cached(SELECT_MODEL)?
        .query_row((workspace_id, name), |row| {
            let kind: String = row.get(1)?;
            Ok(CatalogModel {
                id: row.get(0)?,
                kind: ModelKind::parse(&kind).unwrap_or(ModelKind::Llm),
                prices: Prices {
                    input_per_mtok: row.get(2)?,
                    cached_input_per_mtok: row.get(3)?,
                    output_per_mtok: row.get(4)?,
                    per_image: row.get(5)?,
                    per_video_second: row.get(6)?,
                    per_audio_second: row.get(7)?,
                    per_mchar: row.get(8)?,
                },
            })
        })
        .optional()?;
    Ok(found)
}
