//! Several real `modelwatch` servers on one PostgreSQL database, as behind a load balancer:
//! writes from both add up exactly, jobs run once, signals reach every server, and a server
//! killed under load loses nothing it acknowledged.
//!
//! Run through `scripts/with-postgres` (`make unit` does), which provides the cluster in
//! `MODELWATCH_TEST_POSTGRES`.

mod cluster;
// The integration suite's test databases (only the PostgreSQL part is used here).
#[allow(dead_code)]
#[path = "../integration/database.rs"]
mod database;

mod alerts;
mod copy;
mod ingest;
mod keys_and_logins;
mod kill;
mod migration;
mod pending_packs;
mod takeover;
