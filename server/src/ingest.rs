//! Data in: validation and normalisation of request records, the body formats, the batch
//! writer every path feeds, and the HTTP ingest API.

pub mod api;
pub mod parse;
pub mod record;
pub mod writer;
