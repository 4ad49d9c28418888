//! `modelwatch copy-data --from sqlite://... --to postgres://...`: moves an installation from
//! SQLite to PostgreSQL, every table (calls, bodies, rollup cells at every level, accounts,
//! keys, rules, alert history and deliveries), keeping every id.
//!
//! Table by table in the order their references need, each in chunks in key order; every chunk
//! is one transaction on the target (COPY into a staging table, then an insert that skips rows
//! already there). So a copy that was stopped is resumed by running it again: each table goes
//! on after the last key the target holds. The target must be empty, or an earlier copy of the
//! same source (it remembers which). PostgreSQL's lists of calls by tag are then built from
//! the copied calls' tag ids, day by day. At the end the rows of every table, and the calls by
//! tag, are counted on both sides.

mod source;
mod tables;
mod target;

use std::time::{Duration, Instant};

use super::postgres::PgStore;
use super::sqlite::SqliteStore;
use super::StoreError;

/// Rows per chunk (one transaction on the target).
const CHUNK: usize = 5_000;

/// How a copy went, table by table: (table, rows in the source, rows in the target).
pub type Counts = Vec<(&'static str, i64, i64)>;

/// Copies everything from the SQLite database `from` into the PostgreSQL database `to`
/// (migrating both first), reporting progress through `progress`; answers the final counts,
/// or an error when a table holds fewer rows in the target than in the source.
pub async fn copy_data(
    from: &str,
    to: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<Counts, StoreError> {
    let sqlite = SqliteStore::open(from).await?;
    // Dimension cells of calls the source has not indexed yet are copied complete.
    crate::store::sqlite::dim_index::catch_up(&mut crate::store::sqlite::batch::open_connection(
        sqlite.path(),
    )?)?;
    let source = source::Source::open(sqlite.path())?;
    let target_store = PgStore::open(to).await?;
    let mut target = target::Target::new(&target_store).await?;
    let source_path = std::fs::canonicalize(sqlite.path())
        .unwrap_or_else(|_| sqlite.path().to_path_buf())
        .display()
        .to_string();
    target
        .claim(&source_path, chrono::Utc::now().timestamp_millis())
        .await?;
    let days = source.days()?;
    target.ensure_days(&target_store, &days).await?;
    for table in &tables::TABLES {
        let total = source.count(table)?;
        let columns = target.columns(table.name).await?;
        let mut after = target.last_key(table).await?;
        let mut copied = 0;
        let started = Instant::now();
        let mut reported = Instant::now();
        loop {
            let chunk = source.chunk(table, &columns, after.as_deref(), CHUNK)?;
            let Some(last) = chunk.last_key.clone() else {
                break;
            };
            target.write(table, &columns, chunk.lines).await?;
            copied += chunk.rows;
            after = Some(last);
            if reported.elapsed() >= Duration::from_secs(1) {
                reported = Instant::now();
                progress(&format!(
                    "{}: {copied} rows copied this run ({total} in the source), {:.0} rows/s",
                    table.name,
                    copied as f64 / started.elapsed().as_secs_f64()
                ));
            }
        }
        progress(&format!(
            "{}: done, {copied} rows copied this run",
            table.name
        ));
    }
    super::Storage::close(&sqlite).await;
    progress("tag_lists: building from the calls' tag ids");
    target.build_tag_lists(&days, source.last_row()?).await?;
    target.reset_sequences().await?;
    let mut counts = Vec::new();
    for table in &tables::TABLES {
        counts.push((
            table.name,
            source.count(table)?,
            target.count(table.name).await?,
        ));
    }
    counts.push((
        "tag_lists (calls by tag)",
        source.tag_entries()?,
        target.tag_entries().await?,
    ));
    super::Storage::close(&target_store).await;
    if let Some((table, from_rows, to_rows)) = counts.iter().find(|(_, from, to)| to < from) {
        return Err(StoreError::Corrupt(format!(
            "{table}: {to_rows} rows copied of {from_rows}"
        )));
    }
    Ok(counts)
}
