-- The admin console and user activation: explicit account states, versioned clickthrough
-- agreements and their signatures, invitations by email, console permissions given to groups, and
-- the audit log's filter indexes. Keep in step with ../sqlite/0008_console.sql.

-- new -> invited (set up) -> active -> deactivated. `is_active` stays the sign-in switch (retirement
-- also turns it off); it is 1 only when the state is 'active'.
ALTER TABLE users ADD COLUMN state TEXT NOT NULL DEFAULT 'active'
    CHECK (state IN ('new', 'invited', 'active', 'deactivated'));
CREATE INDEX users_state ON users (state, username_key);
CREATE INDEX users_privileged ON users (username_key) WHERE is_staff OR is_superuser;
CREATE INDEX users_inactive ON users (username_key) WHERE NOT is_active;

-- A clickthrough document at its current version; every published version's text is kept so a
-- signature always points at the words that were signed.
CREATE TABLE agreements (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1,
    required      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL,
    published_at  BIGINT NOT NULL
);

CREATE TABLE agreement_versions (
    agreement_id  TEXT NOT NULL REFERENCES agreements (id),
    version       BIGINT NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    published_at  BIGINT NOT NULL,
    PRIMARY KEY (agreement_id, version)
);

-- One row per user, agreement and version: signing twice is one signature. Kept when an account is
-- deactivated (for the record); deleted when it is retired.
CREATE TABLE agreement_signatures (
    user_id       TEXT NOT NULL REFERENCES users (id),
    agreement_id  TEXT NOT NULL REFERENCES agreements (id),
    version       BIGINT NOT NULL,
    signed_at     BIGINT NOT NULL,
    ip            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, agreement_id, version)
);
CREATE INDEX agreement_signatures_agreement ON agreement_signatures (agreement_id, version);

-- An invitation by email: when that email registers (or an account with it signs in for the first
-- time) the account is set up, with the optional role. One open invitation per email.
CREATE TABLE user_invitations (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL,
    role          TEXT,
    org           TEXT REFERENCES orgs (key),
    course_key    TEXT REFERENCES courses (key),
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    revoked_at    BIGINT,
    accepted_at   BIGINT,
    user_id       TEXT REFERENCES users (id)
);
CREATE UNIQUE INDEX user_invitations_open ON user_invitations (email_key)
    WHERE revoked_at IS NULL AND accepted_at IS NULL;
CREATE INDEX user_invitations_created ON user_invitations (created_at);
CREATE INDEX user_invitations_user ON user_invitations (user_id);

-- Console permissions (`view_users`, `change_users`, …) given to groups; superusers hold them all.
CREATE TABLE group_permissions (
    group_id    TEXT NOT NULL REFERENCES user_groups (id),
    permission  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (group_id, permission)
);

-- The audit log's filters: by target id alone and by action, newest first (actor, target type +
-- id, scope and time have theirs already).
CREATE INDEX audit_log_target_id ON audit_log (target_id, at);
CREATE INDEX audit_log_action ON audit_log (action, at);

-- The outbox and jobs pages list newest first.
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);
CREATE INDEX jobs_created ON jobs (created_at);
