-- Dimensions: who and what a call is for (user, app, API key, tag, operation, model kind,
-- provider; app/src/model/dimension.rs has their codes). Each distinct value of a workspace is
-- one dictionary row, so calls and cells carry a small id instead of the text.
CREATE TABLE dimension_values (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    dimension    INTEGER NOT NULL,
    value        TEXT    NOT NULL,
    UNIQUE (workspace_id, dimension, value)
);

-- A call's user, app, provider and tags (comma-separated, in the order sent) as dictionary ids,
-- and which metadata keys were moved out into them (bits: 1 user, 2 app, 4 tags;
-- domain/record/dimensions.rs puts them back when the call is read).
ALTER TABLE requests ADD COLUMN user_id INTEGER;
ALTER TABLE requests ADD COLUMN app_id INTEGER;
ALTER TABLE requests ADD COLUMN provider_id INTEGER;
ALTER TABLE requests ADD COLUMN tag_ids TEXT;
ALTER TABLE requests ADD COLUMN stripped INTEGER NOT NULL DEFAULT 0;
-- Logs filtered by user: one seek per user instead of a scan of the range.
CREATE INDEX requests_by_user ON requests (workspace_id, user_id, ts_ms) WHERE user_id IS NOT NULL;

-- Calls by tag, for Logs filtered by tag: one entry per (call, tag), in time order per tag.
CREATE TABLE request_tags (
    workspace_id   INTEGER NOT NULL,
    tag_id         INTEGER NOT NULL,
    ts_ms          INTEGER NOT NULL,
    request_row_id INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, tag_id, ts_ms, request_row_id)
) WITHOUT ROWID;

-- Cells per dimension value: the same aggregates as the per-model cells, hourly and daily
-- (users daily only: BENCHMARKS.md, "Spend by who and what"). Written by the batch writer in
-- the calls' transaction.
CREATE TABLE rollup_dim_1h (
    workspace_id        INTEGER NOT NULL,
    dimension           INTEGER NOT NULL,
    bucket_ms           INTEGER NOT NULL,
    value_id            INTEGER NOT NULL,
    requests            INTEGER NOT NULL,
    status_2xx          INTEGER NOT NULL,
    status_4xx          INTEGER NOT NULL,
    status_429          INTEGER NOT NULL,
    status_5xx          INTEGER NOT NULL,
    streamed            INTEGER NOT NULL,
    input_tokens        INTEGER NOT NULL,
    output_tokens       INTEGER NOT NULL,
    total_tokens        INTEGER NOT NULL,
    cached_tokens       INTEGER NOT NULL,
    reasoning_tokens    INTEGER NOT NULL,
    input_text_tokens   INTEGER NOT NULL,
    input_audio_tokens  INTEGER NOT NULL,
    input_image_tokens  INTEGER NOT NULL,
    input_video_tokens  INTEGER NOT NULL,
    output_text_tokens  INTEGER NOT NULL,
    output_audio_tokens INTEGER NOT NULL,
    images              INTEGER NOT NULL,
    video_seconds       REAL    NOT NULL,
    audio_seconds       REAL    NOT NULL,
    characters          INTEGER NOT NULL,
    cost                REAL    NOT NULL,
    cost_count          INTEGER NOT NULL,
    latency_sum         INTEGER NOT NULL,
    latency_count       INTEGER NOT NULL,
    ttft_sum            INTEGER NOT NULL,
    ttft_count          INTEGER NOT NULL,
    latency_sketch      BLOB,
    ttft_sketch         BLOB,
    PRIMARY KEY (workspace_id, dimension, bucket_ms, value_id)
) WITHOUT ROWID;

CREATE TABLE rollup_dim_1d (
    workspace_id        INTEGER NOT NULL,
    dimension           INTEGER NOT NULL,
    bucket_ms           INTEGER NOT NULL,
    value_id            INTEGER NOT NULL,
    requests            INTEGER NOT NULL,
    status_2xx          INTEGER NOT NULL,
    status_4xx          INTEGER NOT NULL,
    status_429          INTEGER NOT NULL,
    status_5xx          INTEGER NOT NULL,
    streamed            INTEGER NOT NULL,
    input_tokens        INTEGER NOT NULL,
    output_tokens       INTEGER NOT NULL,
    total_tokens        INTEGER NOT NULL,
    cached_tokens       INTEGER NOT NULL,
    reasoning_tokens    INTEGER NOT NULL,
    input_text_tokens   INTEGER NOT NULL,
    input_audio_tokens  INTEGER NOT NULL,
    input_image_tokens  INTEGER NOT NULL,
    input_video_tokens  INTEGER NOT NULL,
    output_text_tokens  INTEGER NOT NULL,
    output_audio_tokens INTEGER NOT NULL,
    images              INTEGER NOT NULL,
    video_seconds       REAL    NOT NULL,
    audio_seconds       REAL    NOT NULL,
    characters          INTEGER NOT NULL,
    cost                REAL    NOT NULL,
    cost_count          INTEGER NOT NULL,
    latency_sum         INTEGER NOT NULL,
    latency_count       INTEGER NOT NULL,
    ttft_sum            INTEGER NOT NULL,
    ttft_count          INTEGER NOT NULL,
    latency_sketch      BLOB,
    ttft_sketch         BLOB,
    PRIMARY KEY (workspace_id, dimension, bucket_ms, value_id)
) WITHOUT ROWID;
