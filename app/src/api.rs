//! Server functions, one file per area. Each checks access, asks `backend()` one question and
//! answers; every failure is an [`AppError`].

#[cfg(feature = "ssr")]
pub mod access;
mod alerts;
mod analytics;
#[cfg(feature = "ssr")]
pub mod backend;
mod error;
mod logs;
#[cfg(feature = "ssr")]
pub mod origin;
mod passwords;
mod settings;
mod workspace;

pub use alerts::*;
pub use analytics::*;
pub use error::AppError;
pub use logs::*;
pub use passwords::*;
pub use settings::*;
pub use workspace::*;
