-- Indexes for searching a course's enrollments by the start of a username, email or name.
-- Keep in step with ../postgres/0003_enrollment_search.sql.
CREATE INDEX users_name_key ON users (lower(full_name));
