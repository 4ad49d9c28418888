//! The tables `copy-data` moves, in the order their references need, and the few columns the
//! two schemas store differently.

/// One table to copy.
pub struct Table {
    pub name: &'static str,
    /// The columns chunks are ordered and resumed by (the source's primary key).
    pub key: &'static [&'static str],
    /// Source expressions for target columns that differ, by target column name.
    pub computed: &'static [(&'static str, &'static str)],
    /// A condition source rows must meet (rows the target could not hold are left out).
    pub only: Option<&'static str>,
    /// Whether a row the target holds already is updated to the source's (rows that change:
    /// rollup cells, keys, rule states, deliveries) or kept (rows written once: calls, bodies,
    /// events). The key is the target's primary key.
    pub update: bool,
    /// Whether a new run goes on after the last key the target holds (large tables whose rows
    /// are written once), rather than offering every row again.
    pub resume: bool,
    /// What the source reads instead of a table of the same name (a table only the target
    /// keeps, derived from the source's rows).
    pub from: Option<&'static str>,
}

impl Table {
    /// What the source's queries read from.
    pub fn source(&self) -> &'static str {
        self.from.unwrap_or(self.name)
    }
}

const fn table(name: &'static str, key: &'static [&'static str]) -> Table {
    Table {
        name,
        key,
        computed: &[],
        only: None,
        update: true,
        resume: false,
        from: None,
    }
}

/// A large table of rows written once, whose copy resumes after the target's last key.
const fn resumable(name: &'static str, key: &'static [&'static str]) -> Table {
    Table {
        resume: true,
        update: false,
        ..table(name, key)
    }
}

/// The hour of a call, from the call's row (bodies carry it in PostgreSQL, for partitioning).
const BODY_HOUR: &str =
    "(SELECT r.ts_ms / 3600000 FROM requests AS r WHERE r.id = request_bodies.request_row_id)";

/// Whether SQLite's `request_id` is a canonical lowercase UUID kept as text (rows written as
/// blobs always are; the check makes sure no other form reaches PostgreSQL's uuid column).
macro_rules! canonical_text {
    () => {
        "(typeof(request_id) = 'text' AND length(request_id) = 36 \
         AND NOT request_id GLOB '*[^0-9a-f-]*' AND length(replace(request_id, '-', '')) = 32 \
         AND substr(request_id, 9, 1) = '-' AND substr(request_id, 14, 1) = '-' \
         AND substr(request_id, 19, 1) = '-' AND substr(request_id, 24, 1) = '-')"
    };
}

/// PostgreSQL keeps canonical UUID request ids in `request_uuid` and other ids in `request_id`
/// (as SQLite does with blobs and text).
const TEXT_ID: &str = concat!(
    "CASE WHEN typeof(request_id) = 'blob' OR ",
    canonical_text!(),
    " THEN NULL ELSE request_id END"
);
const UUID_ID: &str = concat!(
    "CASE WHEN typeof(request_id) = 'blob' OR ",
    canonical_text!(),
    " THEN (",
    crate::store::sqlite::encoding::request_id_text_sql!(),
    ") END"
);

const NO_PEAKS: &[(&str, &str)] = &[
    ("peak_minute_requests", "NULL"),
    ("peak_minute_tokens", "NULL"),
];

pub const TABLES: [Table; 24] = [
    // The default workspace exists in both: the source's settings win.
    table("workspaces", &["id"]),
    table("users", &["id"]),
    table("memberships", &["workspace_id", "user_id"]),
    table("sessions", &["token_hash"]),
    table("api_keys", &["id"]),
    table("dimension_values", &["id"]),
    table("models", &["id"]),
    table("price_catalog", &["model"]),
    table("alert_channels", &["id"]),
    table("alert_rules", &["id"]),
    table("alert_states", &["rule_id", "target"]),
    resumable("alert_events", &["id"]),
    table("alert_deliveries", &["id"]),
    Table {
        computed: &[
            ("hour", "ts_ms / 3600000"),
            ("request_id", TEXT_ID),
            ("request_uuid", UUID_ID),
        ],
        ..resumable("requests", &["id"])
    },
    Table {
        computed: &[("hour", BODY_HOUR)],
        only: Some(
            "EXISTS (SELECT 1 FROM requests AS r WHERE r.id = request_bodies.request_row_id)",
        ),
        ..resumable("request_bodies", &["request_row_id"])
    },
    // Cells change while traffic comes in: every run brings them up to date. PostgreSQL's
    // minute cells have the (unused) busiest-minute columns of the others.
    Table {
        computed: NO_PEAKS,
        ..table("rollup_1m", &["workspace_id", "bucket_ms", "model_id"])
    },
    table("rollup_1h", &["workspace_id", "bucket_ms", "model_id"]),
    table("rollup_1d", &["workspace_id", "bucket_ms", "model_id"]),
    table("rollup_all_1m", &["workspace_id", "bucket_ms", "model_id"]),
    table("rollup_all_1h", &["workspace_id", "bucket_ms", "model_id"]),
    table("rollup_all_1d", &["workspace_id", "bucket_ms", "model_id"]),
    // Dimension cells with each bucket's totals (value id 0), and the rank lists: both
    // stores keep them alike (`store::indexing`, `store::rank_lists`).
    table(
        "rollup_dim_1h",
        &["workspace_id", "dimension", "bucket_ms", "value_id"],
    ),
    table(
        "rollup_dim_1d",
        &["workspace_id", "dimension", "bucket_ms", "value_id"],
    ),
    table(
        "dimension_ranks",
        &["workspace_id", "dimension", "level", "bucket_ms"],
    ),
];
