-- 0005: the default Visibility Map request (50 bins over the schedule range, no filters) stored by the ETL,
-- like the 900-s grid: its histogram (the columns of schedule_visibility_time_bins) and its calendar
-- (distinct visible blocks and block-seconds per UTC day), plus, in the metadata row, how many default bins
-- were stored (NULL: analytics written before this script; the flow then computes from the intervals).
-- Additive and idempotent (guarded). docs/decisions.md, "Stored default visibility view".

IF OBJECT_ID(N'analytics.schedule_visibility_default_bins', N'U') IS NULL
BEGIN
    CREATE TABLE analytics.schedule_visibility_default_bins (
        id                        BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_schedule_visibility_default_bins PRIMARY KEY,
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
        created_at                DATETIME2 NOT NULL CONSTRAINT DF_schedule_visibility_default_bins_created_at DEFAULT SYSUTCDATETIME(),
        CONSTRAINT UQ_visibility_default_bins UNIQUE (schedule_id, bin_index)
    );
END
GO

IF OBJECT_ID(N'analytics.schedule_visibility_days', N'U') IS NULL
BEGIN
    CREATE TABLE analytics.schedule_visibility_days (
        id                    BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_schedule_visibility_days PRIMARY KEY,
        schedule_id           BIGINT NOT NULL,
        day_index             BIGINT NOT NULL,
        visible_blocks        INT NOT NULL,
        visible_block_seconds FLOAT NOT NULL,
        created_at            DATETIME2 NOT NULL CONSTRAINT DF_schedule_visibility_days_created_at DEFAULT SYSUTCDATETIME(),
        CONSTRAINT UQ_visibility_days UNIQUE (schedule_id, day_index)
    );
END
GO

IF COL_LENGTH(N'analytics.schedule_visibility_metadata', N'default_view_bins') IS NULL
BEGIN
    ALTER TABLE analytics.schedule_visibility_metadata ADD default_view_bins INT NULL;
END
GO
