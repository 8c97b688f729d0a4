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
    if phi >= FRAC_PI_2 {
        return FRAC_PI_2;
    }
    if phi <= -FRAC_PI_2 {
        return -FRAC_PI_2;
    }
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
        if step.abs() < 1e-12 {
            break;
        }
    }
    theta
}

/// Project with λ given directly (degrees, in [−180, 180]); not for cartesian.
pub fn project_lambda(proj: Projection, lambda_deg: f64, dec_deg: f64, ra_left: bool) -> (f64, f64) {
    let s = if ra_left { -1.0 } else { 1.0 };
    let lam = lambda_deg.to_radians();
    let phi = dec_deg.to_radians();
    match proj {
        Projection::Cartesian => (lambda_deg, dec_deg),
        Projection::Mollweide => {
            let theta = mollweide_theta(phi);
            (s * (2.0 * SQRT_2 / PI) * lam * theta.cos(), SQRT_2 * theta.sin())
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
