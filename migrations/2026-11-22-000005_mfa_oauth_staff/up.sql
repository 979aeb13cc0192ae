-- Staff, personal preferences, second factors (TOTP and recovery codes), sign-in through
-- identity providers (Google, GitHub), and whether a session passed a second factor.
ALTER TABLE users
    ADD COLUMN is_staff    BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN preferences JSONB   NOT NULL DEFAULT '{}'::jsonb;

-- The session signed in with a second factor (copied to every rotation of the family).
ALTER TABLE refresh_tokens
    ADD COLUMN mfa BOOLEAN NOT NULL DEFAULT false;

-- A TOTP secret (RFC 6238: SHA1, 6 digits, 30 s). Unconfirmed until a code proves the
-- authenticator app holds it; only confirmed secrets guard sign-in. `last_step` is the
-- newest time step accepted, so a code is never accepted twice.
CREATE TABLE totp_credentials (
    user_id       UUID        PRIMARY KEY REFERENCES users (id),
    secret        BYTEA       NOT NULL CHECK (length(secret) >= 16),
    confirmed_at  TIMESTAMPTZ,
    last_step     BIGINT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Recovery codes: SHA-256 of the code bound to the user; each signs in once.
CREATE TABLE mfa_recovery_codes (
    id          UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     UUID        NOT NULL REFERENCES users (id),
    code_hash   BYTEA       NOT NULL UNIQUE,
    used_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX mfa_recovery_codes_user ON mfa_recovery_codes (user_id);

-- The sign-in challenge a second factor completes is a one-time secret like the others.
ALTER TABLE one_time_tokens DROP CONSTRAINT one_time_tokens_purpose_check;
ALTER TABLE one_time_tokens ADD CONSTRAINT one_time_tokens_purpose_check
    CHECK (purpose IN ('verify_email', 'reset_password', 'login_code', 'mfa_challenge'));

-- A provider's account linked to a user: (provider, the provider's stable user id).
CREATE TABLE oauth_identities (
    provider      TEXT        NOT NULL CHECK (provider IN ('google', 'github')),
    subject       TEXT        NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    user_id       UUID        NOT NULL REFERENCES users (id),
    email         TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject)
);
CREATE UNIQUE INDEX oauth_identities_user_provider ON oauth_identities (user_id, provider);

-- An authorization request in flight: the state (stored hashed) names it; the PKCE
-- verifier and where to go afterwards wait here until the provider sends the browser
-- back. Single use, short-lived.
CREATE TABLE oauth_states (
    state_hash     BYTEA       PRIMARY KEY,
    provider       TEXT        NOT NULL,
    code_verifier  TEXT        NOT NULL,
    next_path      TEXT        NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
