-- Workspaces: a team's space. Every other table is scoped by workspace_id.
CREATE TABLE workspaces (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    retention_days INTEGER NOT NULL DEFAULT 14 CHECK (retention_days BETWEEN 1 AND 3650),
    created_at_ms  INTEGER NOT NULL
);

-- Until accounts land, everyone sees this workspace.
INSERT INTO workspaces (id, name, retention_days, created_at_ms)
VALUES (1, 'default', 14, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
