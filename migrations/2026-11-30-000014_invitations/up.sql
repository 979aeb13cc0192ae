-- Invitations to join an account: emailed as a single-use link (only the SHA-256 of its
-- secret is kept) that expires; accepted by the person signed in with that address.
CREATE TABLE invitations (
    id           UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id   UUID        NOT NULL REFERENCES accounts (id),
    email        TEXT        NOT NULL CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 254),
    role         TEXT        NOT NULL CHECK (role IN ('admin', 'member', 'billing')),
    token_hash   BYTEA       NOT NULL UNIQUE,
    invited_by   UUID        NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL,
    accepted_at  TIMESTAMPTZ,
    accepted_by  UUID        REFERENCES users (id),
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX invitations_account ON invitations (account_id, created_at DESC);
