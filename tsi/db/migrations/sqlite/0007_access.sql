-- 0007: access control (operations.md §2). The users of AUTH.MODE = "basic" (password hashes only, argon2id)
-- and the audit log of every change, refused sign-in and user change.

CREATE TABLE IF NOT EXISTS app_users (
    user_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    user_name     TEXT NOT NULL,
    password_hash TEXT NULL,
    role          TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT UQ_app_users_name UNIQUE (user_name)
);

CREATE TABLE IF NOT EXISTS audit_log (
    audit_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    user_name      TEXT NULL,
    role           TEXT NULL,
    action         TEXT NOT NULL,
    schedule_id    INTEGER NULL,
    detail_json    TEXT NULL,
    client_address TEXT NULL
);

CREATE INDEX IF NOT EXISTS IX_audit_log_at ON audit_log (at);
