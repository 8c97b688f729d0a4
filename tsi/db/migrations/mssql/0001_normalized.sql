-- 0001: normalized tables in schema dbo (data-model.md §1). T-SQL, applied by `tsi db upgrade` through pyodbc.
--
-- Additive and idempotent: every table and index is created only when it is missing (a database that already
-- holds these tables, e.g. made by another tool, is left as it is). Nothing is dropped, renamed or rewritten.
-- The columns marked (added) in data-model.md are added by 0003, never here, so that a predecessor database
-- and a fresh one follow the same path. One object per batch; batches are separated by GO lines, which the
-- runner splits (tsi/db/tsql.py). The migration ledger dbo.tsi_schema_migrations is created by the runner.

IF OBJECT_ID(N'dbo.schedules', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.schedules (
        schedule_id       BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_schedules PRIMARY KEY,
        schedule_name     NVARCHAR(256) NOT NULL,
        upload_timestamp  DATETIMEOFFSET(3) NOT NULL CONSTRAINT DF_schedules_upload_timestamp DEFAULT SYSUTCDATETIME(),
        checksum          NVARCHAR(64) NOT NULL CONSTRAINT UQ_schedules_checksum UNIQUE,
        dark_periods_json NVARCHAR(MAX) NULL
    );
END
GO

IF OBJECT_ID(N'dbo.targets', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.targets (
        target_id    BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_targets PRIMARY KEY,
        name         NVARCHAR(MAX) NOT NULL,
        ra_deg       FLOAT NOT NULL CONSTRAINT CK_targets_ra CHECK (ra_deg >= 0 AND ra_deg < 360),
        dec_deg      FLOAT NOT NULL CONSTRAINT CK_targets_dec CHECK (dec_deg >= -90 AND dec_deg <= 90),
        ra_pm_masyr  FLOAT NOT NULL CONSTRAINT DF_targets_ra_pm_masyr DEFAULT 0,
        dec_pm_masyr FLOAT NOT NULL CONSTRAINT DF_targets_dec_pm_masyr DEFAULT 0,
        equinox      FLOAT NOT NULL CONSTRAINT DF_targets_equinox DEFAULT 2000.0,
        CONSTRAINT UQ_targets_natural UNIQUE (ra_deg, dec_deg, ra_pm_masyr, dec_pm_masyr, equinox)
    );
END
GO

IF OBJECT_ID(N'dbo.altitude_constraints', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.altitude_constraints (
        altitude_constraints_id BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_altitude_constraints PRIMARY KEY,
        min_alt_deg             FLOAT NOT NULL CONSTRAINT DF_altitude_constraints_min DEFAULT 0,
        max_alt_deg             FLOAT NOT NULL CONSTRAINT DF_altitude_constraints_max DEFAULT 90,
        CONSTRAINT CK_altitude_constraints_range CHECK (min_alt_deg <= max_alt_deg),
        CONSTRAINT UQ_altitude_constraints UNIQUE (min_alt_deg, max_alt_deg)
    );
END
GO

IF OBJECT_ID(N'dbo.azimuth_constraints', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.azimuth_constraints (
        azimuth_constraints_id BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_azimuth_constraints PRIMARY KEY,
        min_az_deg             FLOAT NOT NULL CONSTRAINT DF_azimuth_constraints_min DEFAULT 0,
        max_az_deg             FLOAT NOT NULL CONSTRAINT DF_azimuth_constraints_max DEFAULT 360,
        CONSTRAINT CK_azimuth_constraints_range CHECK (min_az_deg <= max_az_deg),
        CONSTRAINT UQ_azimuth_constraints UNIQUE (min_az_deg, max_az_deg)
    );
END
GO

-- A UNIQUE constraint on SQL Server treats NULLs as equal, which is what get-or-create needs here.
IF OBJECT_ID(N'dbo.constraints', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.[constraints] (
        constraints_id          BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_constraints PRIMARY KEY,
        start_time_mjd          FLOAT NULL,
        stop_time_mjd           FLOAT NULL,
        altitude_constraints_id BIGINT NULL CONSTRAINT FK_constraints_altitude
            REFERENCES dbo.altitude_constraints (altitude_constraints_id) ON DELETE SET NULL,
        azimuth_constraints_id  BIGINT NULL CONSTRAINT FK_constraints_azimuth
            REFERENCES dbo.azimuth_constraints (azimuth_constraints_id) ON DELETE SET NULL,
        CONSTRAINT CK_constraints_window
            CHECK (start_time_mjd IS NULL OR stop_time_mjd IS NULL OR start_time_mjd < stop_time_mjd),
        CONSTRAINT CK_constraints_not_empty
            CHECK (start_time_mjd IS NOT NULL OR altitude_constraints_id IS NOT NULL OR azimuth_constraints_id IS NOT NULL),
        CONSTRAINT UQ_constraints UNIQUE (start_time_mjd, stop_time_mjd, altitude_constraints_id, azimuth_constraints_id)
    );
END
GO

IF OBJECT_ID(N'dbo.scheduling_blocks', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.scheduling_blocks (
        scheduling_block_id     BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_scheduling_blocks PRIMARY KEY,
        target_id               BIGINT NOT NULL CONSTRAINT FK_scheduling_blocks_target
            REFERENCES dbo.targets (target_id),
        constraints_id          BIGINT NULL CONSTRAINT FK_scheduling_blocks_constraints
            REFERENCES dbo.[constraints] (constraints_id),
        priority                FLOAT NOT NULL,
        min_observation_sec     INT NOT NULL CONSTRAINT CK_scheduling_blocks_min_obs CHECK (min_observation_sec >= 0),
        requested_duration_sec  INT NOT NULL CONSTRAINT CK_scheduling_blocks_requested CHECK (requested_duration_sec >= 0),
        visibility_periods_json NVARCHAR(MAX) NULL,
        CONSTRAINT CK_scheduling_blocks_min_le_requested CHECK (min_observation_sec <= requested_duration_sec)
    );
END
GO

-- duration_sec is PERSISTED (deterministic: FLOAT arithmetic on base columns only).
IF OBJECT_ID(N'dbo.schedule_scheduling_blocks', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.schedule_scheduling_blocks (
        schedule_id         BIGINT NOT NULL CONSTRAINT FK_ssb_schedule
            REFERENCES dbo.schedules (schedule_id) ON DELETE CASCADE,
        scheduling_block_id BIGINT NOT NULL CONSTRAINT FK_ssb_block
            REFERENCES dbo.scheduling_blocks (scheduling_block_id) ON DELETE CASCADE,
        start_time_mjd      FLOAT NULL,
        stop_time_mjd       FLOAT NULL,
        duration_sec AS (
            CASE WHEN start_time_mjd IS NOT NULL AND stop_time_mjd IS NOT NULL AND stop_time_mjd > start_time_mjd
                 THEN (stop_time_mjd - start_time_mjd) * 86400 ELSE 0 END) PERSISTED,
        CONSTRAINT CK_ssb_window
            CHECK (start_time_mjd IS NULL OR stop_time_mjd IS NULL OR start_time_mjd < stop_time_mjd),
        CONSTRAINT PK_schedule_scheduling_blocks PRIMARY KEY (schedule_id, scheduling_block_id)
    );
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes
               WHERE name = N'IX_ssb_schedule' AND object_id = OBJECT_ID(N'dbo.schedule_scheduling_blocks'))
BEGIN
    CREATE NONCLUSTERED INDEX IX_ssb_schedule ON dbo.schedule_scheduling_blocks (schedule_id)
        INCLUDE (scheduling_block_id, start_time_mjd, stop_time_mjd);
END
GO

-- Membership by block: used by the cascade from dbo.scheduling_blocks and by "blocks no other schedule uses".
IF NOT EXISTS (SELECT 1 FROM sys.indexes
               WHERE name = N'IX_ssb_block' AND object_id = OBJECT_ID(N'dbo.schedule_scheduling_blocks'))
BEGIN
    CREATE NONCLUSTERED INDEX IX_ssb_block ON dbo.schedule_scheduling_blocks (scheduling_block_id);
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes
               WHERE name = N'IX_scheduling_blocks_target' AND object_id = OBJECT_ID(N'dbo.scheduling_blocks'))
BEGIN
    CREATE NONCLUSTERED INDEX IX_scheduling_blocks_target ON dbo.scheduling_blocks (target_id);
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes
               WHERE name = N'IX_scheduling_blocks_constraints' AND object_id = OBJECT_ID(N'dbo.scheduling_blocks'))
BEGIN
    CREATE NONCLUSTERED INDEX IX_scheduling_blocks_constraints ON dbo.scheduling_blocks (constraints_id);
END
GO

-- Natural keys used by get-or-create: targets, altitude_constraints and azimuth_constraints are covered by
-- their UNIQUE constraints (each backed by an index); constraints gets a lookup index led by the id pair.
IF NOT EXISTS (SELECT 1 FROM sys.indexes
               WHERE name = N'IX_constraints_natural' AND object_id = OBJECT_ID(N'dbo.constraints'))
BEGIN
    CREATE NONCLUSTERED INDEX IX_constraints_natural
        ON dbo.[constraints] (altitude_constraints_id, azimuth_constraints_id, start_time_mjd, stop_time_mjd);
END
GO
