//! Calls after the indexed watermark, read back from their rows: what the indexer folds into
//! cells and posting lists, and what readers add to the cells for calls not yet indexed.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use app::model::{Dimension, ModelKind, Usage, UNITS};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row};

use crate::rollup::Observation;
use crate::store::dimensions::{parse_tag_ids, Dictionary};
use crate::store::sqlite::batch::dictionary::{lookup, TxDictionary};
use crate::store::sqlite::encoding::read_amount;
use crate::store::StoreError;

/// A stored call as the indexer needs it.
pub struct TailCall {
    pub row: i64,
    pub workspace_id: i64,
    pub ts_ms: i64,
    model_id: i64,
    kind: ModelKind,
    operation: Option<String>,
    status: u16,
    stream: bool,
    usage: Usage,
    latency_ms: Option<i64>,
    ttft_ms: Option<i64>,
    cost: Option<f64>,
    key_id: Option<i64>,
    user: Option<i64>,
    app: Option<i64>,
    provider: Option<i64>,
    tags: Vec<i64>,
}

impl TailCall {
    pub fn model_id(&self) -> i64 {
        self.model_id
    }

    pub fn kind(&self) -> ModelKind {
        self.kind
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn usage(&self) -> &Usage {
        &self.usage
    }

    pub fn cost(&self) -> Option<f64> {
        self.cost
    }

    /// What the cells count of this call.
    pub fn observation(&self) -> Observation<'_> {
        Observation {
            workspace_id: self.workspace_id,
            model_id: self.model_id,
            ts_ms: self.ts_ms,
            status: self.status,
            stream: self.stream,
            usage: &self.usage,
            latency_ms: self.latency_ms,
            ttft_ms: self.ttft_ms,
            cost: self.cost,
        }
    }
}

const HEAD: &str = "id, workspace_id, ts_ms, model_id, kind, operation, status, stream";
const TAIL: &str =
    "latency_ms, ttft_ms, cost, ingest_key_id, user_id, app_id, provider_id, tag_ids";
const FIRST_UNIT: usize = 8;

static COLUMNS: LazyLock<String> = LazyLock::new(|| {
    let units: Vec<&str> = UNITS.iter().map(|spec| spec.column).collect();
    format!("{HEAD}, {}, {TAIL}", units.join(", "))
});

fn int(row: &Row<'_>, index: usize) -> Result<Option<i64>, StoreError> {
    Ok(match row.get_ref(index)? {
        ValueRef::Integer(value) => Some(value),
        ValueRef::Real(value) => Some(value as i64),
        _ => None,
    })
}

fn read(row: &Row<'_>) -> Result<TailCall, StoreError> {
    let after = FIRST_UNIT + UNITS.len();
    let mut usage = Usage::default();
    for (offset, spec) in UNITS.iter().enumerate() {
        usage.set(
            spec.unit,
            read_amount(row.get_ref(FIRST_UNIT + offset)?, spec.measure)?,
        );
    }
    let tags = match row.get_ref(after + 7)? {
        ValueRef::Text(bytes) => parse_tag_ids(std::str::from_utf8(bytes).ok()),
        _ => Vec::new(),
    };
    Ok(TailCall {
        row: row.get(0)?,
        workspace_id: row.get(1)?,
        ts_ms: row.get(2)?,
        model_id: row.get(3)?,
        kind: ModelKind::from_code(row.get(4)?).unwrap_or(ModelKind::Llm),
        operation: row.get(5)?,
        status: u16::try_from(row.get::<_, i64>(6)?).unwrap_or(0),
        stream: row.get(7)?,
        usage,
        latency_ms: int(row, after)?,
        ttft_ms: int(row, after + 1)?,
        cost: match row.get_ref(after + 2)? {
            ValueRef::Real(value) => Some(value),
            ValueRef::Integer(value) => Some(value as f64),
            _ => None,
        },
        key_id: int(row, after + 3)?,
        user: int(row, after + 4)?,
        app: int(row, after + 5)?,
        provider: int(row, after + 6)?,
        tags,
    })
}

/// The indexed watermark: every call with a row id up to it is in the cells and lists.
pub fn watermark(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn
        .query_row("SELECT indexed_upto FROM dimension_index", [], |row| {
            row.get(0)
        })
        .optional()?
        .unwrap_or(0))
}

/// Up to `limit` calls after row `after` in row order, of `workspace_id` when given.
pub fn calls_after(
    conn: &Connection,
    after: i64,
    workspace_id: Option<i64>,
    limit: usize,
) -> Result<Vec<TailCall>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut calls = Vec::new();
    let mut push = |rows: &mut rusqlite::Rows<'_>| -> Result<(), StoreError> {
        while let Some(row) = rows.next()? {
            calls.push(read(row)?);
        }
        Ok(())
    };
    match workspace_id {
        Some(workspace_id) => {
            let sql = format!(
                "SELECT {} FROM requests NOT INDEXED WHERE id > ?1 AND workspace_id = ?2 ORDER BY id LIMIT ?3",
                *COLUMNS
            );
            push(
                &mut conn
                    .prepare_cached(&sql)?
                    .query((after, workspace_id, limit))?,
            )?;
        }
        None => {
            let sql = format!(
                "SELECT {} FROM requests NOT INDEXED WHERE id > ?1 ORDER BY id LIMIT ?2",
                *COLUMNS
            );
            push(&mut conn.prepare_cached(&sql)?.query((after, limit))?)?;
        }
    }
    Ok(calls)
}

/// Up to `limit` calls of `workspace_id` at or after `since_ms` with a row id past `after`, in
/// row order.
pub fn calls_since(
    conn: &Connection,
    workspace_id: i64,
    since_ms: i64,
    after: i64,
    limit: usize,
) -> Result<Vec<TailCall>, StoreError> {
    let sql = format!(
        "SELECT {} FROM requests WHERE workspace_id = ?1 AND ts_ms >= ?2 AND id > ?3 \
         ORDER BY id LIMIT ?4",
        *COLUMNS
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query((workspace_id, since_ms, after, limit))?;
    let mut calls = Vec::new();
    while let Some(row) = rows.next()? {
        calls.push(read(row)?);
    }
    Ok(calls)
}

/// Dictionary ids of the values a row keeps by name (its key's name, operation and kind), and
/// key names, remembered for one pass. The indexer creates values that are missing (a key
/// renamed since the call); readers leave such a value out.
pub struct Lookups<'c> {
    conn: &'c Connection,
    create: bool,
    ids: HashMap<(i64, Dimension, String), Option<i64>>,
    key_names: HashMap<i64, Option<String>>,
}

impl<'c> Lookups<'c> {
    pub fn new(conn: &'c Connection, create: bool) -> Self {
        Self {
            conn,
            create,
            ids: HashMap::new(),
            key_names: HashMap::new(),
        }
    }

    fn id(
        &mut self,
        workspace_id: i64,
        dimension: Dimension,
        value: &str,
    ) -> Result<Option<i64>, StoreError> {
        let key = (workspace_id, dimension, value.to_owned());
        if let Some(id) = self.ids.get(&key) {
            return Ok(*id);
        }
        let mut dictionary = TxDictionary(self.conn);
        let id = if self.create {
            Some(dictionary.value_id(workspace_id, dimension, value)?)
        } else {
            lookup(self.conn, workspace_id, dimension, value)?
        };
        self.ids.insert(key, id);
        Ok(id)
    }

    fn key_name(&mut self, key_id: i64) -> Result<Option<String>, StoreError> {
        if let Some(name) = self.key_names.get(&key_id) {
            return Ok(name.clone());
        }
        let name = TxDictionary(self.conn).key_name(key_id)?;
        self.key_names.insert(key_id, name.clone());
        Ok(name)
    }

    /// The (dimension, value id) pairs of `call`, as the batch writer resolved them (see
    /// `store::dimensions::pairs`), only those of `only` when given.
    pub fn values(
        &mut self,
        call: &TailCall,
        only: Option<Dimension>,
    ) -> Result<Vec<(Dimension, i64)>, StoreError> {
        let wanted = |dimension: Dimension| only.is_none_or(|only| only == dimension);
        let mut values = Vec::with_capacity(6 + call.tags.len());
        let ws = call.workspace_id;
        if wanted(Dimension::User) {
            values.extend(call.user.map(|id| (Dimension::User, id)));
        }
        if wanted(Dimension::App) {
            values.extend(call.app.map(|id| (Dimension::App, id)));
        }
        if wanted(Dimension::Key) {
            if let Some(key_id) = call.key_id {
                if let Some(name) = self.key_name(key_id)? {
                    values.extend(
                        self.id(ws, Dimension::Key, &name)?
                            .map(|id| (Dimension::Key, id)),
                    );
                }
            }
        }
        if wanted(Dimension::Tag) {
            values.extend(call.tags.iter().map(|id| (Dimension::Tag, *id)));
        }
        if wanted(Dimension::Operation) {
            let operation = call
                .operation
                .as_deref()
                .unwrap_or_else(|| call.kind.default_operation());
            values.extend(
                self.id(ws, Dimension::Operation, operation)?
                    .map(|id| (Dimension::Operation, id)),
            );
        }
        if wanted(Dimension::Kind) {
            values.extend(
                self.id(ws, Dimension::Kind, call.kind.as_str())?
                    .map(|id| (Dimension::Kind, id)),
            );
        }
        if wanted(Dimension::Provider) {
            values.extend(call.provider.map(|id| (Dimension::Provider, id)));
        }
        Ok(values)
    }
}

/// The cells of `dimension` that `workspace_id`'s calls after the watermark add, at each of
/// the dimension's levels: what a reader adds to the stored cells.
///
/// One grouped answer asks up to four times (ranks, totals, the table's and the chart's
/// cells), on two connections, and with ingest running the tail is up to a window of calls:
/// the last few answers are kept ([`RECENT`]), keyed by the database, the watermark and the
/// newest row the snapshot sees. Row ids only grow and rows commit in order, so that pair names the same calls
/// in every snapshot. A call re-priced while unindexed may be read at its old cost until the
/// next window (a second at most) moves the watermark.
pub fn unindexed_cells(
    conn: &Connection,
    workspace_id: i64,
    dimension: Dimension,
) -> Result<Arc<TailCells>, StoreError> {
    let after = watermark(conn)?;
    let newest: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM requests", [], |row| {
        row.get(0)
    })?;
    if newest <= after {
        return Ok(Arc::default());
    }
    // An in-memory database has no name to key by: nothing kept.
    let Some(database) = conn.path().filter(|path| !path.is_empty()) else {
        return Ok(Arc::new(tail_cells(
            conn,
            workspace_id,
            dimension,
            after,
            newest,
        )?));
    };
    let key = TailKey {
        database: database.to_owned(),
        workspace_id,
        dimension,
        after,
        newest,
    };
    let held = RECENT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, cells)) = held.iter().find(|(held, _)| *held == key) {
        return Ok(Arc::clone(cells));
    }
    drop(held);
    let cells = Arc::new(tail_cells(conn, workspace_id, dimension, after, newest)?);
    let mut held = RECENT.lock().unwrap_or_else(PoisonError::into_inner);
    if held.len() >= RECENT_KEPT {
        held.remove(0);
    }
    held.push((key, Arc::clone(&cells)));
    Ok(cells)
}

/// The cells of `dimension` that `workspace_id`'s calls in rows `(after, newest]` add.
fn tail_cells(
    conn: &Connection,
    workspace_id: i64,
    dimension: Dimension,
    after: i64,
    newest: i64,
) -> Result<TailCells, StoreError> {
    let calls = calls_after(conn, after, Some(workspace_id), usize::MAX)?;
    let calls: Vec<&TailCall> = calls.iter().filter(|call| call.row <= newest).collect();
    let mut lookups = Lookups::new(conn, false);
    let mut values = Vec::with_capacity(calls.len());
    for call in &calls {
        values.push(lookups.values(call, Some(dimension))?);
    }
    Ok(crate::rollup::dims::aggregate(
        calls
            .iter()
            .map(|call| call.observation())
            .zip(values.iter().map(Vec::as_slice)),
    ))
}

/// Cells of calls not yet indexed.
pub type TailCells = crate::rollup::dims::DimCellMap;

/// How many (workspace, dimension, tail) answers [`RECENT`] keeps.
const RECENT_KEPT: usize = 8;

/// Whose tail: the database file, workspace and dimension, watermark and newest row.
#[derive(PartialEq, Eq)]
struct TailKey {
    database: String,
    workspace_id: i64,
    dimension: Dimension,
    after: i64,
    newest: i64,
}

/// The last tails' cells, oldest first.
static RECENT: Mutex<Vec<(TailKey, Arc<TailCells>)>> = Mutex::new(Vec::new());
