//! Users and the audit log (access control, operations.md §2): rows in, rows out; Python hashes passwords
//! and decides who may do what.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use tsi_core::store::accounts::{AuditEntry, UserRow};

use crate::errors::run_released;
use crate::state::store;

fn user_dict<'py>(py: Python<'py>, u: UserRow) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("name", u.name)?;
    d.set_item("password_hash", u.password_hash)?;
    d.set_item("role", u.role)?;
    d.set_item("disabled", u.disabled)?;
    d.set_item("created_at", u.created_at)?;
    Ok(d)
}

#[pyfunction]
#[pyo3(signature = (name, password_hash, role))]
pub fn user_add(py: Python<'_>, name: String, password_hash: Option<String>, role: String) -> PyResult<()> {
    run_released(py, "user_add", || store()?.user_add(&name, password_hash.as_deref(), &role))
}

/// The user's row (with its password hash), or None.
#[pyfunction]
pub fn user_get(py: Python<'_>, name: String) -> PyResult<Option<Bound<'_, PyDict>>> {
    let row = run_released(py, "user_get", || store()?.user_get(&name))?;
    row.map(|u| user_dict(py, u)).transpose()
}

#[pyfunction]
pub fn user_list(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let rows = run_released(py, "user_list", || store()?.user_list())?;
    let out = PyList::empty(py);
    for u in rows {
        out.append(user_dict(py, u)?)?;
    }
    Ok(out)
}

/// Change the password hash and/or the disabled flag (None keeps a value); False when there is no such user.
#[pyfunction]
#[pyo3(signature = (name, password_hash=None, disabled=None))]
pub fn user_update(py: Python<'_>, name: String, password_hash: Option<String>, disabled: Option<bool>) -> PyResult<bool> {
    run_released(py, "user_update", || store()?.user_update(&name, password_hash.as_deref(), disabled))
}

#[pyfunction]
#[pyo3(signature = (action, user=None, role=None, schedule_id=None, detail_json=None, client_address=None))]
pub fn audit_append(
    py: Python<'_>,
    action: String,
    user: Option<String>,
    role: Option<String>,
    schedule_id: Option<i64>,
    detail_json: Option<String>,
    client_address: Option<String>,
) -> PyResult<()> {
    let e = AuditEntry { user, role, action, schedule_id, detail_json, client_address };
    run_released(py, "audit_append", || store()?.audit_append(&e))
}

/// Entries newest first: at most `limit`, at or after `since` (ISO-8601 UTC) when given.
#[pyfunction]
#[pyo3(signature = (since=None, limit=1000))]
pub fn audit_list(py: Python<'_>, since: Option<String>, limit: i64) -> PyResult<Bound<'_, PyList>> {
    let rows = run_released(py, "audit_list", || store()?.audit_list(since.as_deref(), limit))?;
    let out = PyList::empty(py);
    for a in rows {
        let d = PyDict::new(py);
        d.set_item("id", a.id)?;
        d.set_item("at", a.at)?;
        d.set_item("user", a.user)?;
        d.set_item("role", a.role)?;
        d.set_item("action", a.action)?;
        d.set_item("schedule_id", a.schedule_id)?;
        d.set_item("detail_json", a.detail_json)?;
        d.set_item("client_address", a.client_address)?;
        out.append(d)?;
    }
    Ok(out)
}
