//! Alerts: rule evaluation (pure), the ok/pending/firing/resolved state machine (pure), and,
//! as they land, the evaluator job and the notifiers.

pub mod evaluate;
pub mod evaluator;
pub mod measure;
pub mod preview;
pub mod state;
pub mod webhook;
