-- Accounts' API keys. The key is shown once; only its SHA-256 is kept (keys are long
-- random strings, so a fast hash is enough), with its visible prefix to find it by.
CREATE TABLE api_keys (
    id            UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id    UUID        NOT NULL REFERENCES accounts (id),
    created_by    UUID        NOT NULL REFERENCES users (id),
    name          TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- `gh_live_` and 8 hex digits: the start of the key, shown in lists.
    prefix        TEXT        NOT NULL UNIQUE CHECK (prefix ~ '^gh_live_[0-9a-f]{8}$'),
    secret_hash   BYTEA       NOT NULL CHECK (length(secret_hash) = 32),
    scopes        TEXT[]      NOT NULL CHECK (cardinality(scopes) >= 1),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX api_keys_account ON api_keys (account_id, created_at DESC);
