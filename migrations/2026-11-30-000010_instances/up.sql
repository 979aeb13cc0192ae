-- Product instances (a hosted Nextcloud, say) and the seats users hold on them.
-- Placement (api/src/instances/placement.rs) changes `allocated_seats` and `seats` together,
-- under the instance's row lock; the constraints below hold whatever code runs.
CREATE TABLE instances (
    id                   UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    product_id           UUID        NOT NULL REFERENCES products (id),
    name                 TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    base_url             TEXT        NOT NULL CHECK (base_url ~ '^https?://' AND length(base_url) <= 2000),
    -- Inactive instances get no new seats and their seats are moved elsewhere.
    active               BOOLEAN     NOT NULL DEFAULT true,
    -- Automatic placement may choose it (staff may still place people by hand).
    auto_allocate        BOOLEAN     NOT NULL DEFAULT true,
    -- Crossing the soft cap alerts staff; automatic placement stops at the allocation
    -- cap; nothing, not even staff, goes past the hard cap.
    soft_cap             INTEGER     NOT NULL,
    allocation_cap       INTEGER     NOT NULL,
    hard_cap             INTEGER     NOT NULL,
    allocated_seats      INTEGER     NOT NULL DEFAULT 0,
    -- When staff were told it crossed its soft cap; cleared once it is back under it.
    soft_cap_alerted_at  TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (product_id, name),
    CONSTRAINT instances_caps_ordered
        CHECK (0 <= soft_cap AND soft_cap <= allocation_cap AND allocation_cap <= hard_cap),
    CONSTRAINT instances_seats_within_hard_cap
        CHECK (allocated_seats >= 0 AND allocated_seats <= hard_cap)
);
CREATE INDEX instances_product ON instances (product_id, allocated_seats, name) WHERE active;

-- What a seat change means for the product (api/src/instances/connectors.rs); no row
-- means nothing but the seat. `webhook`: a signed JSON event POSTed to `url`, signed
-- with `secret` (Gatehouse generates it). `groups`: an admin API that keeps group
-- members: PUT/DELETE on `url`, a template with `{group}` and `{user}`, with `token` as
-- the bearer token.
CREATE TABLE instance_connectors (
    instance_id  UUID        PRIMARY KEY REFERENCES instances (id),
    kind         TEXT        NOT NULL CHECK (kind IN ('webhook', 'groups')),
    url          TEXT        NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    group_name   TEXT        CHECK (length(group_name) BETWEEN 1 AND 200),
    secret       TEXT,
    token        TEXT,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (
        (kind = 'webhook' AND secret IS NOT NULL AND group_name IS NULL AND token IS NULL)
        OR (kind = 'groups' AND group_name IS NOT NULL AND token IS NOT NULL AND secret IS NULL))
);

-- A user's seat on an instance of a product. One live seat per user and product; a
-- released seat is kept so that subscribing again prefers the same instance.
CREATE TABLE seats (
    id           UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    instance_id  UUID        NOT NULL REFERENCES instances (id),
    product_id   UUID        NOT NULL REFERENCES products (id),
    user_id      UUID        NOT NULL REFERENCES users (id),
    -- The account whose subscription pays for it.
    account_id   UUID        NOT NULL REFERENCES accounts (id),
    placed_by    TEXT        NOT NULL CHECK (placed_by IN ('auto', 'staff')),
    placed_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    released_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX seats_one_live_per_user_product ON seats (user_id, product_id)
    WHERE released_at IS NULL;
CREATE INDEX seats_live_on_instance ON seats (instance_id) WHERE released_at IS NULL;
CREATE INDEX seats_of_account ON seats (account_id);

-- What an account bought or changed, and how far fulfilling it got. Each purchase or
-- change of a subscription opens one (a change arriving while one is still open joins
-- it); the `instances.fulfil_order` job works it through
--   queued → running → complete | needs_capacity | needs_info | failed
-- (`instances::orders::allowed` holds the transitions), writing a log line per step.
CREATE TABLE orders (
    id                      UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id              UUID        NOT NULL REFERENCES accounts (id),
    -- What opened it: a subscription change seen from Stripe, or staff.
    source                  TEXT        NOT NULL CHECK (source IN ('subscription', 'staff')),
    stripe_subscription_id  TEXT,
    state                   TEXT        NOT NULL DEFAULT 'queued' CHECK (state IN (
                                'queued', 'running', 'needs_info', 'needs_capacity',
                                'complete', 'failed')),
    attempts                INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- [{"at": RFC 3339, "line": "…"}], appended to, never rewritten.
    log                     JSONB       NOT NULL DEFAULT '[]',
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at              TIMESTAMPTZ,
    finished_at             TIMESTAMPTZ
);
CREATE INDEX orders_account ON orders (account_id, created_at DESC);
CREATE INDEX orders_unfinished ON orders (state, updated_at)
    WHERE state IN ('queued', 'running', 'needs_info', 'needs_capacity');
