-- Accounts: users with argon2 password hashes, their workspaces and roles, and login sessions.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),
    -- An argon2id hash in the PHC string format (algorithm, parameters and salt included).
    password_hash TEXT    NOT NULL,
    -- Server administrators may create workspaces.
    is_admin      INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE memberships (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'viewer')),
    PRIMARY KEY (workspace_id, user_id)
) WITHOUT ROWID;
CREATE INDEX memberships_by_user ON memberships (user_id);

-- A session is known by the SHA-256 of its cookie's random token; the token itself is only
-- ever in the browser.
CREATE TABLE sessions (
    token_hash    BLOB    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);

ALTER TABLE api_keys ADD COLUMN last_used_ms INTEGER;
