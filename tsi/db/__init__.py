"""The database outside the core: ``targets`` (where the data lives: the SQL Server connection string built,
parsed and masked; the app and pages use its masked target), and administration — ``migrate``, ``tsql``,
``check`` (never imported by pages)."""
