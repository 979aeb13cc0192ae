ALTER TABLE accounts DROP COLUMN purged_at;
DELETE FROM one_time_tokens WHERE purpose IN ('onboarding_email', 'recovery_code', 'recovery_checkout');
ALTER TABLE one_time_tokens DROP CONSTRAINT one_time_tokens_purpose_check;
ALTER TABLE one_time_tokens ADD CONSTRAINT one_time_tokens_purpose_check
    CHECK (purpose IN ('verify_email', 'reset_password', 'login_code', 'mfa_challenge'));
DROP TABLE waitlist;
DROP TABLE onboarding_checkouts;
DROP TABLE onboardings;
