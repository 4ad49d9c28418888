//! The storage seam: everything the engine may ask of a database, as traits named by what they
//! answer, and [`open`], which picks the implementation a database URL names.
//!
//! SQLite ([`sqlite`], the default) and PostgreSQL ([`postgres`], for several servers) implement
//! them; with [`copy_data`], which moves one into the other, they are the only modules that hold
//! SQL or a database driver. Ingest, queries, alerts, auth, jobs and pages see only these traits
//! and the plain types beside them (ARCHITECTURE.md, "The storage seam").
//!
//! - [`Accounts`]: users, sessions, memberships and workspaces;
//! - [`Passwords`]: changing one's own password and resetting a member's, with their sessions;
//! - [`Keys`]: ingest API keys;
//! - [`AlertRules`], [`AlertHistory`], [`Deliveries`]: rules and their targets' states, the
//!   events they raised, webhook channels and deliveries;
//! - [`ModelCatalog`]: models, prices and re-pricing stored calls;
//! - [`Housekeeping`]: what retention removes;
//! - [`Samples`]: what the benchmark commands ask;
//! - [`Coordination`]: job passes run once, signals to every server, shared login limits;
//! - [`Reads`]: consistent read snapshots ([`Snapshot`]) for analytics cells, Logs pages, request-ID
//!   lookups and exports, run on blocking threads;
//! - [`BatchWriter`]: the batch writer's one transaction per batch.

pub mod accounts;
pub mod alerting;
pub mod catalog;
mod columns;
pub mod coordination;
pub mod copy_data;
pub mod dimensions;
mod error;
pub mod housekeeping;
pub mod indexing;
pub mod keys;
pub mod narrowing;
pub mod passwords;
pub mod postgres;
pub mod postings;
pub mod rank_lists;
pub mod reads;
pub mod samples;
pub mod sqlite;
pub mod url;
mod varint;
pub mod writes;

use std::sync::Arc;

pub use accounts::{Accounts, StoredUser};
pub use alerting::{AlertHistory, AlertRules, Deliveries, DueDelivery, EventQuery, NewEvent};
pub use catalog::{CatalogModel, ModelCatalog, RecomputeReport};
pub use coordination::{Coordination, Heard, Signal, SignalStream};
pub use error::StoreError;
pub use housekeeping::{Cutoffs, Housekeeping, Purged};
pub use keys::{KeyOwner, Keys, NewKey, KEY_PREFIX};
pub use passwords::Passwords;
pub use reads::{Reads, Snapshot};
pub use samples::Samples;
pub use writes::{BatchWriter, Pending};

/// One database, behind every question the engine asks of it.
#[async_trait::async_trait]
pub trait Storage:
    Accounts
    + Passwords
    + Keys
    + AlertRules
    + AlertHistory
    + Deliveries
    + ModelCatalog
    + Housekeeping
    + Samples
    + Coordination
{
    /// Read snapshots for the heavy read paths.
    fn reads(&self) -> Arc<dyn Reads>;

    /// Opens the batch writer's own connection (one per process), after bringing derived data
    /// (for example rollup cells added by a newer version) up to date.
    fn batch_writer(&self) -> Result<Box<dyn BatchWriter>, StoreError>;

    /// How many batch writers to run at once, given the operator's wish (`None`: the store's
    /// choice). A store that serialises writers anyway answers 1 whatever was asked.
    fn writers(&self, asked: Option<usize>) -> usize;

    /// Answers whether the database responds.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Closes the connections (at shutdown, after the writer has drained).
    async fn close(&self);
}

/// The storage as every part of the server shares it.
pub type SharedStorage = Arc<dyn Storage>;

/// Opens the database `url` names (creating it when missing) and applies pending migrations.
pub async fn open(url: &str) -> Result<SharedStorage, StoreError> {
    Ok(match url::check(url)? {
        url::Backend::Sqlite => Arc::new(sqlite::SqliteStore::open(url).await?),
        url::Backend::Postgres => Arc::new(postgres::PgStore::open(url).await?),
    })
}
