-- Registrar foundation schema (PostgreSQL dialect). Timestamps are UTC epoch milliseconds (BIGINT);
-- ids are text UUIDs; flags are BOOLEAN. Keep in step with ../sqlite/0001_init.sql.

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL,
    username_key    TEXT NOT NULL UNIQUE,          -- case-folded username
    email           TEXT NOT NULL,
    email_key       TEXT NOT NULL UNIQUE,          -- case-folded email
    full_name       TEXT NOT NULL,
    password_hash   TEXT,                          -- argon2id PHC string; NULL = unusable password
    is_active       BOOLEAN NOT NULL DEFAULT TRUE,
    is_staff        BOOLEAN NOT NULL DEFAULT FALSE,
    is_superuser    BOOLEAN NOT NULL DEFAULT FALSE,
    date_joined     BIGINT NOT NULL,
    last_login      BIGINT
);
CREATE INDEX users_full_name ON users (full_name);

CREATE TABLE orgs (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE courses (
    key               TEXT PRIMARY KEY,            -- course-v1:Org+Number+Run
    org               TEXT NOT NULL REFERENCES orgs (key),
    display_name      TEXT NOT NULL,
    start_at          BIGINT,
    end_at            BIGINT,
    enrollment_start  BIGINT,
    enrollment_end    BIGINT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX courses_org ON courses (org);
CREATE INDEX courses_display_name ON courses (display_name);

CREATE TABLE enrollments (
    user_id     TEXT NOT NULL REFERENCES users (id),
    course_key  TEXT NOT NULL REFERENCES courses (key),
    mode        TEXT NOT NULL DEFAULT 'audit',
    is_active   BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, course_key)
);
CREATE INDEX enrollments_course ON enrollments (course_key, is_active);

-- Scoped role assignments: NULL org/course instead of empty strings; one uniqueness rule per scope.
CREATE TABLE role_assignments (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    scope       TEXT NOT NULL CHECK (scope IN ('global', 'org', 'course')),
    org         TEXT REFERENCES orgs (key),
    course_key  TEXT REFERENCES courses (key),
    role        TEXT NOT NULL,
    granted_by  TEXT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    CHECK (
        (scope = 'global' AND org IS NULL AND course_key IS NULL) OR
        (scope = 'org' AND org IS NOT NULL AND course_key IS NULL) OR
        (scope = 'course' AND org IS NOT NULL AND course_key IS NOT NULL)
    )
);
CREATE UNIQUE INDEX role_assignments_global ON role_assignments (user_id, role) WHERE scope = 'global';
CREATE UNIQUE INDEX role_assignments_org ON role_assignments (user_id, org, role) WHERE scope = 'org';
CREATE UNIQUE INDEX role_assignments_course ON role_assignments (user_id, course_key, role) WHERE scope = 'course';
CREATE INDEX role_assignments_by_course ON role_assignments (course_key, role);
CREATE INDEX role_assignments_by_org ON role_assignments (org, role);

CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,                -- SHA-256 of the cookie secret
    user_id       TEXT NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,            -- SHA-256 of the bearer secret
    user_id       TEXT NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Append-only: the store offers no UPDATE or DELETE on this table.
CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           BIGINT NOT NULL,
    actor_id     TEXT,                              -- NULL for system principals
    actor_label  TEXT NOT NULL,                     -- username or system:<name>
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    scope        TEXT,
    before_json  TEXT,
    after_json   TEXT,
    reason       TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, at);

CREATE TABLE mail_outbox (
    id          TEXT PRIMARY KEY,
    user_id     TEXT REFERENCES users (id),
    to_addr     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body_text   TEXT NOT NULL,
    body_html   TEXT,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  BIGINT NOT NULL,
    next_try_at BIGINT NOT NULL,
    sent_at     BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_try_at);
CREATE INDEX mail_outbox_user ON mail_outbox (user_id);

CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,                  -- JSON
    state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    progress_done   BIGINT NOT NULL DEFAULT 0,
    progress_total  BIGINT NOT NULL DEFAULT 0,
    lease_until     BIGINT,
    leased_by       TEXT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    max_attempts    BIGINT NOT NULL DEFAULT 3,
    result          TEXT,                           -- JSON
    error           TEXT,
    created_by      TEXT REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX jobs_claim ON jobs (state, lease_until);
CREATE INDEX jobs_created_by ON jobs (created_by);

-- Failed sign-ins per key ('ip:<address>' or 'account:<user id or typed identifier>'), shared by
-- every app server. Keyed by what was typed too, so unknown usernames lock exactly like real ones.
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL,
    window_start  BIGINT NOT NULL
);
