DROP TABLE payments;
DROP TABLE subscription_items;
DROP TABLE subscriptions;
ALTER TABLE accounts DROP COLUMN past_due_since, DROP COLUMN stripe_customer_id;
