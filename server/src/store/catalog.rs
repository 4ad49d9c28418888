//! The model catalog: model names per workspace, their kind and prices.

use app::model::ModelKind;
use sqlx::SqliteConnection;

use super::StoreError;
use crate::cost::Prices;

/// One catalog row, as the batch writer needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogModel {
    pub id: i64,
    pub kind: ModelKind,
    pub prices: Prices,
}

/// Creates or updates a model's kind and prices.
pub async fn upsert_model(
    conn: &mut SqliteConnection,
    workspace_id: i64,
    name: &str,
    kind: ModelKind,
    prices: &Prices,
    now_ms: i64,
) -> Result<i64, StoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO models (workspace_id, name, kind, price_input_per_mtok, \
         price_cached_input_per_mtok, price_output_per_mtok, price_per_image, \
         price_per_video_second, price_per_audio_second, price_per_mchar, created_at_ms) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (workspace_id, name) DO UPDATE SET kind = excluded.kind, \
         price_input_per_mtok = excluded.price_input_per_mtok, \
         price_cached_input_per_mtok = excluded.price_cached_input_per_mtok, \
         price_output_per_mtok = excluded.price_output_per_mtok, \
         price_per_image = excluded.price_per_image, \
         price_per_video_second = excluded.price_per_video_second, \
         price_per_audio_second = excluded.price_per_audio_second, \
         price_per_mchar = excluded.price_per_mchar \
         RETURNING id",
    )
    .bind(workspace_id)
    .bind(name)
    .bind(kind.as_str())
    .bind(prices.input_per_mtok)
    .bind(prices.cached_input_per_mtok)
    .bind(prices.output_per_mtok)
    .bind(prices.per_image)
    .bind(prices.per_video_second)
    .bind(prices.per_audio_second)
    .bind(prices.per_mchar)
    .bind(now_ms)
    .fetch_one(conn)
    .await?;
    Ok(id)
}
