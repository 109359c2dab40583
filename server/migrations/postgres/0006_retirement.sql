-- Retirement (account deletion): the state list, requests, statuses with their event history, OAuth
-- clients for the retirement service, and server-wide secrets. Keep in step with
-- ../sqlite/0006_retirement.sql.

-- Set when the user row became a tombstone (retired names, no password, inactive).
ALTER TABLE users ADD COLUMN retired_at BIGINT;
CREATE INDEX users_retired ON users (retired_at) WHERE retired_at IS NOT NULL;

-- The configured RETIREMENT_STATES, synchronised by `registrar populate-retirement-states`.
CREATE TABLE retirement_states (
    name         TEXT PRIMARY KEY,
    exec_order   BIGINT NOT NULL UNIQUE,
    is_dead_end  BOOLEAN NOT NULL DEFAULT FALSE,
    is_required  BOOLEAN NOT NULL DEFAULT FALSE
);

-- That a user ever asked (kept; holds nothing but the user id).
CREATE TABLE retirement_requests (
    user_id     TEXT PRIMARY KEY REFERENCES users (id),
    source      TEXT NOT NULL CHECK (source IN ('learner', 'admin', 'service')),
    created_at  BIGINT NOT NULL
);

-- One learner's retirement: where it is, who works on it (lease), and the originals until cleanup.
CREATE TABLE retirement_statuses (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL UNIQUE REFERENCES users (id),
    original_username  TEXT NOT NULL,
    original_email     TEXT NOT NULL,
    original_name      TEXT NOT NULL,
    retired_username   TEXT NOT NULL,
    retired_email      TEXT NOT NULL,
    current_state      TEXT NOT NULL,
    last_state         TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    modified_at        BIGINT NOT NULL,
    due_at             BIGINT NOT NULL,               -- end of the cool-off
    next_try_at        BIGINT NOT NULL,               -- not before this (cool-off, then retry backoff)
    attempts           BIGINT NOT NULL DEFAULT 0,     -- failed attempts at the current stage
    last_error         TEXT,
    lease_until        BIGINT,                        -- worked on (built-in worker or external driver) until
    leased_by          TEXT,
    completed_at       BIGINT,
    cleaned_at         BIGINT                         -- originals redacted
);
CREATE INDEX retirement_statuses_queue ON retirement_statuses (current_state, next_try_at);
CREATE INDEX retirement_statuses_created ON retirement_statuses (created_at);
CREATE INDEX retirement_statuses_original_username ON retirement_statuses (lower(original_username));
CREATE INDEX retirement_statuses_original_email ON retirement_statuses (lower(original_email));
CREATE INDEX retirement_statuses_retired_username ON retirement_statuses (retired_username);
CREATE INDEX retirement_statuses_retired_email ON retirement_statuses (retired_email);

-- Every state change: from, to, why, who, when (instead of one free-text blob).
CREATE TABLE retirement_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status_id    TEXT NOT NULL REFERENCES retirement_statuses (id),
    at           BIGINT NOT NULL,
    from_state   TEXT,
    to_state     TEXT NOT NULL,
    message      TEXT NOT NULL,
    actor_label  TEXT NOT NULL
);
CREATE INDEX retirement_events_status ON retirement_events (status_id, id);

-- OAuth2 clients (client credentials grant) acting as a user, e.g. the retirement service worker.
CREATE TABLE oauth_clients (
    id           TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL UNIQUE,
    secret_hash  TEXT NOT NULL,                        -- SHA-256 of the client secret
    name         TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX oauth_clients_user ON oauth_clients (user_id);

-- Secrets every app server shares (the key that signs cancel links), created on first use.
CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Finding what names a learner, for retirement and "download my data".
CREATE INDEX mail_outbox_to ON mail_outbox (to_addr);
CREATE INDEX enrollment_audit_actor ON enrollment_audit (actor_id);
CREATE INDEX role_assignments_granted_by ON role_assignments (granted_by);
