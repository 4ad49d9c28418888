//! Dictionary ids of dimension values and names of ingest keys, inside the batch's transaction.

use app::model::Dimension;
use rusqlite::{Connection, OptionalExtension};

use crate::store::dimensions::Dictionary;
use crate::store::StoreError;

/// The id of `value` of `dimension` in `workspace_id`, when it has one.
pub fn lookup(
    conn: &Connection,
    workspace_id: i64,
    dimension: Dimension,
    value: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM dimension_values \
             WHERE workspace_id = ?1 AND dimension = ?2 AND value = ?3",
        )?
        .query_row((workspace_id, dimension.code(), value), |row| row.get(0))
        .optional()?)
}

/// The dictionary as the writer's transaction sees it.
pub struct TxDictionary<'a>(pub &'a Connection);

impl Dictionary for TxDictionary<'_> {
    fn value_id(
        &mut self,
        workspace_id: i64,
        dimension: Dimension,
        value: &str,
    ) -> Result<i64, StoreError> {
        let code = dimension.code();
        if let Some(id) = lookup(self.0, workspace_id, dimension, value)? {
            return Ok(id);
        }
        self.0
            .prepare_cached(
                "INSERT INTO dimension_values (workspace_id, dimension, value) VALUES (?1, ?2, ?3)",
            )?
            .execute((workspace_id, code, value))?;
        Ok(self.0.last_insert_rowid())
    }

    fn key_name(&mut self, key_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .0
            .prepare_cached("SELECT name FROM api_keys WHERE id = ?1")?
            .query_row([key_id], |row| row.get(0))
            .optional()?)
    }
}
