//! One route component per file.

mod alerts;
mod analytics;
mod logs;
mod not_found;

pub use alerts::AlertsPage;
pub use analytics::AnalyticsPage;
pub use logs::LogsPage;
pub use not_found::NotFound;
