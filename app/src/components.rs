//! Prop-driven pieces of UI. None of them calls a server function.

pub mod channels;
pub mod chart;
pub mod connect_snippets;
pub mod custom_range;
pub mod empty_state;
pub mod error_note;
pub mod filter_bar;
pub mod get_form;
pub mod group_by;
pub mod group_table;
pub mod header;
pub mod json_view;
pub mod kind_usage;
pub mod kpi_card;
pub mod log_details;
pub mod logs_filters;
pub mod logs_narrowing;
pub mod logs_table;
pub mod model_picker;
pub mod model_table;
pub mod notifications;
pub mod price_table;
pub mod rule_editor;
pub mod theme_toggle;
