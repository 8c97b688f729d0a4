//! Bindings for the tests and the benchmark only (cargo feature `testing`, which `make native` builds in and a
//! release wheel leaves out): the benchmark's raw-scan reference, the statement list the T-SQL tests parse and
//! a panic on demand (the error boundary's test).

use pyo3::prelude::*;
use tsi_core::service;
use tsi_core::store::dialect::Dialect;
use tsi_core::CoreError;

use crate::errors::run_released;
use crate::state::store;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(raw_scan, m)?)?;
    m.add_function(wrap_pyfunction!(etl_read_columns, m)?)?;
    m.add_function(wrap_pyfunction!(tsql_statements, m)?)?;
    m.add_function(wrap_pyfunction!(debug_panic, m)?)?;
    Ok(())
}

/// Benchmark reference: the (table, columns) the ETL path reads for a flow's default request (see
/// service::etl_reads), with SQLite table names.
#[pyfunction]
pub fn etl_read_columns(py: Python<'_>, flow: &str) -> PyResult<Vec<(String, Vec<String>)>> {
    run_released(py, "etl_read_columns", || -> Result<_, CoreError> {
        let p = service::FlowParams::default_for(flow, 0)
            .ok_or_else(|| CoreError::value(format!("unknown flow '{flow}'")))?;
        Ok(service::etl_reads(&p)
            .into_iter()
            .map(|(t, cols)| (Dialect::Sqlite.table(t), cols.into_iter().map(String::from).collect()))
            .collect())
    })
}

/// Benchmark reference: scan columns of one table for a schedule (see Store::raw_scan).
#[pyfunction]
pub fn raw_scan(py: Python<'_>, schedule_id: i64, table: String, columns: Vec<String>) -> PyResult<(i64, i64)> {
    run_released(py, "raw_scan", || store()?.raw_scan(schedule_id, &table, &columns))
}

/// Every T-SQL statement text the core can send to SQL Server (checked by a T-SQL parser in the tests).
#[pyfunction]
pub fn tsql_statements(py: Python<'_>) -> PyResult<Vec<String>> {
    run_released(py, "tsql_statements", || Ok::<_, CoreError>(tsi_core::store::dialect::tsql_statements()))
}

/// Panic inside core work with `message` (what a bug in a flow would do): the tests check that it arrives as
/// `tsi.errors.TsiError`, never as pyo3's PanicException.
#[pyfunction]
pub fn debug_panic(py: Python<'_>, message: String) -> PyResult<()> {
    run_released(py, "debug_panic", || -> Result<(), CoreError> { panic!("{message}") })
}
