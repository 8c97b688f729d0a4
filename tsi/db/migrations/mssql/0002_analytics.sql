-- 0002: analytics tables in schema analytics (data-model.md §3). T-SQL, applied by `tsi db upgrade`.
--
-- Additive and idempotent: the schema, every table and every index is created only when missing. Tables have
-- no foreign key to dbo (analytics are rebuilt independently). Computed columns exist for people querying the
-- database directly; the application never reads them. They are not persisted, except where an index would
-- need it (none does: see the filtered indexes below). The (added) columns and the covering index on
-- schedule_blocks_analytics (which includes the added original_block_id) come with 0003.

-- CREATE SCHEMA must be the only statement of its batch, hence the dynamic SQL.
IF SCHEMA_ID(N'analytics') IS NULL
BEGIN
    EXEC(N'CREATE SCHEMA analytics');
END
GO

IF OBJECT_ID(N'analytics.schedule_blocks_analytics', N'U') IS NULL
BEGIN
    CREATE TABLE analytics.schedule_blocks_analytics (
        id                      BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_schedule_blocks_analytics PRIMARY KEY,
        schedule_id             BIGINT NOT NULL,
        scheduling_block_id     BIGINT NOT NULL,
        target_ra_deg           FLOAT NOT NULL,
        target_dec_deg          FLOAT NOT NULL,
        priority                FLOAT NOT NULL,
        priority_bucket         TINYINT NOT NULL,
        requested_duration_sec  INT NOT NULL,
        min_observation_sec     INT NOT NULL,
        min_altitude_deg        FLOAT NULL,
        max_altitude_deg        FLOAT NULL,
        min_azimuth_deg         FLOAT NULL,
        max_azimuth_deg         FLOAT NULL,
        fixed_time_start_mjd    FLOAT NULL,
        fixed_time_stop_mjd     FLOAT NULL,
        is_scheduled            BIT NOT NULL,
        scheduled_start_mjd     FLOAT NULL,
        scheduled_stop_mjd      FLOAT NULL,
        total_visibility_hours  FLOAT NOT NULL,
        visibility_period_count INT NOT NULL,
        created_at              DATETIME2 NOT NULL CONSTRAINT DF_schedule_blocks_analytics_created_at DEFAULT SYSUTCDATETIME(),
        requested_hours         AS (requested_duration_sec / 3600.0),
        elevation_range_deg     AS (COALESCE(max_altitude_deg, 90) - COALESCE(min_altitude_deg, 0)),
        scheduled_duration_sec  AS (
            CASE WHEN scheduled_start_mjd IS NOT NULL AND scheduled_stop_mjd IS NOT NULL
                 THEN (scheduled_stop_mjd - scheduled_start_mjd) * 86400 END),
        is_impossible           AS (CONVERT(BIT, CASE WHEN total_visibility_hours = 0 THEN 1 ELSE 0 END)),
        CONSTRAINT UQ_sba_schedule_block UNIQUE (schedule_id, scheduling_block_id)
    );
END
GO

-- Filtered indexes (SQL Server only). A filter predicate may only use simple comparisons on base columns: a
-- computed column is rejected even when persisted (error 10609), and CASE is not allowed. is_scheduled is a
-- base column; is_impossible is computed, so its index filters on the base expression it is defined by
-- (total_visibility_hours = 0 <=> is_impossible = 1).
IF NOT EXISTS (SELECT 1 FROM sys.indexes
               WHERE name = N'IX_sba_scheduled' AND object_id = OBJECT_ID(N'analytics.schedule_blocks_analytics'))
BEGIN
    CREATE NONCLUSTERED INDEX IX_sba_scheduled ON analytics.schedule_blocks_analytics (schedule_id)
        INCLUDE (scheduling_block_id, priority, scheduled_start_mjd, scheduled_stop_mjd)
        WHERE is_scheduled = 1;
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes
               WHERE name = N'IX_sba_impossible' AND object_id = OBJECT_ID(N'analytics.schedule_blocks_analytics'))
BEGIN
    CREATE NONCLUSTERED INDEX IX_sba_impossible ON analytics.schedule_blocks_analytics (schedule_id)
        INCLUDE (scheduling_block_id, priority)
        WHERE total_visibility_hours = 0;
END
GO

IF OBJECT_ID(N'analytics.schedule_summary_analytics', N'U') IS NULL
BEGIN
    CREATE TABLE analytics.schedule_summary_analytics (
        id                          BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_schedule_summary_analytics PRIMARY KEY,
        schedule_id                 BIGINT NOT NULL CONSTRAINT UQ_summary_schedule UNIQUE,
        total_blocks                INT NOT NULL,
        scheduled_blocks            INT NOT NULL,
        unscheduled_blocks          INT NOT NULL,
        impossible_blocks           INT NOT NULL,
        scheduling_rate             FLOAT NULL,
        priority_min                FLOAT NULL,
        priority_max                FLOAT NULL,
        priority_mean               FLOAT NULL,
        priority_median             FLOAT NULL,
        priority_std                FLOAT NULL,
        priority_scheduled_mean     FLOAT NULL,
        priority_scheduled_median   FLOAT NULL,
        priority_unscheduled_mean   FLOAT NULL,
        priority_unscheduled_median FLOAT NULL,
        visibility_total_hours      FLOAT NOT NULL,
        visibility_mean_hours       FLOAT NULL,
        visibility_median_hours     FLOAT NULL,
        visibility_min_hours        FLOAT NULL,
        visibility_max_hours        FLOAT NULL,
        requested_total_hours       FLOAT NOT NULL,
        requested_mean_hours        FLOAT NULL,
        requested_median_hours      FLOAT NULL,
        requested_min_hours         FLOAT NULL,
        requested_max_hours         FLOAT NULL,
        scheduled_total_hours       FLOAT NOT NULL,
        scheduled_mean_hours        FLOAT NULL,
        elevation_mean_deg          FLOAT NULL,
        elevation_min_deg           FLOAT NULL,
        elevation_max_deg           FLOAT NULL,
        ra_min                      FLOAT NULL,
        ra_max                      FLOAT NULL,
        dec_min                     FLOAT NULL,
        dec_max                     FLOAT NULL,
        scheduled_time_min_mjd      FLOAT NULL,
        scheduled_time_max_mjd      FLOAT NULL,
        corr_priority_visibility    FLOAT NULL,
        corr_priority_requested     FLOAT NULL,
        corr_visibility_requested   FLOAT NULL,
        corr_priority_elevation     FLOAT NULL,
        conflict_count              INT NOT NULL,
        updated_at                  DATETIME2 NOT NULL,
        created_at                  DATETIME2 NOT NULL CONSTRAINT DF_schedule_summary_analytics_created_at DEFAULT SYSUTCDATETIME()
    );
END
GO

IF OBJECT_ID(N'analytics.schedule_priority_rates', N'U') IS NULL
BEGIN
    CREATE TABLE analytics.schedule_priority_rates (
        id                     BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_schedule_priority_rates PRIMARY KEY,
        schedule_id            BIGINT NOT NULL,
        priority_value         INT NOT NULL,
        total_count            INT NOT NULL,
        scheduled_count        INT NOT NULL,
        unscheduled_count      INT NOT NULL,
        impossible_count       INT NOT NULL,
        scheduling_rate        FLOAT NOT NULL,
        visibility_mean_hours  FLOAT NOT NULL,
        visibility_total_hours FLOAT NOT NULL,
        requested_mean_hours   FLOAT NOT NULL,
        requested_total_hours  FLOAT NOT NULL,
        created_at             DATETIME2 NOT NULL CONSTRAINT DF_schedule_priority_rates_created_at DEFAULT SYSUTCDATETIME(),
        CONSTRAINT UQ_priority_rates UNIQUE (schedule_id, priority_value)
    );
END
GO

IF OBJECT_ID(N'analytics.schedule_visibility_bins', N'U') IS NULL
BEGIN
    CREATE TABLE analytics.schedule_visibility_bins (
        id              BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_schedule_visibility_bins PRIMARY KEY,
        schedule_id     BIGINT NOT NULL,
        bin_index       INT NOT NULL,
        bin_min_hours   FLOAT NOT NULL,
        bin_max_hours   FLOAT NOT NULL,
        bin_mid_hours   FLOAT NOT NULL,
        total_count     INT NOT NULL,
        scheduled_count INT NOT NULL,
        scheduling_rate FLOAT NOT NULL,
        priority_mean   FLOAT NOT NULL,
        created_at      DATETIME2 NOT NULL CONSTRAINT DF_schedule_visibility_bins_created_at DEFAULT SYSUTCDATETIME(),
        CONSTRAINT UQ_visibility_bins UNIQUE (schedule_id, bin_index)
    );
END
GO

IF OBJECT_ID(N'analytics.schedule_heatmap_bins', N'U') IS NULL
BEGIN
    CREATE TABLE analytics.schedule_heatmap_bins (
        id                   BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_schedule_heatmap_bins PRIMARY KEY,
        schedule_id          BIGINT NOT NULL,
        visibility_bin_index INT NOT NULL,
        time_bin_index       INT NOT NULL,
        visibility_mid_hours FLOAT NOT NULL,
        time_mid_hours       FLOAT NOT NULL,
        total_count          INT NOT NULL,
        scheduled_count      INT NOT NULL,
        scheduling_rate      FLOAT NOT NULL,
        created_at           DATETIME2 NOT NULL CONSTRAINT DF_schedule_heatmap_bins_created_at DEFAULT SYSUTCDATETIME(),
        CONSTRAINT UQ_heatmap_bins UNIQUE (schedule_id, visibility_bin_index, time_bin_index)
    );
END
GO

IF OBJECT_ID(N'analytics.schedule_visibility_time_bins', N'U') IS NULL
BEGIN
    CREATE TABLE analytics.schedule_visibility_time_bins (
        id                        BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_schedule_visibility_time_bins PRIMARY KEY,
        schedule_id               BIGINT NOT NULL,
        bin_index                 INT NOT NULL,
        bin_start_unix            BIGINT NOT NULL,
        bin_end_unix              BIGINT NOT NULL,
        total_visible_count       INT NOT NULL,
        priority_q1_count         INT NOT NULL,
        priority_q2_count         INT NOT NULL,
        priority_q3_count         INT NOT NULL,
        priority_q4_count         INT NOT NULL,
        scheduled_visible_count   INT NOT NULL,
        unscheduled_visible_count INT NOT NULL,
        visible_block_ids         VARCHAR(MAX) NULL,
        created_at                DATETIME2 NOT NULL CONSTRAINT DF_schedule_visibility_time_bins_created_at DEFAULT SYSUTCDATETIME(),
        CONSTRAINT UQ_visibility_time_bins UNIQUE (schedule_id, bin_index)
    );
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes
               WHERE name = N'IX_visibility_time_bins_start'
                 AND object_id = OBJECT_ID(N'analytics.schedule_visibility_time_bins'))
BEGIN
    CREATE NONCLUSTERED INDEX IX_visibility_time_bins_start
        ON analytics.schedule_visibility_time_bins (schedule_id, bin_start_unix);
END
GO

IF OBJECT_ID(N'analytics.schedule_visibility_metadata', N'U') IS NULL
BEGIN
    CREATE TABLE analytics.schedule_visibility_metadata (
        id                     BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_schedule_visibility_metadata PRIMARY KEY,
        schedule_id            BIGINT NOT NULL CONSTRAINT UQ_visibility_metadata UNIQUE,
        time_range_start_unix  BIGINT NOT NULL,
        time_range_end_unix    BIGINT NOT NULL,
        bin_duration_seconds   INT NOT NULL,
        total_bins             INT NOT NULL,
        total_blocks           INT NOT NULL,
        blocks_with_visibility INT NOT NULL,
        priority_min           FLOAT NULL,
        priority_max           FLOAT NULL,
        max_visible_in_bin     INT NOT NULL,
        mean_visible_per_bin   FLOAT NULL,
        etl_duration_ms        INT NOT NULL,
        created_at             DATETIME2 NOT NULL CONSTRAINT DF_schedule_visibility_metadata_created_at DEFAULT SYSUTCDATETIME()
    );
END
GO
