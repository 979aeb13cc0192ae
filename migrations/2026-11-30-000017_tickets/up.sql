-- Support tickets: a customer opens one (about their active account, optionally about an
-- order or a Stripe subscription), customer and staff exchange messages, staff close it.
CREATE TABLE tickets (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users (id),
    -- The opener's active account when the ticket was opened.
    account_id UUID NOT NULL REFERENCES accounts (id),
    subject TEXT NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200),
    priority TEXT NOT NULL DEFAULT 'normal'
        CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'waiting_on_customer', 'closed')),
    order_id UUID REFERENCES orders (id),
    stripe_subscription_id TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at TIMESTAMPTZ,
    CONSTRAINT tickets_closed_at_when_closed CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);

-- A customer's tickets, newest update first.
CREATE INDEX tickets_user_updated ON tickets (user_id, updated_at DESC);
-- Staff's list, by status, newest update first.
CREATE INDEX tickets_status_updated ON tickets (status, updated_at DESC);

CREATE TABLE ticket_messages (
    id BIGSERIAL PRIMARY KEY,
    ticket_id UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_user_id UUID NOT NULL REFERENCES users (id),
    from_staff BOOLEAN NOT NULL,
    body TEXT NOT NULL CHECK (char_length(body) BETWEEN 1 AND 10000),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);
