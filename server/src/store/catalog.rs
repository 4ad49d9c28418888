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

/// The catalog of `workspace_id` by name: (id, name, kind and prices).
pub async fn list_models(
    pool: &sqlx::SqlitePool,
    workspace_id: i64,
) -> Result<Vec<(i64, String, CatalogModel)>, StoreError> {
    type Row = (
        i64,
        String,
        String,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, kind, price_input_per_mtok, price_cached_input_per_mtok, \
         price_output_per_mtok, price_per_image, price_per_video_second, \
         price_per_audio_second, price_per_mchar FROM models WHERE workspace_id = ? ORDER BY name",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(
            |(id, name, kind, input, cached, output, image, video, audio, chars)| {
                let kind = ModelKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("model kind {kind}")))?;
                Ok((
                    id,
                    name,
                    CatalogModel {
                        id,
                        kind,
                        prices: Prices {
                            input_per_mtok: input,
                            cached_input_per_mtok: cached,
                            output_per_mtok: output,
                            per_image: image,
                            per_video_second: video,
                            per_audio_second: audio,
                            per_mchar: chars,
                        },
                    },
                ))
            },
        )
        .collect()
}

/// Sets the prices of model `model_id` of `workspace_id`; false when there is no such model.
pub async fn set_prices(
    pool: &sqlx::SqlitePool,
    workspace_id: i64,
    model_id: i64,
    prices: &Prices,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE models SET price_input_per_mtok = ?, price_cached_input_per_mtok = ?, \
         price_output_per_mtok = ?, price_per_image = ?, price_per_video_second = ?, \
         price_per_audio_second = ?, price_per_mchar = ? WHERE id = ? AND workspace_id = ?",
    )
    .bind(prices.input_per_mtok)
    .bind(prices.cached_input_per_mtok)
    .bind(prices.output_per_mtok)
    .bind(prices.per_image)
    .bind(prices.per_video_second)
    .bind(prices.per_audio_second)
    .bind(prices.per_mchar)
    .bind(model_id)
    .bind(workspace_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
