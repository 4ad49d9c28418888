//! The imported price catalog (`price_catalog`) in PostgreSQL: stored by `modelwatch prices
//! import`, read by Settings, re-pricing and the batch writer (on its own connection).

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};

use crate::cost::CatalogEntry;
use crate::store::catalog::{read_imported, PRICE_CATALOG_COLUMNS};
use crate::store::StoreError;

/// Upserts `entries` in one transaction.
pub async fn import(
    pool: &PgPool,
    entries: &[CatalogEntry],
    now_ms: i64,
) -> Result<u64, StoreError> {
    let sql = format!(
        "INSERT INTO price_catalog ({PRICE_CATALOG_COLUMNS}, imported_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (model) DO UPDATE SET provider = excluded.provider, kind = excluded.kind, \
         as_of = excluded.as_of, source = excluded.source, note = excluded.note, \
         input_per_mtok = excluded.input_per_mtok, \
         cached_input_per_mtok = excluded.cached_input_per_mtok, \
         output_per_mtok = excluded.output_per_mtok, per_image = excluded.per_image, \
         per_video_second = excluded.per_video_second, \
         per_audio_second = excluded.per_audio_second, per_mchar = excluded.per_mchar, \
         imported_at_ms = excluded.imported_at_ms"
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

/// Every imported entry, on `conn`.
pub async fn list(conn: &mut PgConnection) -> Result<Vec<CatalogEntry>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {PRICE_CATALOG_COLUMNS} FROM price_catalog ORDER BY model COLLATE \"C\""
    ))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(read)
        .filter_map(Result::transpose)
        .collect()
}

fn read(row: &PgRow) -> Result<Option<CatalogEntry>, StoreError> {
    Ok(read_imported(
        |index| row.try_get(index),
        |index| row.try_get(index),
        |index| row.try_get(index),
    )?)
}
