-- 0001: normalized tables (schema dbo on SQL Server; unprefixed names on SQLite).
-- Additive and idempotent: every object is created only when missing.

CREATE TABLE IF NOT EXISTS schedules (
    schedule_id       INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: ids are never reused
    schedule_name     TEXT NOT NULL,
    upload_timestamp  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    checksum          TEXT NOT NULL CONSTRAINT UQ_schedules_checksum UNIQUE,
    dark_periods_json TEXT NULL
);

CREATE TABLE IF NOT EXISTS targets (
    target_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    ra_deg       REAL NOT NULL CHECK (ra_deg >= 0 AND ra_deg < 360),
    dec_deg      REAL NOT NULL CHECK (dec_deg >= -90 AND dec_deg <= 90),
    ra_pm_masyr  REAL NOT NULL DEFAULT 0,
    dec_pm_masyr REAL NOT NULL DEFAULT 0,
    equinox      REAL NOT NULL DEFAULT 2000.0,
    CONSTRAINT UQ_targets_natural UNIQUE (ra_deg, dec_deg, ra_pm_masyr, dec_pm_masyr, equinox)
);

CREATE TABLE IF NOT EXISTS altitude_constraints (
    altitude_constraints_id INTEGER PRIMARY KEY AUTOINCREMENT,
    min_alt_deg REAL NOT NULL DEFAULT 0,
    max_alt_deg REAL NOT NULL DEFAULT 90,
    CHECK (min_alt_deg <= max_alt_deg),
    CONSTRAINT UQ_altitude_constraints UNIQUE (min_alt_deg, max_alt_deg)
);

CREATE TABLE IF NOT EXISTS azimuth_constraints (
    azimuth_constraints_id INTEGER PRIMARY KEY AUTOINCREMENT,
    min_az_deg REAL NOT NULL DEFAULT 0,
    max_az_deg REAL NOT NULL DEFAULT 360,
    CHECK (min_az_deg <= max_az_deg),
    CONSTRAINT UQ_azimuth_constraints UNIQUE (min_az_deg, max_az_deg)
);

CREATE TABLE IF NOT EXISTS constraints (
    constraints_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    start_time_mjd          REAL NULL,
    stop_time_mjd           REAL NULL,
    altitude_constraints_id INTEGER NULL REFERENCES altitude_constraints (altitude_constraints_id) ON DELETE SET NULL,
    azimuth_constraints_id  INTEGER NULL REFERENCES azimuth_constraints (azimuth_constraints_id) ON DELETE SET NULL,
    CHECK (start_time_mjd IS NULL OR stop_time_mjd IS NULL OR start_time_mjd < stop_time_mjd),
    CHECK (start_time_mjd IS NOT NULL OR altitude_constraints_id IS NOT NULL OR azimuth_constraints_id IS NOT NULL),
    -- SQLite's UNIQUE treats NULLs as distinct; the data layer does the NULL-safe lookup itself.
    CONSTRAINT UQ_constraints UNIQUE (start_time_mjd, stop_time_mjd, altitude_constraints_id, azimuth_constraints_id)
);

CREATE TABLE IF NOT EXISTS scheduling_blocks (
    scheduling_block_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    target_id               INTEGER NOT NULL REFERENCES targets (target_id),
    constraints_id          INTEGER NULL REFERENCES constraints (constraints_id),
    priority                REAL NOT NULL,
    min_observation_sec     INTEGER NOT NULL CHECK (min_observation_sec >= 0),
    requested_duration_sec  INTEGER NOT NULL CHECK (requested_duration_sec >= 0),
    visibility_periods_json TEXT NULL,
    CHECK (min_observation_sec <= requested_duration_sec)
);

CREATE TABLE IF NOT EXISTS schedule_scheduling_blocks (
    schedule_id         INTEGER NOT NULL REFERENCES schedules (schedule_id) ON DELETE CASCADE,
    scheduling_block_id INTEGER NOT NULL REFERENCES scheduling_blocks (scheduling_block_id) ON DELETE CASCADE,
    start_time_mjd      REAL NULL,
    stop_time_mjd       REAL NULL,
    duration_sec        REAL GENERATED ALWAYS AS (
        CASE WHEN start_time_mjd IS NOT NULL AND stop_time_mjd IS NOT NULL AND stop_time_mjd > start_time_mjd
             THEN (stop_time_mjd - start_time_mjd) * 86400 ELSE 0 END) STORED,
    CHECK (start_time_mjd IS NULL OR stop_time_mjd IS NULL OR start_time_mjd < stop_time_mjd),
    PRIMARY KEY (schedule_id, scheduling_block_id)
);

CREATE INDEX IF NOT EXISTS IX_ssb_schedule ON schedule_scheduling_blocks (schedule_id, scheduling_block_id, start_time_mjd, stop_time_mjd);
CREATE INDEX IF NOT EXISTS IX_ssb_block ON schedule_scheduling_blocks (scheduling_block_id);
CREATE INDEX IF NOT EXISTS IX_scheduling_blocks_target ON scheduling_blocks (target_id);
CREATE INDEX IF NOT EXISTS IX_scheduling_blocks_constraints ON scheduling_blocks (constraints_id);
CREATE INDEX IF NOT EXISTS IX_constraints_natural ON constraints (altitude_constraints_id, azimuth_constraints_id, start_time_mjd, stop_time_mjd);
