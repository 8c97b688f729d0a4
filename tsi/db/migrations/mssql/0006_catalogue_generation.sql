-- 0006: the catalogue generation (operations.md §3). One row, bumped in the same transaction as every change
-- to the catalogue (ingest, delete, analytics recomputed). Cached schedule headers and lists are keyed by it,
-- so every worker and host sees a change at its next request (one indexed read).
-- Additive and idempotent (guarded).

IF OBJECT_ID(N'dbo.tsi_catalogue', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.tsi_catalogue (
        id         INT NOT NULL CONSTRAINT PK_tsi_catalogue PRIMARY KEY,
        generation BIGINT NOT NULL,
        CONSTRAINT CK_tsi_catalogue_one_row CHECK (id = 1)
    );
END
GO

IF NOT EXISTS (SELECT 1 FROM dbo.tsi_catalogue WHERE id = 1)
BEGIN
    INSERT INTO dbo.tsi_catalogue (id, generation) VALUES (1, 1);
END
GO
