ALTER TABLE orders DROP CONSTRAINT orders_source_check;
ALTER TABLE orders ADD CONSTRAINT orders_source_check CHECK (source IN ('subscription', 'staff'));
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE bank_transfers;
DROP TABLE plan_periods;
DROP TABLE plan_terms;
