-- Prices loaded with `modelwatch prices import` (our catalog format or LiteLLM's price map), for
-- every workspace. A workspace's own prices (in `models`) win over these; these win over the
-- catalog compiled into the binary. One row per model name, lower-case, as matched.
CREATE TABLE price_catalog (
    model                 TEXT    PRIMARY KEY,
    provider              TEXT    NOT NULL,
    kind                  TEXT    NOT NULL
        CHECK (kind IN ('llm', 'image', 'video', 'speech', 'omni', 'embedding')),
    as_of                 TEXT    NOT NULL,
    source                TEXT    NOT NULL,
    note                  TEXT,
    input_per_mtok        DOUBLE PRECISION CHECK (input_per_mtok >= 0),
    cached_input_per_mtok DOUBLE PRECISION CHECK (cached_input_per_mtok >= 0),
    output_per_mtok       DOUBLE PRECISION CHECK (output_per_mtok >= 0),
    per_image             DOUBLE PRECISION CHECK (per_image >= 0),
    per_video_second      DOUBLE PRECISION CHECK (per_video_second >= 0),
    per_audio_second      DOUBLE PRECISION CHECK (per_audio_second >= 0),
    per_mchar             DOUBLE PRECISION CHECK (per_mchar >= 0),
    imported_at_ms        BIGINT  NOT NULL
);

-- For alert events of rules on cost: the share of the window's calls whose cost is known, so a
-- notification says what its cost total covers.
ALTER TABLE alert_events ADD COLUMN cost_coverage DOUBLE PRECISION;
