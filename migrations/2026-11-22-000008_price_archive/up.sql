-- A retired price stays on the subscriptions that have it, but Stripe must stop offering
-- it: this records that the archive reached Stripe.
ALTER TABLE prices ADD COLUMN stripe_archived BOOLEAN NOT NULL DEFAULT false;
