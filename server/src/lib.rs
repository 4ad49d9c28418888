//! The Modelwatch engine: configuration, storage, queries and the HTTP server.
//!
//! The binary (`main.rs`) only parses the command line and calls into this library, so
//! integration tests drive exactly what production runs.

pub mod alerts;
pub mod auth;
pub mod bench;
pub mod bench_abuse;
pub mod bench_analytics;
pub mod bench_logs;
pub mod bench_proxy;
pub mod clock;
pub mod commands;
pub mod config;
pub mod cost;
pub mod demo;
pub mod domain;
pub mod engine;
pub mod error;
pub mod export;
pub mod fast_map;
pub mod http;
pub mod ingest;
pub mod jobs;
pub mod proxy;
pub mod rollup;
pub mod serve;
pub mod shutdown;
pub mod store;
pub mod telemetry;
