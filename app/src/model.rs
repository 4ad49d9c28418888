//! Plain serde types shared by the server and the browser. No I/O and no reactive code here.

mod accounts;
mod alert_events;
mod alerts;
mod analytics;
mod dimension;
mod groups;
mod kind;
mod logs;
mod status;
mod time;
mod usage;
mod workspace;

pub use accounts::{
    validate_email, validate_name, validate_new_password, AddedMember, ApiKeyInfo, CatalogModel,
    CatalogPrice, CreatedKey, KeyToConnect, Member, Membership, Prices, ResetPassword, Role,
    SettingsOverview, Viewer, MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, PRICE_FIELDS,
};
pub use alert_events::{
    masked_url, validate_channel, AlertChannel, AlertEvent, ChannelFormat, Delivery, EventPage,
    EVENT_KINDS, WEBHOOK_NO_ANSWER, WEBHOOK_REFUSED,
};
pub use alerts::{
    preview_times, AlertRule, BaselineOffset, Comparator, Condition, Direction, FieldProblem,
    Metric, PreviewPoint, PreviewSeries, RuleDraft, RulePreview, RuleScope, RuleSpec, Severity,
    Verdict, PREVIEW_SPAN_MS, PREVIEW_STEP_MS, PREVIEW_TARGETS,
};
pub use analytics::{
    coverage, AnalyticsReport, KindUsage, Kpis, ModelOption, ModelRow, SeriesPoint,
};
pub use dimension::{valid_value, Dimension, DimensionValue, MAX_TAGS, MAX_VALUE_CHARS};
pub use groups::{
    GroupPoint, GroupReport, GroupRow, GroupSeries, GroupSort, CHART_GROUPS, MAX_GROUP_ROWS,
};
pub use kind::ModelKind;
pub use logs::{status_class, Cursor, LogDetail, LogPage, LogRow, PAGE_SIZE};
pub use status::StatusFilter;
pub use time::{Granularity, RangePreset, TimeRange, MAX_POINTS, MIN_POINTS};
pub use usage::{
    Amount, Measure, Shown, Side, Unit, UnitSpec, UnitTotals, Usage, UNITS, UNIT_COUNT,
};
pub use workspace::{WorkspaceId, WorkspaceInfo};
