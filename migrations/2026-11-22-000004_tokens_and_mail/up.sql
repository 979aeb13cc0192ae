-- One-time secrets (email-verification links, reset links, sign-in codes): stored as
-- SHA-256, bound to a purpose and an address, single use, short-lived, few tries.
CREATE TABLE one_time_tokens (
    id           UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    purpose      TEXT        NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'login_code')),
    user_id      UUID        REFERENCES users (id),
    address      TEXT        NOT NULL,
    secret_hash  BYTEA       NOT NULL UNIQUE,
    attempts     INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    expires_at   TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX one_time_tokens_open ON one_time_tokens (purpose, address, created_at)
    WHERE used_at IS NULL;

-- Every email Gatehouse sends, as rendered. With the development outbox transport this is
-- where mail "arrives"; with a real provider it is the delivery record.
CREATE TABLE emails (
    id           UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    to_address   TEXT        NOT NULL,
    template     TEXT        NOT NULL,
    subject      TEXT        NOT NULL,
    text_body    TEXT        NOT NULL,
    html_body    TEXT        NOT NULL,
    transport    TEXT        NOT NULL,
    provider_id  TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX emails_to ON emails (to_address, created_at DESC);
