-- The durable job queue (transactional outbox). A job row is inserted in the same
-- transaction as the state change it follows from; workers claim due rows with
-- FOR UPDATE SKIP LOCKED and hold a lease (locked_by, locked_until) while they run.
CREATE TABLE jobs (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT        NOT NULL,
    payload       JSONB       NOT NULL DEFAULT '{}'::jsonb,
    -- Deduplication: at most one queued job per (kind, unique_key); a queued job is not
    -- claimed while one with its key runs, so work for one key runs one at a time.
    unique_key    TEXT,
    state         TEXT        NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts      INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts  INTEGER     NOT NULL DEFAULT 10 CHECK (max_attempts > 0),
    run_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The lease of the claim that is running the job; a new token on every claim.
    locked_by     UUID,
    locked_until  TIMESTAMPTZ,
    last_error    TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at   TIMESTAMPTZ,
    CHECK ((state = 'running') = (locked_by IS NOT NULL AND locked_until IS NOT NULL))
);

CREATE UNIQUE INDEX jobs_queued_unique_key ON jobs (kind, unique_key)
    WHERE unique_key IS NOT NULL AND state = 'queued';
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_running_keys ON jobs (kind, unique_key)
    WHERE state = 'running' AND unique_key IS NOT NULL;
CREATE INDEX jobs_leases ON jobs (locked_until) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state = 'done';
