DROP TABLE refresh_tokens;
DROP TABLE signing_keys;
DROP TABLE account_members;
DROP TABLE accounts;
DROP TABLE users;
