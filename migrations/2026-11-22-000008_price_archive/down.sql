ALTER TABLE prices DROP COLUMN stripe_archived;
