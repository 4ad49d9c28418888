-- What several servers on one database agree on: which server runs each pass of a job, and
-- the login attempts every server counts (store/postgres/coordination.rs).

-- The newest claimed pass of each job (a slot: the index of the job's interval) and who took it.
CREATE TABLE job_slots (
    job    TEXT   PRIMARY KEY,
    slot   BIGINT NOT NULL,
    server TEXT   NOT NULL
);

-- One row per login attempt still inside its window, for accounts (`account:<email>`) and
-- client addresses (`address:<ip>`).
CREATE TABLE login_attempts (
    key   TEXT   NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_attempts_by_key ON login_attempts (key, at_ms);

-- Which SQLite database `modelwatch copy-data` copied into this one, so that running it again
-- resumes that copy and nothing else is copied on top of it.
CREATE TABLE copied_from (
    source        TEXT   PRIMARY KEY,
    started_at_ms BIGINT NOT NULL
);
