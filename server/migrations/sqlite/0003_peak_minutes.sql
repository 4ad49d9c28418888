-- The busiest minute inside each hourly and daily cell (most calls, most tokens), so the
-- per-model table shows peak RPM and TPM for any range without reading minute cells.
-- Kept up to date by the batch writer from the minute cells it has just written. NULL where
-- the minute cells were already gone when this migration ran (older than raw retention).
ALTER TABLE rollup_1h ADD COLUMN peak_minute_requests INTEGER;
ALTER TABLE rollup_1h ADD COLUMN peak_minute_tokens INTEGER;
ALTER TABLE rollup_1d ADD COLUMN peak_minute_requests INTEGER;
ALTER TABLE rollup_1d ADD COLUMN peak_minute_tokens INTEGER;

UPDATE rollup_1h SET (peak_minute_requests, peak_minute_tokens) = (
    SELECT max(m.requests), max(m.total_tokens) FROM rollup_1m AS m
    WHERE m.workspace_id = rollup_1h.workspace_id
      AND m.bucket_ms >= rollup_1h.bucket_ms AND m.bucket_ms < rollup_1h.bucket_ms + 3600000
      AND m.model_id = rollup_1h.model_id
);

UPDATE rollup_1d SET (peak_minute_requests, peak_minute_tokens) = (
    SELECT max(h.peak_minute_requests), max(h.peak_minute_tokens) FROM rollup_1h AS h
    WHERE h.workspace_id = rollup_1d.workspace_id
      AND h.bucket_ms >= rollup_1d.bucket_ms AND h.bucket_ms < rollup_1d.bucket_ms + 86400000
      AND h.model_id = rollup_1d.model_id
);
