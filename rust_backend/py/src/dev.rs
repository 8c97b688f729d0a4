//! Bindings for the tests and the benchmark only (cargo feature `testing`, which `make native` builds in and a
//! release wheel leaves out): the benchmark's raw-scan reference and the statement list the T-SQL tests parse.

use pyo3::prelude::*;
use tsi_core::service;
use tsi_core::store::dialect::Dialect;

use crate::errors::to_py;
use crate::state::store;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(raw_scan, m)?)?;
    m.add_function(wrap_pyfunction!(etl_read_columns, m)?)?;
    m.add_function(wrap_pyfunction!(tsql_statements, m)?)?;
    Ok(())
}

/// Benchmark reference: the (table, columns) the ETL path reads for a flow's default request (see
/// service::etl_reads), with SQLite table names.
#[pyfunction]
pub fn etl_read_columns(flow: &str) -> PyResult<Vec<(String, Vec<String>)>> {
    let p = service::FlowParams::default_for(flow, 0)
        .ok_or_else(|| pyo3::exceptions::PyValueError::new_err(format!("unknown flow '{flow}'")))?;
    Ok(service::etl_reads(&p)
        .into_iter()
        .map(|(t, cols)| (Dialect::Sqlite.table(t), cols.into_iter().map(String::from).collect()))
        .collect())
}

/// Benchmark reference: scan columns of one table for a schedule (see Store::raw_scan).
#[pyfunction]
pub fn raw_scan(py: Python<'_>, schedule_id: i64, table: String, columns: Vec<String>) -> PyResult<(i64, i64)> {
    py.allow_threads(|| store()?.raw_scan(schedule_id, &table, &columns)).map_err(to_py)
}

/// Every T-SQL statement text the core can send to SQL Server (checked by a T-SQL parser in the tests).
#[pyfunction]
pub fn tsql_statements() -> Vec<String> {
    tsi_core::store::dialect::tsql_statements()
}
