-- 0005: the default Visibility Map request (50 bins over the schedule range, no filters) stored by the ETL,
-- like the 900-s grid: its histogram (the columns of schedule_visibility_time_bins) and its calendar
-- (distinct visible blocks and block-seconds per UTC day), plus, in the metadata row, how many default bins
-- were stored (NULL: analytics written before this script; the flow then computes from the intervals).
-- docs/decisions.md, "Stored default visibility view".

CREATE TABLE IF NOT EXISTS analytics_schedule_visibility_default_bins (
    id                        INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id               INTEGER NOT NULL,
    bin_index                 INTEGER NOT NULL,
    bin_start_unix            INTEGER NOT NULL,
    bin_end_unix              INTEGER NOT NULL,
    total_visible_count       INTEGER NOT NULL,
    priority_q1_count         INTEGER NOT NULL,
    priority_q2_count         INTEGER NOT NULL,
    priority_q3_count         INTEGER NOT NULL,
    priority_q4_count         INTEGER NOT NULL,
    scheduled_visible_count   INTEGER NOT NULL,
    unscheduled_visible_count INTEGER NOT NULL,
    created_at                TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT UQ_visibility_default_bins UNIQUE (schedule_id, bin_index)
);

CREATE TABLE IF NOT EXISTS analytics_schedule_visibility_days (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id           INTEGER NOT NULL,
    day_index             INTEGER NOT NULL,
    visible_blocks        INTEGER NOT NULL,
    visible_block_seconds REAL NOT NULL,
    created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT UQ_visibility_days UNIQUE (schedule_id, day_index)
);

ALTER TABLE analytics_schedule_visibility_metadata ADD COLUMN default_view_bins INTEGER NULL;
