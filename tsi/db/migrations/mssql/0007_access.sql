-- 0007: access control (operations.md §2). The users of AUTH.MODE = "basic" (password hashes only, argon2id)
-- and the audit log of every change, refused sign-in and user change.
-- Additive and idempotent (guarded).

IF OBJECT_ID(N'dbo.app_users', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.app_users (
        user_id       BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_app_users PRIMARY KEY,
        user_name     NVARCHAR(256) NOT NULL,
        password_hash NVARCHAR(512) NULL,
        role          NVARCHAR(16) NOT NULL,
        disabled      BIT NOT NULL CONSTRAINT DF_app_users_disabled DEFAULT 0,
        created_at    DATETIMEOFFSET(3) NOT NULL CONSTRAINT DF_app_users_created_at DEFAULT SYSUTCDATETIME(),
        CONSTRAINT UQ_app_users_name UNIQUE (user_name)
    );
END
GO

IF OBJECT_ID(N'dbo.audit_log', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.audit_log (
        audit_id       BIGINT IDENTITY(1,1) NOT NULL CONSTRAINT PK_audit_log PRIMARY KEY,
        at             DATETIMEOFFSET(3) NOT NULL CONSTRAINT DF_audit_log_at DEFAULT SYSUTCDATETIME(),
        user_name      NVARCHAR(256) NULL,
        role           NVARCHAR(16) NULL,
        action         NVARCHAR(64) NOT NULL,
        schedule_id    BIGINT NULL,
        detail_json    NVARCHAR(MAX) NULL,
        client_address NVARCHAR(64) NULL
    );
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_audit_log_at' AND object_id = OBJECT_ID(N'dbo.audit_log'))
BEGIN
    CREATE NONCLUSTERED INDEX IX_audit_log_at ON dbo.audit_log (at);
END
GO
