-- 0002: analytics tables (schema analytics on SQL Server; prefix analytics_ on SQLite).
-- Computed columns are VIRTUAL: they exist for people querying the database; the application never reads them.

CREATE TABLE IF NOT EXISTS analytics_schedule_blocks_analytics (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id             INTEGER NOT NULL,
    scheduling_block_id     INTEGER NOT NULL,
    target_ra_deg           REAL NOT NULL,
    target_dec_deg          REAL NOT NULL,
    priority                REAL NOT NULL,
    priority_bucket         INTEGER NOT NULL,
    requested_duration_sec  INTEGER NOT NULL,
    min_observation_sec     INTEGER NOT NULL,
    min_altitude_deg        REAL NULL,
    max_altitude_deg        REAL NULL,
    min_azimuth_deg         REAL NULL,
    max_azimuth_deg         REAL NULL,
    fixed_time_start_mjd    REAL NULL,
    fixed_time_stop_mjd     REAL NULL,
    is_scheduled            INTEGER NOT NULL,
    scheduled_start_mjd     REAL NULL,
    scheduled_stop_mjd      REAL NULL,
    total_visibility_hours  REAL NOT NULL,
    visibility_period_count INTEGER NOT NULL,
    created_at              TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    requested_hours         REAL GENERATED ALWAYS AS (requested_duration_sec / 3600.0) VIRTUAL,
    elevation_range_deg     REAL GENERATED ALWAYS AS (COALESCE(max_altitude_deg, 90) - COALESCE(min_altitude_deg, 0)) VIRTUAL,
    scheduled_duration_sec  REAL GENERATED ALWAYS AS (
        CASE WHEN scheduled_start_mjd IS NOT NULL AND scheduled_stop_mjd IS NOT NULL
             THEN (scheduled_stop_mjd - scheduled_start_mjd) * 86400 END) VIRTUAL,
    is_impossible           INTEGER GENERATED ALWAYS AS (CASE WHEN total_visibility_hours = 0 THEN 1 ELSE 0 END) VIRTUAL,
    CONSTRAINT UQ_sba_schedule_block UNIQUE (schedule_id, scheduling_block_id)
);

CREATE TABLE IF NOT EXISTS analytics_schedule_summary_analytics (
    id                          INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id                 INTEGER NOT NULL CONSTRAINT UQ_summary_schedule UNIQUE,
    total_blocks                INTEGER NOT NULL,
    scheduled_blocks            INTEGER NOT NULL,
    unscheduled_blocks          INTEGER NOT NULL,
    impossible_blocks           INTEGER NOT NULL,
    scheduling_rate             REAL NULL,
    priority_min                REAL NULL,
    priority_max                REAL NULL,
    priority_mean               REAL NULL,
    priority_median             REAL NULL,
    priority_std                REAL NULL,
    priority_scheduled_mean     REAL NULL,
    priority_scheduled_median   REAL NULL,
    priority_unscheduled_mean   REAL NULL,
    priority_unscheduled_median REAL NULL,
    visibility_total_hours      REAL NOT NULL,
    visibility_mean_hours       REAL NULL,
    visibility_median_hours     REAL NULL,
    visibility_min_hours        REAL NULL,
    visibility_max_hours        REAL NULL,
    requested_total_hours       REAL NOT NULL,
    requested_mean_hours        REAL NULL,
    requested_median_hours      REAL NULL,
    requested_min_hours         REAL NULL,
    requested_max_hours         REAL NULL,
    scheduled_total_hours       REAL NOT NULL,
    scheduled_mean_hours        REAL NULL,
    elevation_mean_deg          REAL NULL,
    elevation_min_deg           REAL NULL,
    elevation_max_deg           REAL NULL,
    ra_min                      REAL NULL,
    ra_max                      REAL NULL,
    dec_min                     REAL NULL,
    dec_max                     REAL NULL,
    scheduled_time_min_mjd      REAL NULL,
    scheduled_time_max_mjd      REAL NULL,
    corr_priority_visibility    REAL NULL,
    corr_priority_requested     REAL NULL,
    corr_visibility_requested   REAL NULL,
    corr_priority_elevation     REAL NULL,
    conflict_count              INTEGER NOT NULL,
    updated_at                  TEXT NOT NULL,
    created_at                  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE IF NOT EXISTS analytics_schedule_priority_rates (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id            INTEGER NOT NULL,
    priority_value         INTEGER NOT NULL,
    total_count            INTEGER NOT NULL,
    scheduled_count        INTEGER NOT NULL,
    unscheduled_count      INTEGER NOT NULL,
    impossible_count       INTEGER NOT NULL,
    scheduling_rate        REAL NOT NULL,
    visibility_mean_hours  REAL NOT NULL,
    visibility_total_hours REAL NOT NULL,
    requested_mean_hours   REAL NOT NULL,
    requested_total_hours  REAL NOT NULL,
    created_at             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT UQ_priority_rates UNIQUE (schedule_id, priority_value)
);

CREATE TABLE IF NOT EXISTS analytics_schedule_visibility_bins (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id     INTEGER NOT NULL,
    bin_index       INTEGER NOT NULL,
    bin_min_hours   REAL NOT NULL,
    bin_max_hours   REAL NOT NULL,
    bin_mid_hours   REAL NOT NULL,
    total_count     INTEGER NOT NULL,
    scheduled_count INTEGER NOT NULL,
    scheduling_rate REAL NOT NULL,
    priority_mean   REAL NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT UQ_visibility_bins UNIQUE (schedule_id, bin_index)
);

CREATE TABLE IF NOT EXISTS analytics_schedule_heatmap_bins (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id          INTEGER NOT NULL,
    visibility_bin_index INTEGER NOT NULL,
    time_bin_index       INTEGER NOT NULL,
    visibility_mid_hours REAL NOT NULL,
    time_mid_hours       REAL NOT NULL,
    total_count          INTEGER NOT NULL,
    scheduled_count      INTEGER NOT NULL,
    scheduling_rate      REAL NOT NULL,
    created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT UQ_heatmap_bins UNIQUE (schedule_id, visibility_bin_index, time_bin_index)
);

CREATE TABLE IF NOT EXISTS analytics_schedule_visibility_time_bins (
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
    visible_block_ids         TEXT NULL,
    created_at                TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT UQ_visibility_time_bins UNIQUE (schedule_id, bin_index)
);
CREATE INDEX IF NOT EXISTS IX_visibility_time_bins_start ON analytics_schedule_visibility_time_bins (schedule_id, bin_start_unix);

CREATE TABLE IF NOT EXISTS analytics_schedule_visibility_metadata (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id            INTEGER NOT NULL CONSTRAINT UQ_visibility_metadata UNIQUE,
    time_range_start_unix  INTEGER NOT NULL,
    time_range_end_unix    INTEGER NOT NULL,
    bin_duration_seconds   INTEGER NOT NULL,
    total_bins             INTEGER NOT NULL,
    total_blocks           INTEGER NOT NULL,
    blocks_with_visibility INTEGER NOT NULL,
    priority_min           REAL NULL,
    priority_max           REAL NULL,
    max_visible_in_bin     INTEGER NOT NULL,
    mean_visible_per_bin   REAL NULL,
    etl_duration_ms        INTEGER NOT NULL,
    created_at             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
