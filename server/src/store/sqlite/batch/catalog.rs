//! The writer's view of the model catalog: name to id, kind and the prices calls are billed at
//! (the workspace's own, else the imported catalog's, else the built-in one: `cost::resolve`),
//! re-read after a while so price changes made elsewhere apply to new calls.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use app::model::ModelKind;
use rusqlite::{OptionalExtension, Transaction};

use crate::cost::{self, Catalog, Prices};
use crate::store::catalog::{catalog_provider, read_imported, CatalogModel, PRICE_CATALOG_COLUMNS};
use crate::store::StoreError;

/// Catalog entries by workspace and model name, and the imported price catalog.
pub struct CatalogCache {
    entries: HashMap<i64, HashMap<String, (CatalogModel, Instant)>>,
    imported: Option<(Catalog, Instant)>,
    ttl: Duration,
}

const SELECT_MODEL: &str = "SELECT id, kind, price_input_per_mtok, price_cached_input_per_mtok, \
     price_output_per_mtok, price_per_image, price_per_video_second, price_per_audio_second, \
     price_per_mchar FROM models WHERE workspace_id = ?1 AND name = ?2";

impl CatalogCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            entries: HashMap::new(),
            imported: None,
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
        let imported = self.imported(tx)?.lookup(name).cloned();
        let origin_kind = imported.as_ref().map(|entry| entry.kind).or_else(|| {
            cost::catalog::built_in()
                .lookup(name)
                .map(|entry| entry.kind)
        });
        let mut model = match find(tx, workspace_id, name)? {
            Some(model) => model,
            None => {
                let kind = kind.or(origin_kind).unwrap_or(ModelKind::Llm);
                tx.prepare_cached(
                    "INSERT INTO models (workspace_id, name, kind, created_at_ms) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute((workspace_id, name, kind.as_str(), now_ms))?;
                CatalogModel {
                    id: tx.last_insert_rowid(),
                    kind,
                    prices: Prices::default(),
                    provider: None,
                }
            }
        };
        model.provider = catalog_provider(imported.as_ref(), name);
        model.prices = cost::resolve(&model.prices, imported, name).prices(&model.prices);
        self.entries
            .entry(workspace_id)
            .or_default()
            .insert(name.to_owned(), (model.clone(), Instant::now()));
        Ok(model)
    }

    /// The imported price catalog, re-read when older than the time to live.
    fn imported(&mut self, tx: &Transaction<'_>) -> Result<&Catalog, StoreError> {
        let fresh = matches!(&self.imported, Some((_, loaded)) if loaded.elapsed() < self.ttl);
        if !fresh {
            let mut statement = tx.prepare_cached(&format!(
                "SELECT {PRICE_CATALOG_COLUMNS} FROM price_catalog"
            ))?;
            let rows = statement.query_map([], |row| {
                read_imported(
                    |index| row.get(index),
                    |index| row.get(index),
                    |index| row.get(index),
                )
            })?;
            let entries: Vec<_> = rows
                .filter_map(Result::transpose)
                .collect::<Result<_, _>>()?;
            self.imported = Some((Catalog::new(entries), Instant::now()));
        }
        Ok(&self
            .imported
            .get_or_insert_with(|| (Catalog::default(), Instant::now()))
            .0)
    }

    /// Forgets everything (after a rolled-back transaction created entries that do not exist).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.imported = None;
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
                provider: None,
            })
        })
        .optional()?;
    Ok(found)
}
