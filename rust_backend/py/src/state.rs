//! Process-wide configuration and the lazily opened store (one per process; re-opened after a fork).

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use tsi_core::store::sqlite::Store;
use tsi_core::store::StoreConfig;
use tsi_core::CoreError;

use crate::errors::to_py;

struct State {
    cfg: Option<StoreConfig>,
    store: Option<(u32, Arc<Store>)>,
}

static STATE: Mutex<State> = Mutex::new(State { cfg: None, store: None });

/// Store the configuration; opens nothing (the first call that needs the database opens it).
#[pyfunction]
#[pyo3(signature = (backend, target, pool_size=4, sentinel_mjd=Some(51910.5)))]
pub fn configure(backend: &str, target: &str, pool_size: usize, sentinel_mjd: Option<f64>) -> PyResult<()> {
    match backend {
        "sqlite" => {}
        "mssql" => {
            return Err(to_py(CoreError::Config {
                message: "this build of tsi._core has no SQL Server support (backend 'mssql'); rebuild with \
                          `maturin develop --release --features mssql` (needs unixODBC)"
                    .into(),
            }))
        }
        other => return Err(to_py(CoreError::Config { message: format!("unknown database backend '{other}'") })),
    }
    let mut st = STATE.lock().unwrap();
    st.cfg = Some(StoreConfig { sqlite_path: target.to_string(), pool_size, sentinel_mjd });
    st.store = None;
    Ok(())
}

/// The store of this process, opened on first use.
pub fn store() -> Result<Arc<Store>, CoreError> {
    let mut st = STATE.lock().map_err(|_| CoreError::db("state poisoned"))?;
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
