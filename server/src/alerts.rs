//! Alerts: rule evaluation (pure), the ok/pending/firing/resolved state machine (pure), and,
//! as they land, the evaluator job and the notifiers.

pub mod evaluate;
pub mod evaluator;
pub mod measure;
pub mod preview;
/// The state machine lives with the domain types (the store keeps its states).
pub use crate::domain::alert_state as state;
pub mod webhook;
