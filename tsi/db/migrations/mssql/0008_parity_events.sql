-- 0008: the migration cockpit's evidence (operations.md §4). `parity_events`: every shadow comparison of the
-- other data path (match, mismatch or error; a mismatch keeps the first differing path and both values, and the
-- parameters to reproduce it with `tsi parity`). `parity_runs`: every `tsi parity` run, with its time and counts.
-- Additive and idempotent (guarded).

IF OBJECT_ID(N'dbo.parity_events', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.parity_events (
        event_id      BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_parity_events PRIMARY KEY,
        at            DATETIMEOFFSET(3) NOT NULL CONSTRAINT DF_parity_events_at DEFAULT SYSUTCDATETIME(),
        schedule_id   BIGINT NOT NULL,
        flow          NVARCHAR(32) NOT NULL,
        params_json   NVARCHAR(MAX) NOT NULL,
        served_source NVARCHAR(16) NOT NULL,
        result        NVARCHAR(16) NOT NULL,
        diff_path     NVARCHAR(512) NULL,
        legacy_value  NVARCHAR(MAX) NULL,
        etl_value     NVARCHAR(MAX) NULL,
        error         NVARCHAR(MAX) NULL,
        build_version NVARCHAR(64) NOT NULL
    );
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_parity_events_at' AND object_id = OBJECT_ID(N'dbo.parity_events'))
BEGIN
    CREATE NONCLUSTERED INDEX IX_parity_events_at ON dbo.parity_events (at);
END
GO

IF OBJECT_ID(N'dbo.parity_runs', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.parity_runs (
        run_id         BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_parity_runs PRIMARY KEY,
        at             DATETIMEOFFSET(3) NOT NULL CONSTRAINT DF_parity_runs_at DEFAULT SYSUTCDATETIME(),
        user_name      NVARCHAR(256) NULL,
        scope          NVARCHAR(16) NOT NULL,
        schedules_json NVARCHAR(MAX) NOT NULL,
        checks         BIGINT NOT NULL,
        clean          BIT NOT NULL,
        counts_json    NVARCHAR(MAX) NOT NULL,
        build_version  NVARCHAR(64) NOT NULL
    );
END
GO
