-- PostgreSQL's dimension indexer (store/postgres/dim_index.rs), as SQLite's: a batch no longer
-- reads and rewrites the dimension cells it touches. It appends its cells to `dim_pending`;
-- one server at a time folds many batches' pending cells into `rollup_dim_*`, each bucket's
-- totals (value id 0) and the rank lists, and deletes them in the same transaction. Readers
-- add the pending cells, so answers never lag the calls.

-- A batch's dimension cells, waiting: the columns of `rollup_dim_1h` and the level they are of
-- (1 hour, 2 day: `store::rank_lists::level_code`). No key: a cell may wait several times.
CREATE TABLE dim_pending (
    level BIGINT NOT NULL,
    LIKE rollup_dim_1h
);
CREATE INDEX dim_pending_cells ON dim_pending (workspace_id, dimension, level, bucket_ms);

-- Per dimension, level and bucket: every value's calls, errors, tokens and cost, packed
-- (`store::rank_lists`). Stored as it is: the floats in it do not compress.
CREATE TABLE dimension_ranks (
    workspace_id BIGINT NOT NULL,
    dimension    BIGINT NOT NULL,
    level        BIGINT NOT NULL,
    bucket_ms    BIGINT NOT NULL,
    ranks        BYTEA  NOT NULL,
    PRIMARY KEY (workspace_id, dimension, level, bucket_ms)
);
ALTER TABLE dimension_ranks ALTER COLUMN ranks SET STORAGE EXTERNAL;

-- The cells written before the indexer wait for it, so it writes their totals and rank lists
-- too; until it has, readers find them pending.
INSERT INTO dim_pending SELECT 1, * FROM rollup_dim_1h;
INSERT INTO dim_pending SELECT 2, * FROM rollup_dim_1d;
TRUNCATE rollup_dim_1h, rollup_dim_1d;

-- Keyed by value before bucket: the grouped reads ask for 50 values over up to 30 days, which
-- is then 50 short ranges rather than 50 passes over every value of the range. The totals
-- (value id 0) are one short range too; the rank lists answer "every value of the range".
ALTER TABLE rollup_dim_1h DROP CONSTRAINT rollup_dim_1h_pkey,
    ADD PRIMARY KEY (workspace_id, dimension, value_id, bucket_ms);
ALTER TABLE rollup_dim_1d DROP CONSTRAINT rollup_dim_1d_pkey,
    ADD PRIMARY KEY (workspace_id, dimension, value_id, bucket_ms);
