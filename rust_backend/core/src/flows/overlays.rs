//! Sky-map overlays (galactic plane, ecliptic, graticule, outline) and axis extents (flows.md §1).
//! Lines are `(x, y)` vectors; NaN separates lines and marks where a line wraps across the map edge.

use crate::flows::projection::{lambda_deg, project, project_lambda, Projection};
use crate::payload::{dict, Val};

pub type Line = (Vec<f64>, Vec<f64>);

/// North galactic pole and the galactic longitude of the north celestial pole (degrees).
pub const NGP_RA_DEG: f64 = 192.85948;
pub const NGP_DEC_DEG: f64 = 27.12825;
pub const L_NCP_DEG: f64 = 122.93192;
pub const OBLIQUITY_DEG: f64 = 23.4392911;
/// Axis padding as a fraction of the span, on each side.
pub const AXIS_PAD: f64 = 0.02;

/// Equatorial (RA in [0, 360), Dec) of galactic (l, b), degrees.
pub fn galactic_to_equatorial(l_deg: f64, b_deg: f64) -> (f64, f64) {
    let (dg, b) = (NGP_DEC_DEG.to_radians(), b_deg.to_radians());
    let dl = (L_NCP_DEG - l_deg).to_radians();
    let sin_dec = dg.sin() * b.sin() + dg.cos() * b.cos() * dl.cos();
    let dec = sin_dec.clamp(-1.0, 1.0).asin();
    let y = b.cos() * dl.sin();
    let x = dg.cos() * b.sin() - dg.sin() * b.cos() * dl.cos();
    let ra = (NGP_RA_DEG + y.atan2(x).to_degrees()).rem_euclid(360.0);
    (ra, dec.to_degrees())
}

/// Equatorial (RA in [0, 360), Dec) of ecliptic (λ, β), degrees.
pub fn ecliptic_to_equatorial(lon_deg: f64, lat_deg: f64) -> (f64, f64) {
    let e = OBLIQUITY_DEG.to_radians();
    let (l, b) = (lon_deg.to_radians(), lat_deg.to_radians());
    let sin_dec = b.sin() * e.cos() + b.cos() * e.sin() * l.sin();
    let dec = sin_dec.clamp(-1.0, 1.0).asin();
    let y = l.sin() * e.cos() - b.tan() * e.sin();
    let ra = y.atan2(l.cos()).to_degrees().rem_euclid(360.0);
    (ra, dec.to_degrees())
}

struct Builder {
    x: Vec<f64>,
    y: Vec<f64>,
}

impl Builder {
    fn new() -> Self {
        Builder { x: Vec::new(), y: Vec::new() }
    }
    fn brk(&mut self) {
        if self.x.last().is_some_and(|v| !v.is_nan()) {
            self.x.push(f64::NAN);
            self.y.push(f64::NAN);
        }
    }
    fn push(&mut self, p: (f64, f64)) {
        self.x.push(p.0);
        self.y.push(p.1);
    }
    /// One line through sky points (RA, Dec), broken where the wrapped longitude jumps across the edge.
    fn sky_line(&mut self, pts: &[(f64, f64)], proj: Projection, ra_left: bool, center: f64) {
        self.brk();
        let mut prev: Option<f64> = None;
        for &(ra, dec) in pts {
            let w = match proj {
                Projection::Cartesian => ra,
                _ => lambda_deg(ra, center),
            };
            if let Some(p) = prev {
                if (w - p).abs() > 180.0 {
                    self.brk();
                }
            }
            prev = Some(w);
            self.push(project(proj, ra, dec, ra_left, center));
        }
    }
    fn done(mut self) -> Line {
        if self.x.last().is_some_and(|v| v.is_nan()) {
            self.x.pop();
            self.y.pop();
        }
        (self.x, self.y)
    }
}

/// The galactic plane (b = 0) sampled every 1° of l (0..=360, closed).
pub fn galactic_plane(proj: Projection, ra_left: bool, center_ra_deg: f64) -> Line {
    let pts: Vec<(f64, f64)> = (0..=360).map(|l| galactic_to_equatorial(l as f64, 0.0)).collect();
    let mut b = Builder::new();
    b.sky_line(&pts, proj, ra_left, center_ra_deg);
    b.done()
}

/// The ecliptic (β = 0) sampled every 1° of ecliptic longitude (0..=360, closed).
pub fn ecliptic(proj: Projection, ra_left: bool, center_ra_deg: f64) -> Line {
    let pts: Vec<(f64, f64)> = (0..=360).map(|l| ecliptic_to_equatorial(l as f64, 0.0)).collect();
    let mut b = Builder::new();
    b.sky_line(&pts, proj, ra_left, center_ra_deg);
    b.done()
}

/// Meridians every 30° of RA (Dec −90..=90 every 1°), then parallels at Dec −60, −30, 0, 30, 60 spanning
/// the whole map (every 1°).
pub fn graticule(proj: Projection, ra_left: bool, center_ra_deg: f64) -> Line {
    let mut b = Builder::new();
    for k in 0..12 {
        let ra = 30.0 * k as f64;
        let pts: Vec<(f64, f64)> = (-90..=90).map(|d| (ra, d as f64)).collect();
        b.sky_line(&pts, proj, ra_left, center_ra_deg);
    }
    for k in -2..=2 {
        let dec = 30.0 * k as f64;
        b.brk();
        for step in 0..=360 {
            let p = match proj {
                Projection::Cartesian => (step as f64, dec),
                _ => project_lambda(proj, step as f64 - 180.0, dec, ra_left),
            };
            b.push(p);
        }
    }
    b.done()
}

/// Boundary of the projection (λ = +180 from the south to the north pole, then λ = −180 back down);
/// empty for cartesian.
pub fn outline(proj: Projection, ra_left: bool) -> Line {
    let mut b = Builder::new();
    if proj == Projection::Cartesian {
        return b.done();
    }
    for d in -90..=90 {
        b.push(project_lambda(proj, 180.0, d as f64, ra_left));
    }
    for d in (-90..=90).rev() {
        b.push(project_lambda(proj, -180.0, d as f64, ra_left));
    }
    b.done()
}

fn line_val((x, y): Line) -> Val {
    dict().put("x", x).put("y", y).build()
}

/// `overlays` dict of the sky map payload.
pub fn overlays(proj: Projection, ra_left: bool, center_ra_deg: f64) -> Val {
    // The lines depend only on the parameters, and a page asks for few combinations: memoise them per process.
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static MEMO: OnceLock<Mutex<HashMap<(u8, bool, u64), Val>>> = OnceLock::new();
    let key = (proj as u8, ra_left, center_ra_deg.to_bits());
    let memo = MEMO.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(v) = memo.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return v;
    }
    let v = compute_overlays(proj, ra_left, center_ra_deg);
    if let Ok(mut m) = memo.lock() {
        if m.len() < 64 {
            m.insert(key, v.clone());
        }
    }
    v
}

fn compute_overlays(proj: Projection, ra_left: bool, center_ra_deg: f64) -> Val {
    dict()
        .put("galactic_plane", line_val(galactic_plane(proj, ra_left, center_ra_deg)))
        .put("ecliptic", line_val(ecliptic(proj, ra_left, center_ra_deg)))
        .put("graticule", line_val(graticule(proj, ra_left, center_ra_deg)))
        .put("outline", line_val(outline(proj, ra_left)))
        .build()
}

/// Padded extents (x_min, x_max, y_min, y_max).
pub fn padded_extent(proj: Projection) -> (f64, f64, f64, f64) {
    let (x0, x1, y0, y1) = proj.extent();
    let px = (x1 - x0) * AXIS_PAD;
    let py = (y1 - y0) * AXIS_PAD;
    (x0 - px, x1 + px, y0 - py, y1 + py)
}

/// `axes` dict: padded extents; `x_reversed` = ra_left for cartesian, false otherwise (the sign mirrors).
pub fn axes(proj: Projection, ra_left: bool) -> Val {
    let (x0, x1, y0, y1) = padded_extent(proj);
    dict()
        .put("x_min", x0)
        .put("x_max", x1)
        .put("y_min", y0)
        .put("y_max", y1)
        .put("x_reversed", proj == Projection::Cartesian && ra_left)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn galactic_poles_and_centre() {
        // b = 90 is the NGP
        let (ra, dec) = galactic_to_equatorial(0.0, 90.0);
        assert!((dec - NGP_DEC_DEG).abs() < 1e-9, "{ra} {dec}");
        // galactic centre ≈ RA 266.405, Dec −28.936
        let (ra, dec) = galactic_to_equatorial(0.0, 0.0);
        assert!((ra - 266.405).abs() < 0.01 && (dec + 28.936).abs() < 0.01, "{ra} {dec}");
    }

    #[test]
    fn ecliptic_points() {
        let (ra, dec) = ecliptic_to_equatorial(90.0, 0.0);
        assert!((ra - 90.0).abs() < 1e-9 && (dec - OBLIQUITY_DEG).abs() < 1e-9);
        let (ra, dec) = ecliptic_to_equatorial(0.0, 0.0);
        assert!(ra.abs() < 1e-9 && dec.abs() < 1e-9);
    }

    #[test]
    fn lines_break_at_edge_and_stay_inside() {
        for proj in [Projection::Mollweide, Projection::Aitoff, Projection::Hammer, Projection::Cartesian] {
            let (x0, x1, y0, y1) = padded_extent(proj);
            for (name, (x, y)) in [
                ("gal", galactic_plane(proj, true, 180.0)),
                ("ecl", ecliptic(proj, true, 180.0)),
                ("grid", graticule(proj, true, 180.0)),
                ("outline", outline(proj, true)),
            ] {
                assert_eq!(x.len(), y.len());
                for k in 0..x.len() {
                    assert_eq!(x[k].is_nan(), y[k].is_nan());
                    if !x[k].is_nan() {
                        assert!(x[k] >= x0 && x[k] <= x1 && y[k] >= y0 && y[k] <= y1, "{name} {proj:?}");
                    }
                }
                if !x.is_empty() {
                    assert!(!x[0].is_nan() && !x[x.len() - 1].is_nan());
                }
                // no segment jumps across the map (a wrap would span more than half the width)
                for k in 1..x.len() {
                    if !x[k].is_nan() && !x[k - 1].is_nan() {
                        assert!((x[k] - x[k - 1]).abs() < (x1 - x0) / 2.0, "{name} {proj:?} at {k}");
                    }
                }
            }
        }
        // the ecliptic crosses the edge once with centre 180 (RA 0): one break
        let (x, _) = ecliptic(Projection::Mollweide, true, 180.0);
        assert_eq!(x.iter().filter(|v| v.is_nan()).count(), 1);
        assert!(outline(Projection::Cartesian, true).0.is_empty());
        // graticule: 12 meridians + 5 parallels → 16 separators (plus wrap breaks: none here)
        let (x, _) = graticule(Projection::Hammer, true, 180.0);
        assert_eq!(x.iter().filter(|v| v.is_nan()).count(), 16);
    }

    #[test]
    fn axes_padding() {
        let a = axes(Projection::Cartesian, true);
        assert_eq!(a.get("x_min"), Some(&Val::Float(-7.2)));
        assert_eq!(a.get("x_reversed"), Some(&Val::Bool(true)));
        let a = axes(Projection::Mollweide, true);
        assert_eq!(a.get("x_reversed"), Some(&Val::Bool(false)));
    }
}
