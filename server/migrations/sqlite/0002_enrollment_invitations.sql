-- Enrollment invitations (the anchor's CourseEnrollmentAllowed) and the enrollment audit trail.
-- Keep in step with ../postgres/0002_enrollment_invitations.sql.

CREATE TABLE enrollment_invitations (
    email_key    TEXT NOT NULL,                    -- case-folded email
    email        TEXT NOT NULL,
    course_key   TEXT NOT NULL REFERENCES courses (key),
    auto_enroll  INTEGER NOT NULL DEFAULT 0,
    user_id      TEXT REFERENCES users (id),       -- the first account that used it; never changes
    created_by   TEXT REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (email_key, course_key)
);
CREATE INDEX enrollment_invitations_course ON enrollment_invitations (course_key);
CREATE INDEX enrollment_invitations_user ON enrollment_invitations (user_id);

CREATE TABLE enrollment_audit (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    course_key   TEXT NOT NULL,
    email        TEXT NOT NULL,
    user_id      TEXT REFERENCES users (id),
    actor_id     TEXT REFERENCES users (id),
    actor_label  TEXT NOT NULL,
    transition   TEXT NOT NULL,
    reason       TEXT
);
CREATE INDEX enrollment_audit_course ON enrollment_audit (course_key, at);
CREATE INDEX enrollment_audit_email ON enrollment_audit (email);
CREATE INDEX enrollment_audit_user ON enrollment_audit (user_id);
