-- What Stripe says each account has bought, cached so no request needs Stripe, and the
-- payments ledger from invoices. Written only by webhook processing (which re-reads the
-- object from Stripe) and by the expiry sweep; never from a redirect.
ALTER TABLE accounts
    ADD COLUMN stripe_customer_id TEXT UNIQUE,
    -- When the account fell behind on payment (set on entering past_due): the grace
    -- period counts from here.
    ADD COLUMN past_due_since TIMESTAMPTZ;

CREATE TABLE subscriptions (
    id                      UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id              UUID        NOT NULL REFERENCES accounts (id),
    stripe_subscription_id  TEXT        NOT NULL UNIQUE,
    stripe_customer_id      TEXT        NOT NULL,
    -- Stripe's status, as Stripe names it.
    status                  TEXT        NOT NULL CHECK (status IN (
                                'incomplete', 'incomplete_expired', 'trialing', 'active',
                                'past_due', 'canceled', 'unpaid', 'paused')),
    current_period_start    TIMESTAMPTZ,
    current_period_end      TIMESTAMPTZ,
    cancel_at_period_end    BOOLEAN     NOT NULL DEFAULT false,
    canceled_at             TIMESTAMPTZ,
    ended_at                TIMESTAMPTZ,
    trial_end               TIMESTAMPTZ,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_account ON subscriptions (account_id);

CREATE TABLE subscription_items (
    id                  UUID    PRIMARY KEY DEFAULT gen_random_uuid(),
    subscription_id     UUID    NOT NULL REFERENCES subscriptions (id),
    stripe_item_id      TEXT    NOT NULL UNIQUE,
    -- Our price, when the Stripe price is one of the catalog's.
    price_id            UUID    REFERENCES prices (id),
    stripe_price_id     TEXT    NOT NULL,
    quantity            INTEGER NOT NULL CHECK (quantity >= 0)
);
CREATE INDEX subscription_items_subscription ON subscription_items (subscription_id);

CREATE TABLE payments (
    id                  UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id          UUID        NOT NULL REFERENCES accounts (id),
    stripe_invoice_id   TEXT        NOT NULL UNIQUE,
    stripe_subscription_id TEXT,
    amount_due_minor    BIGINT      NOT NULL CHECK (amount_due_minor >= 0),
    amount_paid_minor   BIGINT      NOT NULL CHECK (amount_paid_minor >= 0),
    currency            TEXT        NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
    -- Stripe's invoice status.
    status              TEXT        NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'uncollectible', 'void')),
    hosted_invoice_url  TEXT,
    period_start        TIMESTAMPTZ,
    period_end          TIMESTAMPTZ,
    created             TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX payments_account ON payments (account_id, created DESC);
