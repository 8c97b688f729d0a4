//! What every concern module of the store shares: the result column types, the rows-per-statement rule, the
//! unique-violation test and the sizing of long columns.

use super::dialect::Dialect;
use super::transport::{query_opt, ColType, Transport};
use crate::error::CoreError;
use crate::error::Result;

pub(super) const NAME: ColType = ColType::Text(256);
pub(super) const CHECKSUM: ColType = ColType::Text(64);
pub(super) const STAMP: ColType = ColType::Text(40);
pub(super) const ORIGINAL_ID: ColType = ColType::Text(256);
pub(super) const I: ColType = ColType::I64;
pub(super) const F: ColType = ColType::F64;

/// Rows per statement: one prepared row at a time in-process, multi-row chunks over the network.
pub(super) fn chunk(t: &dyn Transport, d: Dialect, params_per_row: usize) -> usize {
    if t.prefers_multi_row() {
        d.rows_per_statement(params_per_row)
    } else {
        1
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

/// Size of the buffer for a long column: the longest stored value (measured when the transport binds
/// fixed-size buffers), or unbounded.
pub(super) fn long_col(t: &mut dyn Transport, sql: &str, id: i64, text: bool) -> Result<ColType> {
    if !t.wants_size_hints() {
        return Ok(if text { ColType::LongText } else { ColType::LongBlob });
    }
    let max = query_opt(t, sql, &[id.into()], &[I], |r| r.i64(0))?.flatten().unwrap_or(0).max(0) as usize;
    // +1: an empty buffer cannot tell NULL from empty on every driver.
    Ok(if text { ColType::Text(max + 1) } else { ColType::Blob(max + 1) })
}
