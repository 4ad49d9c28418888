-- Grouped Analytics at scale (server/src/store/sqlite/dim_index/ranks.rs): per dimension and
-- bucket one row packs every value's calls, errors, tokens and cost, so ranking 10,000 users
-- over 30 days reads 30 rows instead of 300,000 cells. The indexer also writes, per dimension
-- and bucket, a cell with value_id 0 that sums all the values ("other" is it less the listed
-- values).
CREATE TABLE dimension_ranks (
    workspace_id INTEGER NOT NULL,
    dimension    INTEGER NOT NULL,
    level        INTEGER NOT NULL, -- 1: an hour's values, 2: a day's
    bucket_ms    INTEGER NOT NULL,
    ranks        BLOB    NOT NULL,
    PRIMARY KEY (workspace_id, dimension, level, bucket_ms)
) WITHOUT ROWID;

-- Everything is rebuilt from the rows by the writer's first start after this migration.
UPDATE dimension_index SET indexed_upto = 0;
DELETE FROM rollup_dim_1h;
DELETE FROM rollup_dim_1d;
DELETE FROM dimension_postings;
