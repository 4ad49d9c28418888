-- Ingest keys, the model catalog, request records, their bodies, and the rollups.

-- Workspace API keys for ingest. Only a SHA-256 of the key is kept; the key is shown once.
CREATE TABLE api_keys (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    prefix        TEXT    NOT NULL,
    key_hash      BLOB    NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id);

-- The model catalog: one row per model name seen or configured in a workspace. Prices are in
-- USD; NULL means unknown (and then the cost of a call that uses that unit is unknown too).
CREATE TABLE models (
    id                          INTEGER PRIMARY KEY,
    workspace_id                INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name                        TEXT    NOT NULL,
    kind                        TEXT    NOT NULL
        CHECK (kind IN ('llm', 'image', 'video', 'speech', 'omni', 'embedding')),
    price_input_per_mtok        REAL CHECK (price_input_per_mtok >= 0),
    price_cached_input_per_mtok REAL CHECK (price_cached_input_per_mtok >= 0),
    price_output_per_mtok       REAL CHECK (price_output_per_mtok >= 0),
    price_per_image             REAL CHECK (price_per_image >= 0),
    price_per_video_second      REAL CHECK (price_per_video_second >= 0),
    price_per_audio_second      REAL CHECK (price_per_audio_second >= 0),
    price_per_mchar             REAL CHECK (price_per_mchar >= 0),
    created_at_ms               INTEGER NOT NULL,
    UNIQUE (workspace_id, name)
);

-- One row per model API call. Kept compact: the model is an id into `models`, bodies live
-- apart, and the request id is found through a 64-bit hash (the exact id is compared on the
-- row). The hash index leads with the hour of the call, so new entries land in a small, hot
-- part of the index: random client ids then cost no random writes across the whole index.
CREATE TABLE requests (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL,
    -- TEXT, or a 16-byte BLOB for a canonical lowercase UUID (see store/encoding.rs). Declared
    -- BLOB so SQLite never converts it (an id like "00123" must stay text).
    request_id          BLOB    NOT NULL,
    -- 32-bit FNV-1a of the request id.
    request_key         INTEGER NOT NULL,
    ts_ms               INTEGER NOT NULL,
    model_id            INTEGER NOT NULL,
    -- 0 llm, 1 image, 2 video, 3 speech, 4 omni, 5 embedding.
    kind                INTEGER NOT NULL,
    -- NULL: the kind's default operation (chat, image_generation, ...).
    operation           TEXT,
    status              INTEGER NOT NULL,
    error_type          TEXT,
    error_message       TEXT,
    input_tokens        INTEGER,
    output_tokens       INTEGER,
    total_tokens        INTEGER,
    cached_tokens       INTEGER,
    reasoning_tokens    INTEGER,
    input_text_tokens   INTEGER,
    input_audio_tokens  INTEGER,
    input_image_tokens  INTEGER,
    input_video_tokens  INTEGER,
    output_text_tokens  INTEGER,
    output_audio_tokens INTEGER,
    images              INTEGER,
    video_seconds       REAL,
    audio_seconds       REAL,
    characters          INTEGER,
    usage_other         TEXT,
    latency_ms          INTEGER,
    ttft_ms             INTEGER,
    first_byte_ms       INTEGER,
    cost                REAL,
    -- 0 api, 1 otlp, 2 proxy.
    source              INTEGER NOT NULL,
    stream              INTEGER NOT NULL,
    api_key             TEXT,
    ingest_key_id       INTEGER,
    metadata            TEXT,
    upstream_request_id TEXT,
    has_body            INTEGER NOT NULL
);
CREATE INDEX requests_by_key ON requests (workspace_id, ts_ms / 3600000, request_key);
CREATE INDEX requests_by_time ON requests (workspace_id, ts_ms);
CREATE INDEX requests_by_model ON requests (workspace_id, model_id, ts_ms);
-- Errors are a few percent of calls: a partial index keeps status filters fast and small.
CREATE INDEX requests_errors ON requests (workspace_id, status, ts_ms) WHERE status >= 400;

CREATE TABLE request_bodies (
    request_row_id INTEGER PRIMARY KEY,
    request_body   TEXT,
    response_body  TEXT
);

-- Rollups: per workspace x model x bucket. Same columns at every level.
CREATE TABLE rollup_1m (
    workspace_id        INTEGER NOT NULL,
    bucket_ms           INTEGER NOT NULL,
    model_id            INTEGER NOT NULL,
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
    PRIMARY KEY (workspace_id, bucket_ms, model_id)
) WITHOUT ROWID;

CREATE TABLE rollup_1h (
    workspace_id        INTEGER NOT NULL,
    bucket_ms           INTEGER NOT NULL,
    model_id            INTEGER NOT NULL,
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
    PRIMARY KEY (workspace_id, bucket_ms, model_id)
) WITHOUT ROWID;

CREATE TABLE rollup_1d (
    workspace_id        INTEGER NOT NULL,
    bucket_ms           INTEGER NOT NULL,
    model_id            INTEGER NOT NULL,
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
    PRIMARY KEY (workspace_id, bucket_ms, model_id)
) WITHOUT ROWID;
