-- Each account's credits as an append-only ledger: grants, usage, adjustments and
-- expiries. The balance is the sum of the amounts; each row also keeps the balance after
-- it, so the newest row answers "how many now" (the two are checked to agree). Rows are
-- never updated or deleted. Usage recorded by integrators carries an idempotency key:
-- the same key records once.
CREATE TABLE credit_transactions (
    id               BIGSERIAL   PRIMARY KEY,
    account_id       UUID        NOT NULL REFERENCES accounts (id),
    kind             TEXT        NOT NULL CHECK (kind IN ('grant', 'usage', 'adjustment', 'expiry')),
    -- Positive adds, negative takes away.
    amount           BIGINT      NOT NULL CHECK (amount <> 0),
    balance_after    BIGINT      NOT NULL,
    idempotency_key  TEXT        CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    description      TEXT        NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    -- The person who recorded it (staff for grants and adjustments), when one did.
    created_by       UUID        REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (kind NOT IN ('grant') OR amount > 0),
    CHECK (kind NOT IN ('usage', 'expiry') OR amount < 0),
    UNIQUE (account_id, idempotency_key)
);
CREATE INDEX credit_transactions_account ON credit_transactions (account_id, id DESC);
