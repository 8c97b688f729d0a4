//! What every concern module of the store shares: the connection context `Db` (transport, dialect,
//! configuration) with the rows-per-statement rule and the sizing of long columns, the result column types,
//! and the unique-violation test.

use super::dialect::Dialect;
use super::transport::{in_transaction, query_opt, ColType, Transport};
use super::StoreConfig;
use crate::error::CoreError;
use crate::error::Result;

pub(super) const NAME: ColType = ColType::Text(256);
pub(super) const CHECKSUM: ColType = ColType::Text(64);
pub(super) const STAMP: ColType = ColType::Text(40);
pub(super) const ORIGINAL_ID: ColType = ColType::Text(256);
pub(super) const I: ColType = ColType::I64;
pub(super) const F: ColType = ColType::F64;

/// One connection's context, built once per connection by `Store`: the transport statements go through, the
/// dialect they are written in, and the store's configuration. Every store function takes it.
pub struct Db<'a> {
    pub t: &'a mut dyn Transport,
    pub d: Dialect,
    pub cfg: &'a StoreConfig,
}

impl<'a> Db<'a> {
    pub fn new(t: &'a mut dyn Transport, d: Dialect, cfg: &'a StoreConfig) -> Db<'a> {
        Db { t, d, cfg }
    }

    /// Run `f` in a transaction begun by `begin_sql` (see `transport::in_transaction`).
    pub fn in_transaction<R>(&mut self, begin_sql: Option<&str>, f: impl FnOnce(&mut Db<'_>) -> Result<R>) -> Result<R> {
        let (d, cfg) = (self.d, self.cfg);
        in_transaction(&mut *self.t, begin_sql, |t| f(&mut Db { t, d, cfg }))
    }

    /// Rows per statement: one prepared row at a time in-process, multi-row chunks over the network.
    pub(super) fn chunk(&self, params_per_row: usize) -> usize {
        if self.t.prefers_multi_row() {
            self.d.rows_per_statement(params_per_row)
        } else {
            1
        }
    }

    /// Size of the buffer for a long column: the longest stored value (measured when the transport binds
    /// fixed-size buffers), or unbounded.
    pub(super) fn long_col(&mut self, sql: &str, id: i64, text: bool) -> Result<ColType> {
        if !self.t.wants_size_hints() {
            return Ok(if text { ColType::LongText } else { ColType::LongBlob });
        }
        let max = query_opt(self.t, sql, &[id.into()], &[I], |r| r.i64(0))?.flatten().unwrap_or(0).max(0) as usize;
        // +1: an empty buffer cannot tell NULL from empty on every driver.
        Ok(if text { ColType::Text(max + 1) } else { ColType::Blob(max + 1) })
    }
}

/// A unique-key violation (a concurrent identical upload inserting the same checksum).
pub fn is_unique_violation(e: &CoreError) -> bool {
    match e {
        CoreError::Database { message, sqlstate } => {
            sqlstate.as_deref() == Some("23000")
                || message.contains("UNIQUE constraint failed")
                || message.contains("UQ_schedules_checksum")
                || message.contains("duplicate key")
        }
        _ => false,
    }
}

