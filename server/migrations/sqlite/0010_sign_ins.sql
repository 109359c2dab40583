-- Recent sign-ins of each account, as My account and the console list them: when, from which
-- address and browser, how (password, unlock link), and whether it worked. Only attempts at an
-- existing account are kept, for 90 days. Keep in step with ../postgres/0010_sign_ins.sql.
CREATE TABLE sign_ins (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    at          INTEGER NOT NULL,
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    method      TEXT NOT NULL,
    success     INTEGER NOT NULL
);
CREATE INDEX sign_ins_user_at ON sign_ins (user_id, at);
CREATE INDEX sign_ins_at ON sign_ins (at);
