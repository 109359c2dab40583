-- The per-slice results of a running background job, kept until the job finishes (then folded into
-- jobs.result and deleted), so a checkpoint writes one slice instead of rewriting everything so far.
-- Keep in step with ../sqlite/0004_job_slices.sql.
CREATE TABLE job_slices (
    job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq     BIGINT NOT NULL,
    rows    TEXT NOT NULL,                         -- JSON array of the slice's rows
    PRIMARY KEY (job_id, seq)
);
