//! Collecting problems (at most 20) and the typed field readers shared by both formats.

use super::json::Val;
use super::path::{describe, describe_opt, Path};
use crate::error::FormatIssue;

/// Maximum number of problems reported.
pub const MAX_ISSUES: usize = 20;

#[derive(Debug, Default)]
pub struct Issues {
    pub list: Vec<FormatIssue>,
    pub truncated: bool,
}

impl Issues {
    pub fn push(&mut self, issue: FormatIssue) {
        if self.list.len() >= MAX_ISSUES {
            self.truncated = true;
        } else {
            self.list.push(issue);
        }
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// Validation context for one file.
pub struct Cx<'c> {
    pub file: &'c str,
    pub issues: &'c mut Issues,
    pub sentinel: Option<f64>,
}

/// Result of reading a number.
#[derive(Debug, Clone, Copy)]
pub enum Num<'a> {
    /// Absent (or `null` for an optional field).
    Absent,
    /// Present but wrong; a problem was reported.
    Bad,
    Ok(f64, &'a str),
}

impl<'a> Num<'a> {
    pub fn value(&self) -> Option<f64> {
        match self {
            Num::Ok(x, _) => Some(*x),
            _ => None,
        }
    }
}

impl<'c> Cx<'c> {
    pub fn err(&mut self, p: &Path, expected: impl Into<String>, got: impl Into<String>) {
        self.issues.push(FormatIssue {
            file: self.file.to_string(),
            path: p.render(),
            expected: expected.into(),
            got: got.into(),
        });
    }

    /// True once more than 20 problems were found: callers stop early.
    pub fn full(&self) -> bool {
        self.issues.truncated
    }

    /// A number field. Required: absent → `a required field`; `null` → `a number`.
    /// Optional: absent or `null` → `Num::Absent`.
    pub fn num<'a>(&mut self, v: Option<&Val<'a>>, p: &Path, required: bool) -> Num<'a> {
        match v {
            None => {
                if required {
                    self.err(p, "a required field", "missing");
                    Num::Bad
                } else {
                    Num::Absent
                }
            }
            Some(Val::Null) if !required => Num::Absent,
            Some(Val::Num(raw)) => match raw.parse::<f64>() {
                Ok(x) if x.is_finite() => Num::Ok(x, raw),
                _ => {
                    self.err(p, "a finite number", *raw);
                    Num::Bad
                }
            },
            Some(other) => {
                self.err(p, "a number", describe(other));
                Num::Bad
            }
        }
    }

    /// A required number field of an object.
    pub fn req_num<'a>(&mut self, o: &Val<'a>, key: &str, p: &Path) -> Num<'a> {
        self.num(o.get(key), &p.key(key), true)
    }

    /// A required number in a closed/half-open range.
    pub fn ranged<'a>(&mut self, o: &Val<'a>, key: &str, p: &Path, ok: impl Fn(f64) -> bool, expect: &str) -> Option<f64> {
        let pk = p.key(key);
        match self.num(o.get(key), &pk, true) {
            Num::Ok(x, raw) => {
                if ok(x) {
                    Some(x)
                } else {
                    self.err(&pk, expect, raw);
                    None
                }
            }
            _ => None,
        }
    }

    /// A duration in seconds, rounded half away from zero, in [0, 2147483647].
    pub fn duration<'a>(&mut self, o: &Val<'a>, key: &str, p: &Path) -> Option<(i64, &'a str)> {
        let pk = p.key(key);
        match self.num(o.get(key), &pk, true) {
            Num::Ok(x, raw) => {
                let r = x.round();
                if (0.0..=2147483647.0).contains(&r) {
                    Some((r as i64, raw))
                } else {
                    self.err(&pk, "seconds in [0, 2147483647]", raw);
                    None
                }
            }
            _ => None,
        }
    }

    /// A required object field (`a required field` / `an object`).
    pub fn req_obj<'v, 'a>(&mut self, o: &'v Val<'a>, key: &str, p: &Path) -> Option<&'v Val<'a>> {
        match o.get(key) {
            Some(v @ Val::Obj(_)) => Some(v),
            None => {
                self.err(&p.key(key), "a required field", "missing");
                None
            }
            Some(other) => {
                self.err(&p.key(key), "an object", describe(other));
                None
            }
        }
    }

    /// An optional string field (absent or `null` → None).
    pub fn opt_str<'v, 'a>(&mut self, o: &'v Val<'a>, key: &str, p: &Path) -> Result<Option<&'v str>, ()> {
        match o.get(key) {
            None | Some(Val::Null) => Ok(None),
            Some(Val::Str(s)) => Ok(Some(s)),
            Some(other) => {
                self.err(&p.key(key), "a string", describe(other));
                Err(())
            }
        }
    }

    /// An original block id (§1.2): a string kept verbatim, or an integer as decimal text.
    pub fn block_id(&mut self, v: Option<&Val>, p: &Path) -> Option<String> {
        match v {
            None => {
                self.err(p, "a required field", "missing");
                None
            }
            Some(Val::Str(s)) => {
                if s.trim().is_empty() || s.chars().count() > 256 {
                    self.err(p, "a non-empty block id of at most 256 characters", describe_opt(v));
                    None
                } else {
                    Some(s.to_string())
                }
            }
            Some(Val::Num(raw)) => match integer_text(raw) {
                Some(t) => Some(t),
                None => {
                    self.err(p, "a string or integer", *raw);
                    None
                }
            },
            Some(other) => {
                self.err(p, "a string or integer", describe(other));
                None
            }
        }
    }
}

/// Decimal text of an integral number token (`1000004990.0` → `1000004990`); None when not integral.
pub fn integer_text(raw: &str) -> Option<String> {
    let b = raw.as_bytes();
    let has_exp = b.iter().any(|&c| c == b'e' || c == b'E');
    if !has_exp {
        let (int, frac) = match raw.find('.') {
            Some(d) => (&raw[..d], &raw[d + 1..]),
            None => (raw, ""),
        };
        if !frac.bytes().all(|c| c == b'0') {
            return None;
        }
        if int == "-0" {
            return Some("0".into());
        }
        return Some(int.to_string());
    }
    let x: f64 = raw.parse().ok()?;
    if !x.is_finite() || x.fract() != 0.0 {
        return None;
    }
    if x == 0.0 {
        return Some("0".into());
    }
    Some(format!("{}", x))
}
