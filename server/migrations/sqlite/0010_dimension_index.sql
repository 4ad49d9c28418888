-- The dimension indexer (server/src/store/sqlite/dim_index.rs): per-value cells and the user
-- and tag posting lists are written from windows of many batches instead of in each batch's
-- transaction, and a posting list replaces a B-tree entry per call.

-- How far the cells and lists go: every call with a row id up to `indexed_upto` is in them.
CREATE TABLE dimension_index (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_upto INTEGER NOT NULL
);
-- Everything is rebuilt from the rows by the writer's first start after this migration.
INSERT INTO dimension_index (id, indexed_upto) VALUES (1, 0);
DELETE FROM rollup_dim_1h;
DELETE FROM rollup_dim_1d;

-- The calls of one user (a day) or one tag (an hour): (ts_ms, row id) pairs sorted by time,
-- packed as varint deltas (dim_index/postings.rs). A list grows by merging until it holds
-- 8 KiB, then a new chunk starts.
CREATE TABLE dimension_postings (
    workspace_id INTEGER NOT NULL,
    dimension    INTEGER NOT NULL,
    value_id     INTEGER NOT NULL,
    bucket_ms    INTEGER NOT NULL,
    chunk        INTEGER NOT NULL,
    calls        BLOB    NOT NULL,
    PRIMARY KEY (workspace_id, dimension, value_id, bucket_ms, chunk)
) WITHOUT ROWID;

DROP INDEX requests_by_user;
DROP TABLE request_tags;
