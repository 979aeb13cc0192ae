-- Every change of an account's status, as it happened: from what, to what, who (Stripe's
-- view, a sweep, staff, the user) and why. Written in the transaction that changes the
-- status (api/src/accounts/status.rs); never updated or deleted.
CREATE TABLE account_status_changes (
    id             BIGSERIAL   PRIMARY KEY,
    account_id     UUID        NOT NULL REFERENCES accounts (id),
    from_status    TEXT        NOT NULL,
    to_status      TEXT        NOT NULL,
    actor          TEXT        NOT NULL CHECK (actor IN ('stripe', 'system', 'staff', 'user')),
    -- The staff member or user, when a person did it.
    actor_user_id  UUID        REFERENCES users (id),
    reason         TEXT        NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (from_status <> to_status)
);
CREATE INDEX account_status_changes_account ON account_status_changes (account_id, at DESC);
