-- Credentials and learner records: sites and their configuration, signatories, the programs
-- catalog, certificate configurations, pathways, learners' credentials and grades, shared record
-- links and the record history. Keep in step with ../postgres/0007_credentials.sql.

CREATE TABLE sites (
    id                       TEXT PRIMARY KEY,
    domain                   TEXT NOT NULL UNIQUE,
    name                     TEXT NOT NULL,
    platform_name            TEXT NOT NULL,
    records_enabled          INTEGER NOT NULL DEFAULT 1,
    records_help_url         TEXT NOT NULL DEFAULT '',
    partner_from_address     TEXT NOT NULL DEFAULT '',
    lms_url_root             TEXT NOT NULL DEFAULT '',
    catalog_api_url          TEXT NOT NULL DEFAULT '',
    theme_name               TEXT NOT NULL DEFAULT 'openedx',
    company_name             TEXT NOT NULL DEFAULT '',
    homepage_url             TEXT NOT NULL DEFAULT '',
    tos_url                  TEXT NOT NULL DEFAULT '',
    privacy_policy_url       TEXT NOT NULL DEFAULT '',
    certificate_help_url     TEXT NOT NULL DEFAULT '',
    twitter_username         TEXT NOT NULL DEFAULT '',
    facebook_app_id          TEXT NOT NULL DEFAULT '',
    enable_facebook_sharing  INTEGER NOT NULL DEFAULT 0,
    enable_linkedin_sharing  INTEGER NOT NULL DEFAULT 1,
    enable_twitter_sharing   INTEGER NOT NULL DEFAULT 1,
    created_at               INTEGER NOT NULL,
    modified_at              INTEGER NOT NULL
);

CREATE TABLE signatories (
    id                          TEXT PRIMARY KEY,
    name                        TEXT NOT NULL,
    title                       TEXT NOT NULL,
    organization_name_override  TEXT,
    image_type                  TEXT NOT NULL CHECK (image_type IN ('image/png', 'image/jpeg', 'image/svg+xml')),
    image                       BLOB NOT NULL,
    created_at                  INTEGER NOT NULL,
    modified_at                 INTEGER NOT NULL
);
CREATE INDEX signatories_name ON signatories (name);

ALTER TABLE orgs ADD COLUMN certificate_logo_url TEXT NOT NULL DEFAULT '';

CREATE TABLE programs (
    id                     TEXT PRIMARY KEY,              -- uuid, 32 hex digits
    site_id                TEXT NOT NULL REFERENCES sites (id),
    title                  TEXT NOT NULL,
    program_type           TEXT NOT NULL,                 -- MicroMasters, Professional Certificate…
    status                 TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired', 'unpublished', 'deleted')),
    total_hours_of_effort  INTEGER,
    created_at             INTEGER NOT NULL,
    modified_at            INTEGER NOT NULL
);
CREATE INDEX programs_site_title ON programs (site_id, title);

CREATE TABLE program_orgs (
    program_id  TEXT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    org         TEXT NOT NULL REFERENCES orgs (key),
    position    INTEGER NOT NULL,
    PRIMARY KEY (program_id, org)
);

CREATE TABLE program_courses (
    program_id  TEXT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    course_key  TEXT NOT NULL REFERENCES courses (key),
    position    INTEGER NOT NULL,
    PRIMARY KEY (program_id, course_key)
);
CREATE INDEX program_courses_course ON program_courses (course_key);

CREATE TABLE course_certificates (
    id                TEXT PRIMARY KEY,
    site_id           TEXT NOT NULL REFERENCES sites (id),
    course_key        TEXT NOT NULL REFERENCES courses (key),
    certificate_type  TEXT NOT NULL CHECK (certificate_type IN ('honor', 'verified', 'professional', 'no-id-professional', 'masters')),
    title             TEXT,
    available_at      INTEGER,                            -- certificate_available_date
    is_active         INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL,
    modified_at       INTEGER NOT NULL,
    UNIQUE (site_id, course_key, certificate_type)
);
CREATE INDEX course_certificates_course ON course_certificates (course_key);

CREATE TABLE program_certificates (
    id                       TEXT PRIMARY KEY,
    site_id                  TEXT NOT NULL REFERENCES sites (id),
    program_id               TEXT NOT NULL REFERENCES programs (id),
    title                    TEXT,
    use_org_name             INTEGER NOT NULL DEFAULT 0,
    include_hours_of_effort  INTEGER NOT NULL DEFAULT 0,
    language                 TEXT,
    is_active                INTEGER NOT NULL DEFAULT 1,
    created_at               INTEGER NOT NULL,
    modified_at              INTEGER NOT NULL,
    UNIQUE (site_id, program_id)
);

CREATE TABLE certificate_signatories (
    course_certificate_id   TEXT REFERENCES course_certificates (id) ON DELETE CASCADE,
    program_certificate_id  TEXT REFERENCES program_certificates (id) ON DELETE CASCADE,
    signatory_id            TEXT NOT NULL REFERENCES signatories (id),
    position                INTEGER NOT NULL,
    CHECK ((course_certificate_id IS NULL) <> (program_certificate_id IS NULL))
);
CREATE UNIQUE INDEX certificate_signatories_course ON certificate_signatories (course_certificate_id, signatory_id) WHERE course_certificate_id IS NOT NULL;
CREATE UNIQUE INDEX certificate_signatories_program ON certificate_signatories (program_certificate_id, signatory_id) WHERE program_certificate_id IS NOT NULL;
CREATE INDEX certificate_signatories_signatory ON certificate_signatories (signatory_id);

CREATE TABLE pathways (
    id            TEXT PRIMARY KEY,
    site_id       TEXT NOT NULL REFERENCES sites (id),
    name          TEXT NOT NULL,
    org_name      TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    pathway_type  TEXT NOT NULL DEFAULT 'credit' CHECK (pathway_type IN ('credit', 'industry')),
    status        TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'unpublished', 'retired')),
    created_at    INTEGER NOT NULL,
    modified_at   INTEGER NOT NULL
);
CREATE INDEX pathways_site_name ON pathways (site_id, name);

CREATE TABLE pathway_programs (
    pathway_id  TEXT NOT NULL REFERENCES pathways (id) ON DELETE CASCADE,
    program_id  TEXT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    PRIMARY KEY (pathway_id, program_id)
);
CREATE INDEX pathway_programs_program ON pathway_programs (program_id);

-- A learner's award of one certificate configuration; revoking keeps the row (soft).
CREATE TABLE user_credentials (
    id                      TEXT PRIMARY KEY,            -- uuid, 32 hex digits: the public id
    user_id                 TEXT NOT NULL REFERENCES users (id),
    course_certificate_id   TEXT REFERENCES course_certificates (id),
    program_certificate_id  TEXT REFERENCES program_certificates (id),
    status                  TEXT NOT NULL DEFAULT 'awarded' CHECK (status IN ('awarded', 'revoked')),
    date_override           INTEGER,
    created_at              INTEGER NOT NULL,
    modified_at             INTEGER NOT NULL,
    CHECK ((course_certificate_id IS NULL) <> (program_certificate_id IS NULL))
);
CREATE UNIQUE INDEX user_credentials_course ON user_credentials (user_id, course_certificate_id) WHERE course_certificate_id IS NOT NULL;
CREATE UNIQUE INDEX user_credentials_program ON user_credentials (user_id, program_certificate_id) WHERE program_certificate_id IS NOT NULL;
CREATE INDEX user_credentials_course_cert ON user_credentials (course_certificate_id);
CREATE INDEX user_credentials_program_cert ON user_credentials (program_certificate_id);

CREATE TABLE user_credential_attributes (
    credential_id  TEXT NOT NULL REFERENCES user_credentials (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (credential_id, name)
);

-- The LMS's grade for a learner in a course run (percent in ten-thousandths: the source's Decimal(5,4)).
CREATE TABLE user_grades (
    user_id            TEXT NOT NULL REFERENCES users (id),
    course_key         TEXT NOT NULL REFERENCES courses (key),
    letter_grade       TEXT NOT NULL DEFAULT '',
    percent_e4         INTEGER NOT NULL CHECK (percent_e4 BETWEEN 0 AND 10000),
    verified           INTEGER NOT NULL DEFAULT 1,
    source_updated_at  INTEGER,                          -- lms_last_updated_at
    created_at         INTEGER NOT NULL,
    modified_at        INTEGER NOT NULL,
    PRIMARY KEY (user_id, course_key)
);
CREATE INDEX user_grades_course ON user_grades (course_key);

-- A public link to one learner's program record. Unsharing ends it; sharing again makes a new one.
CREATE TABLE record_shares (
    id              TEXT PRIMARY KEY,                    -- uuid, 32 hex digits: the public id
    user_id         TEXT NOT NULL REFERENCES users (id),
    program_id      TEXT NOT NULL REFERENCES programs (id),
    show_email      INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER,
    revoked_at      INTEGER,
    views           INTEGER NOT NULL DEFAULT 0,
    downloads       INTEGER NOT NULL DEFAULT 0,
    last_viewed_at  INTEGER
);
CREATE UNIQUE INDEX record_shares_live ON record_shares (user_id, program_id) WHERE revoked_at IS NULL;
CREATE INDEX record_shares_program ON record_shares (program_id);

-- Append-only history of a learner's program record: shared, unshared, viewed, downloaded, sent.
CREATE TABLE record_events (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    program_id  TEXT NOT NULL REFERENCES programs (id),
    share_id    TEXT REFERENCES record_shares (id),
    pathway_id  TEXT REFERENCES pathways (id),
    actor_id    TEXT REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('shared', 'unshared', 'viewed', 'downloaded', 'sent')),
    at          INTEGER NOT NULL
);
CREATE INDEX record_events_user ON record_events (user_id, program_id, at);
CREATE INDEX record_events_actor ON record_events (actor_id);
CREATE INDEX record_events_share ON record_events (share_id);
CREATE INDEX record_events_pathway ON record_events (pathway_id);

-- Mail sent on a learner's behalf (a record to a pathway) comes from the site's address and is
-- answered to the learner.
ALTER TABLE mail_outbox ADD COLUMN from_addr TEXT;
ALTER TABLE mail_outbox ADD COLUMN reply_to TEXT;
