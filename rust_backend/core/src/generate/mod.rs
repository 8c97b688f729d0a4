//! Synthetic schedule generator (architecture.md §7, generator model).
//!
//! `generate(out_dir, opts)` writes F1 (`schedule.json`, `possible_periods.json`, `dark_periods.json`) or F2
//! (`schedule.json`) files. Output is a pure function of the options: every random draw comes from
//! xoshiro256** streams derived from the seed (per block: (seed, salt, index)), no hash-map iteration, no clock.
//!
//! Pipeline: dark periods (Sun < −18°, 2-minute grid + 1 s bisection) → block attributes (one stream per
//! block index) → visibility windows (sidereal time precomputed once on the dark-time grid) → greedy
//! scheduling by priority → optional conflicts → writers.

pub mod astro;
pub mod rng;
pub mod scheduler;
pub mod writer;

use crate::model::{Site, SourceFormat};
use rng::{hash3, Rng};
use scheduler::{DarkGrid, Frame, GenBlock};
use std::io;
use std::path::{Path, PathBuf};

/// Salt of the attribute streams of base blocks.
const SALT_BASE: u64 = 0;
const TAG_VARIANT_DROP: u64 = 0x5641_5244; // "VARD"
const TAG_VARIANT_ADD: u64 = 0x5641_5241; // "VARA"
const TAG_EXTRA: u64 = 0x4558_5452; // "EXTR"
const TAG_CONFLICT: u64 = 0x434F_4E46; // "CONF"
/// Fraction of blocks dropped and (separately) added by a variant.
pub const VARIANT_FRACTION: f64 = 0.05;

/// Options of `tsi generate` (defaults: the CLI defaults of architecture.md §7).
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    pub n_blocks: usize,
    pub seed: u64,
    pub format: SourceFormat,
    pub start_mjd: f64,
    pub days: f64,
    pub site: Site,
    /// F: the fraction left unscheduled (clamped to [0, 1]).
    pub unscheduled_fraction: f64,
    /// Write unscheduled blocks with the placeholder period at MJD 51910.5 instead of `null`.
    pub sentinel: bool,
    /// Number of extra overlapping placements.
    pub conflicts: usize,
    /// Compare variant: drop/add about 5 % of blocks and reschedule with tie-breaking seeded by V.
    pub variant: Option<u64>,
    /// Schedule name written into the files (F2 `name`; informative top-level key in F1).
    pub name: Option<String>,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            n_blocks: 100,
            seed: 42,
            format: SourceFormat::F1,
            start_mjd: 61771.0,
            days: 30.0,
            site: Site { lat_deg: 28.7624, lon_deg: -17.8892, height_m: 2396.0 },
            unscheduled_fraction: 0.15,
            sentinel: false,
            conflicts: 0,
            variant: None,
            name: None,
        }
    }
}

/// What `generate` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateResult {
    pub files: Vec<PathBuf>,
    /// Blocks written.
    pub blocks: usize,
    /// Blocks with a real scheduled period (conflict placements included, sentinel placeholders excluded).
    pub scheduled: usize,
}

/// The generated schedule in memory (seconds from the start), before writing.
#[derive(Debug, Clone)]
pub struct Plan {
    pub format: SourceFormat,
    pub name: String,
    pub site: Site,
    pub frame: Frame,
    pub sentinel: bool,
    /// Dark periods [start, stop) in seconds from the start.
    pub dark: Vec<(i64, i64)>,
    /// Blocks in file order (generation index ascending).
    pub blocks: Vec<GenBlock>,
}

impl Plan {
    pub fn scheduled_count(&self) -> usize {
        self.blocks.iter().filter(|b| b.scheduled.is_some()).count()
    }
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.to_string())
}

fn default_name(opts: &GenerateOptions) -> String {
    let mut s = format!("Synthetic schedule (seed {}, {} blocks", opts.seed, opts.n_blocks);
    if let Some(v) = opts.variant {
        s.push_str(&format!(", variant {}", v));
    }
    s.push(')');
    s
}

/// Build the schedule in memory (no I/O).
pub fn plan(opts: &GenerateOptions) -> io::Result<Plan> {
    let site = opts.site;
    if !(opts.start_mjd.is_finite() && opts.days.is_finite() && opts.days >= 0.0) {
        return Err(invalid("start_mjd and days must be finite, days >= 0"));
    }
    if !(opts.start_mjd >= 0.0 && opts.start_mjd + opts.days < 100000.0) {
        return Err(invalid("the schedule must lie in MJD [0, 100000)"));
    }
    if !(site.lat_deg.is_finite() && site.lat_deg.abs() <= 90.0 && site.lon_deg.is_finite() && site.height_m.is_finite())
    {
        return Err(invalid("site must have a latitude in [-90, 90] and finite longitude and height"));
    }
    let frac = if opts.unscheduled_fraction.is_finite() { opts.unscheduled_fraction.clamp(0.0, 1.0) } else { 0.15 };
    let name = match opts.name.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => n.chars().take(256).collect::<String>().trim().to_string(),
        _ => default_name(opts),
    };
    let lon = ((site.lon_deg + 180.0).rem_euclid(360.0)) - 180.0;
    let frame = Frame {
        start_mjd: opts.start_mjd,
        total: (opts.days * astro::SEC_PER_DAY).round() as i64,
        lat_deg: site.lat_deg,
        lon_deg: lon,
    };
    let dark = astro::dark_periods(frame.start_mjd, frame.total, frame.lat_deg, frame.lon_deg);
    let grid = DarkGrid::new(&frame, dark.clone());

    // Blocks: base set, minus / plus the variant's changes.
    let n = opts.n_blocks as u64;
    let mut blocks: Vec<GenBlock> = Vec::with_capacity(opts.n_blocks + opts.conflicts + 16);
    let mut next_index = n;
    match opts.variant {
        None => {
            for i in 0..n {
                blocks.push(scheduler::draw_block(opts.seed, SALT_BASE, i, &frame));
            }
        }
        Some(v) => {
            let k = (VARIANT_FRACTION * n as f64).round() as u64;
            let mut idx: Vec<u64> = (0..n).collect();
            Rng::stream(opts.seed, TAG_VARIANT_DROP, v).shuffle(&mut idx);
            let mut drop = vec![false; n as usize];
            for &i in &idx[..k as usize] {
                drop[i as usize] = true;
            }
            for i in 0..n {
                if !drop[i as usize] {
                    blocks.push(scheduler::draw_block(opts.seed, SALT_BASE, i, &frame));
                }
            }
            let salt = 1 | hash3(opts.seed, TAG_VARIANT_ADD, v);
            for j in 0..k {
                blocks.push(scheduler::draw_block(opts.seed, salt, n + j, &frame));
            }
            next_index = n + k;
        }
    }
    compute_visibility(&frame, &grid, &mut blocks);

    // Greedy scheduling until (1 − F) of the blocks are placed.
    let order = scheduler::greedy_order(&blocks, opts.variant);
    let target = ((1.0 - frac) * blocks.len() as f64).round() as usize;
    let occ = scheduler::schedule_greedy(&mut blocks, &order, target);

    // Conflicts: K further blocks placed overlapping existing placements.
    if opts.conflicts > 0 {
        // Unscheduled blocks in greedy order, those with a window that fits their duration first.
        let fits = |b: &GenBlock| b.vis.iter().any(|&(a, z)| z - a >= b.dur_sec);
        let unscheduled: Vec<usize> = order.iter().copied().filter(|&i| blocks[i].scheduled.is_none()).collect();
        let mut chosen: Vec<usize> = unscheduled.iter().copied().filter(|&i| fits(&blocks[i])).collect();
        chosen.extend(unscheduled.iter().copied().filter(|&i| !fits(&blocks[i])));
        chosen.truncate(opts.conflicts);
        let extra_salt = 1 | hash3(opts.seed, TAG_EXTRA, opts.variant.map_or(0, |v| v.wrapping_add(1)));
        let mut extras = Vec::new();
        while chosen.len() + extras.len() < opts.conflicts {
            extras.push(scheduler::draw_block(opts.seed, extra_salt, next_index, &frame));
            next_index += 1;
        }
        compute_visibility(&frame, &grid, &mut extras);
        let first_extra = blocks.len();
        blocks.extend(extras);
        chosen.extend(first_extra..blocks.len());
        let mut r = Rng::stream(opts.seed, TAG_CONFLICT, opts.variant.map_or(0, |v| v.wrapping_add(1)));
        let mut placed: Vec<(i64, i64)> = Vec::new();
        for &i in &chosen {
            let slot = scheduler::conflict_slot(&blocks[i], &occ, &placed, &dark, &mut r);
            placed.push(slot);
            blocks[i].scheduled = Some(slot);
        }
    }

    Ok(Plan { format: opts.format, name, site, frame, sentinel: opts.sentinel, dark, blocks })
}

/// Visibility of every block; split over a few threads for large inputs (results do not depend on it).
fn compute_visibility(frame: &Frame, grid: &DarkGrid, blocks: &mut [GenBlock]) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads <= 1 || blocks.len() < 256 {
        for b in blocks.iter_mut() {
            b.vis = scheduler::visibility(frame, grid, b);
        }
        return;
    }
    let chunk = blocks.len().div_ceil(threads);
    std::thread::scope(|s| {
        for part in blocks.chunks_mut(chunk) {
            s.spawn(move || {
                for b in part.iter_mut() {
                    b.vis = scheduler::visibility(frame, grid, b);
                }
            });
        }
    });
}

/// Generate a synthetic schedule into `out_dir` (created if needed). F1 → `schedule.json`,
/// `possible_periods.json`, `dark_periods.json`; F2 → `schedule.json`. Identical options give
/// byte-identical files.
pub fn generate(out_dir: &Path, opts: &GenerateOptions) -> io::Result<GenerateResult> {
    let p = plan(opts)?;
    let files = writer::write(&p, out_dir)?;
    Ok(GenerateResult { files, blocks: p.blocks.len(), scheduled: p.scheduled_count() })
}

#[cfg(test)]
mod tests;
