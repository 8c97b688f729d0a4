//! The ETL writer: persists the analytics rows `etl::run` computed, inside the caller's transaction. It knows
//! the tables and the bookkeeping of the summary row, not how the rows are computed or in which order they
//! are written (`etl/mod.rs`).

use std::borrow::Cow;

use super::db::{Db, CHECKSUM};
use super::dialect::{multi_row_sizes, placeholders, Dialect, Table, ANALYTICS_TABLES};
use super::schedules::bump_generation;
use super::transport::{query_opt, req_text, Value};
use crate::blockset::BlockSet;
use crate::error::{CoreError, Result};
use crate::etl::blocks::{block_values, BLOCKS_ANALYTICS_COLS};
use crate::etl::rows::{self, Row};
use crate::etl::{self, Summary};
use crate::ETL_VERSION;

/// Delete the schedule's analytics rows from every analytics table.
pub fn clear(db: &mut Db, id: i64) -> Result<()> {
    for tb in ANALYTICS_TABLES {
        db.t.execute(&db.d.delete_for_schedule(tb), &[id.into()])?;
    }
    Ok(())
}

/// `schedule_blocks_analytics`: one row per block of `b`, with its priority bucket.
pub fn insert_blocks(db: &mut Db, id: i64, b: &BlockSet, buckets: &[u8]) -> Result<()> {
    bulk_insert(db, Table::BlocksAnalytics, &BLOCKS_ANALYTICS_COLS, b.len(), &mut |i, buf| {
        block_values(id, b, buckets[i], i, buf)
    })
}

/// Rows of one analytics table (`table`: `R::TABLE`, or a table with the same columns), `schedule_id` first.
pub fn insert_rows<R: Row>(db: &mut Db, id: i64, table: Table, rows: &[R]) -> Result<()> {
    bulk_insert(db, table, &R::insert_columns(), rows.len(), &mut |i, buf| {
        buf.push(Value::from(id));
        rows[i].values(buf);
    })
}

/// The summary row, stamped with the ETL version, the source checksum and the sentinel: written last, it
/// marks the analytics complete.
pub fn insert_summary(db: &mut Db, id: i64, s: &Summary) -> Result<()> {
    let checksum = query_opt(db.t, &db.d.checksum_of(), &[id.into()], &[CHECKSUM], |r| req_text(r, 0))?
        .ok_or(CoreError::NotFound { schedule_id: id })?;
    let mut params: Vec<Value> = Vec::with_capacity(Summary::COLUMNS.len() + 4);
    params.push(id.into());
    s.values(&mut params);
    params.extend([ETL_VERSION.into(), Value::Text(Some(Cow::Owned(checksum))), db.cfg.sentinel_mjd.into()]);
    db.t.execute(&db.d.insert_summary(), &params)?;
    Ok(())
}

/// Re-run the ETL of one schedule in its own transaction.
pub fn backfill_in_tx(db: &mut Db, id: i64) -> Result<()> {
    let begin = db.d.begin_sql();
    db.in_transaction(begin, |db| {
        etl::run(db, id)?;
        bump_generation(db)
    })
}

fn bulk_insert<'a>(
    db: &mut Db,
    table: Table,
    cols: &[&str],
    nrows: usize,
    fill: &mut dyn FnMut(usize, &mut Vec<Value<'a>>),
) -> Result<()> {
    if nrows == 0 {
        return Ok(());
    }
    let per = db.chunk(cols.len());
    db.t.bulk(&|k| db.d.insert(table, cols, k, &[]), nrows, per, fill, None)
}

impl Dialect {
    pub fn checksum_of(self) -> String {
        format!("SELECT checksum FROM {} WHERE schedule_id = ?", self.table(Table::Schedules))
    }

    /// The summary row (schedule_id, the summary columns, the stamp columns) stamped now.
    pub fn insert_summary(self) -> String {
        let [version, checksum, sentinel, updated] = rows::SUMMARY_STAMP_COLS;
        format!(
            "INSERT INTO {} (schedule_id, {}, {version}, {checksum}, {sentinel}, {updated})
             VALUES ({}, {})",
            self.table(Table::SummaryAnalytics),
            Summary::column_names().join(", "),
            placeholders(Summary::COLUMNS.len() + 4),
            self.now()
        )
    }

    /// Every statement of this module (for the T-SQL parse check).
    pub fn etl_write_statements(self) -> Vec<String> {
        use crate::etl::{DayRow, HeatCell, MetadataRow, PriorityRateRow, RateBinRow, TimeBinRow};
        let mut v = vec![self.checksum_of()];
        for (t, cols) in [
            (Table::BlocksAnalytics, BLOCKS_ANALYTICS_COLS.to_vec()),
            (Table::PriorityRates, PriorityRateRow::insert_columns()),
            (Table::VisibilityBins, RateBinRow::insert_columns()),
            (Table::HeatmapBins, HeatCell::insert_columns()),
            (Table::VisibilityTimeBins, TimeBinRow::insert_columns()),
            (Table::VisibilityDefaultBins, TimeBinRow::insert_columns()),
            (Table::VisibilityDays, DayRow::insert_columns()),
            (Table::VisibilityMetadata, MetadataRow::insert_columns()),
        ] {
            for n in multi_row_sizes(self, cols.len()) {
                v.push(self.insert(t, &cols, n, &[]));
            }
        }
        v.push(self.insert_summary());
        v
    }
}
