//! CoreError → the exception classes of `tsi.errors` (Python owns the hierarchy).

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use tsi_core::CoreError;

fn class(py: Python<'_>, name: &str) -> PyResult<PyObject> {
    Ok(py.import("tsi.errors")?.getattr(name)?.unbind())
}

pub fn to_py(e: CoreError) -> PyErr {
    Python::with_gil(|py| match build(py, &e) {
        Ok(err) => err,
        Err(import_failure) => PyRuntimeError::new_err(format!("{e} (and tsi.errors failed: {import_failure})")),
    })
}

fn build(py: Python<'_>, e: &CoreError) -> PyResult<PyErr> {
    let msg = e.to_string();
    let obj = match e {
        CoreError::Format { issues, .. } => {
            let list = PyList::empty(py);
            for i in issues {
                let d = PyDict::new(py);
                d.set_item("file", &i.file)?;
                d.set_item("path", &i.path)?;
                d.set_item("expected", &i.expected)?;
                d.set_item("got", &i.got)?;
                list.append(d)?;
            }
            class(py, "ScheduleFormatError")?.call1(py, (msg, list))?
        }
        CoreError::NotFound { schedule_id } => class(py, "ScheduleNotFoundError")?.call1(py, (*schedule_id,))?,
        CoreError::AnalyticsMissing { schedule_id, reason } => {
            class(py, "AnalyticsMissingError")?.call1(py, (*schedule_id, reason.as_str()))?
        }
        CoreError::Database { message, sqlstate } => {
            class(py, "DatabaseError")?.call1(py, (message.as_str(), sqlstate.clone()))?
        }
        CoreError::Config { message } => class(py, "ConfigError")?.call1(py, (message.as_str(),))?,
        CoreError::Value { message } => return Ok(PyValueError::new_err(message.clone())),
    };
    Ok(PyErr::from_value(obj.into_bound(py)))
}
