-- A staff suspension holds: billing (a paid invoice, Stripe's view) does not lift it;
-- only staff reactivating the account does.
ALTER TABLE accounts ADD COLUMN held_at TIMESTAMPTZ;
ALTER TABLE accounts ADD COLUMN held_reason TEXT CHECK (length(held_reason) BETWEEN 1 AND 500);
ALTER TABLE accounts ADD CONSTRAINT accounts_hold_has_a_reason
    CHECK ((held_at IS NULL) = (held_reason IS NULL));
CREATE INDEX accounts_created ON accounts (created_at DESC);
