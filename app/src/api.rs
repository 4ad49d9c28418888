//! Server functions, one file per area. Each body asks `backend()` one question and returns.

#[cfg(feature = "ssr")]
pub mod access;
mod alerts;
mod analytics;
#[cfg(feature = "ssr")]
pub mod backend;
mod logs;
mod settings;
mod workspace;

pub use alerts::*;
pub use analytics::*;
pub use logs::*;
pub use settings::*;
pub use workspace::*;
