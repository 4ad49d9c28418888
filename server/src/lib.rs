//! The Modelwatch engine: configuration, storage, queries and the HTTP server.
//!
//! The binary (`main.rs`) only parses the command line and calls into this library, so
//! integration tests drive exactly what production runs.

pub mod config;
pub mod http;
pub mod query;
pub mod serve;
pub mod shutdown;
pub mod store;
pub mod telemetry;
