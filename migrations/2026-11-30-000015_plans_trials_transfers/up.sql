-- What a plan includes besides its entitlements: credits granted each paid period, how far
-- below zero its accounts may use credits (overage), and the free trial it offers
-- (`trial_days` 0: none). One row per plan product; no row means all zero.
CREATE TABLE plan_terms (
    product_id       UUID        PRIMARY KEY REFERENCES products (id),
    monthly_credits  BIGINT      NOT NULL DEFAULT 0 CHECK (monthly_credits BETWEEN 0 AND 1000000),
    overage_limit    BIGINT      NOT NULL DEFAULT 0 CHECK (overage_limit BETWEEN 0 AND 1000000),
    trial_days       INTEGER     NOT NULL DEFAULT 0 CHECK (trial_days BETWEEN 0 AND 90),
    trial_credits    BIGINT      NOT NULL DEFAULT 0 CHECK (trial_credits BETWEEN 0 AND 1000000),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A plan an account uses for a while without a Stripe subscription: a free trial, or a
-- period paid by bank transfer. Entitlements and seats follow a live period (starts_at <=
-- now < ends_at) as they follow a live subscription's items. The sweep settles a period
-- once it has ended (`settled_at`).
CREATE TABLE plan_periods (
    id           UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id   UUID        NOT NULL REFERENCES accounts (id),
    product_id   UUID        NOT NULL REFERENCES products (id),
    source       TEXT        NOT NULL CHECK (source IN ('trial', 'bank_transfer')),
    starts_at    TIMESTAMPTZ NOT NULL,
    ends_at      TIMESTAMPTZ NOT NULL,
    -- The "your trial ends soon" email went out.
    reminded_at  TIMESTAMPTZ,
    settled_at   TIMESTAMPTZ,
    created_by   UUID        REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (starts_at < ends_at)
);
-- One free trial per account, ever.
CREATE UNIQUE INDEX plan_periods_one_trial ON plan_periods (account_id) WHERE source = 'trial';
CREATE INDEX plan_periods_account ON plan_periods (account_id, ends_at DESC);
CREATE INDEX plan_periods_unsettled ON plan_periods (ends_at) WHERE settled_at IS NULL;

-- Bank transfers staff confirmed: each pays for one plan period. A reference is confirmed
-- once.
CREATE TABLE bank_transfers (
    id              UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id      UUID        NOT NULL REFERENCES accounts (id),
    reference       TEXT        NOT NULL UNIQUE CHECK (length(reference) BETWEEN 1 AND 100),
    amount_minor    BIGINT      NOT NULL CHECK (amount_minor > 0),
    currency        TEXT        NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
    payer           TEXT        NOT NULL CHECK (length(payer) BETWEEN 1 AND 200),
    plan_period_id  UUID        NOT NULL UNIQUE REFERENCES plan_periods (id),
    confirmed_by    UUID        NOT NULL REFERENCES users (id),
    confirmed_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX bank_transfers_account ON bank_transfers (account_id, confirmed_at DESC);

-- What staff (and, for a few account-level acts, users) changed: who, what, on which
-- target, before and after, under which request. Written in the transaction of the change;
-- append-only (a trigger refuses UPDATE and DELETE).
CREATE TABLE audit_log (
    id             BIGSERIAL   PRIMARY KEY,
    actor_kind     TEXT        NOT NULL CHECK (actor_kind IN ('staff', 'user', 'system')),
    actor_user_id  UUID,
    action         TEXT        NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
    target_type    TEXT        NOT NULL CHECK (target_type ~ '^[a-z_]+$'),
    target_id      TEXT        NOT NULL,
    before         JSONB,
    after          JSONB,
    request_id     TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, id DESC);
CREATE INDEX audit_log_action ON audit_log (action, id DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Orders also follow a plan period beginning or ending.
ALTER TABLE orders DROP CONSTRAINT orders_source_check;
ALTER TABLE orders ADD CONSTRAINT orders_source_check
    CHECK (source IN ('subscription', 'staff', 'plan_period'));
