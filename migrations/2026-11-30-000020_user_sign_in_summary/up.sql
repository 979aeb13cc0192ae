-- What every authenticated request shows of its user besides the user row itself:
-- whether they have a confirmed second factor, and the providers they can sign in with.
-- Kept on the user's row so that request reads one row (and its session) instead of
-- joining two more tables. Triggers keep both in step with `totp_credentials` and
-- `oauth_identities` in the same transaction as any change to them, whichever code path
-- makes it. Decisions (the second factor at sign-in, staff MFA) still read
-- `totp_credentials` itself; these columns are for showing.
ALTER TABLE users
    ADD COLUMN mfa_enabled BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN sign_in_providers TEXT[] NOT NULL DEFAULT '{}';

CREATE FUNCTION users_sync_sign_in(target UUID) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- The lock first: in READ COMMITTED the UPDATE below then runs on a snapshot taken
    -- after every transaction that held the lock before us committed (two providers
    -- linked at once both end up in the list). NO KEY UPDATE, the lock the UPDATE takes
    -- anyway: it does not wait for the KEY SHARE locks that foreign-key checks take on
    -- the user (a sign-in inserting a refresh token, or the other link's own check, which
    -- would deadlock with FOR UPDATE).
    PERFORM 1 FROM users WHERE id = target FOR NO KEY UPDATE;
    UPDATE users SET
        mfa_enabled = EXISTS (
            SELECT 1 FROM totp_credentials t
            WHERE t.user_id = target AND t.confirmed_at IS NOT NULL),
        sign_in_providers = ARRAY(
            SELECT o.provider FROM oauth_identities o
            WHERE o.user_id = target ORDER BY o.provider)
    WHERE id = target;
END $$;

CREATE FUNCTION users_sign_in_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM users_sync_sign_in(OLD.user_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id <> OLD.user_id) THEN
        PERFORM users_sync_sign_in(NEW.user_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER totp_credentials_sign_in AFTER INSERT OR DELETE ON totp_credentials
    FOR EACH ROW EXECUTE FUNCTION users_sign_in_changed();
-- Every accepted code updates `confirmed_at`; only a change of confirmed or not counts.
CREATE TRIGGER totp_credentials_sign_in_update AFTER UPDATE ON totp_credentials
    FOR EACH ROW
    WHEN ((OLD.confirmed_at IS NULL) <> (NEW.confirmed_at IS NULL) OR OLD.user_id <> NEW.user_id)
    EXECUTE FUNCTION users_sign_in_changed();
CREATE TRIGGER oauth_identities_sign_in AFTER INSERT OR DELETE ON oauth_identities
    FOR EACH ROW EXECUTE FUNCTION users_sign_in_changed();
CREATE TRIGGER oauth_identities_sign_in_update AFTER UPDATE ON oauth_identities
    FOR EACH ROW
    WHEN (OLD.provider <> NEW.provider OR OLD.user_id <> NEW.user_id)
    EXECUTE FUNCTION users_sign_in_changed();

-- The users there are already.
UPDATE users SET
    mfa_enabled = EXISTS (
        SELECT 1 FROM totp_credentials t
        WHERE t.user_id = users.id AND t.confirmed_at IS NOT NULL),
    sign_in_providers = ARRAY(
        SELECT o.provider FROM oauth_identities o
        WHERE o.user_id = users.id ORDER BY o.provider)
WHERE EXISTS (SELECT 1 FROM totp_credentials t WHERE t.user_id = users.id)
   OR EXISTS (SELECT 1 FROM oauth_identities o WHERE o.user_id = users.id);
