-- 0008: the migration cockpit's evidence (operations.md §4). `parity_events`: every shadow comparison of the
-- other data path (match, mismatch or error; a mismatch keeps the first differing path and both values, and the
-- parameters to reproduce it with `tsi parity`). `parity_runs`: every `tsi parity` run, with its time and counts.

CREATE TABLE IF NOT EXISTS parity_events (
    event_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    schedule_id   INTEGER NOT NULL,
    flow          TEXT NOT NULL,
    params_json   TEXT NOT NULL,
    served_source TEXT NOT NULL,
    result        TEXT NOT NULL,
    diff_path     TEXT NULL,
    legacy_value  TEXT NULL,
    etl_value     TEXT NULL,
    error         TEXT NULL,
    build_version TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS IX_parity_events_at ON parity_events (at);

CREATE TABLE IF NOT EXISTS parity_runs (
    run_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    user_name     TEXT NULL,
    scope         TEXT NOT NULL,
    schedules_json TEXT NOT NULL,
    checks        INTEGER NOT NULL,
    clean         INTEGER NOT NULL,
    counts_json   TEXT NOT NULL,
    build_version TEXT NOT NULL
);
