//! Sky projections of flows.md §1 (computed in Rust so both paths share one formula).

use std::f64::consts::{FRAC_PI_2, PI, SQRT_2};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    Cartesian,
    Mollweide,
    Aitoff,
    Hammer,
}

impl Projection {
    /// Every projection's name (the sky map's `projection` choices).
    pub const NAMES: &'static [&'static str] = &["cartesian", "mollweide", "aitoff", "hammer"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "cartesian" => Some(Projection::Cartesian),
            "mollweide" => Some(Projection::Mollweide),
            "aitoff" => Some(Projection::Aitoff),
            "hammer" => Some(Projection::Hammer),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Projection::Cartesian => "cartesian",
            Projection::Mollweide => "mollweide",
            Projection::Aitoff => "aitoff",
            Projection::Hammer => "hammer",
        }
    }

    /// Unpadded extents (x_min, x_max, y_min, y_max) of the projection.
    pub fn extent(&self) -> (f64, f64, f64, f64) {
        match self {
            Projection::Cartesian => (0.0, 360.0, -90.0, 90.0),
            Projection::Mollweide | Projection::Hammer => (-2.0 * SQRT_2, 2.0 * SQRT_2, -SQRT_2, SQRT_2),
            Projection::Aitoff => (-PI, PI, -FRAC_PI_2, FRAC_PI_2),
        }
    }
}

/// λ in degrees: ((RA − center + 180) mod 360) − 180, in [−180, 180).
pub fn lambda_deg(ra_deg: f64, center_ra_deg: f64) -> f64 {
    (ra_deg - center_ra_deg + 180.0).rem_euclid(360.0) - 180.0
}

/// Mollweide auxiliary angle θ solving 2θ + sin 2θ = π sin φ (Newton until the step is below 1e−12).
pub fn mollweide_theta(phi: f64) -> f64 {
    mollweide(phi).0
}

/// Intervals of sin φ in the table of θ that starts Newton's method.
const THETA_TABLE: usize = 1024;
/// Beyond this |sin φ| (within 2.6° of a pole) the table's start is too coarse (θ has a cube-root cusp at the
/// poles): Newton starts from φ instead.
const TABLE_MAX_SIN: f64 = 0.999;

/// θ at sin φ = −1 + 2k/THETA_TABLE, converged to the last bit.
fn theta_table() -> &'static [f64] {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..=THETA_TABLE)
            .map(|k| {
                let s = -1.0 + 2.0 * k as f64 / THETA_TABLE as f64;
                newton_from_phi(s.clamp(-1.0, 1.0).asin(), 1e-16).0
            })
            .collect()
    })
}

/// Newton's method from θ = φ: (θ, sin θ, cos θ).
fn newton_from_phi(phi: f64, tol: f64) -> (f64, f64, f64) {
    let target = PI * phi.sin();
    let mut theta = phi;
    for _ in 0..200 {
        let f = 2.0 * theta + (2.0 * theta).sin() - target;
        let d = 2.0 + 2.0 * (2.0 * theta).cos();
        if d == 0.0 {
            break;
        }
        let step = f / d;
        theta -= step;
        if step.abs() < tol {
            break;
        }
    }
    (theta, theta.sin(), theta.cos())
}

/// (θ, sin θ, cos θ) of the Mollweide equation. Newton starts from the table interpolated at sin φ (about two
/// steps instead of five from φ) and works with sin θ and cos θ (sin 2θ = 2 sin θ cos θ, 2 + 2 cos 2θ =
/// 4 cos² θ), which the projection needs too: after the last step, below 1e−12, they are moved to the new θ to
/// first order (the error is the step squared).
fn mollweide(phi: f64) -> (f64, f64, f64) {
    if phi >= FRAC_PI_2 {
        return (FRAC_PI_2, 1.0, 0.0);
    }
    if phi <= -FRAC_PI_2 {
        return (-FRAC_PI_2, -1.0, 0.0);
    }
    let sin_phi = phi.sin();
    if sin_phi.abs() > TABLE_MAX_SIN {
        return newton_from_phi(phi, 1e-12);
    }
    let table = theta_table();
    let u = (sin_phi + 1.0) * (THETA_TABLE as f64 / 2.0);
    let k = (u as usize).min(THETA_TABLE - 1);
    let mut theta = table[k] + (u - k as f64) * (table[k + 1] - table[k]);
    let target = PI * sin_phi;
    let (mut s, mut c) = (theta.sin(), theta.cos());
    for _ in 0..50 {
        let f = 2.0 * theta + 2.0 * s * c - target;
        let step = f / (4.0 * c * c);
        theta -= step;
        if step.abs() < 1e-12 {
            return (theta, s - step * c, c + step * s);
        }
        (s, c) = (theta.sin(), theta.cos());
    }
    (theta, s, c)
}

/// Project with λ given directly (degrees, in [−180, 180]); not for cartesian.
pub fn project_lambda(proj: Projection, lambda_deg: f64, dec_deg: f64, ra_left: bool) -> (f64, f64) {
    let s = if ra_left { -1.0 } else { 1.0 };
    let lam = lambda_deg.to_radians();
    let phi = dec_deg.to_radians();
    match proj {
        Projection::Cartesian => (lambda_deg, dec_deg),
        Projection::Mollweide => {
            let (_, sin_t, cos_t) = mollweide(phi);
            (s * (2.0 * SQRT_2 / PI) * lam * cos_t, SQRT_2 * sin_t)
        }
        Projection::Hammer => {
            let z = (1.0 + phi.cos() * (lam / 2.0).cos()).sqrt();
            (s * 2.0 * SQRT_2 * phi.cos() * (lam / 2.0).sin() / z, SQRT_2 * phi.sin() / z)
        }
        Projection::Aitoff => {
            let c = (phi.cos() * (lam / 2.0).cos()).clamp(-1.0, 1.0);
            let alpha = c.acos();
            let sinc = if alpha == 0.0 { 1.0 } else { alpha.sin() / alpha };
            (s * 2.0 * phi.cos() * (lam / 2.0).sin() / sinc, phi.sin() / sinc)
        }
    }
}

/// Map coordinates of a sky position. Cartesian: (RA, Dec) (centre ignored; the axis is reversed instead).
pub fn project(proj: Projection, ra_deg: f64, dec_deg: f64, ra_left: bool, center_ra_deg: f64) -> (f64, f64) {
    match proj {
        Projection::Cartesian => (ra_deg, dec_deg),
        _ => project_lambda(proj, lambda_deg(ra_deg, center_ra_deg), dec_deg, ra_left),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Projection; 3] = [Projection::Mollweide, Projection::Aitoff, Projection::Hammer];

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn parse_roundtrip() {
        for p in [Projection::Cartesian, Projection::Mollweide, Projection::Aitoff, Projection::Hammer] {
            assert_eq!(Projection::parse(p.as_str()), Some(p));
        }
        assert_eq!(Projection::parse("Mollweide"), None);
    }

    #[test]
    fn centre_maps_to_origin() {
        for p in ALL {
            for c in [0.0, 180.0, 42.5] {
                let (x, y) = project(p, c, 0.0, true, c);
                assert!(close(x, 0.0) && close(y, 0.0), "{p:?} {c}: {x} {y}");
            }
        }
    }

    #[test]
    fn lambda_wraps() {
        assert_eq!(lambda_deg(0.0, 180.0), -180.0);
        assert_eq!(lambda_deg(359.0, 180.0), 179.0);
        assert_eq!(lambda_deg(10.0, 350.0), 20.0);
        assert_eq!(lambda_deg(350.0, 10.0), -20.0);
    }

    #[test]
    fn mollweide_poles_and_edge() {
        let (x, y) = project(Projection::Mollweide, 123.0, 90.0, true, 180.0);
        assert!(close(x, 0.0) && close(y, SQRT_2));
        let (x, y) = project(Projection::Mollweide, 10.0, -90.0, false, 180.0);
        assert!(close(x, 0.0) && close(y, -SQRT_2));
        // equator, λ = 90°: θ = 0, x = s·(2√2/π)·(π/2) = s·√2
        let (x, y) = project(Projection::Mollweide, 270.0, 0.0, true, 180.0);
        assert!(close(x, -SQRT_2) && close(y, 0.0));
        // θ solves the equation
        for dec in [-89.9f64, -45.0, 10.0, 60.0, 89.99] {
            let phi: f64 = dec.to_radians();
            let t = mollweide_theta(phi);
            assert!((2.0 * t + (2.0 * t).sin() - PI * phi.sin()).abs() < 1e-9);
        }
    }

    #[test]
    fn mollweide_from_the_table_agrees_with_newton_from_phi() {
        // every 0.01° of declination, both sides of the table's limit and the poles' neighbourhood
        for k in -9000..=9000 {
            let phi = (k as f64 * 0.01).to_radians();
            let (t, s, c) = mollweide(phi);
            let (rt, rs, rc) = newton_from_phi(phi, 1e-16);
            assert!((t - rt).abs() < 1e-13, "θ at {k}: {t} vs {rt}");
            assert!((s - rs).abs() < 1e-13 && (c - rc).abs() < 1e-13, "sin/cos at {k}");
            assert!((2.0 * t + (2.0 * t).sin() - PI * phi.sin()).abs() < 1e-12);
        }
    }

    #[test]
    fn hammer_and_aitoff_equator_edges() {
        // λ = −180 (RA = centre + 180 wraps to −180) and λ = +180 via project_lambda.
        let (x, y) = project_lambda(Projection::Hammer, 180.0, 0.0, true);
        assert!(close(x, -2.0 * SQRT_2) && close(y, 0.0));
        let (x, _) = project_lambda(Projection::Hammer, -180.0, 0.0, true);
        assert!(close(x, 2.0 * SQRT_2));
        let (x, _) = project(Projection::Hammer, 0.0, 0.0, true, 180.0);
        assert!(close(x, 2.0 * SQRT_2));
        let (x, y) = project_lambda(Projection::Aitoff, 180.0, 0.0, true);
        assert!(close(x, -PI) && close(y, 0.0));
        let (x, _) = project_lambda(Projection::Aitoff, -180.0, 0.0, false);
        assert!(close(x, -PI));
        // poles
        let (x, y) = project(Projection::Hammer, 5.0, 90.0, true, 180.0);
        assert!(close(x, 0.0) && close(y, SQRT_2));
        let (x, y) = project(Projection::Aitoff, 5.0, -90.0, true, 180.0);
        assert!(close(x, 0.0) && close(y, -FRAC_PI_2));
    }

    #[test]
    fn ra_left_mirrors_x() {
        for p in ALL {
            let (xl, yl) = project(p, 200.0, 30.0, true, 180.0);
            let (xr, yr) = project(p, 200.0, 30.0, false, 180.0);
            assert_eq!(xl, -xr);
            assert_eq!(yl, yr);
            // RA greater than the centre lies to the left when ra_left
            assert!(xl < 0.0);
        }
        assert_eq!(project(Projection::Cartesian, 200.0, 30.0, true, 0.0), (200.0, 30.0));
    }

    #[test]
    fn hammer_formula_value() {
        let (lam, phi): (f64, f64) = (60f64.to_radians(), 30f64.to_radians());
        let z = (1.0 + phi.cos() * (lam / 2.0).cos()).sqrt();
        let (x, y) = project_lambda(Projection::Hammer, 60.0, 30.0, false);
        assert!(close(x, 2.0 * SQRT_2 * phi.cos() * (lam / 2.0).sin() / z));
        assert!(close(y, SQRT_2 * phi.sin() / z));
    }
}
