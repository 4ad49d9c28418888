//! The model catalog (model names per workspace, their kind and prices) and re-pricing stored
//! calls after a price change.

use app::model::ModelKind;
use app::model::WorkspaceId;

use super::StoreError;
use crate::cost::{CatalogEntry, Prices};

/// The columns of `price_catalog`, in the order [`read_imported`] reads them.
pub const PRICE_CATALOG_COLUMNS: &str = "model, provider, kind, as_of, source, note, \
     input_per_mtok, cached_input_per_mtok, output_per_mtok, per_image, per_video_second, \
     per_audio_second, per_mchar";

/// The prices calls of model `name` are billed at, given the workspace's own and the imported
/// catalog (for re-pricing, as the batch writer does it).
pub fn billed_prices(own: &Prices, name: &str, imported: &crate::cost::Catalog) -> Prices {
    crate::cost::resolve(own, imported.lookup(name).cloned(), name).prices(own)
}

/// The provider the price catalogs name for model `name` (imported first, then built in).
pub fn catalog_provider(imported: Option<&CatalogEntry>, name: &str) -> Option<String> {
    imported
        .or_else(|| crate::cost::catalog::built_in().lookup(name))
        .map(|entry| entry.provider.clone())
        .filter(|provider| !provider.is_empty())
}

/// An imported catalog row selected with [`PRICE_CATALOG_COLUMNS`], read through the driver's
/// getters for text, optional text and optional prices (by column index); `None` for a kind
/// this version does not know.
pub fn read_imported<E>(
    text: impl Fn(usize) -> Result<String, E>,
    note: impl Fn(usize) -> Result<Option<String>, E>,
    price: impl Fn(usize) -> Result<Option<f64>, E>,
) -> Result<Option<CatalogEntry>, E> {
    let mut prices = [None; 7];
    for (offset, slot) in prices.iter_mut().enumerate() {
        *slot = price(6 + offset)?;
    }
    Ok(imported_entry(
        [text(0)?, text(1)?, text(2)?, text(3)?, text(4)?],
        note(5)?,
        prices,
    ))
}

/// An imported catalog row as read (text columns, then the seven prices in `PRICE_FIELDS`
/// order); `None` for a kind this version does not know.
fn imported_entry(
    text: [String; 5],
    note: Option<String>,
    prices: [Option<f64>; 7],
) -> Option<CatalogEntry> {
    let [model, provider, kind, as_of, source] = text;
    let [input, cached, output, image, video, audio, mchar] = prices;
    Some(CatalogEntry {
        model,
        provider,
        kind: ModelKind::parse(&kind)?,
        as_of,
        source,
        note,
        prices: Prices {
            input_per_mtok: input,
            cached_input_per_mtok: cached,
            output_per_mtok: output,
            per_image: image,
            per_video_second: video,
            per_audio_second: audio,
            per_mchar: mchar,
        },
    })
}

/// One catalog row, as the batch writer needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogModel {
    pub id: i64,
    pub kind: ModelKind,
    pub prices: Prices,
    /// The provider a price catalog names for the model (the writer's view only).
    pub provider: Option<String>,
}

/// What a recompute changed.
#[derive(Debug, Default)]
pub struct RecomputeReport {
    pub requests: u64,
    pub cells: u64,
    pub from: String,
}

/// Models, their prices, and the costs of stored calls.
#[async_trait::async_trait]
pub trait ModelCatalog: Send + Sync {
    /// Creates or updates a model's kind and prices; returns its id.
    async fn upsert_model(
        &self,
        workspace_id: WorkspaceId,
        name: &str,
        kind: ModelKind,
        prices: &Prices,
        now_ms: i64,
    ) -> Result<i64, StoreError>;

    /// The catalog of `workspace_id` by name: (id, name, kind and prices).
    async fn list_models(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<(i64, String, CatalogModel)>, StoreError>;

    /// Sets the prices of model `model_id` of `workspace_id`; false when there is no such model.
    async fn set_prices(
        &self,
        workspace_id: WorkspaceId,
        model_id: i64,
        prices: &Prices,
    ) -> Result<bool, StoreError>;

    /// Stores `entries` in the server-wide imported catalog, replacing entries of the same
    /// model; returns how many were stored.
    async fn import_prices(&self, entries: &[CatalogEntry], now_ms: i64)
        -> Result<u64, StoreError>;

    /// The imported catalog, every entry.
    async fn imported_prices(&self) -> Result<Vec<CatalogEntry>, StoreError>;

    /// Recomputes the cost of every call of `workspace_id` at or after `since_ms`, one chunk per
    /// transaction.
    async fn recompute(
        &self,
        workspace_id: WorkspaceId,
        since_ms: i64,
    ) -> Result<RecomputeReport, StoreError>;
}
