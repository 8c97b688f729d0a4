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

/// A text column as a list of str. Label columns hold a few values over and over (a month per segment, a rule
/// per issue): rows equal to one of the last few distinct values share its str object instead of building
/// another. Columns of distinct values (ids, messages) stop looking after a sample of rows.
fn text_column(py: Python<'_>, v: &StrCol) -> PyResult<PyObject> {
    const KEEP: usize = 16;
    const SAMPLE: usize = 64;
    let mut items: Vec<PyObject> = Vec::with_capacity(v.len());
    let mut recent: Vec<(&str, PyObject)> = Vec::with_capacity(KEEP);
    let (mut hits, mut looking) = (0usize, true);
    for (row, s) in v.iter().enumerate() {
        if looking && row == SAMPLE && hits < SAMPLE / 2 {
            looking = false;
        }
        if looking {
            if let Some((_, o)) = recent.iter().find(|(r, _)| *r == s) {
                items.push(o.clone_ref(py));
                hits += 1;
                continue;
            }
        }
        let o = PyString::new(py, s).into_any().unbind();
        if looking {
            if recent.len() == KEEP {
                recent.remove(0);
            }
            recent.push((s, o.clone_ref(py)));
        }
        items.push(o);
    }
    Ok(PyList::new(py, items)?.into_any().unbind())
}
