-- Stripe's `latest_invoice` of a subscription: which of its invoices is the newest.
-- Invoices are dated to the second, so two (a payment and a plan change's proration)
-- can share a date; this says which one the plan credits follow.
ALTER TABLE subscriptions ADD COLUMN latest_invoice_id TEXT;
