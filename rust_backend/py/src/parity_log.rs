//! The migration cockpit's evidence (operations.md §4): shadow comparisons and `tsi parity` runs, rows in and
//! rows out; sampling, comparing and judging readiness are Python's (`tsi.migration`).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use tsi_core::store::parity_log::{ParityEvent, ParityRun};

use crate::errors::run_released;
use crate::state::store;

#[pyfunction]
#[pyo3(signature = (schedule_id, flow, params_json, served_source, result, build_version, diff_path=None,
                    legacy_value=None, etl_value=None, error=None))]
#[allow(clippy::too_many_arguments)]
pub fn parity_event_append(
    py: Python<'_>,
    schedule_id: i64,
    flow: String,
    params_json: String,
    served_source: String,
    result: String,
    build_version: String,
    diff_path: Option<String>,
    legacy_value: Option<String>,
    etl_value: Option<String>,
    error: Option<String>,
) -> PyResult<()> {
    let e = ParityEvent {
        schedule_id,
        flow,
        params_json,
        served_source,
        result,
        diff_path,
        legacy_value,
        etl_value,
        error,
        build_version,
    };
    run_released(py, "parity_event_append", || store()?.parity_event_append(&e))
}

/// Comparisons newest first: at most `limit`, at or after `since` (ISO-8601 UTC) when given; mismatches and
/// errors only with `problems_only`.
#[pyfunction]
#[pyo3(signature = (since=None, problems_only=false, limit=100))]
pub fn parity_event_list(py: Python<'_>, since: Option<String>, problems_only: bool, limit: i64) -> PyResult<Bound<'_, PyList>> {
    let rows = run_released(py, "parity_event_list", || store()?.parity_event_list(since.as_deref(), problems_only, limit))?;
    let out = PyList::empty(py);
    for r in rows {
        let d = PyDict::new(py);
        let e = r.event;
        d.set_item("id", r.id)?;
        d.set_item("at", r.at)?;
        d.set_item("schedule_id", e.schedule_id)?;
        d.set_item("flow", e.flow)?;
        d.set_item("params_json", e.params_json)?;
        d.set_item("served_source", e.served_source)?;
        d.set_item("result", e.result)?;
        d.set_item("diff_path", e.diff_path)?;
        d.set_item("legacy_value", e.legacy_value)?;
        d.set_item("etl_value", e.etl_value)?;
        d.set_item("error", e.error)?;
        d.set_item("build_version", e.build_version)?;
        out.append(d)?;
    }
    Ok(out)
}

/// `[(flow, result, count)]` of the comparisons at or after `since` when given.
#[pyfunction]
#[pyo3(signature = (since=None))]
pub fn parity_event_counts(py: Python<'_>, since: Option<String>) -> PyResult<Vec<(String, String, i64)>> {
    let rows = run_released(py, "parity_event_counts", || store()?.parity_event_counts(since.as_deref()))?;
    Ok(rows.into_iter().map(|c| (c.flow, c.result, c.count)).collect())
}

#[pyfunction]
#[pyo3(signature = (scope, schedules_json, checks, clean, counts_json, build_version, user=None))]
#[allow(clippy::too_many_arguments)]
pub fn parity_run_append(
    py: Python<'_>,
    scope: String,
    schedules_json: String,
    checks: i64,
    clean: bool,
    counts_json: String,
    build_version: String,
    user: Option<String>,
) -> PyResult<()> {
    let run = ParityRun { user, scope, schedules_json, checks, clean, counts_json, build_version };
    run_released(py, "parity_run_append", || store()?.parity_run_append(&run))
}

/// The newest `tsi parity` run (of `scope` when given), or None.
#[pyfunction]
#[pyo3(signature = (scope=None))]
pub fn parity_run_last(py: Python<'_>, scope: Option<String>) -> PyResult<Option<Bound<'_, PyDict>>> {
    let row = run_released(py, "parity_run_last", || store()?.parity_run_last(scope.as_deref()))?;
    let Some(r) = row else { return Ok(None) };
    let d = PyDict::new(py);
    d.set_item("id", r.id)?;
    d.set_item("at", r.at)?;
    d.set_item("user", r.run.user)?;
    d.set_item("scope", r.run.scope)?;
    d.set_item("schedules_json", r.run.schedules_json)?;
    d.set_item("checks", r.run.checks)?;
    d.set_item("clean", r.run.clean)?;
    d.set_item("counts_json", r.run.counts_json)?;
    d.set_item("build_version", r.run.build_version)?;
    Ok(Some(d))
}
