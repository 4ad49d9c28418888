//! Server functions, one file per area. Each body asks `backend()` one question and returns.

mod alerts;
mod analytics;
#[cfg(feature = "ssr")]
pub mod backend;
mod logs;
mod workspace;

pub use alerts::*;
pub use analytics::*;
pub use logs::*;
pub use workspace::*;
