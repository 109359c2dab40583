-- Indexes for searching a course's enrollments by the start of a username, email or name. Prefix
-- ranges compare bytewise (COLLATE "C") whatever the database's collation, so they can use these.
-- Keep in step with ../sqlite/0003_enrollment_search.sql.
CREATE INDEX users_username_key_c ON users (username_key COLLATE "C");
CREATE INDEX users_email_key_c ON users (email_key COLLATE "C");
CREATE INDEX users_name_key_c ON users ((lower(full_name)) COLLATE "C");
CREATE INDEX enrollment_invitations_email_c ON enrollment_invitations (course_key, email_key COLLATE "C");
