//! A small hand-rolled JSON reader over a byte slice.
//!
//! Pass 1 ([`validate`]) checks the whole document (syntax, UTF-8, NaN/Infinity tokens, duplicate keys,
//! depth) without building anything and records the keys of a root object with the offsets of their values.
//! Pass 2 ([`Lexer`]) then reads only what is needed, element by element, into small [`Val`] trees whose
//! numbers are kept as the raw token text.

use std::borrow::Cow;
use std::collections::HashSet;

/// Maximum nesting depth of arrays and objects (the root container is depth 1).
pub const MAX_DEPTH: usize = 64;

/// A syntax error at a byte offset of the (BOM-stripped) document.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub pos: usize,
    pub reason: String,
}

/// A parsed JSON value; numbers keep their token text, strings borrow from the input when unescaped.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Null,
    Bool(bool),
    Num(&'a str),
    Str(Cow<'a, str>),
    Arr(Vec<Val<'a>>),
    Obj(Vec<(Cow<'a, str>, Val<'a>)>),
}

impl<'a> Val<'a> {
    /// Field of an object (None for a missing key or a non-object).
    pub fn get(&self, key: &str) -> Option<&Val<'a>> {
        match self {
            Val::Obj(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

/// What a root object holds: its keys with the byte offsets of their values.
#[derive(Debug, Clone)]
pub struct RootInfo<'a> {
    /// First byte of the root value (`{`, `[`, `"`, digit, ...).
    pub first: u8,
    /// Byte offset of the root value.
    pub pos: usize,
    /// Root object entries (empty when the root is not an object).
    pub entries: Vec<(Cow<'a, str>, usize)>,
}

impl<'a> RootInfo<'a> {
    pub fn is_object(&self) -> bool {
        self.first == b'{'
    }
    pub fn find(&self, key: &str) -> Option<usize> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, p)| *p)
    }
}

/// Remove a leading UTF-8 byte-order mark.
pub fn strip_bom(b: &[u8]) -> &[u8] {
    if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        &b[3..]
    } else {
        b
    }
}

/// 1-based line and column (column counted in characters) of a byte offset.
pub fn line_col(src: &[u8], pos: usize) -> (usize, usize) {
    let pre = &src[..pos.min(src.len())];
    let line_start = pre.iter().rposition(|&c| c == b'\n').map(|p| p + 1).unwrap_or(0);
    let line = pre.iter().filter(|&&c| c == b'\n').count() + 1;
    let col = pre[line_start..].iter().filter(|&&c| (c & 0xC0) != 0x80).count() + 1;
    (line, col)
}

/// Pass 1: check the whole document. Returns the root description on success.
pub fn validate(src: &[u8]) -> Result<(&str, RootInfo<'_>), SyntaxError> {
    let text = match std::str::from_utf8(src) {
        Ok(t) => t,
        Err(e) => return Err(SyntaxError { pos: e.valid_up_to(), reason: "invalid UTF-8".into() }),
    };
    let mut lx = Lexer::new(text, 0);
    lx.ws();
    if lx.i >= lx.s.len() {
        return Err(SyntaxError { pos: 0, reason: "an empty file".into() });
    }
    let pos = lx.i;
    let first = lx.s[pos];
    let mut entries = Vec::new();
    let mut keys: Vec<Cow<'_, str>> = Vec::new();
    if first == b'{' {
        lx.check_object(1, &mut keys, Some(&mut entries))?;
    } else {
        lx.check_value(0, &mut keys)?;
    }
    lx.ws();
    if lx.i < lx.s.len() {
        return Err(lx.unexpected_at(lx.i, " after the end of the document"));
    }
    Ok((text, RootInfo { first, pos, entries }))
}

/// Cursor over a document.
pub struct Lexer<'a> {
    text: &'a str,
    s: &'a [u8],
    pub i: usize,
}

/// Bytes that end the fast scan of a string: `"`, `\\` and control characters.
static STR_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

#[inline]
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str, pos: usize) -> Self {
        Lexer { text, s: text.as_bytes(), i: pos }
    }

    #[inline]
    pub fn ws(&mut self) {
        let s = self.s;
        let mut i = self.i;
        loop {
            // Runs of spaces (indentation) eight at a time.
            while i + 8 <= s.len() && s[i..i + 8] == *b"        " {
                i += 8;
            }
            if i < s.len() && is_ws(s[i]) {
                i += 1;
            } else {
                break;
            }
        }
        self.i = i;
    }

    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn err(&self, pos: usize, reason: impl Into<String>) -> SyntaxError {
        SyntaxError { pos, reason: reason.into() }
    }

    fn unexpected_at(&self, pos: usize, suffix: &str) -> SyntaxError {
        match self.text.get(pos..).and_then(|t| t.chars().next()) {
            None => self.err(pos, "end of input"),
            Some(c) if c.is_control() => {
                self.err(pos, format!("unexpected character U+{:04X}{}", c as u32, suffix))
            }
            Some(c) => self.err(pos, format!("unexpected character '{}'{}", c, suffix)),
        }
    }

    /// Read a string token (at `"`), decoding escapes.
    pub fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        let start = self.i + 1;
        let mut j = start;
        let s = self.s;
        while j < s.len() && !STR_STOP[s[j] as usize] {
            j += 1;
        }
        if j < s.len() && s[j] == b'"' {
            self.i = j + 1;
            return Ok(Cow::Borrowed(&self.text[start..j]));
        }
        // Slow path: escapes (or an error).
        let mut out = String::with_capacity(j - start + 16);
        let mut seg = start;
        loop {
            while j < s.len() && s[j] != b'"' && s[j] != b'\\' && s[j] >= 0x20 {
                j += 1;
            }
            if j >= s.len() {
                return Err(self.err(s.len(), "end of input inside a string"));
            }
            out.push_str(&self.text[seg..j]);
            match s[j] {
                b'"' => {
                    self.i = j + 1;
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    let esc = match s.get(j + 1) {
                        None => return Err(self.err(s.len(), "end of input inside a string")),
                        Some(&e) => e,
                    };
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4(j + 2)?;
                            let mut adv = 6;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                let lo = if s.get(j + 6) == Some(&b'\\') && s.get(j + 7) == Some(&b'u') {
                                    self.hex4(j + 8)?
                                } else {
                                    return Err(self.err(j, "an invalid \\u escape (lone surrogate)"));
                                };
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err(j, "an invalid \\u escape (lone surrogate)"));
                                }
                                adv = 12;
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&hi) {
                                return Err(self.err(j, "an invalid \\u escape (lone surrogate)"));
                            } else {
                                hi
                            };
                            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                            j += adv;
                            seg = j;
                            continue;
                        }
                        _ => return Err(self.unexpected_at(j + 1, " in an escape sequence")),
                    }
                    j += 2;
                    seg = j;
                }
                _ => return Err(self.err(j, "a control character inside a string")),
            }
        }
    }

    fn hex4(&self, at: usize) -> Result<u32, SyntaxError> {
        let mut v = 0u32;
        for k in 0..4 {
            let c = match self.s.get(at + k) {
                None => return Err(self.err(self.s.len(), "end of input inside a string")),
                Some(&c) => c,
            };
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(self.unexpected_at(at + k, " in a \\u escape")),
            };
            v = v * 16 + d as u32;
        }
        Ok(v)
    }

    /// Read a number token; returns its text.
    pub fn number(&mut self) -> Result<&'a str, SyntaxError> {
        let s = self.s;
        let start = self.i;
        let mut j = start;
        if s.get(j) == Some(&b'-') {
            j += 1;
            if s[j..].starts_with(b"Infinity") {
                return Err(self.err(start, "-Infinity"));
            }
        }
        match s.get(j) {
            Some(b'0') => {
                j += 1;
                if s.get(j).is_some_and(|c| c.is_ascii_digit()) {
                    return Err(self.invalid_number(start, j));
                }
            }
            Some(b'1'..=b'9') => {
                while j < s.len() && s[j].is_ascii_digit() {
                    j += 1;
                }
            }
            _ => return Err(self.invalid_number(start, j)),
        }
        if s.get(j) == Some(&b'.') {
            j += 1;
            let d0 = j;
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
            if j == d0 {
                return Err(self.invalid_number(start, j));
            }
        }
        if matches!(s.get(j), Some(b'e') | Some(b'E')) {
            j += 1;
            if matches!(s.get(j), Some(b'+') | Some(b'-')) {
                j += 1;
            }
            let d0 = j;
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
            if j == d0 {
                return Err(self.invalid_number(start, j));
            }
        }
        self.i = j;
        Ok(&self.text[start..j])
    }

    fn invalid_number(&self, start: usize, j: usize) -> SyntaxError {
        let mut e = j;
        while e < self.s.len() && (self.s[e].is_ascii_alphanumeric() || matches!(self.s[e], b'.' | b'+' | b'-')) {
            e += 1;
        }
        let tok = self.text.get(start..e.max(j).min(self.s.len())).unwrap_or("");
        let tok: String = tok.chars().take(40).collect();
        self.err(start, format!("an invalid number '{}'", tok))
    }

    /// Read `true`, `false` or `null` (and reject `NaN`/`Infinity`).
    fn literal(&mut self) -> Result<Val<'a>, SyntaxError> {
        let rest = &self.s[self.i..];
        for (word, v) in [(&b"true"[..], Val::Bool(true)), (b"false", Val::Bool(false)), (b"null", Val::Null)] {
            if rest.starts_with(word) {
                self.i += word.len();
                return Ok(v);
            }
        }
        if rest.starts_with(b"NaN") {
            return Err(self.err(self.i, "NaN"));
        }
        if rest.starts_with(b"Infinity") {
            return Err(self.err(self.i, "Infinity"));
        }
        Err(self.unexpected_at(self.i, ""))
    }

    // ---------------------------------------------------------------- pass 1

    fn check_value(&mut self, depth: usize, keys: &mut Vec<Cow<'a, str>>) -> Result<(), SyntaxError> {
        match self.peek() {
            None => Err(self.err(self.i, "end of input")),
            Some(b'{') => self.check_object(depth + 1, keys, None),
            Some(b'[') => self.check_array(depth + 1, keys),
            Some(b'"') => self.string().map(|_| ()),
            Some(b'-') | Some(b'0'..=b'9') => self.number().map(|_| ()),
            Some(_) => self.literal().map(|_| ()),
        }
    }

    fn too_deep(&self, depth: usize) -> Result<(), SyntaxError> {
        if depth > MAX_DEPTH {
            Err(self.err(self.i, format!("nesting deeper than {} levels", MAX_DEPTH)))
        } else {
            Ok(())
        }
    }

    fn check_array(&mut self, depth: usize, keys: &mut Vec<Cow<'a, str>>) -> Result<(), SyntaxError> {
        self.too_deep(depth)?;
        self.i += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            self.check_value(depth, keys)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected_at(self.i, " (expected ',' or ']')")),
            }
        }
    }

    fn check_object(
        &mut self,
        depth: usize,
        keys: &mut Vec<Cow<'a, str>>,
        mut record: Option<&mut Vec<(Cow<'a, str>, usize)>>,
    ) -> Result<(), SyntaxError> {
        self.too_deep(depth)?;
        self.i += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        let base = keys.len();
        let mut set: Option<HashSet<Cow<'a, str>>> = None;
        let result = (|| loop {
            self.ws();
            let kpos = self.i;
            if self.peek() != Some(b'"') {
                return Err(self.unexpected_at(self.i, " (expected a string key)"));
            }
            let key = self.string()?;
            let dup = match &mut set {
                Some(s) => !s.insert(key.clone()),
                None => {
                    let d = keys[base..].contains(&key);
                    if !d {
                        keys.push(key.clone());
                        if keys.len() - base > 16 {
                            set = Some(keys.drain(base..).collect());
                        }
                    }
                    d
                }
            };
            if dup {
                return Err(self.err(kpos, format!("duplicate key {}", super::path::quote(&key))));
            }
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.unexpected_at(self.i, " (expected ':')"));
            }
            self.i += 1;
            self.ws();
            if let Some(r) = record.as_deref_mut() {
                r.push((key, self.i));
            }
            self.check_value(depth, keys)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected_at(self.i, " (expected ',' or '}')")),
            }
        })();
        keys.truncate(base);
        result
    }

    // ---------------------------------------------------------------- pass 2

    /// Read one value into a tree (the document is known to be valid).
    pub fn value(&mut self) -> Result<Val<'a>, SyntaxError> {
        self.ws();
        match self.peek() {
            None => Err(self.err(self.i, "end of input")),
            Some(b'{') => {
                self.i += 1;
                let mut entries = Vec::new();
                let mut first = true;
                while let Some(k) = self.obj_next(&mut first)? {
                    let v = self.value()?;
                    entries.push((k, v));
                }
                Ok(Val::Obj(entries))
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                let mut first = true;
                while self.arr_next(&mut first)? {
                    items.push(self.value()?);
                }
                Ok(Val::Arr(items))
            }
            Some(b'"') => Ok(Val::Str(self.string()?)),
            Some(b'-') | Some(b'0'..=b'9') => Ok(Val::Num(self.number()?)),
            Some(_) => self.literal(),
        }
    }

    /// Skip one value (the document is known to be valid).
    pub fn skip(&mut self) -> Result<(), SyntaxError> {
        self.ws();
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                let mut first = true;
                while self.obj_next(&mut first)?.is_some() {
                    self.skip()?;
                }
                Ok(())
            }
            Some(b'[') => {
                self.i += 1;
                let mut first = true;
                while self.arr_next(&mut first)? {
                    self.skip()?;
                }
                Ok(())
            }
            _ => self.value().map(|_| ()),
        }
    }

    /// Enter an array at the cursor; false when the value is not an array.
    pub fn begin_array(&mut self) -> bool {
        self.ws();
        if self.peek() == Some(b'[') {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Enter an object at the cursor; false when the value is not an object.
    pub fn begin_object(&mut self) -> bool {
        self.ws();
        if self.peek() == Some(b'{') {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Inside an array: true when another element follows (cursor on it), false at `]` (consumed).
    pub fn arr_next(&mut self, first: &mut bool) -> Result<bool, SyntaxError> {
        self.ws();
        match self.peek() {
            Some(b']') => {
                self.i += 1;
                Ok(false)
            }
            Some(b',') if !*first => {
                self.i += 1;
                self.ws();
                Ok(true)
            }
            Some(_) if *first => {
                *first = false;
                Ok(true)
            }
            _ => Err(self.unexpected_at(self.i, "")),
        }
    }

    /// Inside an object: the next key (cursor on its value), or None at `}` (consumed).
    pub fn obj_next(&mut self, first: &mut bool) -> Result<Option<Cow<'a, str>>, SyntaxError> {
        self.ws();
        match self.peek() {
            Some(b'}') => {
                self.i += 1;
                return Ok(None);
            }
            Some(b',') if !*first => {
                self.i += 1;
                self.ws();
            }
            Some(b'"') if *first => {}
            _ => return Err(self.unexpected_at(self.i, "")),
        }
        *first = false;
        if self.peek() != Some(b'"') {
            return Err(self.unexpected_at(self.i, ""));
        }
        let k = self.string()?;
        self.ws();
        if self.peek() != Some(b':') {
            return Err(self.unexpected_at(self.i, ""));
        }
        self.i += 1;
        self.ws();
        Ok(Some(k))
    }
}
