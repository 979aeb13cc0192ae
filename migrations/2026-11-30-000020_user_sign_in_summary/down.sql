DROP TRIGGER oauth_identities_sign_in_update ON oauth_identities;
DROP TRIGGER oauth_identities_sign_in ON oauth_identities;
DROP TRIGGER totp_credentials_sign_in_update ON totp_credentials;
DROP TRIGGER totp_credentials_sign_in ON totp_credentials;
DROP FUNCTION users_sign_in_changed();
DROP FUNCTION users_sync_sign_in(UUID);
ALTER TABLE users DROP COLUMN sign_in_providers, DROP COLUMN mfa_enabled;
