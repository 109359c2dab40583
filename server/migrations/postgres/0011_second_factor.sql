-- A second factor per account: the authenticator app's secret (RFC 6238), set up once a code from
-- it was typed, and the last time step accepted (a code is used once); one-time recovery codes,
-- kept by their SHA-256. Keep in step with ../sqlite/0011_second_factor.sql.
CREATE TABLE second_factors (
    user_id       TEXT PRIMARY KEY REFERENCES users (id),
    secret        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    confirmed_at  BIGINT,
    last_step     BIGINT
);
CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id),
    code_hash  TEXT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
