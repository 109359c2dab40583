-- Trust: proven addresses and mail found by case-folded address. Keep in step with
-- ../sqlite/0009_trust.sql.

-- When the account proved it controls its current address (a mailed link followed); NULL until
-- then, and again after the address changes. Invitations addressed to an email are redeemed only
-- for an account whose address is proven.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;

-- Mail is matched to people by case-folded address (retirement, "download my data").
DROP INDEX mail_outbox_to;
CREATE INDEX mail_outbox_to_folded ON mail_outbox (lower(to_addr));
CREATE INDEX enrollment_audit_email_folded ON enrollment_audit (lower(email));

-- Service tokens carry scopes (space-separated `registrar::token_scope::TokenScope` names) and can
-- do only that; NULL on a token: a personal token acting as its user. Tokens an OAuth client was
-- issued name it, so revoking the client ends them. Existing clients were made for the
-- retirement driver.
ALTER TABLE oauth_clients ADD COLUMN scopes TEXT NOT NULL DEFAULT 'retirement';
ALTER TABLE api_tokens ADD COLUMN scopes TEXT;
ALTER TABLE api_tokens ADD COLUMN client_id TEXT REFERENCES oauth_clients (id);
CREATE INDEX api_tokens_client ON api_tokens (client_id);
