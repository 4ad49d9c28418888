//! Domain types every layer may use (the HTTP surface, the engine, the store): a stored
//! request record and the alert state machine. Nothing here imports another module of the
//! server.

pub mod alert_state;
pub mod record;
