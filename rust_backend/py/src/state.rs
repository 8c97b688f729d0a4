//! Process-wide configuration and the lazily opened store (one per process; re-opened after a fork).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use tsi_core::store::{Backend, Dialect, Store, StoreConfig};
use tsi_core::CoreError;

use crate::errors::to_py;

struct State {
    cfg: Option<StoreConfig>,
    store: Option<(u32, Arc<Store>)>,
}

static STATE: Mutex<State> = Mutex::new(State { cfg: None, store: None });

/// The state, also after a panic caught at the boundary (errors::run_released) while it was locked: it holds
/// no half-done update (the store is assigned only once opened), so the process keeps serving.
fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Store the configuration; opens nothing (the first call that needs the database opens it).
///
/// `backend`: `"sqlite"` (target = database file), `"mssql"` (target = ODBC connection string, built and
/// masked by Python; needs the `mssql` feature), `"odbc-sqlite"` (target = ODBC connection string of
/// SQLite's ODBC driver, SQLite dialect; for tests of the ODBC transport; `mssql` feature only).
#[pyfunction]
#[pyo3(signature = (backend, target, pool_size=4, sentinel_mjd=Some(51910.5)))]
pub fn configure(backend: &str, target: &str, pool_size: usize, sentinel_mjd: Option<f64>) -> PyResult<()> {
    let backend = match backend {
        "sqlite" => Backend::Sqlite { path: target.to_string() },
        "mssql" | "odbc-sqlite" if !cfg!(feature = "mssql") => {
            return Err(to_py(tsi_core::store::no_odbc()));
        }
        "mssql" => Backend::Odbc { connection_string: target.to_string(), dialect: Dialect::TSql },
        "odbc-sqlite" => Backend::Odbc { connection_string: target.to_string(), dialect: Dialect::Sqlite },
        other => return Err(to_py(CoreError::Config { message: format!("unknown database backend '{other}'") })),
    };
    let mut st = state();
    st.cfg = Some(StoreConfig { backend, pool_size, sentinel_mjd });
    st.store = None;
    Ok(())
}

/// The store of this process, opened on first use.
pub fn store() -> Result<Arc<Store>, CoreError> {
    let mut st = state();
    let pid = std::process::id();
    if let Some((p, s)) = &st.store {
        if *p == pid {
            return Ok(s.clone());
        }
    }
    let cfg = st.cfg.clone().ok_or(CoreError::Config { message: "tsi._core.configure() was not called".into() })?;
    let s = Arc::new(Store::open(cfg)?);
    if let Some((_, old)) = st.store.take() {
        // Inherited from the parent process: abandon, never close, its handles.
        std::mem::forget(old);
    }
    st.store = Some((pid, s.clone()));
    Ok(s)
}

#[pyfunction]
pub fn build_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("version", env!("CARGO_PKG_VERSION"))?;
    d.set_item("etl_version", tsi_core::ETL_VERSION)?;
    let mut features = vec!["sqlite"];
    if cfg!(feature = "mssql") {
        features.push("mssql");
    }
    d.set_item("features", features)?;
    Ok(d)
}
