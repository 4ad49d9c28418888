-- Alerts: rules, their per-target state, the events of every transition, webhook channels and
-- each delivery attempt.

-- Webhook channels. `format`: 'json' (a generic payload) or 'slack' (Slack-compatible).
CREATE TABLE alert_channels (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    url           TEXT    NOT NULL,
    format        TEXT    NOT NULL CHECK (format IN ('json', 'slack')),
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX alert_channels_workspace ON alert_channels (workspace_id);

-- A rule: its settings as validated JSON (app::model::RuleSpec; checked on every write by the
-- same code the editor runs), and whether it is evaluated.
CREATE TABLE alert_rules (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    spec          TEXT    NOT NULL,
    enabled       INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX alert_rules_workspace ON alert_rules (workspace_id);

-- Where each target of a rule is ('' for the rule as a whole, else a model's name), kept after
-- every evaluation so a restart resumes without notifying again.
CREATE TABLE alert_states (
    rule_id     INTEGER NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    target      TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('ok', 'pending', 'firing', 'resolved')),
    breaches    INTEGER NOT NULL,
    since_ms    INTEGER NOT NULL,
    notified_ms INTEGER,
    PRIMARY KEY (rule_id, target)
) WITHOUT ROWID;

-- Every transition. The rule's name, severity and scope are copied so history stays readable
-- after the rule changes or is deleted.
CREATE TABLE alert_events (
    id             INTEGER PRIMARY KEY,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    rule_id        INTEGER NOT NULL,
    rule_name      TEXT    NOT NULL,
    severity       TEXT    NOT NULL,
    metric         TEXT    NOT NULL,
    target         TEXT    NOT NULL,
    -- The models the rule looked at (JSON array; empty: all models).
    models         TEXT    NOT NULL,
    kind           TEXT    NOT NULL
        CHECK (kind IN ('pending', 'firing', 'still_firing', 'resolved', 'cleared')),
    value          REAL,
    threshold      REAL,
    window_from_ms INTEGER NOT NULL,
    window_to_ms   INTEGER NOT NULL,
    at_ms          INTEGER NOT NULL
);
CREATE INDEX alert_events_by_time ON alert_events (workspace_id, at_ms);
CREATE INDEX alert_events_by_rule ON alert_events (rule_id, at_ms);

-- Each webhook delivery of an event to a channel and its latest attempt.
CREATE TABLE alert_deliveries (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
    channel_id      INTEGER NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL,
    http_status     INTEGER,
    error           TEXT,
    next_attempt_ms INTEGER,
    updated_at_ms   INTEGER NOT NULL
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (status, next_attempt_ms);
CREATE INDEX alert_deliveries_event ON alert_deliveries (event_id);
