-- 0004: the number of merged visibility intervals the ETL stored for a schedule (the length of all
-- visibility_intervals blobs / 16), so the ETL loader reserves its interval buffer once instead of regrowing it
-- (docs/decisions.md, "Interval count in the visibility metadata"). NULLable without a default: a
-- metadata-only change; rows written before it stay NULL and the loader then grows the buffer as before.

IF COL_LENGTH(N'analytics.schedule_visibility_metadata', N'merged_interval_count') IS NULL
BEGIN
    ALTER TABLE analytics.schedule_visibility_metadata ADD merged_interval_count BIGINT NULL;
END
GO
