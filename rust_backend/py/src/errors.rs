//! The error boundary: CoreError and Rust panics → the exception classes of `tsi.errors`.
//!
//! Python owns the hierarchy (architecture.md §5: it needs multiple inheritance, e.g. `ScheduleFormatError`
//! is both a `TsiError` and a `ValueError`, which neither `create_exception!` nor `#[pyclass(extends=…)]` can
//! express). The classes are looked up once per process into `CLASSES`; `build` is the one table mapping each
//! CoreError kind to its class and constructor arguments. `run_released` is the one way a binding runs core
//! code: GIL released, panics caught, errors converted.

use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyDict, PyList, PyType};
use tsi_core::CoreError;

/// The classes of `tsi.errors` the binding raises.
struct Classes {
    tsi: Py<PyType>,
    schedule_format: Py<PyType>,
    schedule_not_found: Py<PyType>,
    analytics_missing: Py<PyType>,
    database: Py<PyType>,
    config: Py<PyType>,
}

static CLASSES: GILOnceCell<Classes> = GILOnceCell::new();

fn classes(py: Python<'_>) -> PyResult<&'static Classes> {
    CLASSES.get_or_try_init(py, || {
        let m = py.import("tsi.errors")?;
        let get = |name: &str| -> PyResult<Py<PyType>> { Ok(m.getattr(name)?.downcast_into::<PyType>()?.unbind()) };
        Ok(Classes {
            tsi: get("TsiError")?,
            schedule_format: get("ScheduleFormatError")?,
            schedule_not_found: get("ScheduleNotFoundError")?,
            analytics_missing: get("AnalyticsMissingError")?,
            database: get("DatabaseError")?,
            config: get("ConfigError")?,
        })
    })
}

/// The Python exception for a CoreError (constructor signatures: see tsi/errors.py).
pub fn to_py(e: CoreError) -> PyErr {
    Python::with_gil(|py| core_error(py, e))
}

fn core_error(py: Python<'_>, e: CoreError) -> PyErr {
    match build(py, &e) {
        Ok(err) => err,
        Err(lookup_failure) => PyRuntimeError::new_err(format!("{e} (and tsi.errors failed: {lookup_failure})")),
    }
}

/// The table: CoreError kind → class of `tsi.errors` and its positional arguments.
fn build(py: Python<'_>, e: &CoreError) -> PyResult<PyErr> {
    let c = classes(py)?;
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
            c.schedule_format.call1(py, (msg, list))?
        }
        CoreError::NotFound { schedule_id } => c.schedule_not_found.call1(py, (*schedule_id,))?,
        CoreError::AnalyticsMissing { schedule_id, reason } => {
            c.analytics_missing.call1(py, (*schedule_id, reason.as_str()))?
        }
        CoreError::Database { message, sqlstate } => c.database.call1(py, (message.as_str(), sqlstate.clone()))?,
        CoreError::Config { message } => c.config.call1(py, (message.as_str(),))?,
        CoreError::Value { message } => return Ok(PyValueError::new_err(message.clone())),
    };
    Ok(PyErr::from_value(obj.into_bound(py)))
}

/// An error a binding's core work can end with.
pub trait BindingError {
    fn into_py_err(self, py: Python<'_>) -> PyErr;
}

impl BindingError for CoreError {
    fn into_py_err(self, py: Python<'_>) -> PyErr {
        core_error(py, self)
    }
}

/// The generator writes files: its I/O errors are `OSError`s.
impl BindingError for std::io::Error {
    fn into_py_err(self, _py: Python<'_>) -> PyErr {
        PyOSError::new_err(self.to_string())
    }
}

thread_local! {
    /// Inside `run_released` on this thread: the panic hook records where instead of printing.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// Where the last caught panic of this thread happened (and its backtrace when RUST_BACKTRACE asks).
    static PANIC_SITE: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Panics `run_released` catches are logged once, by Python's logging; every other panic keeps the default
/// report on stderr. (The hook is this library's own: a cdylib has its own copy of std.)
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(Cell::get) {
                return previous(info);
            }
            let mut site = info.location().map_or_else(|| "unknown location".to_string(), |l| l.to_string());
            let bt = Backtrace::capture();
            if bt.status() == BacktraceStatus::Captured {
                site = format!("{site}\n{bt}");
            }
            PANIC_SITE.with(|s| *s.borrow_mut() = Some(site));
        }));
    });
}

/// Run a binding's core work with the GIL released; a CoreError becomes its `tsi.errors` class and a panic a
/// `TsiError("internal error in <binding>: <message>; see the server log")`, logged once at ERROR on the
/// `tsi.core` logger (never pyo3's `PanicException`, a BaseException the pages' `except Exception` misses).
pub fn run_released<T, E, F>(py: Python<'_>, binding: &str, work: F) -> PyResult<T>
where
    T: Send,
    E: BindingError + Send,
    F: FnOnce() -> Result<T, E> + Send,
{
    install_panic_hook();
    let outcome = py.allow_threads(|| {
        let outer = CATCHING.with(|c| c.replace(true));
        let r = panic::catch_unwind(AssertUnwindSafe(work));
        CATCHING.with(|c| c.set(outer));
        r.map_err(|payload| (payload, PANIC_SITE.with(|s| s.borrow_mut().take())))
    });
    match outcome {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.into_py_err(py)),
        Err((payload, site)) => Err(panic_error(py, binding, payload.as_ref(), site)),
    }
}

fn panic_error(py: Python<'_>, binding: &str, payload: &(dyn std::any::Any + Send), site: Option<String>) -> PyErr {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-text payload".to_string());
    let site = site.unwrap_or_else(|| "unknown location".to_string());
    // Best effort: an error while logging must not hide the panic's own error.
    let _ = py.import("logging").and_then(|l| l.call_method1("getLogger", ("tsi.core",))).and_then(|log| {
        log.call_method1("error", ("panic in %s: %s (at %s)", binding, message.as_str(), site.as_str()))
    });
    let text = format!("internal error in {binding}: {message}; see the server log");
    match classes(py).and_then(|c| c.tsi.call1(py, (text.as_str(),))) {
        Ok(obj) => PyErr::from_value(obj.into_bound(py)),
        Err(lookup_failure) => PyRuntimeError::new_err(format!("{text} (and tsi.errors failed: {lookup_failure})")),
    }
}
