//! One route component per file.

mod alerts;
mod analytics;
mod login;
mod logs;
mod not_found;
mod settings;

pub use alerts::AlertsPage;
pub use analytics::AnalyticsPage;
pub use login::LoginPage;
pub use logs::LogsPage;
pub use not_found::NotFound;
pub use settings::SettingsPage;
