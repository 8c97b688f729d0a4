-- 0006: the catalogue generation (operations.md §3). One row, bumped in the same transaction as every change
-- to the catalogue (ingest, delete, analytics recomputed). Cached schedule headers and lists are keyed by it,
-- so every worker and host sees a change at its next request (one indexed read).

CREATE TABLE IF NOT EXISTS tsi_catalogue (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);

INSERT OR IGNORE INTO tsi_catalogue (id, generation) VALUES (1, 1);
