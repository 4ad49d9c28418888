-- A batch's pending dimension cells packed (store/postgres/dim_index/packs.rs): one row per
-- batch, workspace, dimension and level instead of one row per cell in `dim_pending`, which
-- cost a heap row, an index entry, a delete and a vacuum per cell (0.9 cells per call at
-- 10,000 users). Readers decode the packs of the dimension and level they read; the indexer
-- deletes whole packs and folds their cells in.
CREATE TABLE dim_pending_packs (
    workspace_id    BIGINT  NOT NULL,
    dimension       BIGINT  NOT NULL,
    -- 1 hour, 2 day (`store::rank_lists::level_code`).
    level           BIGINT  NOT NULL,
    -- The buckets the pack's cells span, so readers skip packs outside their range.
    first_bucket_ms BIGINT  NOT NULL,
    last_bucket_ms  BIGINT  NOT NULL,
    cells           INTEGER NOT NULL,
    packed          BYTEA   NOT NULL
);
CREATE INDEX dim_pending_packs_place ON dim_pending_packs (workspace_id, dimension, level);
-- Varints and sketches hardly compress: spare the writer the attempt.
ALTER TABLE dim_pending_packs ALTER COLUMN packed SET STORAGE EXTERNAL;

-- The cells waiting one per row, packed in the form SQL can write (format 1: every number as
-- eight big-endian bytes, sketches after their four-byte length), one pack per workspace,
-- dimension and level; then the old table goes.
INSERT INTO dim_pending_packs
    (workspace_id, dimension, level, first_bucket_ms, last_bucket_ms, cells, packed)
SELECT workspace_id, dimension, level, min(bucket_ms), max(bucket_ms), count(*),
    '\x01'::bytea || string_agg(
        int8send(bucket_ms) || int8send(value_id) || int8send(requests) ||
        int8send(status_2xx) || int8send(status_4xx) || int8send(status_429) ||
        int8send(status_5xx) || int8send(streamed) || int8send(input_tokens) ||
        int8send(output_tokens) || int8send(total_tokens) || int8send(cached_tokens) ||
        int8send(reasoning_tokens) || int8send(input_text_tokens) ||
        int8send(input_audio_tokens) || int8send(input_image_tokens) ||
        int8send(input_video_tokens) || int8send(output_text_tokens) ||
        int8send(output_audio_tokens) || int8send(images) || float8send(video_seconds) ||
        float8send(audio_seconds) || int8send(characters) || float8send(cost) ||
        int8send(cost_count) || int8send(latency_sum) || int8send(latency_count) ||
        int8send(ttft_sum) || int8send(ttft_count) ||
        int4send(coalesce(length(latency_sketch), 0)) || coalesce(latency_sketch, '') ||
        int4send(coalesce(length(ttft_sketch), 0)) || coalesce(ttft_sketch, ''),
        ''::bytea ORDER BY bucket_ms, value_id)
FROM dim_pending
GROUP BY workspace_id, dimension, level;
DROP TABLE dim_pending;
