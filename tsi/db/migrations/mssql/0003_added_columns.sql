-- 0003: the columns marked (added) in data-model.md, and the covering index that reads one of them.
--
-- Additive and idempotent: each column is added only when COL_LENGTH says it is missing, so a database whose
-- tables were made by 0001/0002 or by another tool (without these columns) upgrades cleanly, and a second run
-- changes nothing. All added columns are NULLable without defaults: adding them is a metadata-only change,
-- existing rows are not rewritten. One guarded statement per batch; the index comes in a batch after the
-- columns (a column added in a batch cannot be referenced by a later statement compiled in the same batch).

IF COL_LENGTH(N'dbo.schedules', N'source_format') IS NULL
BEGIN
    ALTER TABLE dbo.schedules ADD source_format NVARCHAR(8) NULL;
END
GO

IF COL_LENGTH(N'dbo.schedules', N'schedule_period_start_mjd') IS NULL
BEGIN
    ALTER TABLE dbo.schedules ADD schedule_period_start_mjd FLOAT NULL;
END
GO

IF COL_LENGTH(N'dbo.schedules', N'schedule_period_stop_mjd') IS NULL
BEGIN
    ALTER TABLE dbo.schedules ADD schedule_period_stop_mjd FLOAT NULL;
END
GO

IF COL_LENGTH(N'dbo.schedules', N'site_lon_deg') IS NULL
BEGIN
    ALTER TABLE dbo.schedules ADD site_lon_deg FLOAT NULL;
END
GO

IF COL_LENGTH(N'dbo.schedules', N'site_lat_deg') IS NULL
BEGIN
    ALTER TABLE dbo.schedules ADD site_lat_deg FLOAT NULL;
END
GO

IF COL_LENGTH(N'dbo.schedules', N'site_height_m') IS NULL
BEGIN
    ALTER TABLE dbo.schedules ADD site_height_m FLOAT NULL;
END
GO

IF COL_LENGTH(N'dbo.scheduling_blocks', N'original_block_id') IS NULL
BEGIN
    ALTER TABLE dbo.scheduling_blocks ADD original_block_id NVARCHAR(256) NULL;
END
GO

IF COL_LENGTH(N'analytics.schedule_blocks_analytics', N'original_block_id') IS NULL
BEGIN
    ALTER TABLE analytics.schedule_blocks_analytics ADD original_block_id NVARCHAR(256) NULL;
END
GO

IF COL_LENGTH(N'analytics.schedule_blocks_analytics', N'visibility_intervals') IS NULL
BEGIN
    ALTER TABLE analytics.schedule_blocks_analytics ADD visibility_intervals VARBINARY(MAX) NULL;
END
GO

IF COL_LENGTH(N'analytics.schedule_summary_analytics', N'corr_visibility_elevation') IS NULL
BEGIN
    ALTER TABLE analytics.schedule_summary_analytics ADD corr_visibility_elevation FLOAT NULL;
END
GO

IF COL_LENGTH(N'analytics.schedule_summary_analytics', N'corr_requested_elevation') IS NULL
BEGIN
    ALTER TABLE analytics.schedule_summary_analytics ADD corr_requested_elevation FLOAT NULL;
END
GO

IF COL_LENGTH(N'analytics.schedule_summary_analytics', N'etl_version') IS NULL
BEGIN
    ALTER TABLE analytics.schedule_summary_analytics ADD etl_version INT NULL;
END
GO

IF COL_LENGTH(N'analytics.schedule_summary_analytics', N'source_checksum') IS NULL
BEGIN
    ALTER TABLE analytics.schedule_summary_analytics ADD source_checksum NVARCHAR(64) NULL;
END
GO

IF COL_LENGTH(N'analytics.schedule_summary_analytics', N'unscheduled_sentinel_mjd') IS NULL
BEGIN
    ALTER TABLE analytics.schedule_summary_analytics ADD unscheduled_sentinel_mjd FLOAT NULL;
END
GO

-- (schedule_id) INCLUDE the columns read by the sky map and the distributions (data-model.md §3). Created
-- here rather than in 0002 because it covers original_block_id, which exists only from this script on.
IF NOT EXISTS (SELECT 1 FROM sys.indexes
               WHERE name = N'IX_sba_schedule' AND object_id = OBJECT_ID(N'analytics.schedule_blocks_analytics'))
BEGIN
    CREATE NONCLUSTERED INDEX IX_sba_schedule ON analytics.schedule_blocks_analytics (schedule_id)
        INCLUDE (scheduling_block_id, original_block_id, target_ra_deg, target_dec_deg, priority, priority_bucket,
                 requested_duration_sec, min_observation_sec, min_altitude_deg, max_altitude_deg,
                 is_scheduled, scheduled_start_mjd, scheduled_stop_mjd,
                 total_visibility_hours, visibility_period_count);
END
GO
