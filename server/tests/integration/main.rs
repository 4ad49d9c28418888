//! Integration tests: the real router over a real SQLite file, and the real binary.

mod database;
mod helpers;

mod accounts;
mod alert_dimensions;
mod alert_history;
mod alert_preview;
mod alerts;
mod analytics;
mod analytics_report;
mod assets;
mod binary;
mod cost;
mod dimension_index;
mod event_streams;
mod export_safety;
mod groups;
mod health;
mod ingest;
mod ingest_rejects;
mod isolation;
mod login_limits;
mod logs;
mod otlp;
mod pages;
mod price_catalog;
mod proxy;
mod retention;
mod rollup_property;
mod security_headers;
mod webhooks;
mod writer;
