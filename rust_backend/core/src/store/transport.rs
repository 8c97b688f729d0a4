//! The transport half of the storage split: how statements reach a database (rusqlite in-process, or ODBC),
//! independent of the SQL text, which the dialect (`dialect.rs`) writes.
//!
//! Parameters are positional `?` markers bound from `Value`s (borrowed where possible, so binding a row costs
//! no allocation on the rusqlite path); rows are read through `RowView` with the column types the caller
//! expects (`ColType`), which lets the ODBC transport bind columnar buffers up front.

use std::borrow::Cow;

use crate::error::Result;

/// One bound parameter. NULLs are typed (`F64(None)` …) because ODBC binds a type even for NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    I64(Option<i64>),
    F64(Option<f64>),
    Bool(bool),
    Text(Option<Cow<'a, str>>),
    Blob(Option<Cow<'a, [u8]>>),
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::I64(Some(v))
    }
}
impl From<Option<i64>> for Value<'_> {
    fn from(v: Option<i64>) -> Self {
        Value::I64(v)
    }
}
impl From<f64> for Value<'_> {
    fn from(v: f64) -> Self {
        Value::F64(Some(v))
    }
}
impl From<Option<f64>> for Value<'_> {
    fn from(v: Option<f64>) -> Self {
        Value::F64(v)
    }
}
impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(Some(Cow::Borrowed(v)))
    }
}
impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(Some(Cow::Borrowed(v.as_str())))
    }
}
impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Value::Text(v.map(Cow::Borrowed))
    }
}
impl From<String> for Value<'_> {
    fn from(v: String) -> Self {
        Value::Text(Some(Cow::Owned(v)))
    }
}
impl From<Option<String>> for Value<'_> {
    fn from(v: Option<String>) -> Self {
        Value::Text(v.map(Cow::Owned))
    }
}
impl From<Option<Vec<u8>>> for Value<'_> {
    fn from(v: Option<Vec<u8>>) -> Self {
        Value::Blob(v.map(Cow::Owned))
    }
}

/// Expected type of a result column. `Text`/`Blob` carry the largest length (characters / bytes) a value may
/// have; transports that bind fixed-size buffers (ODBC) size them from it, rusqlite ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    I64,
    F64,
    Text(usize),
    Blob(usize),
    /// Text / binary of unknown length (NVARCHAR(MAX), VARBINARY(MAX)); ODBC streams such result sets row
    /// by row. Loaders of many rows measure the longest value first and use `Text(n)` / `Blob(n)` instead.
    LongText,
    LongBlob,
    /// Whatever the result set metadata says (ad-hoc scans only).
    Any,
}

/// One result row. Reading a column with a different type than it holds is a `DatabaseError`.
pub trait RowView {
    fn i64(&self, k: usize) -> Result<Option<i64>>;
    fn f64(&self, k: usize) -> Result<Option<f64>>;
    /// Text, UTF-8.
    fn text(&self, k: usize) -> Result<Option<Cow<'_, str>>>;
    /// Raw bytes of a text or blob column (text as UTF-8, not validated on rusqlite).
    fn bytes(&self, k: usize) -> Result<Option<Cow<'_, [u8]>>>;
    /// 0 for NULL or an empty blob, else 1 (the benchmark reference scan).
    fn touch(&self, k: usize) -> Result<i64>;
}

/// Callback receiving the rows of a query.
pub type RowFn<'f> = dyn FnMut(&dyn RowView) -> Result<()> + 'f;

/// A statement text for `n` rows (multi-row `VALUES`); `bulk` calls it once per distinct chunk size.
pub type StmtFor<'f> = dyn Fn(usize) -> String + 'f;

/// The transport: transactions, parameterised statements, queries, chunked bulk statements.
pub trait Transport {
    /// Begin a transaction: with `begin_sql` (e.g. SQLite's `BEGIN IMMEDIATE`) as an explicit statement,
    /// without it through the driver (ODBC autocommit off).
    fn begin(&mut self, begin_sql: Option<&str>) -> Result<()>;
    fn commit(&mut self) -> Result<()>;
    fn rollback(&mut self) -> Result<()>;
    /// Execute one statement that returns no rows; returns the affected row count when known.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize>;
    /// Run a query and hand every row to `f`.
    fn query(&mut self, sql: &str, params: &[Value], cols: &[ColType], f: &mut RowFn) -> Result<()>;
    /// Run `nrows` rows through a statement in chunks of `rows_per_stmt` rows: `stmt(k)` is the text for `k`
    /// rows, `fill(i, buf)` pushes the parameters of row `i`. With `ret`, each statement returns rows
    /// (RETURNING / OUTPUT) which are handed to the callback.
    fn bulk<'a>(
        &mut self,
        stmt: &StmtFor,
        nrows: usize,
        rows_per_stmt: usize,
        fill: &mut dyn FnMut(usize, &mut Vec<Value<'a>>),
        ret: Option<(&[ColType], &mut RowFn)>,
    ) -> Result<()>;
    /// Whether multi-row statements pay off (network round trips); rusqlite runs one prepared row at a time.
    fn prefers_multi_row(&self) -> bool;
    /// Whether `Text`/`Blob` column sizes matter (the caller then measures long columns before reading).
    fn wants_size_hints(&self) -> bool;
}

/// Run `f` inside a transaction; commit on success, roll back on error.
pub fn in_transaction<T>(
    t: &mut dyn Transport,
    begin_sql: Option<&str>,
    f: impl FnOnce(&mut dyn Transport) -> Result<T>,
) -> Result<T> {
    t.begin(begin_sql)?;
    match f(t) {
        Ok(v) => match t.commit() {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = t.rollback();
                Err(e)
            }
        },
        Err(e) => {
            let _ = t.rollback();
            Err(e)
        }
    }
}

/// First row of a query, read by `f`.
pub fn query_opt<T>(
    t: &mut dyn Transport,
    sql: &str,
    params: &[Value],
    cols: &[ColType],
    f: impl Fn(&dyn RowView) -> Result<T>,
) -> Result<Option<T>> {
    let mut out = None;
    t.query(sql, params, cols, &mut |r| {
        if out.is_none() {
            out = Some(f(r)?);
        }
        Ok(())
    })?;
    Ok(out)
}

/// All rows of a query, each read by `f`.
pub fn query_vec<T>(
    t: &mut dyn Transport,
    sql: &str,
    params: &[Value],
    cols: &[ColType],
    f: impl Fn(&dyn RowView) -> Result<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    t.query(sql, params, cols, &mut |r| {
        out.push(f(r)?);
        Ok(())
    })?;
    Ok(out)
}

/// Helpers on `RowView` for non-NULL columns.
pub fn req_i64(r: &dyn RowView, k: usize) -> Result<i64> {
    r.i64(k)?.ok_or_else(|| crate::error::CoreError::db(format!("unexpected NULL in result column {k}")))
}
pub fn req_f64(r: &dyn RowView, k: usize) -> Result<f64> {
    r.f64(k)?.ok_or_else(|| crate::error::CoreError::db(format!("unexpected NULL in result column {k}")))
}
pub fn req_text(r: &dyn RowView, k: usize) -> Result<String> {
    r.text(k)?.map(Cow::into_owned).ok_or_else(|| crate::error::CoreError::db(format!("unexpected NULL in result column {k}")))
}
pub fn opt_text(r: &dyn RowView, k: usize) -> Result<Option<String>> {
    Ok(r.text(k)?.map(Cow::into_owned))
}
/// A nullable float as NaN when NULL.
pub fn nan_f64(r: &dyn RowView, k: usize) -> Result<f64> {
    Ok(r.f64(k)?.unwrap_or(f64::NAN))
}
