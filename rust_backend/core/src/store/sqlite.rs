//! The rusqlite transport: `Transport` for an in-process SQLite connection (pooled by `pool.rs`).
//!
//! Statements are prepared once and cached by rusqlite; parameters are bound from borrowed `Value`s (no
//! per-value allocation), and bulk statements run one prepared row at a time (in-process, a multi-row
//! statement buys nothing).

use std::borrow::Cow;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, Row, ToSql};

use super::transport::{ColType, RowFn, RowView, StmtFor, Transport, Value};
use crate::error::{CoreError, Result};

impl ToSql for Value<'_> {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::I64(Some(v)) => ValueRef::Integer(*v),
            Value::F64(Some(v)) => ValueRef::Real(*v),
            Value::Bool(b) => ValueRef::Integer(*b as i64),
            Value::Text(Some(s)) => ValueRef::Text(s.as_bytes()),
            Value::Blob(Some(b)) => ValueRef::Blob(b),
            Value::I64(None) | Value::F64(None) | Value::Text(None) | Value::Blob(None) => ValueRef::Null,
        }))
    }
}

/// rusqlite errors with the SQLSTATE class of constraint violations (so callers can tell a duplicate).
pub fn db_error(e: rusqlite::Error) -> CoreError {
    let sqlstate = match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => Some("23000".to_string()),
        _ => None,
    };
    CoreError::Database { message: e.to_string(), sqlstate }
}

struct SqliteRow<'r, 's>(&'r Row<'s>);

impl RowView for SqliteRow<'_, '_> {
    // Numbers through `get_ref` and a match: `Row::get` adds a conversion layer per value that costs more than
    // the value itself on the loaders' hot path. Same rules as rusqlite's FromSql: an f64 column accepts
    // INTEGER storage, an i64 column does not accept REAL.
    #[inline]
    fn i64(&self, k: usize) -> Result<Option<i64>> {
        match self.0.get_ref(k).map_err(db_error)? {
            ValueRef::Integer(v) => Ok(Some(v)),
            ValueRef::Null => Ok(None),
            other => Err(CoreError::db(format!("result column {k}: expected an integer, got {}", other.data_type()))),
        }
    }
    #[inline]
    fn f64(&self, k: usize) -> Result<Option<f64>> {
        match self.0.get_ref(k).map_err(db_error)? {
            ValueRef::Real(v) => Ok(Some(v)),
            ValueRef::Integer(v) => Ok(Some(v as f64)),
            ValueRef::Null => Ok(None),
            other => Err(CoreError::db(format!("result column {k}: expected a number, got {}", other.data_type()))),
        }
    }
    #[inline]
    fn text(&self, k: usize) -> Result<Option<Cow<'_, str>>> {
        let v = self.0.get_ref(k).map_err(db_error)?;
        Ok(v.as_str_or_null().map_err(|e| CoreError::db(e.to_string()))?.map(Cow::Borrowed))
    }
    #[inline]
    fn bytes(&self, k: usize) -> Result<Option<Cow<'_, [u8]>>> {
        let v = self.0.get_ref(k).map_err(db_error)?;
        Ok(v.as_bytes_or_null().map_err(|e| CoreError::db(e.to_string()))?.map(Cow::Borrowed))
    }
    fn touch(&self, k: usize) -> Result<i64> {
        Ok(match self.0.get_ref(k).map_err(db_error)? {
            ValueRef::Null => 0,
            ValueRef::Blob(b) => (!b.is_empty()) as i64,
            _ => 1,
        })
    }
}

impl Transport for Connection {
    fn begin(&mut self, begin_sql: Option<&str>) -> Result<()> {
        self.execute_batch(begin_sql.unwrap_or("BEGIN")).map_err(db_error)
    }

    fn commit(&mut self) -> Result<()> {
        self.execute_batch("COMMIT").map_err(db_error)
    }

    fn rollback(&mut self) -> Result<()> {
        if self.is_autocommit() {
            return Ok(());
        }
        self.execute_batch("ROLLBACK").map_err(db_error)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize> {
        let mut st = self.prepare_cached(sql).map_err(db_error)?;
        st.execute(rusqlite::params_from_iter(params.iter())).map_err(db_error)
    }

    fn query(&mut self, sql: &str, params: &[Value], _cols: &[ColType], f: &mut RowFn) -> Result<()> {
        let mut st = self.prepare_cached(sql).map_err(db_error)?;
        let mut rows = st.query(rusqlite::params_from_iter(params.iter())).map_err(db_error)?;
        while let Some(r) = rows.next().map_err(db_error)? {
            f(&SqliteRow(r))?;
        }
        Ok(())
    }

    fn bulk<'a>(
        &mut self,
        stmt: &StmtFor,
        nrows: usize,
        rows_per_stmt: usize,
        fill: &mut dyn FnMut(usize, &mut Vec<Value<'a>>),
        mut ret: Option<(&[ColType], &mut RowFn)>,
    ) -> Result<()> {
        let per = rows_per_stmt.max(1);
        let (nfull, rem) = (nrows / per, nrows % per);
        let mut buf: Vec<Value<'a>> = Vec::with_capacity(per * 8);
        // One prepared statement for all full chunks (the common case, one row per statement, prepares once).
        if nfull > 0 {
            let mut st = self.prepare_cached(&stmt(per)).map_err(db_error)?;
            for c in 0..nfull {
                run_chunk(&mut st, c * per, per, fill, &mut buf, &mut ret)?;
            }
        }
        if rem > 0 {
            let mut st = self.prepare_cached(&stmt(rem)).map_err(db_error)?;
            run_chunk(&mut st, nfull * per, rem, fill, &mut buf, &mut ret)?;
        }
        Ok(())
    }

    fn prefers_multi_row(&self) -> bool {
        false
    }

    fn wants_size_hints(&self) -> bool {
        false
    }
}

fn run_chunk<'a>(
    st: &mut rusqlite::CachedStatement<'_>,
    start: usize,
    k: usize,
    fill: &mut dyn FnMut(usize, &mut Vec<Value<'a>>),
    buf: &mut Vec<Value<'a>>,
    ret: &mut Option<(&[ColType], &mut RowFn)>,
) -> Result<()> {
    buf.clear();
    for i in start..start + k {
        fill(i, buf);
    }
    match ret {
        None => {
            st.execute(rusqlite::params_from_iter(buf.iter())).map_err(db_error)?;
        }
        Some((_, f)) => {
            let mut rows = st.query(rusqlite::params_from_iter(buf.iter())).map_err(db_error)?;
            while let Some(r) = rows.next().map_err(db_error)? {
                f(&SqliteRow(r))?;
            }
        }
    }
    Ok(())
}
