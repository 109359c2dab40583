-- Trust: proven addresses and mail found by case-folded address. Keep in step with
-- ../postgres/0009_trust.sql.

-- When the account proved it controls its current address (a mailed link followed); NULL until
-- then, and again after the address changes. Invitations addressed to an email are redeemed only
-- for an account whose address is proven.
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;

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

-- When a key last counted: failed sign-ins of one account from one address wait longer and longer
-- after the last one (registrar::throttle).
ALTER TABLE login_throttle ADD COLUMN last_at INTEGER;

-- Who each audit entry and batch job names (case-folded usernames and emails under the
-- personal-data keys of its JSON), so retirement finds a learner's traces through an index instead
-- of rereading history. Rows written before this migration are indexed once at start, after the
-- checkpoint in person_mentions_progress (the row goes when the backfill is done).
CREATE TABLE person_mentions (
    name_key  TEXT NOT NULL,
    source    TEXT NOT NULL CHECK (source IN ('audit', 'job')),
    row_id    TEXT NOT NULL,
    PRIMARY KEY (name_key, source, row_id)
);
CREATE INDEX person_mentions_row ON person_mentions (source, row_id);
CREATE TABLE person_mentions_progress (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    audit_through  INTEGER NOT NULL
);
INSERT INTO person_mentions_progress (id, audit_through) VALUES (1, 0);
-- The account a key counts for (`account:…`), on keys that also name an address, so retirement
-- deletes them by account.
ALTER TABLE login_throttle ADD COLUMN subject TEXT;
CREATE INDEX login_throttle_subject ON login_throttle (subject);

-- Tokens the token endpoint issued before tokens carried scopes act as their whole user and name no
-- client: they end now (a service asks for a new one, scoped, within the hour it would have waited).
UPDATE api_tokens SET revoked_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE name LIKE 'oauth:%' AND client_id IS NULL AND revoked_at IS NULL;

-- The addresses an account had before its current one: history written then names them, so
-- retirement redacts them too (and "download my data" lists them).
CREATE TABLE user_past_emails (
    user_id     TEXT NOT NULL REFERENCES users (id),
    email_key   TEXT NOT NULL,
    email       TEXT NOT NULL,
    changed_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, email_key)
);
