//! Payload tree → Python: dicts, lists, scalars; numeric columns as numpy arrays (the Vec is moved, not copied).

use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use tsi_core::payload::Val;
use tsi_core::strcol::StrCol;

pub fn to_py(py: Python<'_>, v: Val) -> PyResult<PyObject> {
    Ok(match v {
        Val::Null => py.None(),
        Val::Bool(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
        Val::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        Val::Float(x) if x.is_nan() => py.None(),
        Val::Float(x) => x.into_pyobject(py)?.into_any().unbind(),
        Val::Str(s) => s.into_pyobject(py)?.into_any().unbind(),
        Val::List(items) => {
            let l = PyList::empty(py);
            for it in items {
                l.append(to_py(py, it)?)?;
            }
            l.into_any().unbind()
        }
        Val::Dict(items) => {
            let d = PyDict::new(py);
            for (k, it) in items {
                d.set_item(k, to_py(py, it)?)?;
            }
            d.into_any().unbind()
        }
        Val::ColI64(v) => v.into_pyarray(py).into_any().unbind(),
        Val::ColU8(v) => v.into_pyarray(py).into_any().unbind(),
        Val::ColF64(v) => v.into_pyarray(py).into_any().unbind(),
        Val::ColBool(v) => v.into_pyarray(py).into_any().unbind(),
        Val::ColStr(v) => text_column(py, &v)?,
    })
}

/// A text column as a list of str. Labels repeat in runs (a month per segment), so a row equal to the one
/// before shares its str object instead of building another.
fn text_column(py: Python<'_>, v: &StrCol) -> PyResult<PyObject> {
    let mut items: Vec<PyObject> = Vec::with_capacity(v.len());
    let mut prev: Option<(&str, PyObject)> = None;
    for s in v.iter() {
        let obj = match &prev {
            Some((p, o)) if *p == s => o.clone_ref(py),
            _ => {
                let o = PyString::new(py, s).into_any().unbind();
                prev = Some((s, o.clone_ref(py)));
                o
            }
        };
        items.push(obj);
    }
    Ok(PyList::new(py, items)?.into_any().unbind())
}
