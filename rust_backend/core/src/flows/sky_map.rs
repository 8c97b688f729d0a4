//! Sky map flow (flows.md §1).

use crate::blockset::{BlockCol, BlockCols, BlockSet, ScheduleFacts};
use crate::derive::{PriorityBins, BIN_COLORS, BIN_LABELS};
use crate::flows::overlays::{axes, overlays};
use crate::flows::projection::{project, Projection};
use crate::flows::spec::{DefaultValue, FlowSpec, Kind, Param};
use crate::payload::{dict, Val};
use crate::{CoreError, Result};

/// The block columns the sky map reads (the ETL loader selects only these).
pub const COLUMNS: BlockCols = BlockCols::of(&[
    BlockCol::OriginalId, BlockCol::Ra, BlockCol::Dec, BlockCol::Priority, BlockCol::RequestedSec,
    BlockCol::SchedStart, BlockCol::SchedStop,
]);

/// The sky map's parameters (flows.md §1).
pub const SPEC: FlowSpec = FlowSpec {
    name: "sky_map",
    params: &[
        Param::new("projection", Kind::Choice(Projection::NAMES), DefaultValue::Text("mollweide")).setting("UI.DEFAULT_PROJECTION"),
        Param::new("ra_left", Kind::Bool, DefaultValue::Bool(true)),
        Param::new("center_ra_deg", Kind::Float, DefaultValue::Float(180.0)).within_open(0.0, 360.0),
    ],
    rules: &[],
};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkyMapParams {
    pub projection: Projection,
    pub ra_left: bool,
    pub center_ra_deg: f64,
}

impl SkyMapParams {
    /// Validated parameters (flows.md §1); errors name the parameter.
    pub fn new(projection: &str, ra_left: bool, center_ra_deg: f64) -> Result<Self> {
        let projection = Projection::parse(projection).ok_or_else(|| {
            CoreError::value(format!("projection must be cartesian, mollweide, aitoff or hammer (got '{projection}')"))
        })?;
        if !SPEC.param("center_ra_deg").admits(center_ra_deg) {
            return Err(CoreError::value("center_ra_deg must be in [0, 360)"));
        }
        Ok(SkyMapParams { projection, ra_left, center_ra_deg })
    }
}

impl Default for SkyMapParams {
    fn default() -> Self {
        SkyMapParams { projection: Projection::Mollweide, ra_left: true, center_ra_deg: 180.0 }
    }
}

/// Min and max of a sequence (None when empty).
fn min_max(values: impl Iterator<Item = f64>) -> (Option<f64>, Option<f64>) {
    let mut lo: Option<f64> = None;
    let mut hi: Option<f64> = None;
    for v in values {
        lo = Some(lo.map_or(v, |l| l.min(v)));
        hi = Some(hi.map_or(v, |h| h.max(v)));
    }
    (lo, hi)
}

/// The `priority_bins` table (4 rows) with the number of blocks per bin.
pub fn priority_bins_table(bins: &PriorityBins, block_bins: &[u8]) -> Val {
    let mut counts = [0i64; 4];
    for &k in block_bins {
        counts[(k - 1) as usize] += 1;
    }
    let ks: Vec<u8> = vec![1, 2, 3, 4];
    dict()
        .put("bin", ks.clone())
        .put("label", BIN_LABELS.iter().map(|s| s.to_string()).collect::<Vec<String>>())
        .put("min_priority", ks.iter().map(|&k| bins.range(k).0).collect::<Vec<f64>>())
        .put("max_priority", ks.iter().map(|&k| bins.range(k).1).collect::<Vec<f64>>())
        .put("color", BIN_COLORS.iter().map(|s| s.to_string()).collect::<Vec<String>>())
        .put("count", counts.to_vec())
        .build()
}

/// Below this many blocks one thread projects faster than two.
const PARALLEL_MIN_BLOCKS: usize = 8_000;

/// Map coordinates of every block. Mollweide solves an equation per point by Newton's method, so large
/// schedules are projected in two halves on two threads (the flow runs with the GIL released); each point's
/// result does not depend on the split.
fn project_all(b: &BlockSet, p: &SkyMapParams) -> (Vec<f64>, Vec<f64>) {
    let run = |range: std::ops::Range<usize>| -> (Vec<f64>, Vec<f64>) {
        range.map(|i| project(p.projection, b.ra_deg[i], b.dec_deg[i], p.ra_left, p.center_ra_deg)).unzip()
    };
    let n = b.len();
    if n < PARALLEL_MIN_BLOCKS {
        return run(0..n);
    }
    std::thread::scope(|sc| {
        let second = sc.spawn(|| run(n / 2..n));
        let first = run(0..n / 2);
        let (x2, y2) = second.join().expect("projection thread");
        let (mut x1, mut y1) = first;
        x1.extend(x2);
        y1.extend(y2);
        (x1, y1)
    })
}

pub fn sky_map(_facts: &ScheduleFacts, b: &BlockSet, p: &SkyMapParams) -> Val {
    let n = b.len();
    let bins = PriorityBins::from_priorities(&b.priority);
    let pbin = bins.bins_of(&b.priority);
    let (xs, ys) = project_all(b, p);
    let scheduled: Vec<bool> = (0..n).map(|i| b.is_scheduled(i)).collect();
    let requested: Vec<f64> = (0..n).map(|i| b.requested_hours(i)).collect();
    let start: Vec<f64> = (0..n).map(|i| if scheduled[i] { b.sched_start[i] } else { f64::NAN }).collect();
    let stop: Vec<f64> = (0..n).map(|i| if scheduled[i] { b.sched_stop[i] } else { f64::NAN }).collect();

    let sched_idx: Vec<usize> = (0..n).filter(|&i| scheduled[i]).collect();
    let (pmin, pmax) = min_max(b.priority.iter().copied());
    let (ra_min, ra_max) = min_max(b.ra_deg.iter().copied());
    let (dec_min, dec_max) = min_max(b.dec_deg.iter().copied());
    let (t_min, _) = min_max(sched_idx.iter().map(|&i| b.sched_start[i]));
    let (_, t_max) = min_max(sched_idx.iter().map(|&i| b.sched_stop[i]));
    let (_, req_max) = min_max(requested.iter().copied());

    let blocks = dict()
        .put("block_id", b.block_id.clone())
        .put("original_block_id", b.original_id.clone())
        .put("ra_deg", b.ra_deg.clone())
        .put("dec_deg", b.dec_deg.clone())
        .put("x", xs)
        .put("y", ys)
        .put("priority", b.priority.clone())
        .put("priority_bin", pbin.clone())
        .put("requested_hours", requested)
        .put("scheduled", scheduled)
        .put("scheduled_start_mjd", start)
        .put("scheduled_stop_mjd", stop)
        .build();
    let stats = dict()
        .put("total_count", n)
        .put("scheduled_count", sched_idx.len())
        .put("priority_min", pmin)
        .put("priority_max", pmax)
        .put("ra_min", ra_min)
        .put("ra_max", ra_max)
        .put("dec_min", dec_min)
        .put("dec_max", dec_max)
        .put("scheduled_time_min_mjd", t_min)
        .put("scheduled_time_max_mjd", t_max)
        .put("requested_hours_max", req_max)
        .build();
    dict()
        .put("blocks", blocks)
        .put("priority_bins", priority_bins_table(&bins, &pbin))
        .put("overlays", overlays(p.projection, p.ra_left, p.center_ra_deg))
        .put("axes", axes(p.projection, p.ra_left))
        .put("stats", stats)
        .build()
}

#[cfg(test)]
pub(crate) mod testutil {
    use crate::blockset::{BlockRow, BlockSet, ScheduleFacts};
    use crate::model::Period;
    use crate::payload::Val;

    pub fn facts(name: &str) -> ScheduleFacts {
        ScheduleFacts { schedule_id: 1, name: name.to_string(), checksum: "c".into(), dark_periods: vec![] }
    }

    /// A block row with defaults; `sched` = scheduled (start, stop) in MJD.
    pub fn row(id: i64, oid: &str, prio: f64, req_sec: i64, sched: Option<(f64, f64)>) -> BlockRow {
        BlockRow {
            block_id: id,
            original_id: oid.to_string(),
            ra_deg: (id as f64 * 37.0) % 360.0,
            dec_deg: ((id as f64 * 13.0) % 180.0) - 90.0,
            priority: prio,
            requested_sec: req_sec,
            min_obs_sec: 0,
            min_alt: f64::NAN,
            max_alt: f64::NAN,
            min_az: f64::NAN,
            max_az: f64::NAN,
            fixed_start: f64::NAN,
            fixed_stop: f64::NAN,
            sched_start: sched.map_or(f64::NAN, |s| s.0),
            sched_stop: sched.map_or(f64::NAN, |s| s.1),
        }
    }

    pub fn push(b: &mut BlockSet, r: BlockRow, vis: &[(f64, f64)]) {
        b.push_raw(r, vis.iter().map(|&(s, e)| Period::new(s, e)).collect());
    }

    /// Parity-style equality: same keys and types, floats equal or both NaN.
    pub fn same(a: &Val, b: &Val) -> bool {
        fn f(x: f64, y: f64) -> bool {
            x == y || (x.is_nan() && y.is_nan())
        }
        match (a, b) {
            (Val::Float(x), Val::Float(y)) => f(*x, *y),
            (Val::ColF64(x), Val::ColF64(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| f(*p, *q)),
            (Val::List(x), Val::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
            (Val::Dict(x), Val::Dict(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|((k1, v1), (k2, v2))| k1 == k2 && same(v1, v2))
            }
            _ => a == b,
        }
    }

    /// Deterministic LCG.
    pub struct Lcg(pub u64);
    impl Lcg {
        pub fn next_u32(&mut self) -> u32 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) as u32
        }
        pub fn below(&mut self, n: u32) -> u32 {
            self.next_u32() % n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    #[test]
    fn large_schedules_are_projected_on_two_threads_point_for_point() {
        let mut b = BlockSet::new();
        for k in 0..(PARALLEL_MIN_BLOCKS as i64 + 1001) {
            let mut r = row(k + 1, "x", 1.0 + (k % 9) as f64, 600, None);
            r.ra_deg = (k as f64 * 37.7) % 360.0;
            r.dec_deg = ((k as f64 * 13.1) % 180.0) - 90.0;
            push(&mut b, r, &[]);
        }
        for p in [SkyMapParams::default(), SkyMapParams::new("aitoff", false, 90.0).unwrap()] {
            let (xs, ys) = project_all(&b, &p);
            assert_eq!(xs.len(), b.len());
            for i in 0..b.len() {
                let (x, y) = project(p.projection, b.ra_deg[i], b.dec_deg[i], p.ra_left, p.center_ra_deg);
                assert_eq!((xs[i].to_bits(), ys[i].to_bits()), (x.to_bits(), y.to_bits()), "block {i}");
            }
        }
    }

    #[test]
    fn params_validation() {
        assert!(SkyMapParams::new("hammer", false, 0.0).is_ok());
        assert!(SkyMapParams::new("polar", true, 0.0).is_err());
        assert!(SkyMapParams::new("mollweide", true, 360.0).is_err());
        assert!(SkyMapParams::new("mollweide", true, f64::NAN).is_err());
    }

    #[test]
    fn mollweide_blocks_projected() {
        let mut b = BlockSet::new();
        let mut r = row(1, "a", 1.0, 60, None);
        r.ra_deg = 180.0;
        r.dec_deg = 90.0;
        push(&mut b, r, &[]);
        let v = sky_map(&facts("m"), &b, &SkyMapParams::default());
        let bl = v.get("blocks").unwrap();
        assert_eq!(bl.get("x"), Some(&Val::ColF64(vec![0.0])));
        assert_eq!(bl.get("y"), Some(&Val::ColF64(vec![std::f64::consts::SQRT_2])));
        assert_eq!(bl.get("scheduled_start_mjd").unwrap().to_json(), "[null]");
        assert_eq!(v.get("priority_bins").unwrap().get("count"), Some(&Val::ColI64(vec![1, 0, 0, 0])));
    }

    #[test]
    fn empty_schedule() {
        let b = BlockSet::new();
        let v = sky_map(&facts("e"), &b, &SkyMapParams::default());
        assert_eq!(v.get("blocks").unwrap().get("x").unwrap().column_len(), Some(0));
        let s = v.get("stats").unwrap();
        assert_eq!(s.get("total_count"), Some(&Val::Int(0)));
        assert_eq!(s.get("scheduled_count"), Some(&Val::Int(0)));
        for k in ["priority_min", "ra_max", "scheduled_time_min_mjd", "requested_hours_max"] {
            assert_eq!(s.get(k), Some(&Val::Null), "{k}");
        }
        let pb = v.get("priority_bins").unwrap();
        assert_eq!(pb.get("min_priority"), Some(&Val::ColF64(vec![0.0, 0.25, 0.5, 0.75])));
        assert_eq!(pb.get("max_priority"), Some(&Val::ColF64(vec![0.25, 0.5, 0.75, 1.0])));
        assert_eq!(pb.get("count"), Some(&Val::ColI64(vec![0, 0, 0, 0])));
    }

    #[test]
    fn blocks_and_stats() {
        let mut b = BlockSet::new();
        push(&mut b, row(1, "a", 0.0, 3600, Some((60000.0, 60000.5))), &[(1.0, 2.0)]);
        push(&mut b, row(2, "b", 8.0, 7200, None), &[]);
        push(&mut b, row(3, "c", 4.0, 1800, Some((59999.0, 59999.25))), &[]);
        let p = SkyMapParams { projection: Projection::Cartesian, ra_left: true, center_ra_deg: 0.0 };
        let v = sky_map(&facts("x"), &b, &p);
        let bl = v.get("blocks").unwrap();
        assert_eq!(bl.get("priority_bin"), Some(&Val::ColU8(vec![1, 4, 3])));
        assert_eq!(bl.get("scheduled"), Some(&Val::ColBool(vec![true, false, true])));
        assert_eq!(bl.get("x"), bl.get("ra_deg"));
        let s = v.get("stats").unwrap();
        assert_eq!(s.get("scheduled_count"), Some(&Val::Int(2)));
        assert_eq!(s.get("scheduled_time_min_mjd"), Some(&Val::Float(59999.0)));
        assert_eq!(s.get("scheduled_time_max_mjd"), Some(&Val::Float(60000.5)));
        assert_eq!(s.get("requested_hours_max"), Some(&Val::Float(2.0)));
        assert_eq!(v.get("priority_bins").unwrap().get("count"), Some(&Val::ColI64(vec![1, 0, 1, 1])));
        assert_eq!(v.get("axes").unwrap().get("x_reversed"), Some(&Val::Bool(true)));
        // every table has equal-length columns
        let Val::Dict(cols) = bl else { panic!() };
        assert!(cols.iter().all(|(_, c)| c.column_len() == Some(3)));
    }
}
