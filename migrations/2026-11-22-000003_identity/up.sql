-- People, the accounts (tenants) they belong to, the keys that sign their access tokens
-- and their refresh-token sessions.
CREATE TABLE users (
    id                 UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Normalised: trimmed and lower-cased; unique.
    email              TEXT        NOT NULL UNIQUE CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 254),
    -- As chosen; unique case-insensitively (index below).
    username           TEXT        NOT NULL CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$'),
    -- argon2id PHC string; NULL for people who only sign in through a provider.
    password_hash      TEXT,
    first_name         TEXT        NOT NULL DEFAULT '' CHECK (length(first_name) <= 100),
    last_name          TEXT        NOT NULL DEFAULT '' CHECK (length(last_name) <= 100),
    email_verified_at  TIMESTAMPTZ,
    deactivated_at     TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));

CREATE TABLE accounts (
    id          UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    name        TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    personal    BOOLEAN     NOT NULL DEFAULT false,
    status      TEXT        NOT NULL DEFAULT 'active'
                CHECK (status IN ('trial', 'active', 'past_due', 'pending_payment', 'suspended', 'cancelled')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE account_members (
    account_id  UUID        NOT NULL REFERENCES accounts (id),
    user_id     UUID        NOT NULL REFERENCES users (id),
    role        TEXT        NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'billing')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX account_members_user ON account_members (user_id);

-- Ed25519 keys that sign access tokens. The newest unretired key signs; every key that
-- may still have unexpired tokens is published in the JWKS.
CREATE TABLE signing_keys (
    kid             TEXT        PRIMARY KEY,
    algorithm       TEXT        NOT NULL CHECK (algorithm = 'EdDSA'),
    private_pkcs8   BYTEA       NOT NULL,
    public_key      BYTEA       NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    retired_at      TIMESTAMPTZ
);

-- Refresh tokens: opaque, stored as SHA-256, rotated on every use. One family per sign-in;
-- presenting an already-rotated token (outside the short reuse window) revokes the family.
CREATE TABLE refresh_tokens (
    id           UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    family_id    UUID        NOT NULL,
    user_id      UUID        NOT NULL REFERENCES users (id),
    account_id   UUID        NOT NULL REFERENCES accounts (id),
    token_hash   BYTEA       NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The family's absolute end: rotation never extends it.
    expires_at   TIMESTAMPTZ NOT NULL,
    rotated_at   TIMESTAMPTZ,
    replaced_by  UUID,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
