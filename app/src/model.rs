//! Plain serde types shared by the server and the browser. No I/O and no reactive code here.

mod analytics;
mod kind;
mod logs;
mod time;
mod usage;
mod workspace;

pub use analytics::{
    AnalyticsReport, KindUsage, Kpis, ModelOption, ModelRow, SeriesPoint, UnitTotals,
};
pub use kind::ModelKind;
pub use logs::{status_class, Cursor, LogDetail, LogPage, LogRow, PAGE_SIZE};
pub use time::{Granularity, RangePreset, TimeRange, MAX_POINTS, MIN_POINTS};
pub use usage::Usage;
pub use workspace::WorkspaceInfo;
