//! The model catalog: model names per workspace, their kind and prices.

use app::model::ModelKind;
use sqlx::SqliteConnection;

use super::StoreError;
use crate::cost::Prices;

/// One catalog row.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogModel {
    pub id: i64,
    pub kind: ModelKind,
    pub prices: Prices,
}

type ModelRow = (
    i64,
    String,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
);

const SELECT_MODEL: &str = "SELECT id, kind, price_input_per_mtok, price_cached_input_per_mtok, \
     price_output_per_mtok, price_per_image, price_per_video_second, price_per_audio_second, \
     price_per_mchar FROM models WHERE workspace_id = ? AND name = ?";

fn from_row(row: ModelRow) -> CatalogModel {
    let (id, kind, input, cached, output, image, video, audio, mchar) = row;
    CatalogModel {
        id,
        kind: ModelKind::parse(&kind).unwrap_or(ModelKind::Llm),
        prices: Prices {
            input_per_mtok: input,
            cached_input_per_mtok: cached,
            output_per_mtok: output,
            per_image: image,
            per_video_second: video,
            per_audio_second: audio,
            per_mchar: mchar,
        },
    }
}

/// The catalog entry for `name`, if the workspace has one.
pub async fn find_model(
    conn: &mut SqliteConnection,
    workspace_id: i64,
    name: &str,
) -> Result<Option<CatalogModel>, StoreError> {
    let row: Option<ModelRow> = sqlx::query_as(SELECT_MODEL)
        .bind(workspace_id)
        .bind(name)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(from_row))
}

/// The catalog entry for `name`, created with `kind` and no prices when the model is new.
pub async fn find_or_create_model(
    conn: &mut SqliteConnection,
    workspace_id: i64,
    name: &str,
    kind: ModelKind,
    now_ms: i64,
) -> Result<CatalogModel, StoreError> {
    if let Some(model) = find_model(conn, workspace_id, name).await? {
        return Ok(model);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO models (workspace_id, name, kind, created_at_ms) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(workspace_id)
    .bind(name)
    .bind(kind.as_str())
    .bind(now_ms)
    .fetch_one(conn)
    .await?;
    Ok(CatalogModel {
        id,
        kind,
        prices: Prices::default(),
    })
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

/// The batch writer's view of the catalog: entries are re-read after `ttl`, so price changes
/// made elsewhere apply to new calls within that time.
pub struct CatalogCache {
    entries: std::collections::HashMap<(i64, String), (CatalogModel, std::time::Instant)>,
    ttl: std::time::Duration,
}

impl CatalogCache {
    pub fn new(ttl: std::time::Duration) -> Self {
        Self {
            entries: std::collections::HashMap::new(),
            ttl,
        }
    }

    /// The entry for `name`, created with `kind` (or `llm`) when the model is new.
    pub async fn get(
        &mut self,
        conn: &mut SqliteConnection,
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
        let model = find_or_create_model(
            conn,
            workspace_id,
            name,
            kind.unwrap_or(ModelKind::Llm),
            now_ms,
        )
        .await?;
        self.entries
            .insert(key, (model.clone(), std::time::Instant::now()));
        Ok(model)
    }

    /// Forgets everything (after a rolled-back transaction created entries that do not exist).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
