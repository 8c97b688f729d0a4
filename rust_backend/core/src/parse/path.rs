//! Paths of values inside a document and the `got` text of values (input-formats.md §6).

use super::json::Val;

/// One step of a path.
#[derive(Debug, Clone, Copy)]
pub enum Seg<'p> {
    Root,
    /// An object key: written `.key`, or `["key"]` when it holds other characters than letters, digits, `_`.
    Key(&'p str),
    /// An array index `[i]`.
    Idx(usize),
    /// A map key that is an id: always `["key"]`.
    Id(&'p str),
}

/// A path as a chain of stack frames; rendered only when a problem is reported.
#[derive(Debug, Clone, Copy)]
pub struct Path<'p> {
    parent: Option<&'p Path<'p>>,
    seg: Seg<'p>,
}

impl<'p> Path<'p> {
    pub const ROOT: Path<'static> = Path { parent: None, seg: Seg::Root };

    pub fn key<'q>(&'q self, k: &'q str) -> Path<'q> {
        Path { parent: Some(self), seg: Seg::Key(k) }
    }
    pub fn idx<'q>(&'q self, i: usize) -> Path<'q> {
        Path { parent: Some(self), seg: Seg::Idx(i) }
    }
    pub fn id<'q>(&'q self, k: &'q str) -> Path<'q> {
        Path { parent: Some(self), seg: Seg::Id(k) }
    }

    pub fn render(&self) -> String {
        let mut segs = Vec::new();
        let mut cur = Some(self);
        while let Some(p) = cur {
            segs.push(p.seg);
            cur = p.parent;
        }
        let mut out = String::new();
        for seg in segs.iter().rev() {
            match seg {
                Seg::Root => {}
                Seg::Key(k) if is_plain(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Seg::Key(k) | Seg::Id(k) => {
                    out.push('[');
                    out.push_str(&escape(k));
                    out.push(']');
                }
                Seg::Idx(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        if out.is_empty() {
            "(root)".to_string()
        } else {
            out
        }
    }
}

fn is_plain(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `"text"` with JSON-style escapes, no length limit.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A string as shown in a message: quoted, cut to 40 characters with `…`.
pub fn quote(s: &str) -> String {
    let n = s.chars().count();
    if n <= 40 {
        escape(s)
    } else {
        let head: String = s.chars().take(40).collect();
        let mut q = escape(&head);
        q.insert(q.len() - 1, '…');
        q
    }
}

/// The `got` text of a value.
pub fn describe(v: &Val) -> String {
    match v {
        Val::Null => "null".into(),
        Val::Bool(b) => b.to_string(),
        Val::Num(raw) => raw.to_string(),
        Val::Str(s) => quote(s),
        Val::Arr(a) => format!("an array of {}", a.len()),
        Val::Obj(_) => "an object".into(),
    }
}

/// `got` text for an optional value: `missing` when absent.
pub fn describe_opt(v: Option<&Val>) -> String {
    v.map(describe).unwrap_or_else(|| "missing".into())
}

/// A number in its shortest form (used inside expectations, e.g. `a value >= min (40)`).
pub fn fmt_num(x: f64) -> String {
    format!("{}", x)
}
