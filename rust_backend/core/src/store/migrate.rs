//! SQLite migrations: the numbered scripts of `tsi/db/migrations/sqlite`, applied in order, each in its own
//! transaction and recorded in `tsi_schema_migrations`. Applied automatically when the store opens.
//!
//! The one runner works through the `Transport` trait, so the rusqlite pool connection and the ODBC test
//! backend with the SQLite dialect share it. (T-SQL scripts are `tsi db upgrade`'s job: `tsi/db/migrate.py`,
//! see docs/decisions.md.)

use sha2::{Digest, Sha256};

use super::transport::{in_transaction, query_opt, query_vec, req_i64, ColType, Transport};
use crate::error::{CoreError, Result};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const SQLITE_MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "0001_normalized", sql: include_str!("../../../../tsi/db/migrations/sqlite/0001_normalized.sql") },
    Migration { version: 2, name: "0002_analytics", sql: include_str!("../../../../tsi/db/migrations/sqlite/0002_analytics.sql") },
    Migration { version: 3, name: "0003_added_columns", sql: include_str!("../../../../tsi/db/migrations/sqlite/0003_added_columns.sql") },
    Migration { version: 4, name: "0004_interval_count", sql: include_str!("../../../../tsi/db/migrations/sqlite/0004_interval_count.sql") },
    Migration { version: 5, name: "0005_default_visibility_view", sql: include_str!("../../../../tsi/db/migrations/sqlite/0005_default_visibility_view.sql") },
    Migration { version: 6, name: "0006_catalogue_generation", sql: include_str!("../../../../tsi/db/migrations/sqlite/0006_catalogue_generation.sql") },
    Migration { version: 7, name: "0007_access", sql: include_str!("../../../../tsi/db/migrations/sqlite/0007_access.sql") },
    Migration { version: 8, name: "0008_parity_events", sql: include_str!("../../../../tsi/db/migrations/sqlite/0008_parity_events.sql") },
];

/// The newest schema this build knows.
pub fn latest_version() -> i64 {
    SQLITE_MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Refuse a database migrated by a newer build (operations.md §3): its tables may mean things this build
/// does not know, and writing to it could break the newer build's invariants.
pub fn refuse_newer(applied: &[i64]) -> Result<()> {
    let newest = applied.iter().copied().max().unwrap_or(0);
    let ours = latest_version();
    if newest > ours {
        return Err(CoreError::db(format!("schema {newest} is newer than this build's {ours}; upgrade TSI")));
    }
    Ok(())
}

pub const LEDGER: &str = "CREATE TABLE IF NOT EXISTS tsi_schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, script_sha256 TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))";

/// The versions recorded in the ledger (created when missing).
pub fn applied_versions(t: &mut dyn Transport) -> Result<Vec<i64>> {
    t.execute(LEDGER, &[])?;
    query_vec(t, "SELECT version FROM tsi_schema_migrations ORDER BY version", &[], &[ColType::I64], |r| req_i64(r, 0))
}

/// Versions not yet applied; refuses a database migrated by a newer build.
pub fn pending(t: &mut dyn Transport) -> Result<Vec<i64>> {
    let done = applied_versions(t)?;
    refuse_newer(&done)?;
    Ok(SQLITE_MIGRATIONS.iter().map(|m| m.version).filter(|v| !done.contains(v)).collect())
}

/// Apply every pending migration, each in its own `BEGIN IMMEDIATE` transaction together with its ledger row;
/// returns the versions applied.
pub fn upgrade(t: &mut dyn Transport) -> Result<Vec<i64>> {
    let todo = pending(t)?;
    let mut applied = Vec::new();
    for m in SQLITE_MIGRATIONS.iter().filter(|m| todo.contains(&m.version)) {
        let ran = in_transaction(t, Some("BEGIN IMMEDIATE"), |t| {
            // Another process opening the same database may have applied it while we waited for the lock.
            let recorded = "SELECT version FROM tsi_schema_migrations WHERE version = ?";
            if query_opt(t, recorded, &[m.version.into()], &[ColType::I64], |r| req_i64(r, 0))?.is_some() {
                return Ok(false);
            }
            for stmt in split_statements(m.sql) {
                if let Err(e) = t.execute(&stmt, &[]) {
                    // ADD COLUMN is not idempotent in SQLite: a column that already exists is what we wanted.
                    if e.to_string().contains("duplicate column name") {
                        continue;
                    }
                    return Err(CoreError::db(format!("migration {} failed: {e}", m.name)));
                }
            }
            let sha = format!("{:x}", Sha256::digest(m.sql.as_bytes()));
            t.execute(
                "INSERT INTO tsi_schema_migrations (version, name, script_sha256) VALUES (?, ?, ?)",
                &[m.version.into(), m.name.into(), sha.into()],
            )?;
            Ok(true)
        })?;
        if ran {
            applied.push(m.version);
        }
    }
    Ok(applied)
}

/// Split a script at `;` line ends (the scripts keep one statement per `;`-terminated block, no triggers).
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in sql.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("--") || trimmed.is_empty() {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if trimmed.ends_with(';') {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn upgrade_is_idempotent_and_recorded() {
        let mut c = Connection::open_in_memory().unwrap();
        let every: Vec<i64> = SQLITE_MIGRATIONS.iter().map(|m| m.version).collect();
        assert_eq!(every, (1..=latest_version()).collect::<Vec<_>>());
        assert_eq!(upgrade(&mut c).unwrap(), every);
        assert!(upgrade(&mut c).unwrap().is_empty());
        assert!(pending(&mut c).unwrap().is_empty());
        // Columns of 0003 exist.
        c.prepare("SELECT original_block_id, visibility_intervals FROM analytics_schedule_blocks_analytics").unwrap();
        c.prepare("SELECT merged_interval_count FROM analytics_schedule_visibility_metadata").unwrap();
    }

    #[test]
    fn a_newer_schema_is_refused_and_left_alone() {
        let mut c = Connection::open_in_memory().unwrap();
        upgrade(&mut c).unwrap();
        let newer = latest_version() + 1;
        c.execute("INSERT INTO tsi_schema_migrations (version, name, script_sha256) VALUES (?1, 'future', '')", [newer])
            .unwrap();
        let e = upgrade(&mut c).unwrap_err().to_string();
        assert!(e.contains(&format!("schema {newer} is newer than this build's {}; upgrade TSI", latest_version())), "{e}");
        assert_eq!(applied_versions(&mut c).unwrap().last(), Some(&newer));
    }

    #[test]
    fn the_catalogue_starts_at_generation_one() {
        let mut c = Connection::open_in_memory().unwrap();
        upgrade(&mut c).unwrap();
        let g: i64 = c.query_row("SELECT generation FROM tsi_catalogue WHERE id = 1", [], |r| r.get(0)).unwrap();
        assert_eq!(g, 1);
    }

    #[test]
    fn concurrent_openers_apply_each_script_once() {
        let dir = std::env::temp_dir().join(format!("tsi-migrate-race-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("race.sqlite3");
        let _ = std::fs::remove_file(&path);
        let path = path.to_str().unwrap().to_string();
        let runs: Vec<Vec<i64>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|_| s.spawn(|| upgrade(&mut crate::store::pool::open(&path).unwrap()).unwrap()))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut all: Vec<i64> = runs.into_iter().flatten().collect();
        all.sort();
        assert_eq!(all, (1..=latest_version()).collect::<Vec<_>>());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn added_columns_tolerate_a_database_that_already_has_them() {
        let mut c = Connection::open_in_memory().unwrap();
        upgrade(&mut c).unwrap();
        c.execute("DELETE FROM tsi_schema_migrations WHERE version = 3", []).unwrap();
        assert_eq!(upgrade(&mut c).unwrap(), vec![3]);
    }
}
