-- Sharing: expiring grants, Studio team invitations, groups, content libraries and their grants.
-- Keep in step with ../sqlite/0005_sharing.sql.

-- Any course, org or global grant may end; checks compare with now, a job records the expiry.
ALTER TABLE role_assignments ADD COLUMN expires_at BIGINT;
CREATE INDEX role_assignments_expiry ON role_assignments (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX role_assignments_user ON role_assignments (user_id);

-- Global staff, listed on every team page as inherited access: a handful of rows among all users.
CREATE INDEX users_global_staff ON users (username_key) WHERE is_staff OR is_superuser;

-- The history shown on team pages: every audit entry about one course or library.
CREATE INDEX audit_log_scope ON audit_log (scope, at);

-- Studio course team invitations for emails without an account: pending until that email registers.
CREATE TABLE team_invitations (
    id          TEXT PRIMARY KEY,
    course_key  TEXT NOT NULL REFERENCES courses (key),
    email_key   TEXT NOT NULL,                     -- case-folded email
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('instructor', 'staff')),
    invited_by  TEXT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,                  -- the invitation's own end
    grant_expires_at BIGINT,                      -- when the role it becomes ends, if ever
    UNIQUE (course_key, email_key)
);
CREATE INDEX team_invitations_email ON team_invitations (email_key);

-- Named groups of users; grants to a group apply to its members at check time.
CREATE TABLE user_groups (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,              -- case-folded name
    description TEXT NOT NULL DEFAULT '',
    created_by  TEXT REFERENCES users (id),
    created_at  BIGINT NOT NULL
);

CREATE TABLE group_members (
    group_id    TEXT NOT NULL REFERENCES user_groups (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    added_by    TEXT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

-- v2 content libraries: lib:ORG:SLUG, the slug never changes.
CREATE TABLE libraries (
    key                    TEXT PRIMARY KEY,
    org                    TEXT NOT NULL REFERENCES orgs (key),
    slug                   TEXT NOT NULL,
    title                  TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    allow_public_read      BOOLEAN NOT NULL DEFAULT FALSE,
    allow_public_learning  BOOLEAN NOT NULL DEFAULT FALSE,
    created_by             TEXT REFERENCES users (id),
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    UNIQUE (org, slug)
);
CREATE INDEX libraries_title ON libraries (title);

-- A grant on one library or on every library of an org, to exactly one user or one group.
CREATE TABLE library_grants (
    id            TEXT PRIMARY KEY,
    library_key   TEXT REFERENCES libraries (key),
    org           TEXT REFERENCES orgs (key),
    user_id       TEXT REFERENCES users (id),
    group_id      TEXT REFERENCES user_groups (id),
    access_level  TEXT NOT NULL CHECK (access_level IN ('admin', 'author', 'read')),
    granted_by    TEXT REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    CHECK ((user_id IS NULL AND group_id IS NOT NULL) OR (user_id IS NOT NULL AND group_id IS NULL)),
    CHECK ((library_key IS NULL AND org IS NOT NULL) OR (library_key IS NOT NULL AND org IS NULL))
);
CREATE UNIQUE INDEX library_grants_library_user ON library_grants (library_key, user_id) WHERE library_key IS NOT NULL AND user_id IS NOT NULL;
CREATE UNIQUE INDEX library_grants_library_group ON library_grants (library_key, group_id) WHERE library_key IS NOT NULL AND group_id IS NOT NULL;
CREATE UNIQUE INDEX library_grants_org_user ON library_grants (org, user_id) WHERE org IS NOT NULL AND user_id IS NOT NULL;
CREATE UNIQUE INDEX library_grants_org_group ON library_grants (org, group_id) WHERE org IS NOT NULL AND group_id IS NOT NULL;
CREATE INDEX library_grants_user ON library_grants (user_id);
CREATE INDEX library_grants_group ON library_grants (group_id);
CREATE INDEX library_grants_expiry ON library_grants (expires_at) WHERE expires_at IS NOT NULL;
