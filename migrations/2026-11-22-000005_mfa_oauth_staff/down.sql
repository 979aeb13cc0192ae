DROP TABLE oauth_states;
DROP TABLE oauth_identities;
DELETE FROM one_time_tokens WHERE purpose = 'mfa_challenge';
ALTER TABLE one_time_tokens DROP CONSTRAINT one_time_tokens_purpose_check;
ALTER TABLE one_time_tokens ADD CONSTRAINT one_time_tokens_purpose_check
    CHECK (purpose IN ('verify_email', 'reset_password', 'login_code'));
DROP TABLE mfa_recovery_codes;
DROP TABLE totp_credentials;
ALTER TABLE refresh_tokens DROP COLUMN mfa;
ALTER TABLE users DROP COLUMN preferences, DROP COLUMN is_staff;
