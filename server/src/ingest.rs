//! Data in: validation and normalisation of request records, the body formats, the batch
//! writer every path feeds, the HTTP ingest API and the OTLP/HTTP trace receiver.

pub mod api;
pub mod json_budget;
pub mod otlp;
pub mod parse;
pub mod record;
pub mod slots;
pub mod writer;
