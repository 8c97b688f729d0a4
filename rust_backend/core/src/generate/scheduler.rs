//! Synthetic targets, their visibility windows, and the greedy scheduler. All times are whole seconds from
//! the schedule start (`start_mjd`).

use super::astro::{self, bisect, DEG, GRID_SEC, SEC_PER_DAY};
use super::rng::{hash3, Rng};
use std::collections::BTreeMap;

/// Requested durations (s).
pub const DURATIONS: [i64; 8] = [600, 900, 1200, 1800, 2700, 3600, 5400, 7200];
/// Minimum altitudes (deg).
pub const MIN_ALTS: [f64; 6] = [30.0, 35.0, 40.0, 45.0, 50.0, 60.0];
/// Lowest altitude every "possible" target reaches at culmination (deg); the minimum altitudes are all
/// above it, so possible targets are always drawn from within this part of the sky.
pub const REACH_ALT_DEG: f64 = 20.0;
/// Possible targets culminate at least this far above their own minimum altitude (deg).
pub const CULMINATION_MARGIN_DEG: f64 = 5.0;
pub const P_IMPOSSIBLE: f64 = 0.03;
pub const P_AZ_SECTOR: f64 = 0.05;
pub const P_FIXED: f64 = 0.10;
pub const P_GRID_PRIORITY: f64 = 0.80;

/// One synthetic block with everything the writers need.
#[derive(Debug, Clone, PartialEq)]
pub struct GenBlock {
    /// Generation index: the id and the attribute stream derive from it.
    pub index: u64,
    pub priority: f64,
    pub ra_deg: f64,
    pub dec_deg: f64,
    pub min_alt_deg: f64,
    pub max_alt_deg: f64,
    pub min_az_deg: f64,
    pub max_az_deg: f64,
    pub min_obs_sec: i64,
    pub dur_sec: i64,
    /// Fixed window [start, stop) in seconds from the start (may begin before 0 or end after the horizon).
    pub fixed: Option<(i64, i64)>,
    /// Drawn as "never reaches its minimum altitude".
    pub impossible: bool,
    /// Visibility windows [start, stop), sorted, disjoint, each at least `min_obs_sec` long.
    pub vis: Vec<(i64, i64)>,
    /// Scheduled slot [start, start + dur).
    pub scheduled: Option<(i64, i64)>,
}

/// Site and time frame shared by all blocks.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub start_mjd: f64,
    /// Horizon length in seconds.
    pub total: i64,
    pub lat_deg: f64,
    pub lon_deg: f64,
}

impl Frame {
    #[inline]
    pub fn mjd(&self, s: i64) -> f64 {
        self.start_mjd + s as f64 / SEC_PER_DAY
    }

    /// Seconds (relative to the start) of the last local mean noon at or before the start.
    pub fn first_local_noon(&self) -> i64 {
        let noon_utc = (43200.0 - self.lon_deg / 360.0 * SEC_PER_DAY).round() as i64;
        let frac = ((self.start_mjd - self.start_mjd.floor()) * SEC_PER_DAY).round() as i64;
        let mut off = (noon_utc - frac).rem_euclid(86400);
        if off > 0 {
            off -= 86400;
        }
        off
    }
}

/// Draw the attributes of the block with generation `index` from stream (seed, salt, index).
pub fn draw_block(seed: u64, salt: u64, index: u64, frame: &Frame) -> GenBlock {
    let mut r = Rng::stream(seed, salt, index);
    let lat = frame.lat_deg;
    // Fixed order of draws; never reorder (keeps ids/attributes stable across versions of the options).
    let impossible = r.chance(P_IMPOSSIBLE);
    let min_alt = MIN_ALTS[r.below(MIN_ALTS.len() as u64) as usize];
    let ra = r.uniform(0.0, 360.0);
    let u_dec = r.f64();
    let dec = if impossible {
        // Culmination altitude 90 − |lat − dec| stays at least 1° below the minimum altitude.
        let limit = 90.0 - min_alt + 1.0; // |lat − dec| > limit
        let (lo, hi) = if lat >= 0.0 { (-89.0, lat - limit) } else { (lat + limit, 89.0) };
        let (lo, hi) = if lo < hi { (lo, hi) } else { (-89.0, -88.0) };
        lo + (hi - lo) * u_dec
    } else {
        // Uniform on the sphere over the band whose culmination altitude 90 − |dec − lat| is at least
        // min_alt + 5°: dec in [lat − reach, lat + reach] ∩ [−90, 90] with reach = 85 − min_alt (≤ 55°, so
        // this lies within the part of the sky reaching REACH_ALT_DEG).
        let reach = 90.0 - (min_alt + CULMINATION_MARGIN_DEG).max(REACH_ALT_DEG);
        let (lo_deg, hi_deg) = ((lat - reach).max(-90.0), (lat + reach).min(90.0));
        let (lo, hi) = (lo_deg * DEG, hi_deg * DEG);
        let s = lo.sin() + (hi.sin() - lo.sin()) * u_dec;
        // Clamp away the last-ulp rounding of sin/asin so the band is respected exactly.
        (s.clamp(-1.0, 1.0).asin() / DEG).clamp(lo_deg, hi_deg)
    };
    let az_sector = r.chance(P_AZ_SECTOR);
    let az_lo = r.below(181) as f64;
    let (min_az, max_az) = if az_sector { (az_lo, az_lo + 180.0) } else { (0.0, 360.0) };
    let fixed_flag = r.chance(P_FIXED);
    let nights = 1 + r.below(7) as i64;
    let u_day = r.f64();
    let fixed = if fixed_flag {
        let days = ((frame.total + 86399) / 86400).max(1);
        let first = frame.first_local_noon();
        let span = (days - nights + 1).max(1);
        let j = ((u_day * span as f64) as i64).min(span - 1);
        let a = first + j * 86400;
        Some((a, a + nights * 86400))
    } else {
        None
    };
    let dur = DURATIONS[r.below(DURATIONS.len() as u64) as usize];
    let max_min = dur / 60;
    let min_min = (dur + 119) / 120; // ceil(dur / 2) in minutes
    let min_obs = 60 * (min_min + r.below((max_min - min_min + 1) as u64) as i64);
    let grid_priority = r.chance(P_GRID_PRIORITY);
    let k = 1 + r.below(20);
    let u_p = r.f64();
    let priority = if grid_priority { k as f64 * 0.5 } else { 0.5 + 9.5 * u_p };
    GenBlock {
        index,
        priority,
        ra_deg: ra,
        dec_deg: dec,
        min_alt_deg: min_alt,
        max_alt_deg: 90.0,
        min_az_deg: min_az,
        max_az_deg: max_az,
        min_obs_sec: min_obs,
        dur_sec: dur,
        fixed,
        impossible,
        vis: Vec::new(),
        scheduled: None,
    }
}

/// Sidereal data on the dark-time grid: per dark period, the interior 2-minute grid instants with
/// cos/sin of the local sidereal time.
pub struct DarkGrid {
    pub dark: Vec<(i64, i64)>,
    nights: Vec<NightGrid>,
}

struct NightGrid {
    times: Vec<i64>,
    cos_lst: Vec<f64>,
    sin_lst: Vec<f64>,
}

impl DarkGrid {
    pub fn new(frame: &Frame, dark: Vec<(i64, i64)>) -> Self {
        let mut nights = Vec::with_capacity(dark.len());
        for &(a, b) in &dark {
            let mut times = Vec::new();
            let mut t = (a / GRID_SEC + 1) * GRID_SEC;
            while t < b {
                times.push(t);
                t += GRID_SEC;
            }
            let mut cos_lst = Vec::with_capacity(times.len());
            let mut sin_lst = Vec::with_capacity(times.len());
            for &t in &times {
                let (s, c) = astro::lst_rad(frame.mjd(t), frame.lon_deg).sin_cos();
                cos_lst.push(c);
                sin_lst.push(s);
            }
            nights.push(NightGrid { times, cos_lst, sin_lst });
        }
        DarkGrid { dark, nights }
    }
}

/// Per-target constants for the altitude/azimuth test.
struct Target {
    frame: Frame,
    /// sin alt = a + b cos LST + c sin LST
    a: f64,
    b: f64,
    c: f64,
    sin_min: f64,
    sin_max: f64,
    check_max: bool,
    cos_ra: f64,
    sin_ra: f64,
    sin_dec: f64,
    cos_dec: f64,
    sin_lat: f64,
    cos_lat: f64,
    az: Option<(f64, f64)>,
}

impl Target {
    fn new(frame: &Frame, blk: &GenBlock) -> Self {
        let (sd, cd) = (blk.dec_deg * DEG).sin_cos();
        let (sr, cr) = (blk.ra_deg * DEG).sin_cos();
        let (sl, cl) = (frame.lat_deg * DEG).sin_cos();
        let az = if blk.min_az_deg <= 0.0 && blk.max_az_deg >= 360.0 {
            None
        } else {
            Some((blk.min_az_deg, blk.max_az_deg))
        };
        Target {
            frame: *frame,
            a: sl * sd,
            b: cl * cd * cr,
            c: cl * cd * sr,
            sin_min: (blk.min_alt_deg * DEG).sin(),
            sin_max: (blk.max_alt_deg * DEG).sin(),
            check_max: blk.max_alt_deg < 90.0,
            cos_ra: cr,
            sin_ra: sr,
            sin_dec: sd,
            cos_dec: cd,
            sin_lat: sl,
            cos_lat: cl,
            az,
        }
    }

    #[inline]
    fn ok(&self, cl: f64, sl: f64) -> bool {
        let s = self.a + self.b * cl + self.c * sl;
        if s < self.sin_min || (self.check_max && s > self.sin_max) {
            return false;
        }
        if let Some((lo, hi)) = self.az {
            // Hour angle H = LST − RA.
            let sh = sl * self.cos_ra - cl * self.sin_ra;
            let ch = cl * self.cos_ra + sl * self.sin_ra;
            let az = (-self.cos_dec * sh).atan2(self.sin_dec * self.cos_lat - self.cos_dec * ch * self.sin_lat);
            let az = (az / DEG).rem_euclid(360.0);
            if az < lo || az > hi {
                return false;
            }
        }
        true
    }

    fn ok_at(&self, t: i64) -> bool {
        let (s, c) = astro::lst_rad(self.frame.mjd(t), self.frame.lon_deg).sin_cos();
        self.ok(c, s)
    }
}

/// Visibility windows of a block: inside dark periods (and its fixed window) where the altitude and azimuth
/// constraints hold; 2-minute grid, 1 s bisection; windows shorter than the minimum observation dropped.
pub fn visibility(frame: &Frame, grid: &DarkGrid, blk: &GenBlock) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    // Culmination altitude check: never reaches the minimum → no windows.
    let culm = 90.0 - (frame.lat_deg - blk.dec_deg).abs();
    if culm < blk.min_alt_deg || blk.min_az_deg > blk.max_az_deg {
        return out;
    }
    let tg = Target::new(frame, blk);
    for (k, &(da, db)) in grid.dark.iter().enumerate() {
        let (a, b) = match blk.fixed {
            Some((fa, fb)) => (da.max(fa), db.min(fb)),
            None => (da, db),
        };
        if b - a < blk.min_obs_sec.max(1) {
            continue;
        }
        let ng = &grid.nights[k];
        let i0 = ng.times.partition_point(|&t| t <= a);
        let i1 = ng.times.partition_point(|&t| t < b);
        // Samples: a, interior grid instants, b.
        let mut prev_t = a;
        let mut prev = tg.ok_at(a);
        let mut open = if prev { Some(a) } else { None };
        let mut step = |t: i64, cur: bool, prev_t: i64, prev: bool, open: &mut Option<i64>| {
            if cur != prev {
                let edge = bisect(prev_t, t, prev, |x| tg.ok_at(x));
                if cur {
                    *open = Some(edge);
                } else if let Some(s) = open.take() {
                    if edge - s >= blk.min_obs_sec && edge > s {
                        out.push((s, edge));
                    }
                }
            }
        };
        for i in i0..i1 {
            let t = ng.times[i];
            let cur = tg.ok(ng.cos_lst[i], ng.sin_lst[i]);
            step(t, cur, prev_t, prev, &mut open);
            prev = cur;
            prev_t = t;
        }
        let cur = tg.ok_at(b);
        step(b, cur, prev_t, prev, &mut open);
        if let Some(s) = open {
            if b - s >= blk.min_obs_sec && b > s {
                out.push((s, b));
            }
        }
    }
    out
}

/// The set of non-overlapping placements (closed-open [start, stop)).
#[derive(Default)]
pub struct Occupancy {
    busy: BTreeMap<i64, i64>,
}

impl Occupancy {
    /// Earliest start t in [ws, we − d] such that [t, t + d) overlaps no placement.
    pub fn earliest(&self, ws: i64, we: i64, d: i64) -> Option<i64> {
        let mut t = ws;
        loop {
            if t + d > we {
                return None;
            }
            match self.busy.range(..t + d).next_back() {
                Some((_, &stop)) if stop > t => t = stop,
                _ => return Some(t),
            }
        }
    }

    pub fn insert(&mut self, a: i64, b: i64) {
        self.busy.insert(a, b);
    }

    /// Placements intersecting [a, b), in start order.
    pub fn intersecting(&self, a: i64, b: i64) -> Vec<(i64, i64)> {
        let mut v = Vec::new();
        if let Some((&s, &e)) = self.busy.range(..a).next_back() {
            if e > a {
                v.push((s, e));
            }
        }
        for (&s, &e) in self.busy.range(a..b) {
            v.push((s, e));
        }
        v
    }

    pub fn all(&self) -> Vec<(i64, i64)> {
        self.busy.iter().map(|(&a, &b)| (a, b)).collect()
    }
}

/// Greedy order: priority descending, ties by index (base) or by a key seeded by the variant.
pub fn greedy_order(blocks: &[GenBlock], tie_seed: Option<u64>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..blocks.len()).collect();
    let key = |i: usize| -> u64 {
        match tie_seed {
            None => blocks[i].index,
            Some(v) => hash3(v, 0x7469_6562, blocks[i].index),
        }
    };
    order.sort_by(|&i, &j| {
        blocks[j]
            .priority
            .total_cmp(&blocks[i].priority)
            .then(key(i).cmp(&key(j)))
            .then(blocks[i].index.cmp(&blocks[j].index))
    });
    order
}

/// Greedy scheduling: in `order`, place each block at the earliest free start inside one of its windows
/// where the requested duration fits, until `target` blocks are placed. Returns the occupancy.
pub fn schedule_greedy(blocks: &mut [GenBlock], order: &[usize], target: usize) -> Occupancy {
    let mut occ = Occupancy::default();
    let mut placed = 0usize;
    for &i in order {
        if placed >= target {
            break;
        }
        let d = blocks[i].dur_sec;
        let mut slot = None;
        for &(ws, we) in &blocks[i].vis {
            if we - ws < d {
                continue;
            }
            if let Some(t) = occ.earliest(ws, we, d) {
                slot = Some(t);
                break;
            }
        }
        if let Some(t) = slot {
            occ.insert(t, t + d);
            blocks[i].scheduled = Some((t, t + d));
            placed += 1;
        }
    }
    occ
}

/// Place block `blk` overlapping an existing placement: inside one of its windows when a placement
/// intersects a window that fits the duration, otherwise starting halfway through a random placement.
/// `extra` holds earlier conflict placements (used when there is no greedy placement at all).
pub fn conflict_slot(blk: &GenBlock, occ: &Occupancy, extra: &[(i64, i64)], dark: &[(i64, i64)], r: &mut Rng) -> (i64, i64) {
    let d = blk.dur_sec;
    let fitting: Vec<(i64, i64)> = blk.vis.iter().copied().filter(|&(a, b)| b - a >= d).collect();
    if !fitting.is_empty() {
        let off = r.below(fitting.len() as u64) as usize;
        for k in 0..fitting.len() {
            let (ws, we) = fitting[(off + k) % fitting.len()];
            let hits = occ.intersecting(ws, we);
            if !hits.is_empty() {
                let p = hits[r.below(hits.len() as u64) as usize];
                let t = p.0.clamp(ws, we - d);
                return (t, t + d);
            }
        }
    }
    let all = occ.all();
    let pool: &[(i64, i64)] = if !all.is_empty() { &all } else { extra };
    if pool.is_empty() {
        let t = dark.first().map(|p| p.0).unwrap_or(0);
        return (t, t + d);
    }
    let p = pool[r.below(pool.len() as u64) as usize];
    let t = p.0 + (p.1 - p.0) / 2;
    (t, t + d)
}
