//! The row types against the migrations: each table's written columns are the columns its scripts create
//! (CREATE TABLE, then ADD COLUMN), in both dialects, in CREATE TABLE order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::*;
use crate::etl::blocks::BLOCKS_ANALYTICS_COLS;

/// Columns of every table after all scripts of one folder: (table base name) -> (CREATE columns, added).
fn schema(folder: &str) -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tsi/db/migrations").join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let base = |name: &str| -> String {
        let n = name.trim_matches(|c| c == '(' || c == ';');
        let n = n.rsplit('.').next().unwrap();
        n.strip_prefix("analytics_").unwrap_or(n).to_string()
    };
    let mut out: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "sql")) {
        let text = std::fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut k = 0;
        while k < lines.len() {
            let words: Vec<&str> = lines[k].split_whitespace().collect();
            if words.len() >= 3 && words[0] == "CREATE" && words[1] == "TABLE" {
                let name = base(words.iter().rev().find(|w| **w != "(").unwrap());
                // body lines at the indentation of the first one are columns or constraints
                let indent = lines[k + 1].len() - lines[k + 1].trim_start().len();
                let mut cols = Vec::new();
                k += 1;
                while !lines[k].trim_start().starts_with(");") {
                    let l = lines[k];
                    let lead = l.len() - l.trim_start().len();
                    let first = l.split_whitespace().next().unwrap_or("");
                    let computed = l.contains(" AS (") || l.contains("GENERATED ALWAYS AS");
                    if lead == indent && first != "CONSTRAINT" && !computed {
                        cols.push(first.to_string());
                    }
                    k += 1;
                }
                out.insert(name, (cols, Vec::new()));
            } else if words.len() >= 5 && words[0] == "ALTER" && words[1] == "TABLE" && words[3] == "ADD" {
                let col = if words[4] == "COLUMN" { words[5] } else { words[4] };
                out.get_mut(&base(words[2])).expect("ALTER of a created table").1.push(col.to_string());
            }
            k += 1;
        }
    }
    out
}

/// `written` are exactly the stored columns of `table` (less the store's `id`, `created_at` and `unwritten`),
/// and those the CREATE TABLE lists come in its order.
fn check(folder: &str, tables: &BTreeMap<String, (Vec<String>, Vec<String>)>, table: Table, written: &[&str], unwritten: &[&str]) {
    let name = table.base_name();
    let (created, added) = tables.get(name).unwrap_or_else(|| panic!("{folder}: no CREATE TABLE for {name}"));
    let skip = |c: &&String| !["id", "created_at"].contains(&c.as_str()) && !unwritten.contains(&c.as_str());
    let stored: BTreeSet<&str> = created.iter().chain(added).filter(skip).map(String::as_str).collect();
    let ours: BTreeSet<&str> = written.iter().copied().collect();
    assert_eq!(ours, stored, "{folder}: columns of {name}");
    assert_eq!(ours.len(), written.len(), "{folder}: a column of {name} is listed twice");
    let created_order: Vec<&str> = created.iter().filter(skip).map(String::as_str).collect();
    let our_order: Vec<&str> = written.iter().copied().filter(|c| created_order.contains(c)).collect();
    assert_eq!(our_order, created_order, "{folder}: column order of {name}");
}

#[test]
fn columns_match_the_migrations() {
    let summary: Vec<&str> = Summary::insert_columns().into_iter().chain(SUMMARY_STAMP_COLS).collect();
    for folder in ["sqlite", "mssql"] {
        let t = schema(folder);
        check(folder, &t, Table::BlocksAnalytics, &BLOCKS_ANALYTICS_COLS, &[]);
        check(folder, &t, PriorityRateRow::TABLE, &PriorityRateRow::insert_columns(), &[]);
        check(folder, &t, RateBinRow::TABLE, &RateBinRow::insert_columns(), &[]);
        check(folder, &t, HeatCell::TABLE, &HeatCell::insert_columns(), &[]);
        check(folder, &t, TimeBinRow::TABLE, &TimeBinRow::insert_columns(), &["visible_block_ids"]);
        check(folder, &t, Table::VisibilityDefaultBins, &TimeBinRow::insert_columns(), &[]);
        check(folder, &t, DayRow::TABLE, &DayRow::insert_columns(), &[]);
        check(folder, &t, MetadataRow::TABLE, &MetadataRow::insert_columns(), &[]);
        check(folder, &t, Summary::TABLE, &summary, &[]);
    }
}

#[test]
fn values_and_reader_follow_the_columns() {
    let row = TimeBinRow {
        bin_index: 1,
        bin_start_unix: 2,
        bin_end_unix: 3,
        total_visible_count: 4,
        priority_q_count: [5, 6, 7, 8],
        scheduled_visible_count: 9,
        unscheduled_visible_count: 10,
    };
    let mut v = Vec::new();
    row.values(&mut v);
    assert_eq!(v.len(), TimeBinRow::COLUMNS.len());
    assert_eq!(v, (1..=10).map(|x: i64| Value::from(x)).collect::<Vec<_>>());
    assert_eq!(TimeBinRow::COLUMNS[4].name, "priority_q1_count");
    assert_eq!(Summary::COLUMNS.len(), 42);
    let ints: Vec<usize> = Summary::COLUMNS.iter().enumerate().filter(|(_, c)| !c.is_float()).map(|(k, _)| k).collect();
    assert_eq!(ints, [0, 1, 2, 3, 41]);
}
