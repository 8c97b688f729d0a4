//! Parsing and validation of uploads (input-formats.md).
//!
//! Every file is first checked completely for JSON syntax by a pull parser that builds nothing
//! ([`json::validate`]); then only the needed parts are read, block by block (or visibility key by key),
//! into small temporary trees that are converted to the typed model and dropped. Problems are collected
//! (at most 20) and returned together as [`CoreError::Format`].

mod f1;
mod f2;
mod issues;
mod json;
mod path;
mod period;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::io::Read;

use sha2::{Digest, Sha256};

use crate::error::{CoreError, FormatIssue};
use crate::model::{ParsedBlock, ParsedSchedule, Period, Site, SourceFormat};

use issues::{Cx, Issues};
use json::{Lexer, RootInfo, Val};
use path::{describe, quote, Path};
use period::{opt_period, period_array};

/// Options of [`parse_upload`].
#[derive(Debug, Clone, PartialEq)]
pub struct ParseOptions {
    /// Unscheduled sentinel (input-formats.md §5); `None` disables the rule.
    pub sentinel_mjd: Option<f64>,
    /// Maximum size of every file, received and decompressed (`UPLOAD.MAX_BYTES`).
    pub max_bytes: u64,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { sentinel_mjd: Some(crate::DEFAULT_SENTINEL_MJD), max_bytes: 268_435_456 }
    }
}

fn size_issue(file: &str, max_bytes: u64, got: String) -> FormatIssue {
    FormatIssue {
        file: file.to_string(),
        path: "(file)".into(),
        expected: format!("at most {} bytes", max_bytes),
        got,
    }
}

/// Raw bytes as received → decompressed bytes (gzip magic `1F 8B`). Enforces `max_bytes` on the received
/// and on the decompressed size.
pub fn read_input(file_name: &str, raw: Vec<u8>, max_bytes: u64) -> Result<Vec<u8>, FormatIssue> {
    if raw.len() as u64 > max_bytes {
        return Err(size_issue(file_name, max_bytes, format!("{} bytes", raw.len())));
    }
    if !raw.starts_with(&[0x1F, 0x8B]) {
        return Ok(raw);
    }
    let mut out = Vec::with_capacity(raw.len().saturating_mul(4).min(max_bytes as usize + 1));
    let dec = flate2::read::MultiGzDecoder::new(&raw[..]);
    if let Err(e) = dec.take(max_bytes.saturating_add(1)).read_to_end(&mut out) {
        return Err(FormatIssue {
            file: file_name.to_string(),
            path: "(file)".into(),
            expected: "a valid gzip stream".into(),
            got: format!("a damaged gzip stream ({})", e),
        });
    }
    if out.len() as u64 > max_bytes {
        return Err(size_issue(file_name, max_bytes, format!("more than {} bytes after decompression", max_bytes)));
    }
    Ok(out)
}

/// Lowercase hex SHA-256(len(S)‖S‖len(V)‖V‖len(D)‖D); each len is a u64 big-endian; an absent file is
/// length 0 and no bytes.
pub fn checksum(schedule: &[u8], visibility: Option<&[u8]>, dark: Option<&[u8]>) -> String {
    let mut h = Sha256::new();
    for part in [Some(schedule), visibility, dark] {
        let bytes = part.unwrap_or(&[]);
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    }
    h.finalize().iter().map(|b| format!("{:02x}", b)).collect()
}

/// Validate a schedule name: trimmed, 1 to 256 characters. Returns the trimmed name.
pub fn validate_name(name: &str) -> Result<String, FormatIssue> {
    let t = name.trim();
    let n = t.chars().count();
    if (1..=256).contains(&n) {
        Ok(t.to_string())
    } else {
        Err(FormatIssue {
            file: "(upload)".into(),
            path: "name".into(),
            expected: "a name of 1 to 256 characters".into(),
            got: quote(name),
        })
    }
}

/// A file that passed the syntax check.
struct Doc<'a> {
    name: &'a str,
    text: &'a str,
    root: RootInfo<'a>,
}

fn syntax<'a>(name: &'a str, bytes: &'a [u8], max_bytes: u64, issues: &mut Issues) -> Option<Doc<'a>> {
    if bytes.len() as u64 > max_bytes {
        issues.push(size_issue(name, max_bytes, format!("{} bytes", bytes.len())));
        return None;
    }
    let src = json::strip_bom(bytes);
    match json::validate(src) {
        Ok((text, root)) => Some(Doc { name, text, root }),
        Err(e) => {
            let (line, col) = json::line_col(src, e.pos);
            issues.push(FormatIssue {
                file: name.to_string(),
                path: format!("line {}, column {}", line, col),
                expected: "valid JSON".into(),
                got: e.reason,
            });
            None
        }
    }
}

/// The value at a byte offset of a validated document.
fn val_at<'a>(text: &'a str, pos: usize) -> Val<'a> {
    Lexer::new(text, pos).value().unwrap_or(Val::Null)
}

/// The `got` text of the value at a byte offset (arrays are counted, not built).
fn describe_at(text: &str, pos: usize) -> String {
    let mut lx = Lexer::new(text, pos);
    if lx.begin_array() {
        let mut n = 0usize;
        let mut first = true;
        while let Ok(true) = lx.arr_next(&mut first) {
            if lx.skip().is_err() {
                break;
            }
            n += 1;
        }
        format!("an array of {}", n)
    } else if lx.begin_object() {
        "an object".into()
    } else {
        describe(&val_at(text, pos))
    }
}

fn root_val_of<'a>(doc: &Doc<'a>, key: &str) -> Option<Val<'a>> {
    doc.root.find(key).map(|p| val_at(doc.text, p))
}

const DETECT: &str = "an object with a 'SchedulingBlock' array (scheduler dump) or a 'blocks' array (single-file format)";

/// Format detection (§2). Returns the format and the offset of the block array.
fn detect(cx: &mut Cx, doc: &Doc) -> Option<(SourceFormat, usize)> {
    let root = Path::ROOT;
    if !doc.root.is_object() {
        cx.err(&root, DETECT, describe_at(doc.text, doc.root.pos));
        return None;
    }
    let sb = doc.root.find("SchedulingBlock");
    let bl = doc.root.find("blocks");
    let first_byte = |p: usize| doc.text.as_bytes()[p];
    match (sb, bl) {
        (Some(_), Some(_)) => {
            cx.err(&root, format!("{}, not both", DETECT), "an object with both keys (ambiguous schedule file)");
            None
        }
        (Some(p), None) => match first_byte(p) {
            b'[' => Some((SourceFormat::F1, p)),
            b'{' => {
                cx.err(
                    &root.key("SchedulingBlock"),
                    "an array of blocks (this looks like a visibility file; upload it as the visibility file)",
                    "an object",
                );
                None
            }
            _ => {
                cx.err(&root.key("SchedulingBlock"), "an array", describe_at(doc.text, p));
                None
            }
        },
        (None, Some(p)) => {
            if first_byte(p) == b'[' {
                Some((SourceFormat::F2, p))
            } else {
                cx.err(&root.key("blocks"), "an array", describe_at(doc.text, p));
                None
            }
        }
        (None, None) => {
            cx.err(&root, DETECT, "an object");
            None
        }
    }
}

/// Validates one block: (context, value, path, ids seen so far, index) → block.
type BlockConv = fn(&mut Cx, &Val, &Path, &mut HashMap<String, usize>, usize) -> Option<ParsedBlock>;

/// Stream a block array; `conv` validates one block.
fn stream_blocks(
    cx: &mut Cx,
    text: &str,
    pos: usize,
    label: &str,
    ids: &mut HashMap<String, usize>,
    conv: BlockConv,
) -> Vec<(usize, ParsedBlock)> {
    let mut lx = Lexer::new(text, pos);
    let mut out = Vec::new();
    if !lx.begin_array() {
        return out;
    }
    let root = Path::ROOT;
    let parr = root.key(label);
    let mut first = true;
    let mut i = 0usize;
    while let Ok(true) = lx.arr_next(&mut first) {
        if cx.full() {
            break;
        }
        let v = match lx.value() {
            Ok(v) => v,
            Err(_) => break,
        };
        if let Some(b) = conv(cx, &v, &parr.idx(i), ids, i) {
            out.push((i, b));
        }
        i += 1;
    }
    out
}

/// Visibility read from a map of original id → period array.
#[derive(Default)]
struct VisMap {
    periods: HashMap<String, Vec<Period>>,
    total: usize,
    unmatched: usize,
    first_unmatched: Option<String>,
}

/// Stream a visibility map (the cursor's value must be an object). Keys matching no id are skipped.
fn stream_vis(cx: &mut Cx, text: &str, pos: usize, map_path: &Path, ids: &HashMap<String, usize>) -> VisMap {
    let mut vm = VisMap::default();
    let mut lx = Lexer::new(text, pos);
    if !lx.begin_object() {
        return vm;
    }
    let mut first = true;
    while let Ok(Some(key)) = lx.obj_next(&mut first) {
        vm.total += 1;
        if !ids.contains_key(key.as_ref()) || cx.full() {
            if !ids.contains_key(key.as_ref()) {
                vm.unmatched += 1;
                if vm.first_unmatched.is_none() {
                    vm.first_unmatched = Some(key.to_string());
                }
            }
            if lx.skip().is_err() {
                break;
            }
            continue;
        }
        let at = lx.i;
        if let Some(ps) = period::fast_period_array(&mut lx) {
            vm.periods.insert(key.into_owned(), ps);
            continue;
        }
        lx.i = at;
        let v = match lx.value() {
            Ok(v) => v,
            Err(_) => break,
        };
        if let Some(ps) = period_array(cx, Some(&v), &map_path.id(&key)) {
            vm.periods.insert(key.into_owned(), ps);
        }
    }
    vm
}

/// The key rule of §3.2: unmatched keys → warning, or an error when none matches.
fn finish_vis(cx: &mut Cx, vm: &VisMap, map_path: &Path, warnings: &mut Vec<String>) {
    if vm.total > 0 && vm.unmatched == vm.total {
        cx.err(
            map_path,
            "keys that are block ids of the schedule file",
            format!(
                "{} key(s), none matching a block id (first {})",
                vm.total,
                quote(vm.first_unmatched.as_deref().unwrap_or(""))
            ),
        );
    } else if vm.unmatched > 0 {
        warnings.push(format!(
            "{}: {} visibility key(s) match no block of the schedule (ignored)",
            cx.file, vm.unmatched
        ));
    }
}

/// The F1 visibility file. Returns the matched periods (None when a problem was reported).
fn f1_visibility(
    cx: &mut Cx,
    doc: &Doc,
    ids: Option<&HashMap<String, usize>>,
    warnings: &mut Vec<String>,
) -> Option<HashMap<String, Vec<Period>>> {
    let root = Path::ROOT;
    if !doc.root.is_object() {
        cx.err(
            &root,
            "an object with a 'SchedulingBlock' object (visibility file)",
            describe_at(doc.text, doc.root.pos),
        );
        return None;
    }
    let psb = root.key("SchedulingBlock");
    const EXPECT: &str = "an object mapping block ids to arrays of periods";
    let pos = match doc.root.find("SchedulingBlock") {
        None => {
            cx.err(&psb, EXPECT, "missing");
            return None;
        }
        Some(p) => p,
    };
    if doc.text.as_bytes()[pos] != b'{' {
        cx.err(&psb, EXPECT, describe_at(doc.text, pos));
        return None;
    }
    let ids = ids?;
    let vm = stream_vis(cx, doc.text, pos, &psb, ids);
    finish_vis(cx, &vm, &psb, warnings);
    Some(vm.periods)
}

/// What a dark-periods source contributes.
#[derive(Default)]
struct Dark {
    periods: Vec<Period>,
    site: Option<Site>,
    schedule_period: Option<Period>,
}

/// The F1 dark-periods file: `{"dark_periods": [...], "Location": ..., "Time Window": ...}` or a bare array.
fn f1_dark(cx: &mut Cx, doc: &Doc) -> Dark {
    let root = Path::ROOT;
    let mut dark = Dark::default();
    match doc.root.first {
        b'[' => {
            let v = val_at(doc.text, doc.root.pos);
            dark.periods = period_array(cx, Some(&v), &root).unwrap_or_default();
        }
        b'{' => {
            let pd = root.key("dark_periods");
            let v = root_val_of(doc, "dark_periods");
            dark.periods = period_array(cx, v.as_ref(), &pd).unwrap_or_default();
            let ploc = root.key("Location");
            match root_val_of(doc, "Location") {
                None | Some(Val::Null) => {}
                Some(loc @ Val::Obj(_)) => {
                    let key = "coordinates::ConstGeographic";
                    let pg = ploc.key(key);
                    match loc.get(key) {
                        None | Some(Val::Null) => {}
                        Some(g @ Val::Obj(_)) => {
                            let lat = cx.req_num(g, "lat", &pg).value();
                            let lon = cx.req_num(g, "lon", &pg).value();
                            let alt = cx.req_num(g, "alt", &pg).value();
                            if let (Some(lat), Some(lon), Some(alt)) = (lat, lon, alt) {
                                dark.site = Some(Site { lon_deg: lon, lat_deg: lat, height_m: alt });
                            }
                        }
                        Some(other) => cx.err(&pg, "an object", describe(other)),
                    }
                }
                Some(other) => cx.err(&ploc, "an object", describe(&other)),
            }
            let tw = root_val_of(doc, "Time Window");
            dark.schedule_period = opt_period(cx, tw.as_ref(), &root.key("Time Window"), false).unwrap_or(None);
        }
        _ => cx.err(
            &root,
            "an object with a 'dark_periods' array, or an array of periods",
            describe_at(doc.text, doc.root.pos),
        ),
    }
    dark
}

fn sort_periods(p: &mut [Period]) {
    p.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.stop.total_cmp(&b.stop)));
}

fn companion_error(issues: &mut Issues, file: &str, what: &str) {
    issues.push(FormatIssue {
        file: file.to_string(),
        path: "(file)".into(),
        expected: format!("no separate {} file for a single-file (F2) schedule", what),
        got: "a file".into(),
    });
}

/// Parse and validate a whole upload. Each input is (base file name, decompressed bytes).
pub fn parse_upload(
    schedule: (&str, &[u8]),
    visibility: Option<(&str, &[u8])>,
    dark: Option<(&str, &[u8])>,
    opts: &ParseOptions,
) -> Result<ParsedSchedule, CoreError> {
    let mut issues = Issues::default();
    let mut warnings = Vec::new();
    let sentinel = opts.sentinel_mjd;

    let sdoc = syntax(schedule.0, schedule.1, opts.max_bytes, &mut issues);
    let detected = sdoc.as_ref().and_then(|doc| {
        let mut cx = Cx { file: doc.name, issues: &mut issues, sentinel };
        detect(&mut cx, doc)
    });

    let result = match (detected, &sdoc) {
        (Some((SourceFormat::F2, pos)), Some(doc)) => {
            let r = parse_f2(doc, pos, &mut issues, &mut warnings, sentinel);
            if let Some((name, _)) = visibility {
                companion_error(&mut issues, name, "visibility");
            }
            if let Some((name, _)) = dark {
                companion_error(&mut issues, name, "dark-periods");
            }
            r
        }
        (Some((SourceFormat::F1, pos)), Some(doc)) => {
            let mut ids = HashMap::new();
            let mut blocks = {
                let mut cx = Cx { file: doc.name, issues: &mut issues, sentinel };
                stream_blocks(&mut cx, doc.text, pos, "SchedulingBlock", &mut ids, f1::block)
            };
            let vis = visibility.and_then(|(name, bytes)| {
                let vdoc = syntax(name, bytes, opts.max_bytes, &mut issues)?;
                let mut cx = Cx { file: name, issues: &mut issues, sentinel };
                f1_visibility(&mut cx, &vdoc, Some(&ids), &mut warnings)
            });
            let dk = dark.and_then(|(name, bytes)| {
                let ddoc = syntax(name, bytes, opts.max_bytes, &mut issues)?;
                let mut cx = Cx { file: name, issues: &mut issues, sentinel };
                Some(f1_dark(&mut cx, &ddoc))
            });
            if let Some(mut vis) = vis {
                for (_, b) in blocks.iter_mut() {
                    if let Some(ps) = vis.remove(&b.original_id) {
                        b.visibility = ps;
                    }
                }
            }
            let dk = dk.unwrap_or_default();
            Some(ParsedSchedule {
                format: SourceFormat::F1,
                name: None,
                schedule_period: dk.schedule_period,
                site: dk.site,
                dark_periods: dk.periods,
                blocks: blocks.into_iter().map(|(_, b)| b).collect(),
                warnings: Vec::new(),
            })
        }
        _ => {
            // The schedule file is unusable: still check the companions' syntax and shape.
            if let Some((name, bytes)) = visibility {
                if let Some(vdoc) = syntax(name, bytes, opts.max_bytes, &mut issues) {
                    let mut cx = Cx { file: name, issues: &mut issues, sentinel };
                    f1_visibility(&mut cx, &vdoc, None, &mut warnings);
                }
            }
            if let Some((name, bytes)) = dark {
                if let Some(ddoc) = syntax(name, bytes, opts.max_bytes, &mut issues) {
                    let mut cx = Cx { file: name, issues: &mut issues, sentinel };
                    f1_dark(&mut cx, &ddoc);
                }
            }
            None
        }
    };

    match result {
        Some(mut s) if issues.is_empty() => {
            sort_periods(&mut s.dark_periods);
            s.warnings = warnings;
            Ok(s)
        }
        _ => {
            if issues.is_empty() {
                // Cannot happen: every failure reports a problem. Keep the contract anyway.
                issues.push(FormatIssue {
                    file: schedule.0.to_string(),
                    path: "(file)".into(),
                    expected: "a valid schedule".into(),
                    got: "an unreadable file".into(),
                });
            }
            Err(CoreError::Format { issues: issues.list, truncated: issues.truncated })
        }
    }
}

/// The F2 single file.
fn parse_f2(
    doc: &Doc,
    blocks_pos: usize,
    issues: &mut Issues,
    warnings: &mut Vec<String>,
    sentinel: Option<f64>,
) -> Option<ParsedSchedule> {
    let mut cx = Cx { file: doc.name, issues, sentinel };
    let root = Path::ROOT;
    let name = f2::name(&mut cx, root_val_of(doc, "name").as_ref(), &root.key("name")).unwrap_or(None);
    let schedule_period =
        opt_period(&mut cx, root_val_of(doc, "schedule_period").as_ref(), &root.key("schedule_period"), false)
            .unwrap_or(None);
    let site = f2::site(&mut cx, root_val_of(doc, "geographic_location").as_ref(), &root.key("geographic_location"))
        .unwrap_or(None);
    let dark = root_val_of(doc, "dark_periods");
    let dark_periods = period_array(&mut cx, dark.as_ref(), &root.key("dark_periods")).unwrap_or_default();
    drop(dark);

    let mut ids = HashMap::new();
    let mut blocks = stream_blocks(&mut cx, doc.text, blocks_pos, "blocks", &mut ids, f2::block);

    let ppp = root.key("possible_periods");
    if let Some(pos) = doc.root.find("possible_periods") {
        match doc.text.as_bytes()[pos] {
            b'{' => {
                let mut vm = stream_vis(&mut cx, doc.text, pos, &ppp, &ids);
                finish_vis(&mut cx, &vm, &ppp, warnings);
                for (i, b) in blocks.iter_mut() {
                    if let Some(ps) = vm.periods.remove(&b.original_id) {
                        if !ps.is_empty() && !b.visibility.is_empty() {
                            let pb = root.key("blocks");
                            let pi = pb.idx(*i);
                            cx.err(
                                &pi.key("visibility_periods"),
                                format!(
                                    "no visibility_periods when possible_periods[{}] is non-empty (visibility given twice)",
                                    quote(&b.original_id)
                                ),
                                format!("an array of {}", b.visibility.len()),
                            );
                        } else if !ps.is_empty() {
                            b.visibility = ps;
                        }
                    }
                }
            }
            b'n' => {}
            _ => cx.err(&ppp, "an object", describe_at(doc.text, pos)),
        }
    }
    Some(ParsedSchedule {
        format: SourceFormat::F2,
        name,
        schedule_period,
        site,
        dark_periods,
        blocks: blocks.into_iter().map(|(_, b)| b).collect(),
        warnings: Vec::new(),
    })
}
