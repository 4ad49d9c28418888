//! Alerting's storage in PostgreSQL, one seam trait per file: `AlertRules` (rules, their
//! targets' states and the events transitions raise), `AlertHistory` (events read back) and
//! `Deliveries` (webhook channels and the delivery queue).

mod deliveries;
mod history;
mod rules;

use app::model::ChannelFormat;

use crate::store::StoreError;

fn channel_format(text: &str) -> Result<ChannelFormat, StoreError> {
    ChannelFormat::parse(text).ok_or_else(|| StoreError::Corrupt(format!("channel format {text}")))
}
