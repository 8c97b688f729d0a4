//! The ODBC transport (cargo feature `mssql`, crate odbc-api): `Transport` over an ODBC connection, with a
//! small per-process pool.
//!
//! * One `Environment` per process, created lazily. After a fork the child builds its own and abandons —
//!   never frees — the parent's environment and connections (same rule as `pool.rs`).
//! * Parameterised statements only; bulk statements are multi-row `VALUES` chunks (the dialect keeps them
//!   within SQL Server's 2,100-parameter and 1,000-row limits), prepared once per chunk size.
//! * Result sets are fetched into columnar buffers (`ColumnarDynBuffer`) sized from the expected column
//!   types; truncation is an error, never silent. Result sets with columns of unknown length
//!   (`LongText`/`LongBlob`/`Any`) are streamed row by row with `SQLGetData`.
//! * Transactions: with an explicit begin statement (SQLite dialect: `BEGIN IMMEDIATE`) the statements
//!   `COMMIT`/`ROLLBACK` end it; otherwise autocommit is switched off for its duration (T-SQL).

use std::borrow::Cow;
use std::sync::Mutex;

use odbc_api::buffers::{BufferDesc, ColumnarDynBuffer};
use odbc_api::handles::StatementImpl;
use odbc_api::parameter::{InputParameter, VarBinaryBox, VarCharBox, VarWCharBox};
use odbc_api::{Connection, ConnectionOptions, Cursor, DataType, Environment, Nullable, Prepared};

use super::dialect::Dialect;
use super::transport::{ColType, RowFn, RowView, StmtFor, Transport, Value};
use crate::error::{CoreError, Result};

/// odbc-api errors as `DatabaseError`, with the SQLSTATE when the driver gave one.
pub fn db_error(e: odbc_api::Error) -> CoreError {
    let sqlstate = match &e {
        odbc_api::Error::Diagnostics { record, .. } => Some(record.state.as_str().to_string()),
        _ => None,
    };
    CoreError::Database { message: format!("ODBC: {e}"), sqlstate }
}

/// The process's ODBC environment: (pid, environment). A child process after a fork replaces it and leaks
/// the inherited one (its handles belong to the parent).
static ENV: Mutex<Option<(u32, &'static Environment)>> = Mutex::new(None);

pub fn environment() -> Result<&'static Environment> {
    let mut g = ENV.lock().map_err(|_| CoreError::db("ODBC environment lock poisoned"))?;
    let pid = std::process::id();
    if let Some((p, env)) = *g {
        if p == pid {
            return Ok(env);
        }
    }
    let env: &'static Environment = Box::leak(Box::new(Environment::new().map_err(db_error)?));
    *g = Some((pid, env));
    Ok(env)
}

/// One ODBC connection with its transaction state.
pub struct OdbcConn {
    conn: Connection<'static>,
    dialect: Dialect,
    /// A transaction is open (begun with a statement or with autocommit off).
    in_tx: bool,
    /// The open transaction was begun by switching autocommit off.
    driver_tx: bool,
}

impl OdbcConn {
    pub fn connect(connection_string: &str, dialect: Dialect) -> Result<OdbcConn> {
        let env = environment()?;
        let conn = env
            .connect_with_connection_string(connection_string, ConnectionOptions::default())
            // The driver's message never contains the connection string; ours must not either.
            .map_err(|e| {
                let mut err = db_error(e);
                if let CoreError::Database { message, .. } = &mut err {
                    *message = format!("cannot connect through ODBC: {message}");
                }
                err
            })?;
        let mut c = OdbcConn { conn, dialect, in_tx: false, driver_tx: false };
        for s in dialect.session_setup() {
            c.execute(s, &[])?;
        }
        Ok(c)
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// True when no transaction is open (a connection may only go back to the pool then).
    pub fn is_idle(&self) -> bool {
        !self.in_tx
    }
}

/// Bind a value: numbers as nullable fixed-size values, text as UTF-16 (T-SQL NVARCHAR) or UTF-8 (SQLite),
/// bytes as VARBINARY.
fn param(v: &Value, wide: bool) -> Box<dyn InputParameter> {
    match v {
        Value::I64(Some(x)) => Box::new(Nullable::new(*x)),
        Value::I64(None) => Box::new(Nullable::<i64>::null()),
        Value::F64(Some(x)) => Box::new(Nullable::new(*x)),
        Value::F64(None) => Box::new(Nullable::<f64>::null()),
        Value::Bool(b) => Box::new(Nullable::new(*b as i64)),
        Value::Text(Some(s)) if wide => Box::new(VarWCharBox::from_str_slice(s)),
        Value::Text(Some(s)) => Box::new(VarCharBox::from_string(s.to_string())),
        Value::Text(None) if wide => Box::new(VarWCharBox::null()),
        Value::Text(None) => Box::new(VarCharBox::null()),
        Value::Blob(Some(b)) => Box::new(VarBinaryBox::from_vec(b.to_vec())),
        Value::Blob(None) => Box::new(VarBinaryBox::null()),
    }
}

/// SQLite's ODBC driver decides whether a statement returns rows from its first keyword (SELECT, WITH,
/// PRAGMA, EXPLAIN), so it executes `INSERT … RETURNING` but discards the rows. A CTE in front makes it keep
/// them; the statement is otherwise unchanged. Other drivers get the text as written.
fn returning_sql(sql: &str, d: Dialect) -> Cow<'_, str> {
    let head = sql.trim_start();
    if d != Dialect::TSql && head.len() >= 6 && head[..6].eq_ignore_ascii_case("INSERT") {
        Cow::Owned(format!("WITH tsi_returning AS (SELECT 1) {head}"))
    } else {
        Cow::Borrowed(sql)
    }
}

fn params(vs: &[Value], d: Dialect) -> Vec<Box<dyn InputParameter>> {
    let wide = d == Dialect::TSql;
    vs.iter().map(|v| param(v, wide)).collect()
}

/// Rows per fetched block: about 16 MiB of buffers, at most 4,096 rows.
fn batch_rows(cols: &[ColType]) -> usize {
    let bytes: usize = cols
        .iter()
        .map(|c| match c {
            ColType::I64 | ColType::F64 => 16,
            ColType::Text(n) => 2 * n + 2 + 8,
            ColType::Blob(n) => n + 8,
            _ => 64,
        })
        .sum::<usize>()
        .max(1);
    (16 << 20) / bytes
}

fn desc(c: ColType) -> BufferDesc {
    match c {
        ColType::I64 => BufferDesc::I64 { nullable: true },
        ColType::F64 => BufferDesc::F64 { nullable: true },
        ColType::Text(n) => BufferDesc::WText { max_str_len: n.max(1) },
        ColType::Blob(n) => BufferDesc::Binary { max_bytes: n.max(1) },
        // Callers route these to the row-wise path.
        ColType::LongText | ColType::LongBlob | ColType::Any => BufferDesc::WText { max_str_len: 1 },
    }
}

/// One row of a fetched block.
struct BlockRow<'b> {
    buf: &'b ColumnarDynBuffer,
    row: usize,
    cols: &'b [ColType],
}

fn type_error(k: usize, want: &str) -> CoreError {
    CoreError::db(format!("result column {k} is not read as {want}"))
}

impl RowView for BlockRow<'_> {
    fn i64(&self, k: usize) -> Result<Option<i64>> {
        match self.cols.get(k) {
            Some(ColType::I64) => {
                let s = self.buf.column(k).as_nullable_slice::<i64>().ok_or_else(|| type_error(k, "integer"))?;
                Ok(s.get(self.row).copied())
            }
            Some(ColType::F64) => Ok(self.f64(k)?.map(|x| x as i64)),
            _ => Err(type_error(k, "integer")),
        }
    }
    fn f64(&self, k: usize) -> Result<Option<f64>> {
        match self.cols.get(k) {
            Some(ColType::F64) => {
                let s = self.buf.column(k).as_nullable_slice::<f64>().ok_or_else(|| type_error(k, "float"))?;
                Ok(s.get(self.row).copied())
            }
            Some(ColType::I64) => Ok(self.i64(k)?.map(|x| x as f64)),
            _ => Err(type_error(k, "float")),
        }
    }
    fn text(&self, k: usize) -> Result<Option<Cow<'_, str>>> {
        match self.cols.get(k) {
            Some(ColType::Text(_)) => {
                let s = self.buf.column(k).as_wide_text().ok_or_else(|| type_error(k, "text"))?;
                match s.get(self.row) {
                    None => Ok(None),
                    Some(u) => String::from_utf16(u).map(|s| Some(Cow::Owned(s))).map_err(|e| CoreError::db(e.to_string())),
                }
            }
            // A column the query selects as NULL (e.g. the skipped JSON) is bound as an integer.
            Some(ColType::I64) | Some(ColType::F64) if self.i64(k)?.is_none() => Ok(None),
            _ => Err(type_error(k, "text")),
        }
    }
    fn bytes(&self, k: usize) -> Result<Option<Cow<'_, [u8]>>> {
        match self.cols.get(k) {
            Some(ColType::Blob(_)) => {
                let s = self.buf.column(k).as_binary().ok_or_else(|| type_error(k, "binary"))?;
                Ok(s.get(self.row).map(Cow::Borrowed))
            }
            Some(ColType::Text(_)) => Ok(self.text(k)?.map(|s| Cow::Owned(s.into_owned().into_bytes()))),
            Some(ColType::I64) | Some(ColType::F64) if self.i64(k)?.is_none() => Ok(None),
            _ => Err(type_error(k, "binary")),
        }
    }
    fn touch(&self, k: usize) -> Result<i64> {
        Ok(match self.cols.get(k) {
            Some(ColType::I64) => self.i64(k)?.is_some() as i64,
            Some(ColType::F64) => self.f64(k)?.is_some() as i64,
            Some(ColType::Blob(_)) => self.bytes(k)?.is_some_and(|b| !b.is_empty()) as i64,
            _ => self.text(k)?.is_some() as i64,
        })
    }
}

/// A row read value by value (row-wise path).
#[derive(Debug, Clone)]
enum Cell {
    Null,
    I64(i64),
    F64(f64),
    Text(String),
    Blob(Vec<u8>),
}

struct CellRow<'a>(&'a [Cell]);

impl RowView for CellRow<'_> {
    fn i64(&self, k: usize) -> Result<Option<i64>> {
        match self.0.get(k) {
            Some(Cell::Null) => Ok(None),
            Some(Cell::I64(v)) => Ok(Some(*v)),
            Some(Cell::F64(v)) => Ok(Some(*v as i64)),
            _ => Err(type_error(k, "integer")),
        }
    }
    fn f64(&self, k: usize) -> Result<Option<f64>> {
        match self.0.get(k) {
            Some(Cell::Null) => Ok(None),
            Some(Cell::F64(v)) => Ok(Some(*v)),
            Some(Cell::I64(v)) => Ok(Some(*v as f64)),
            _ => Err(type_error(k, "float")),
        }
    }
    fn text(&self, k: usize) -> Result<Option<Cow<'_, str>>> {
        match self.0.get(k) {
            Some(Cell::Null) => Ok(None),
            Some(Cell::Text(s)) => Ok(Some(Cow::Borrowed(s))),
            _ => Err(type_error(k, "text")),
        }
    }
    fn bytes(&self, k: usize) -> Result<Option<Cow<'_, [u8]>>> {
        match self.0.get(k) {
            Some(Cell::Null) => Ok(None),
            Some(Cell::Text(s)) => Ok(Some(Cow::Borrowed(s.as_bytes()))),
            Some(Cell::Blob(b)) => Ok(Some(Cow::Borrowed(b))),
            _ => Err(type_error(k, "binary")),
        }
    }
    fn touch(&self, k: usize) -> Result<i64> {
        Ok(match self.0.get(k) {
            None | Some(Cell::Null) => 0,
            Some(Cell::Blob(b)) => (!b.is_empty()) as i64,
            _ => 1,
        })
    }
}

fn is_long(c: &ColType) -> bool {
    matches!(c, ColType::LongText | ColType::LongBlob | ColType::Any)
}

/// Hand every row of a cursor to `f`: columnar blocks when every column has a bounded size, row by row
/// otherwise.
fn drain(mut cursor: impl Cursor, cols: &[ColType], f: &mut RowFn) -> Result<()> {
    let ncols = cursor.num_result_cols().map_err(db_error)? as usize;
    // The caller's column list may be shorter than the result (never longer).
    if ncols < cols.len() {
        return Err(CoreError::db(format!("query returned {ncols} columns, {} expected", cols.len())));
    }
    let cols = &cols[..cols.len().min(ncols)];
    if !cols.iter().any(is_long) {
        let buf = ColumnarDynBuffer::try_from_descs(batch_rows(cols).clamp(1, 4096), cols.iter().map(|c| desc(*c)))
            .map_err(db_error)?;
        let mut block = cursor.bind_buffer(buf).map_err(db_error)?;
        while let Some(batch) = block.fetch_with_truncation_check(true).map_err(db_error)? {
            for row in 0..batch.num_rows() {
                f(&BlockRow { buf: batch, row, cols })?;
            }
        }
        return Ok(());
    }
    // Row-wise: resolve `Any` from the metadata once.
    let mut kinds = Vec::with_capacity(cols.len());
    for (k, c) in cols.iter().enumerate() {
        let kind = match c {
            ColType::Any => match cursor.col_data_type(k as u16 + 1).map_err(db_error)? {
                DataType::BigInt | DataType::Integer | DataType::SmallInt | DataType::TinyInt | DataType::Bit => ColType::I64,
                DataType::Float { .. } | DataType::Double | DataType::Real | DataType::Numeric { .. } | DataType::Decimal { .. } => {
                    ColType::F64
                }
                DataType::Binary { .. } | DataType::Varbinary { .. } | DataType::LongVarbinary { .. } => ColType::LongBlob,
                _ => ColType::LongText,
            },
            other => *other,
        };
        kinds.push(kind);
    }
    let mut cells: Vec<Cell> = vec![Cell::Null; kinds.len()];
    let (mut wbuf, mut bbuf): (Vec<u16>, Vec<u8>) = (Vec::new(), Vec::new());
    while let Some(mut row) = cursor.next_row().map_err(db_error)? {
        for (k, kind) in kinds.iter().enumerate() {
            let col = k as u16 + 1;
            cells[k] = match kind {
                ColType::I64 => {
                    let mut v = Nullable::<i64>::null();
                    row.get_data(col, &mut v).map_err(db_error)?;
                    v.into_opt().map_or(Cell::Null, Cell::I64)
                }
                ColType::F64 => {
                    let mut v = Nullable::<f64>::null();
                    row.get_data(col, &mut v).map_err(db_error)?;
                    v.into_opt().map_or(Cell::Null, Cell::F64)
                }
                ColType::Blob(_) | ColType::LongBlob => {
                    if row.get_binary(col, &mut bbuf).map_err(db_error)? {
                        Cell::Blob(std::mem::take(&mut bbuf))
                    } else {
                        Cell::Null
                    }
                }
                _ => {
                    if row.get_wide_text(col, &mut wbuf).map_err(db_error)? {
                        Cell::Text(String::from_utf16(&wbuf).map_err(|e| CoreError::db(e.to_string()))?)
                    } else {
                        Cell::Null
                    }
                }
            };
        }
        f(&CellRow(&cells))?;
    }
    Ok(())
}

impl Transport for OdbcConn {
    fn begin(&mut self, begin_sql: Option<&str>) -> Result<()> {
        match begin_sql {
            Some(sql) => {
                self.execute(sql, &[])?;
                self.driver_tx = false;
            }
            None => {
                self.conn.set_autocommit(false).map_err(db_error)?;
                self.driver_tx = true;
            }
        }
        self.in_tx = true;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        if self.driver_tx {
            self.conn.commit().map_err(db_error)?;
            self.conn.set_autocommit(true).map_err(db_error)?;
        } else {
            self.execute("COMMIT", &[])?;
        }
        self.in_tx = false;
        self.driver_tx = false;
        Ok(())
    }

    fn rollback(&mut self) -> Result<()> {
        if !self.in_tx {
            return Ok(());
        }
        // Autocommit comes back and the flags clear whatever the rollback says: a server that already ended
        // the transaction (XACT_ABORT after an error) refuses the rollback, and a connection left in manual
        // commit would otherwise go back to the pool holding every later statement in an open transaction.
        let rolled_back = if self.driver_tx {
            self.conn.rollback().map_err(db_error)
        } else {
            self.execute("ROLLBACK", &[]).map(|_| ())
        };
        let restored = if self.driver_tx { self.conn.set_autocommit(true).map_err(db_error) } else { Ok(()) };
        self.in_tx = false;
        self.driver_tx = false;
        rolled_back.and(restored)
    }

    fn execute(&mut self, sql: &str, ps: &[Value]) -> Result<usize> {
        let p = params(ps, self.dialect);
        let mut st = self.conn.preallocate().map_err(db_error)?;
        // A statement that produced a result set (e.g. a PRAGMA) has no row count worth reading.
        if st.execute(sql, p.as_slice()).map_err(db_error)?.is_some() {
            return Ok(0);
        }
        Ok(st.row_count().map_err(db_error)?.unwrap_or(0))
    }

    fn query(&mut self, sql: &str, ps: &[Value], cols: &[ColType], f: &mut RowFn) -> Result<()> {
        let p = params(ps, self.dialect);
        let sql = returning_sql(sql, self.dialect);
        match self.conn.execute(&sql, p.as_slice(), None).map_err(db_error)? {
            Some(cursor) => drain(cursor, cols, f),
            None => Ok(()),
        }
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
        let d = self.dialect;
        let mut buf: Vec<Value<'a>> = Vec::new();
        let returns = ret.is_some();
        let text = |k: usize| {
            let s = stmt(k);
            if returns {
                returning_sql(&s, d).into_owned()
            } else {
                s
            }
        };
        if nfull > 0 {
            let mut st = self.conn.prepare(&text(per)).map_err(db_error)?;
            for c in 0..nfull {
                run_prepared(&mut st, d, c * per, per, fill, &mut buf, &mut ret)?;
            }
        }
        if rem > 0 {
            let mut st = self.conn.prepare(&text(rem)).map_err(db_error)?;
            run_prepared(&mut st, d, nfull * per, rem, fill, &mut buf, &mut ret)?;
        }
        Ok(())
    }

    fn prefers_multi_row(&self) -> bool {
        true
    }

    fn wants_size_hints(&self) -> bool {
        true
    }
}

fn run_prepared<'a>(
    st: &mut Prepared<StatementImpl<'_>>,
    d: Dialect,
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
    let p = params(buf, d);
    let cursor = st.execute(p.as_slice()).map_err(db_error)?;
    match (cursor, ret) {
        (Some(c), Some((cols, f))) => drain(c, cols, *f),
        (Some(_), None) | (None, None) => Ok(()),
        (None, Some(_)) => Err(CoreError::db("statement returned no rows (OUTPUT / RETURNING expected)")),
    }
}

/// A small per-process pool of ODBC connections (same fork rule as `pool::Pool`).
pub struct OdbcPool {
    connection_string: String,
    dialect: Dialect,
    size: usize,
    inner: Mutex<Inner>,
}

struct Inner {
    pid: u32,
    idle: Vec<OdbcConn>,
}

pub struct PooledOdbc<'a> {
    pool: &'a OdbcPool,
    conn: Option<OdbcConn>,
}

impl OdbcPool {
    pub fn new(connection_string: &str, dialect: Dialect, size: usize) -> Self {
        OdbcPool {
            connection_string: connection_string.to_string(),
            dialect,
            size: size.max(1),
            inner: Mutex::new(Inner { pid: std::process::id(), idle: Vec::new() }),
        }
    }

    pub fn get(&self) -> Result<PooledOdbc<'_>> {
        let reused = {
            let mut inner = self.inner.lock().map_err(|_| CoreError::db("connection pool poisoned"))?;
            let pid = std::process::id();
            if inner.pid != pid {
                // Inherited from the parent process: abandon, never close.
                for c in inner.idle.drain(..) {
                    std::mem::forget(c);
                }
                inner.pid = pid;
            }
            inner.idle.pop()
        };
        let conn = match reused {
            Some(c) => c,
            None => OdbcConn::connect(&self.connection_string, self.dialect)?,
        };
        Ok(PooledOdbc { pool: self, conn: Some(conn) })
    }
}

impl std::ops::Deref for PooledOdbc<'_> {
    type Target = OdbcConn;
    fn deref(&self) -> &OdbcConn {
        self.conn.as_ref().expect("connection present")
    }
}

impl std::ops::DerefMut for PooledOdbc<'_> {
    fn deref_mut(&mut self) -> &mut OdbcConn {
        self.conn.as_mut().expect("connection present")
    }
}

impl Drop for PooledOdbc<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            if let Ok(mut inner) = self.pool.inner.lock() {
                if inner.pid == std::process::id() {
                    if inner.idle.len() < self.pool.size && c.is_idle() {
                        inner.idle.push(c);
                    }
                    // Otherwise dropped here (closed): it belongs to this process.
                    return;
                }
            }
            // A connection of another process (or a poisoned pool): abandon it.
            std::mem::forget(c);
        }
    }
}
