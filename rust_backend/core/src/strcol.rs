//! A column of strings packed in one buffer. Block ids and labels travel from the loader through the flows to
//! Python as whole columns; one `String` per row would cost an allocation, a copy and a free per row at each
//! step (25,000 of each for a large schedule's sky map), where this costs one buffer per column.

use std::ops::Index;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrCol {
    buf: String,
    /// Row i is `buf[ends[i - 1]..ends[i]]` (from 0 for the first row).
    ends: Vec<usize>,
}

impl StrCol {
    pub fn new() -> Self {
        StrCol::default()
    }

    /// Room for `rows` more strings of `bytes` bytes in all.
    pub fn reserve(&mut self, rows: usize, bytes: usize) {
        self.ends.reserve_exact(rows);
        self.buf.reserve(bytes);
    }

    pub fn push(&mut self, s: &str) {
        self.buf.push_str(s);
        self.ends.push(self.buf.len());
    }

    /// Append `s` written by `write` straight into the buffer (no intermediate `String`).
    pub fn push_with(&mut self, write: impl FnOnce(&mut String)) {
        write(&mut self.buf);
        self.ends.push(self.buf.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// The rows at `rows`, in that order.
    pub fn pick(&self, rows: impl IntoIterator<Item = usize>) -> StrCol {
        rows.into_iter().map(|i| self.get(i)).collect()
    }

    /// Total bytes of text.
    pub fn text_len(&self) -> usize {
        self.buf.len()
    }
}

impl Index<usize> for StrCol {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        self.get(i)
    }
}

impl<'a> FromIterator<&'a str> for StrCol {
    fn from_iter<I: IntoIterator<Item = &'a str>>(it: I) -> Self {
        let mut c = StrCol::new();
        for s in it {
            c.push(s);
        }
        c
    }
}

impl FromIterator<String> for StrCol {
    fn from_iter<I: IntoIterator<Item = String>>(it: I) -> Self {
        let mut c = StrCol::new();
        for s in it {
            c.push(&s);
        }
        c
    }
}

impl<'a> IntoIterator for &'a StrCol {
    type Item = &'a str;
    type IntoIter = Box<dyn ExactSizeIterator<Item = &'a str> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl PartialEq<Vec<String>> for StrCol {
    fn eq(&self, other: &Vec<String>) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b)
    }
}

impl From<Vec<String>> for StrCol {
    fn from(v: Vec<String>) -> Self {
        let mut c = StrCol::new();
        c.reserve(v.len(), v.iter().map(String::len).sum());
        for s in &v {
            c.push(s);
        }
        c
    }
}

impl From<Vec<&str>> for StrCol {
    fn from(v: Vec<&str>) -> Self {
        v.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_including_empty_and_multibyte() {
        let mut c = StrCol::new();
        c.push("B-001");
        c.push("");
        c.push_with(|b| b.push_str("Ω-7"));
        assert_eq!(c.len(), 3);
        assert_eq!((&c[0], &c[1], &c[2]), ("B-001", "", "Ω-7"));
        assert_eq!(c.iter().collect::<Vec<_>>(), vec!["B-001", "", "Ω-7"]);
        assert_eq!(c.pick([2, 0]), StrCol::from(vec!["Ω-7", "B-001"]));
        assert_eq!(StrCol::from(vec!["a".to_string(), "bc".to_string()]).text_len(), 3);
        assert!(StrCol::new().is_empty());
    }
}
