-- 0003: the columns marked (added) in data-model.md. SQLite has no ADD COLUMN IF NOT EXISTS, so the
-- migration runner skips a statement whose column already exists (idempotent on databases made elsewhere).

ALTER TABLE schedules ADD COLUMN source_format TEXT NULL;
ALTER TABLE schedules ADD COLUMN schedule_period_start_mjd REAL NULL;
ALTER TABLE schedules ADD COLUMN schedule_period_stop_mjd REAL NULL;
ALTER TABLE schedules ADD COLUMN site_lon_deg REAL NULL;
ALTER TABLE schedules ADD COLUMN site_lat_deg REAL NULL;
ALTER TABLE schedules ADD COLUMN site_height_m REAL NULL;
ALTER TABLE scheduling_blocks ADD COLUMN original_block_id TEXT NULL;
ALTER TABLE analytics_schedule_blocks_analytics ADD COLUMN original_block_id TEXT NULL;
ALTER TABLE analytics_schedule_blocks_analytics ADD COLUMN visibility_intervals BLOB NULL;
ALTER TABLE analytics_schedule_summary_analytics ADD COLUMN corr_visibility_elevation REAL NULL;
ALTER TABLE analytics_schedule_summary_analytics ADD COLUMN corr_requested_elevation REAL NULL;
ALTER TABLE analytics_schedule_summary_analytics ADD COLUMN etl_version INTEGER NULL;
ALTER TABLE analytics_schedule_summary_analytics ADD COLUMN source_checksum TEXT NULL;
ALTER TABLE analytics_schedule_summary_analytics ADD COLUMN unscheduled_sentinel_mjd REAL NULL;
