//! Background jobs, one file each. Every job is a tracked task that stops with the server.

pub mod alerts;
pub mod request_ids;
pub mod retention;
pub mod webhooks;
