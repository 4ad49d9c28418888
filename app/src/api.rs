//! Server functions, one file per area. Each body asks `backend()` one question and returns.

#[cfg(feature = "ssr")]
pub mod backend;
mod workspace;

pub use workspace::*;
