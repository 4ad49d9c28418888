//! The imported price catalog (`price_catalog`): stored by `modelwatch prices import`, read by
//! Settings, re-pricing and (through `batch::catalog`) the batch writer.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use crate::cost::CatalogEntry;
use crate::store::catalog::{read_imported, PRICE_CATALOG_COLUMNS};
use crate::store::StoreError;

/// Upserts `entries` in one transaction.
pub async fn import(
    pool: &SqlitePool,
    entries: &[CatalogEntry],
    now_ms: i64,
) -> Result<u64, StoreError> {
    let sql = format!(
        "INSERT OR REPLACE INTO price_catalog ({PRICE_CATALOG_COLUMNS}, imported_at_ms) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    );
    let mut transaction = pool.begin().await?;
    for entry in entries {
        let prices = &entry.prices;
        sqlx::query(&sql)
            .bind(&entry.model)
            .bind(&entry.provider)
            .bind(entry.kind.as_str())
            .bind(&entry.as_of)
            .bind(&entry.source)
            .bind(&entry.note)
            .bind(prices.input_per_mtok)
            .bind(prices.cached_input_per_mtok)
            .bind(prices.output_per_mtok)
            .bind(prices.per_image)
            .bind(prices.per_video_second)
            .bind(prices.per_audio_second)
            .bind(prices.per_mchar)
            .bind(now_ms)
            .execute(&mut *transaction)
            .await?;
    }
    transaction.commit().await?;
    Ok(entries.len() as u64)
}

/// Every imported entry.
pub async fn list(pool: &SqlitePool) -> Result<Vec<CatalogEntry>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {PRICE_CATALOG_COLUMNS} FROM price_catalog ORDER BY model"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(read)
        .filter_map(Result::transpose)
        .collect()
}

fn read(row: &SqliteRow) -> Result<Option<CatalogEntry>, StoreError> {
    Ok(read_imported(
        |index| row.try_get(index),
        |index| row.try_get(index),
        |index| row.try_get(index),
    )?)
}
