//! The SQLite side of `copy-data`: chunks of a table in key order, already in COPY's text
//! format for the target's columns.

use std::fmt::Write as _;
use std::path::Path;

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OpenFlags};

use super::tables::Table;
use crate::store::postgres::copy_text;
use crate::store::StoreError;

/// A read-only connection to the source file.
pub struct Source {
    conn: Connection,
}

/// Rows of one table as COPY lines, and the key of the last one.
pub struct Chunk {
    pub lines: String,
    pub rows: u64,
    pub last_key: Option<Vec<Value>>,
}

impl Source {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Self { conn })
    }

    /// The days (since 1970) that hold calls.
    pub fn days(&self) -> Result<Vec<i64>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT DISTINCT ts_ms / 86400000 FROM requests ORDER BY 1")?;
        let days = statement.query_map([], |row| row.get(0))?;
        Ok(days.collect::<Result<_, _>>()?)
    }

    /// The largest call row id (0 without calls).
    pub fn last_row(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(max(id), 0) FROM requests", [], |row| {
                row.get(0)
            })?)
    }

    /// One per call and tag.
    pub fn tag_entries(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM requests AS r, json_each('[' || r.tag_ids || ']') \
             WHERE r.tag_ids IS NOT NULL",
            [],
            |row| row.get(0),
        )?)
    }

    /// The rows of `table` the copy takes.
    pub fn count(&self, table: &Table) -> Result<i64, StoreError> {
        let only = table
            .only
            .map(|only| format!(" WHERE {only}"))
            .unwrap_or_default();
        Ok(self.conn.query_row(
            &format!("SELECT count(*) FROM {}{only}", table.source()),
            [],
            |row| row.get(0),
        )?)
    }

    /// Up to `limit` rows of `table` after key `after`, as lines of the target's `columns`.
    pub fn chunk(
        &self,
        table: &Table,
        columns: &[String],
        after: Option<&[Value]>,
        limit: usize,
    ) -> Result<Chunk, StoreError> {
        let selected: Vec<String> = columns
            .iter()
            .map(|column| {
                table
                    .computed
                    .iter()
                    .find(|(name, _)| name == column)
                    .map_or_else(
                        || column.clone(),
                        |(_, expression)| (*expression).to_owned(),
                    )
            })
            .collect();
        let key = table.key.join(", ");
        let mut conditions: Vec<String> =
            table.only.iter().map(|only| (*only).to_owned()).collect();
        if after.is_some() {
            let marks: Vec<String> = (1..=table.key.len()).map(|n| format!("?{n}")).collect();
            conditions.push(format!("({key}) > ({})", marks.join(", ")));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        // The key columns come last, to be read back for the next chunk.
        let sql = format!(
            "SELECT {}, {key} FROM {}{filter} ORDER BY {key} LIMIT {limit}",
            selected.join(", "),
            table.source()
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let mut rows = statement.query(rusqlite::params_from_iter(after.unwrap_or_default()))?;
        let mut chunk = Chunk {
            lines: String::new(),
            rows: 0,
            last_key: None,
        };
        let mut last_row_key = None;
        while let Some(row) = rows.next()? {
            for index in 0..columns.len() {
                if index > 0 {
                    chunk.lines.push('\t');
                }
                push_value(&mut chunk.lines, row.get_ref(index)?);
            }
            chunk.lines.push('\n');
            chunk.rows += 1;
            last_row_key = Some(
                (columns.len()..columns.len() + table.key.len())
                    .map(|index| row.get::<_, Value>(index))
                    .collect::<Result<Vec<Value>, _>>()?,
            );
        }
        chunk.last_key = last_row_key;
        Ok(chunk)
    }
}

/// One SQLite value in COPY's text format (integers stand for booleans too: PostgreSQL reads
/// `1` and `0` as true and false).
fn push_value(line: &mut String, value: ValueRef<'_>) {
    match value {
        ValueRef::Null => line.push_str("\\N"),
        ValueRef::Integer(number) => {
            let _ = write!(line, "{number}");
        }
        ValueRef::Real(number) => copy_text::push_float(line, Some(number)),
        ValueRef::Text(bytes) => copy_text::push_text(line, &String::from_utf8_lossy(bytes)),
        ValueRef::Blob(bytes) => {
            // bytea's hex form, its backslash escaped for COPY.
            line.push_str("\\\\x");
            for byte in bytes {
                let _ = write!(line, "{byte:02x}");
            }
        }
    }
}
