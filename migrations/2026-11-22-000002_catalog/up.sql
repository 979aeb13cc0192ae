-- The product catalog: products, their prices and the entitlements they grant.
-- Rows are never deleted (soft delete through `active`); Stripe ids are filled in when
-- the product or price is synced to Stripe.
CREATE TABLE products (
    id                 UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    slug               TEXT        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name               TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description        TEXT        NOT NULL DEFAULT '',
    kind               TEXT        NOT NULL CHECK (kind IN ('plan', 'add_on', 'storage_add_on')),
    pricing_page       TEXT        NOT NULL DEFAULT 'default'
                       CHECK (pricing_page ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    display_order      INTEGER     NOT NULL DEFAULT 0,
    parent_product_id  UUID        REFERENCES products (id),
    needs_instance     BOOLEAN     NOT NULL DEFAULT false,
    active             BOOLEAN     NOT NULL DEFAULT true,
    stripe_product_id  TEXT        UNIQUE,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (kind <> 'plan' OR parent_product_id IS NULL)
);

CREATE TABLE prices (
    id               UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    product_id       UUID        NOT NULL REFERENCES products (id),
    billing_period   TEXT        NOT NULL CHECK (billing_period IN ('month', 'year')),
    amount_minor     BIGINT      NOT NULL CHECK (amount_minor >= 0),
    currency         TEXT        NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
    active           BOOLEAN     NOT NULL DEFAULT true,
    stripe_price_id  TEXT        UNIQUE,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- At most one active price per product and billing period.
CREATE UNIQUE INDEX prices_one_active_per_period ON prices (product_id, billing_period)
    WHERE active;

-- What an account can be entitled to (`nextcloud`, `storage_100gb`), with the name
-- customers read. Products grant keys; tokens and instances speak keys.
CREATE TABLE entitlements (
    key         TEXT        PRIMARY KEY CHECK (key ~ '^[a-z0-9][a-z0-9_]{0,62}$'),
    label       TEXT        NOT NULL CHECK (length(label) BETWEEN 1 AND 120),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE product_entitlements (
    product_id       UUID NOT NULL REFERENCES products (id),
    entitlement_key  TEXT NOT NULL REFERENCES entitlements (key),
    PRIMARY KEY (product_id, entitlement_key)
);
