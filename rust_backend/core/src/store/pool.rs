//! A small per-process pool of SQLite connections.
//!
//! Created lazily on first use. After a fork (gunicorn workers) the child sees a different pid and abandons —
//! never closes — the connections it inherited, so the parent's handles are left untouched.

use rusqlite::Connection;
use std::sync::Mutex;

use crate::error::{CoreError, Result};

pub struct Pool {
    path: String,
    size: usize,
    inner: Mutex<Inner>,
}

struct Inner {
    pid: u32,
    idle: Vec<Connection>,
}

pub struct PooledConn<'a> {
    pool: &'a Pool,
    conn: Option<Connection>,
}

impl Pool {
    pub fn new(path: &str, size: usize) -> Self {
        Pool { path: path.to_string(), size: size.max(1), inner: Mutex::new(Inner { pid: std::process::id(), idle: Vec::new() }) }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn get(&self) -> Result<PooledConn<'_>> {
        let reused = {
            let mut inner = self.inner.lock().map_err(|_| CoreError::db("connection pool poisoned"))?;
            let pid = std::process::id();
            if inner.pid != pid {
                for c in inner.idle.drain(..) {
                    std::mem::forget(c);
                }
                inner.pid = pid;
            }
            inner.idle.pop()
        };
        let conn = match reused {
            Some(c) => c,
            None => open(&self.path)?,
        };
        Ok(PooledConn { pool: self, conn: Some(conn) })
    }
}

/// Open one connection with the pragmas every connection needs.
pub fn open(path: &str) -> Result<Connection> {
    let conn = Connection::open(path).map_err(|e| CoreError::db(format!("cannot open SQLite database {path}: {e}")))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.execute_batch(
        // mmap + a larger page cache: flows re-read the same schedule's pages, which must not cost a pread each time.
        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;
         PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -65536;",
    )?;
    Ok(conn)
}

impl<'a> std::ops::Deref for PooledConn<'a> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("connection present")
    }
}

impl<'a> std::ops::DerefMut for PooledConn<'a> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("connection present")
    }
}

impl<'a> Drop for PooledConn<'a> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            if let Ok(mut inner) = self.pool.inner.lock() {
                if inner.pid == std::process::id() && inner.idle.len() < self.pool.size && c.is_autocommit() {
                    inner.idle.push(c);
                }
            }
        }
    }
}
