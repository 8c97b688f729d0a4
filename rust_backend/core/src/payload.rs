//! Flow payloads: a small tree of scalars, dicts and typed columns, built by the flows and converted to
//! Python (numpy arrays for numeric columns) by the bindings, or to JSON by tests.

use crate::strcol::StrCol;

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i64),
    /// NaN means "missing" and becomes None / null at the boundary.
    Float(f64),
    Str(String),
    List(Vec<Val>),
    /// Ordered keys.
    Dict(Vec<(String, Val)>),
    ColI64(Vec<i64>),
    ColU8(Vec<u8>),
    ColF64(Vec<f64>),
    ColBool(Vec<bool>),
    ColStr(StrCol),
}

impl Val {
    /// A float scalar that is null when absent or NaN.
    pub fn opt(x: Option<f64>) -> Val {
        match x {
            Some(v) if !v.is_nan() => Val::Float(v),
            _ => Val::Null,
        }
    }
    pub fn str(s: impl Into<String>) -> Val {
        Val::Str(s.into())
    }
    pub fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Dict(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    /// Number of rows of a column (None for non-columns).
    pub fn column_len(&self) -> Option<usize> {
        Some(match self {
            Val::ColI64(v) => v.len(),
            Val::ColU8(v) => v.len(),
            Val::ColF64(v) => v.len(),
            Val::ColBool(v) => v.len(),
            Val::ColStr(v) => v.len(),
            _ => return None,
        })
    }

    /// Compact JSON (NaN → null); used by Rust tests and diagnostics.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        fn f(out: &mut String, x: f64) {
            if x.is_finite() {
                out.push_str(&format!("{x:?}"));
            } else {
                out.push_str("null");
            }
        }
        fn s(out: &mut String, x: &str) {
            out.push('"');
            for c in x.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        fn seq<T>(out: &mut String, items: &[T], mut each: impl FnMut(&mut String, &T)) {
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                each(out, it);
            }
            out.push(']');
        }
        match self {
            Val::Null => out.push_str("null"),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Int(i) => out.push_str(&i.to_string()),
            Val::Float(x) => f(out, *x),
            Val::Str(x) => s(out, x),
            Val::List(v) => seq(out, v, |o, x| x.write_json(o)),
            Val::Dict(items) => {
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    s(out, k);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
            Val::ColI64(v) => seq(out, v, |o, x| o.push_str(&x.to_string())),
            Val::ColU8(v) => seq(out, v, |o, x| o.push_str(&x.to_string())),
            Val::ColF64(v) => seq(out, v, |o, x| f(o, *x)),
            Val::ColBool(v) => seq(out, v, |o, x| o.push_str(if *x { "true" } else { "false" })),
            Val::ColStr(v) => {
                out.push('[');
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    s(out, x);
                }
                out.push(']');
            }
        }
    }
}

/// Builder for ordered dicts: `dict().put("a", 1).build()`.
#[derive(Default)]
pub struct DictBuilder(Vec<(String, Val)>);

pub fn dict() -> DictBuilder {
    DictBuilder::default()
}

impl DictBuilder {
    pub fn put(mut self, key: &str, v: impl Into<Val>) -> Self {
        self.0.push((key.to_string(), v.into()));
        self
    }
    pub fn build(self) -> Val {
        Val::Dict(self.0)
    }
}

impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::Bool(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<usize> for Val {
    fn from(v: usize) -> Self {
        Val::Int(v as i64)
    }
}
impl From<f64> for Val {
    /// NaN becomes null.
    fn from(v: f64) -> Self {
        if v.is_nan() {
            Val::Null
        } else {
            Val::Float(v)
        }
    }
}
impl From<Option<f64>> for Val {
    fn from(v: Option<f64>) -> Self {
        Val::opt(v)
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        v.map(Val::Int).unwrap_or(Val::Null)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Str(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Str(v)
    }
}
impl From<Vec<i64>> for Val {
    fn from(v: Vec<i64>) -> Self {
        Val::ColI64(v)
    }
}
impl From<Vec<u8>> for Val {
    fn from(v: Vec<u8>) -> Self {
        Val::ColU8(v)
    }
}
impl From<Vec<f64>> for Val {
    fn from(v: Vec<f64>) -> Self {
        Val::ColF64(v)
    }
}
impl From<Vec<bool>> for Val {
    fn from(v: Vec<bool>) -> Self {
        Val::ColBool(v)
    }
}
impl From<Vec<String>> for Val {
    fn from(v: Vec<String>) -> Self {
        Val::ColStr(v.into())
    }
}
impl From<StrCol> for Val {
    fn from(v: StrCol) -> Self {
        Val::ColStr(v)
    }
}

impl Val {
    /// A text column (tests and small label columns).
    pub fn strs(items: &[&str]) -> Val {
        Val::ColStr(items.iter().copied().collect())
    }
}
