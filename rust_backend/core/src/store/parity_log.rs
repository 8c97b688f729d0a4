//! The migration cockpit's evidence (migration 0008, operations.md §4): shadow comparisons (`parity_events`)
//! and `tsi parity` runs (`parity_runs`). The core stores and reads rows; comparing payloads, sampling and
//! judging readiness are Python's.

use super::db::Db;
use super::dialect::Dialect;
use super::transport::{opt_text, query_opt, query_vec, req_i64, req_text, ColType, RowView, Value};
use crate::error::Result;

const STAMP: ColType = ColType::Text(40);
const FLOW: ColType = ColType::Text(32);
const WORD: ColType = ColType::Text(16);
const PATH: ColType = ColType::Text(512);
const VERSION: ColType = ColType::Text(64);
const NAME: ColType = ColType::Text(256);
const LONG: ColType = ColType::LongText;
const I: ColType = ColType::I64;

/// One shadow comparison to append (`result`: match, mismatch or error).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParityEvent {
    pub schedule_id: i64,
    pub flow: String,
    pub params_json: String,
    pub served_source: String,
    pub result: String,
    pub diff_path: Option<String>,
    pub legacy_value: Option<String>,
    pub etl_value: Option<String>,
    pub error: Option<String>,
    pub build_version: String,
}

/// A stored shadow comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct ParityEventRow {
    pub id: i64,
    pub at: String,
    pub event: ParityEvent,
}

/// Comparisons of one flow with one result since a time.
#[derive(Debug, Clone, PartialEq)]
pub struct ParityCount {
    pub flow: String,
    pub result: String,
    pub count: i64,
}

/// One `tsi parity` run to append (`scope`: all or some).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParityRun {
    pub user: Option<String>,
    pub scope: String,
    pub schedules_json: String,
    pub checks: i64,
    pub clean: bool,
    pub counts_json: String,
    pub build_version: String,
}

/// A stored `tsi parity` run.
#[derive(Debug, Clone, PartialEq)]
pub struct ParityRunRow {
    pub id: i64,
    pub at: String,
    pub run: ParityRun,
}

const EVENT_COLUMNS: &str = "schedule_id, flow, params_json, served_source, result, diff_path, legacy_value, \
                             etl_value, error, build_version";
const RUN_COLUMNS: &str = "user_name, scope, schedules_json, checks, clean, counts_json, build_version";

impl Dialect {
    fn events_table(self) -> &'static str {
        match self {
            Dialect::TSql => "dbo.parity_events",
            _ => "parity_events",
        }
    }

    fn runs_table(self) -> &'static str {
        match self {
            Dialect::TSql => "dbo.parity_runs",
            _ => "parity_runs",
        }
    }

    /// `at >= since` with `since` an ISO-8601 UTC text (NULL: no bound); takes the parameter twice.
    fn since_clause(self) -> &'static str {
        match self {
            Dialect::TSql => "(? IS NULL OR at >= CAST(? AS DATETIMEOFFSET(3)))",
            _ => "(? IS NULL OR at >= ?)",
        }
    }

    pub fn parity_event_insert(self) -> String {
        format!("INSERT INTO {} ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.events_table())
    }

    /// Parameters: since twice, only problems (1: not `match`), `match`, the row limit (first in T-SQL).
    pub fn parity_event_list(self) -> String {
        let cols = format!("event_id, {}, {EVENT_COLUMNS}", self.timestamp_text("at", true));
        let filter = format!("{} AND (? = 0 OR result <> ?)", self.since_clause());
        match self {
            Dialect::TSql => {
                format!("SELECT TOP (?) {cols} FROM {} WHERE {filter} ORDER BY event_id DESC", self.events_table())
            }
            _ => format!("SELECT {cols} FROM {} WHERE {filter} ORDER BY event_id DESC LIMIT ?", self.events_table()),
        }
    }

    /// Parameters: since twice.
    pub fn parity_event_counts(self) -> String {
        format!(
            "SELECT flow, result, COUNT(*) FROM {} WHERE {} GROUP BY flow, result ORDER BY flow, result",
            self.events_table(),
            self.since_clause()
        )
    }

    pub fn parity_run_insert(self) -> String {
        format!("INSERT INTO {} ({RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", self.runs_table())
    }

    /// Parameters: the scope (NULL: any).
    pub fn parity_run_last(self) -> String {
        let cols = format!("run_id, {}, {RUN_COLUMNS}", self.timestamp_text("at", true));
        let filter = "(? IS NULL OR scope = ?)";
        match self {
            Dialect::TSql => {
                format!("SELECT TOP (1) {cols} FROM {} WHERE {filter} ORDER BY run_id DESC", self.runs_table())
            }
            _ => format!("SELECT {cols} FROM {} WHERE {filter} ORDER BY run_id DESC LIMIT 1", self.runs_table()),
        }
    }

    /// Every statement of this module (for the T-SQL parse check).
    pub fn parity_log_statements(self) -> Vec<String> {
        vec![
            self.parity_event_insert(),
            self.parity_event_list(),
            self.parity_event_counts(),
            self.parity_run_insert(),
            self.parity_run_last(),
        ]
    }
}

pub fn event_append(db: &mut Db, e: &ParityEvent) -> Result<()> {
    let params: [Value; 10] = [
        e.schedule_id.into(),
        e.flow.as_str().into(),
        e.params_json.as_str().into(),
        e.served_source.as_str().into(),
        e.result.as_str().into(),
        e.diff_path.as_deref().into(),
        e.legacy_value.as_deref().into(),
        e.etl_value.as_deref().into(),
        e.error.as_deref().into(),
        e.build_version.as_str().into(),
    ];
    db.t.execute(&db.d.parity_event_insert(), &params).map(|_| ())
}

fn event_row(r: &dyn RowView) -> Result<ParityEventRow> {
    Ok(ParityEventRow {
        id: req_i64(r, 0)?,
        at: req_text(r, 1)?,
        event: ParityEvent {
            schedule_id: req_i64(r, 2)?,
            flow: req_text(r, 3)?,
            params_json: req_text(r, 4)?,
            served_source: req_text(r, 5)?,
            result: req_text(r, 6)?,
            diff_path: opt_text(r, 7)?,
            legacy_value: opt_text(r, 8)?,
            etl_value: opt_text(r, 9)?,
            error: opt_text(r, 10)?,
            build_version: req_text(r, 11)?,
        },
    })
}

/// The newest comparisons first, at most `limit`, at or after `since` (ISO-8601 UTC) when given; with
/// `problems_only`, mismatches and errors only.
pub fn event_list(db: &mut Db, since: Option<&str>, problems_only: bool, limit: i64) -> Result<Vec<ParityEventRow>> {
    let only = Value::I64(Some(i64::from(problems_only)));
    let params: Vec<Value> = match db.d {
        Dialect::TSql => vec![limit.into(), since.into(), since.into(), only, "match".into()],
        _ => vec![since.into(), since.into(), only, "match".into(), limit.into()],
    };
    let cols = [I, STAMP, I, FLOW, LONG, WORD, WORD, PATH, LONG, LONG, LONG, VERSION];
    query_vec(db.t, &db.d.parity_event_list(), &params, &cols, event_row)
}

/// How many comparisons each flow had with each result, at or after `since` when given.
pub fn event_counts(db: &mut Db, since: Option<&str>) -> Result<Vec<ParityCount>> {
    let params: [Value; 2] = [since.into(), since.into()];
    query_vec(db.t, &db.d.parity_event_counts(), &params, &[FLOW, WORD, I], |r| {
        Ok(ParityCount { flow: req_text(r, 0)?, result: req_text(r, 1)?, count: req_i64(r, 2)? })
    })
}

pub fn run_append(db: &mut Db, run: &ParityRun) -> Result<()> {
    let params: [Value; 7] = [
        run.user.as_deref().into(),
        run.scope.as_str().into(),
        run.schedules_json.as_str().into(),
        run.checks.into(),
        run.clean.into(),
        run.counts_json.as_str().into(),
        run.build_version.as_str().into(),
    ];
    db.t.execute(&db.d.parity_run_insert(), &params).map(|_| ())
}

/// The newest run (of this scope when given).
pub fn run_last(db: &mut Db, scope: Option<&str>) -> Result<Option<ParityRunRow>> {
    let params: [Value; 2] = [scope.into(), scope.into()];
    let cols = [I, STAMP, NAME, WORD, LONG, I, I, LONG, VERSION];
    query_opt(db.t, &db.d.parity_run_last(), &params, &cols, |r| {
        Ok(ParityRunRow {
            id: req_i64(r, 0)?,
            at: req_text(r, 1)?,
            run: ParityRun {
                user: opt_text(r, 2)?,
                scope: req_text(r, 3)?,
                schedules_json: req_text(r, 4)?,
                checks: req_i64(r, 5)?,
                clean: req_i64(r, 6)? != 0,
                counts_json: req_text(r, 7)?,
                build_version: req_text(r, 8)?,
            },
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, StoreConfig};

    fn store(tag: &str) -> (std::path::PathBuf, Store) {
        let dir = std::env::temp_dir().join(format!("tsi-parity-log-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let s = Store::open(StoreConfig::sqlite(dir.join("t.sqlite3").to_string_lossy().into_owned(), 1, None)).unwrap();
        (dir, s)
    }

    fn event(flow: &str, result: &str) -> ParityEvent {
        ParityEvent {
            schedule_id: 3,
            flow: flow.into(),
            params_json: "{\"n_bins\": 50}".into(),
            served_source: "legacy".into(),
            result: result.into(),
            diff_path: (result == "mismatch").then(|| "blocks.priority[4]".to_string()),
            legacy_value: (result == "mismatch").then(|| "2.5".to_string()),
            etl_value: (result == "mismatch").then(|| "3.5".to_string()),
            error: None,
            build_version: "0.1.0".into(),
        }
    }

    #[test]
    fn comparisons_are_stored_counted_and_listed_newest_first() {
        let (dir, s) = store("events");
        let mut c = s.conn().unwrap();
        let db = &mut s.db(&mut c);
        for (flow, result) in [("sky_map", "match"), ("sky_map", "match"), ("timeline", "mismatch"), ("sky_map", "error")] {
            event_append(db, &event(flow, result)).unwrap();
        }
        let counts = event_counts(db, None).unwrap();
        let flat: Vec<(&str, &str, i64)> =
            counts.iter().map(|c| (c.flow.as_str(), c.result.as_str(), c.count)).collect();
        assert_eq!(flat, [("sky_map", "error", 1), ("sky_map", "match", 2), ("timeline", "mismatch", 1)]);
        let all = event_list(db, None, false, 10).unwrap();
        assert_eq!(all.iter().map(|e| e.event.result.as_str()).collect::<Vec<_>>(), ["error", "mismatch", "match", "match"]);
        let problems = event_list(db, None, true, 1).unwrap();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].event.result, "error");
        let mismatch = &event_list(db, None, true, 10).unwrap()[1];
        assert_eq!(mismatch.event, event("timeline", "mismatch"));
        assert!(mismatch.at.ends_with('Z'));
        assert!(event_counts(db, Some("2999-01-01T00:00:00.000Z")).unwrap().is_empty());
        assert_eq!(event_list(db, Some("2000-01-01T00:00:00.000Z"), false, 10).unwrap().len(), 4);
        drop(c);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_last_run_of_a_scope_comes_back() {
        let (dir, s) = store("runs");
        let mut c = s.conn().unwrap();
        let db = &mut s.db(&mut c);
        assert_eq!(run_last(db, None).unwrap(), None);
        let all = ParityRun {
            user: Some("ana".into()),
            scope: "all".into(),
            schedules_json: "[1, 2]".into(),
            checks: 40,
            clean: true,
            counts_json: "{\"identical\": 40}".into(),
            build_version: "0.1.0".into(),
        };
        run_append(db, &all).unwrap();
        let some = ParityRun { scope: "some".into(), clean: false, schedules_json: "[2]".into(), ..all.clone() };
        run_append(db, &some).unwrap();
        assert_eq!(run_last(db, None).unwrap().unwrap().run, some);
        let last_all = run_last(db, Some("all")).unwrap().unwrap();
        assert_eq!(last_all.run, all);
        assert!(last_all.at.ends_with('Z'));
        drop(c);
        let _ = std::fs::remove_dir_all(dir);
    }
}
