-- Sign-ups in progress (the onboarding wizard). Nothing else is stored before payment:
-- a row appears once the address is proved by an emailed code, carries what the paid
-- checkout's webhook needs to create the user and the account, and then records which
-- ones it became.
CREATE TABLE onboardings (
    id              UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    email           TEXT        NOT NULL CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 254),
    username        TEXT        NOT NULL CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$'),
    first_name      TEXT        NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name       TEXT        NOT NULL DEFAULT '' CHECK (length(last_name) <= 100),
    -- SHA-256 of the bearer secret the browser holds until it is sent to Stripe.
    token_hash      BYTEA       NOT NULL UNIQUE,
    -- New checkouts can be made until then; a checkout paid later is still honoured.
    expires_at      TIMESTAMPTZ NOT NULL,
    user_id         UUID        REFERENCES users (id),
    account_id      UUID        REFERENCES accounts (id),
    -- Whether the user was created for it (and was sent a "set your password" email).
    new_user        BOOLEAN     NOT NULL DEFAULT false,
    provisioned_at  TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((provisioned_at IS NULL) = (account_id IS NULL))
);
-- Holding a username while its sign-up is being paid for.
CREATE INDEX onboardings_username_open ON onboardings (lower(username)) WHERE provisioned_at IS NULL;

-- Every Stripe Checkout session made for a sign-up (going back and choosing again makes
-- another); the success page finds its sign-up by the session id in its address.
CREATE TABLE onboarding_checkouts (
    stripe_session_id TEXT        PRIMARY KEY,
    onboarding_id     UUID        NOT NULL REFERENCES onboardings (id),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX onboarding_checkouts_onboarding ON onboarding_checkouts (onboarding_id);

-- People waiting for a product or for Gatehouse to open; one row per address.
CREATE TABLE waitlist (
    id           UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    email        TEXT        NOT NULL UNIQUE CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 254),
    name         TEXT        NOT NULL DEFAULT '' CHECK (length(name) <= 100),
    -- The catalog product they asked about, by slug, as it was then.
    product_slug TEXT        CHECK (length(product_slug) <= 64),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    invited_at   TIMESTAMPTZ
);

-- Codes proving a sign-up's address before payment; account recovery's codes and the
-- token that pays for a recovery.
ALTER TABLE one_time_tokens DROP CONSTRAINT one_time_tokens_purpose_check;
ALTER TABLE one_time_tokens ADD CONSTRAINT one_time_tokens_purpose_check
    CHECK (purpose IN ('verify_email', 'reset_password', 'login_code', 'mfa_challenge',
                       'onboarding_email', 'recovery_code', 'recovery_checkout'));

-- Retention: when a cancelled account's data was deleted (see api/src/recovery.rs).
ALTER TABLE accounts ADD COLUMN purged_at TIMESTAMPTZ;
