//! The stored period encoding of `visibility_periods_json` and `dark_periods_json`:
//! `[{"start": <mjd>, "stop": <mjd>}, …]`, numbers in shortest round-trip form (bit-identical on read).

use crate::model::Period;

/// Encode periods; None for an empty list (stored as NULL).
pub fn encode(periods: &[Period]) -> Option<String> {
    if periods.is_empty() {
        return None;
    }
    let mut s = String::with_capacity(periods.len() * 44 + 2);
    s.push('[');
    for (i, p) in periods.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        // `{}` on f64 prints the shortest text that parses back to the same bits, never an exponent.
        s.push_str(&format!("{{\"start\":{},\"stop\":{}}}", p.start, p.stop));
    }
    s.push(']');
    Some(s)
}

/// Decode stored periods. Accepts whitespace and the key pairs start/stop or start_mjd/end_mjd (rows written by
/// other tools); NULL, empty text and `[]` are no periods. Errors describe what was wrong.
pub fn decode(text: Option<&str>) -> Result<Vec<Period>, String> {
    decode_bytes(text.map(str::as_bytes))
}

/// `decode` over raw bytes (the legacy loader reads the column as bytes). The text is checked to be UTF-8 once,
/// as a whole (fast for ASCII), so number tokens are sliced from a `str` without checking each again: that
/// per-token check was an eighth of the legacy path's time.
pub fn decode_bytes(text: Option<&[u8]>) -> Result<Vec<Period>, String> {
    let t = match text {
        None => return Ok(Vec::new()),
        Some(t) => t.trim_ascii(),
    };
    if t.is_empty() {
        return Ok(Vec::new());
    }
    let t = std::str::from_utf8(t).map_err(|e| format!("stored JSON is not UTF-8: {e}"))?;
    let mut p = Scanner { text: t, s: t.as_bytes(), i: 0 };
    // Stored periods are about 40 bytes each; reserving avoids regrowth on long lists.
    let mut out = Vec::with_capacity(t.len() / 40 + 1);
    p.expect(b'[')?;
    if p.peek() == Some(b']') {
        p.i += 1;
        return p.end().map(|_| out);
    }
    loop {
        p.expect(b'{')?;
        let (mut start, mut stop) = (None, None);
        loop {
            let key = p.string()?;
            p.expect(b':')?;
            let v = p.number()?;
            match key {
                b"start" | b"start_mjd" => start = Some(v),
                b"stop" | b"end_mjd" => stop = Some(v),
                other => return Err(format!("unexpected key '{}' in a stored period", String::from_utf8_lossy(other))),
            }
            match p.next()? {
                b',' => continue,
                b'}' => break,
                c => return Err(format!("unexpected '{}' at byte {}", c as char, p.i - 1)),
            }
        }
        match (start, stop) {
            (Some(a), Some(b)) => out.push(Period::new(a, b)),
            _ => return Err("a stored period lacks its start or stop".into()),
        }
        match p.next()? {
            b',' => continue,
            b']' => break,
            c => return Err(format!("unexpected '{}' at byte {}", c as char, p.i - 1)),
        }
    }
    p.end().map(|_| out)
}

struct Scanner<'a> {
    text: &'a str,
    /// `text` as bytes
    s: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    #[inline]
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }
    #[inline]
    fn next(&mut self) -> Result<u8, String> {
        let c = self.peek().ok_or("unexpected end of stored JSON")?;
        self.i += 1;
        Ok(c)
    }
    #[inline]
    fn expect(&mut self, c: u8) -> Result<(), String> {
        let got = self.next()?;
        if got == c {
            Ok(())
        } else {
            Err(format!("expected '{}' at byte {}, found '{}'", c as char, self.i - 1, got as char))
        }
    }
    #[inline]
    fn string(&mut self) -> Result<&'a [u8], String> {
        self.expect(b'"')?;
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i] != b'"' {
            self.i += 1;
        }
        if self.i >= self.s.len() {
            return Err("unterminated string in stored JSON".into());
        }
        let out = &self.s[start..self.i];
        self.i += 1;
        Ok(out)
    }
    #[inline]
    fn number(&mut self) -> Result<f64, String> {
        self.skip_ws();
        let start = self.i;
        while self.i < self.s.len() && matches!(self.s[self.i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
            self.i += 1;
        }
        // The token's ends are next to ASCII characters, hence on character boundaries.
        let tok = &self.text[start..self.i];
        tok.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| format!("bad number '{tok}'"))
    }
    fn end(&mut self) -> Result<(), String> {
        match self.peek() {
            None => Ok(()),
            Some(c) => Err(format!("trailing '{}' after stored JSON", c as char)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_bit_identical() {
        let ps = vec![Period::new(61775.958333333336, 61775.97916666667), Period::new(0.1 + 0.2, 1e-7 + 5.0)];
        let text = encode(&ps).unwrap();
        let back = decode(Some(&text)).unwrap();
        for (a, b) in ps.iter().zip(&back) {
            assert_eq!(a.start.to_bits(), b.start.to_bits());
            assert_eq!(a.stop.to_bits(), b.stop.to_bits());
        }
    }

    #[test]
    fn empty_forms_and_other_tools_keys() {
        assert!(decode(None).unwrap().is_empty());
        assert!(decode(Some("")).unwrap().is_empty());
        assert!(decode(Some(" [ ] ")).unwrap().is_empty());
        assert_eq!(encode(&[]), None);
        let v = decode(Some(r#"[ {"start_mjd": 1.5, "end_mjd": 2} ]"#)).unwrap();
        assert_eq!(v, vec![Period::new(1.5, 2.0)]);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(decode(Some("[{\"start\": 1}]")).is_err());
        assert!(decode(Some("{")).is_err());
        assert!(decode(Some("[{\"start\": 1, \"stop\": x}]")).is_err());
    }
}
