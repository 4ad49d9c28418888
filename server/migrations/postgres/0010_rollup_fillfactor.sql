-- Room on every page of the rollup tables for a cell's next version. Their cells are
-- rewritten again and again (a user's day cell once per indexer window while the user calls,
-- an hour cell once per batch), and a full page sent each new version to another page: a new
-- index entry per update and a dead row left for vacuum. With room beside it, the update is a
-- heap-only tuple (no index entry) and the page prunes its own dead versions. Measured on 3M
-- calls of 10,000 users (BENCHMARKS.md): 26 % of `rollup_dim_1d`'s updates were heap-only
-- before, 96 % after; the table was 252 MB, now 80 MB; the whole database 7 to 10 % smaller.
-- Minute cells stop changing once their minute is past, so they keep less room.
-- The setting applies to pages written from now on.
ALTER TABLE rollup_dim_1d SET (fillfactor = 50);
ALTER TABLE rollup_dim_1h SET (fillfactor = 50);
ALTER TABLE rollup_1d SET (fillfactor = 50);
ALTER TABLE rollup_1h SET (fillfactor = 50);
ALTER TABLE rollup_all_1d SET (fillfactor = 50);
ALTER TABLE rollup_all_1h SET (fillfactor = 50);
ALTER TABLE rollup_1m SET (fillfactor = 70);
ALTER TABLE rollup_all_1m SET (fillfactor = 70);
