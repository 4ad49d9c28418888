-- The newest claimed pass of each job (a slot: the index of the job's interval) and who took
-- it, so a pass runs once even if two processes serve one database file.
CREATE TABLE job_slots (
    job    TEXT    PRIMARY KEY,
    slot   INTEGER NOT NULL,
    server TEXT    NOT NULL
) WITHOUT ROWID;
