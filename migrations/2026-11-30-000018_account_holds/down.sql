DROP INDEX accounts_created;
ALTER TABLE accounts DROP CONSTRAINT accounts_hold_has_a_reason;
ALTER TABLE accounts DROP COLUMN held_reason;
ALTER TABLE accounts DROP COLUMN held_at;
