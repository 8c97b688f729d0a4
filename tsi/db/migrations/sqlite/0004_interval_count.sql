-- 0004: the number of merged visibility intervals the ETL stored for a schedule (the length of all
-- visibility_intervals blobs / 16), so the ETL loader reserves its interval buffer once instead of regrowing it
-- (docs/decisions.md, "Interval count in the visibility metadata"). NULL on rows written before this column:
-- the loader then grows the buffer as before. The runner skips an ADD COLUMN whose column already exists.

ALTER TABLE analytics_schedule_visibility_metadata ADD COLUMN merged_interval_count INTEGER NULL;
