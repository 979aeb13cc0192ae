-- Stripe's events, as received: the inbox. Keyed by Stripe's event id, so a delivery
-- Stripe repeats is stored once. Processing (a job per event) re-reads the object from
-- Stripe and applies its current state; `status` tells staff where each event stands.
CREATE TABLE stripe_events (
    id            TEXT        PRIMARY KEY CHECK (id ~ '^evt_[A-Za-z0-9_]{1,250}$'),
    type          TEXT        NOT NULL CHECK (length(type) BETWEEN 1 AND 100),
    livemode      BOOLEAN     NOT NULL,
    api_version   TEXT,
    -- When Stripe created the event (its `created`).
    created       TIMESTAMPTZ NOT NULL,
    -- The id of `data.object` (a subscription, an invoice, a checkout session, …).
    object_id     TEXT,
    -- What processing re-reads from Stripe: the subscription the event is about (or the
    -- invoice, when it belongs to none). Events of one subject are processed together.
    subject_id    TEXT,
    payload       JSONB       NOT NULL,
    status        TEXT        NOT NULL DEFAULT 'received'
                  CHECK (status IN ('received', 'processed', 'ignored', 'failed')),
    last_error    TEXT,
    received_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed_at  TIMESTAMPTZ
);
CREATE INDEX stripe_events_received ON stripe_events (received_at DESC);
CREATE INDEX stripe_events_object ON stripe_events (object_id) WHERE object_id IS NOT NULL;
CREATE INDEX stripe_events_pending ON stripe_events (subject_id)
    WHERE status IN ('received', 'failed');
