ALTER TABLE subscriptions DROP COLUMN latest_invoice_id;
