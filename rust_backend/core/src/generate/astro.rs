//! Low-precision positional astronomy for the generator: Sun position (Astronomical Almanac low-precision
//! formulae, about 0.01°), Greenwich mean sidereal time, horizontal coordinates (no refraction), and the
//! dark-period search. Times inside the generator are whole seconds from the schedule start.

use std::f64::consts::PI;

pub const DEG: f64 = PI / 180.0;
pub const SEC_PER_DAY: f64 = 86400.0;
/// Coarse search grid (seconds).
pub const GRID_SEC: i64 = 120;
/// Sun altitude below which it is dark (astronomical night).
pub const DARK_SUN_ALT_DEG: f64 = -18.0;

/// Days since J2000.0 (JD 2451545.0) of an MJD (UTC used as UT1/TT).
#[inline]
pub fn days_j2000(mjd: f64) -> f64 {
    mjd - 51544.5
}

/// Reduce an angle in degrees to [0, 360).
#[inline]
pub fn norm_deg(x: f64) -> f64 {
    let r = x.rem_euclid(360.0);
    if r >= 360.0 {
        0.0
    } else {
        r
    }
}

/// Apparent-ish Sun right ascension and declination (radians), accurate to about 0.01° over 1950–2050.
pub fn sun_ra_dec(mjd: f64) -> (f64, f64) {
    let n = days_j2000(mjd);
    let l = norm_deg(280.460 + 0.985_647_4 * n);
    let g = norm_deg(357.528 + 0.985_600_3 * n) * DEG;
    let lambda = (l + 1.915 * g.sin() + 0.020 * (2.0 * g).sin()) * DEG;
    let eps = (23.439 - 0.000_000_4 * n) * DEG;
    let ra = (eps.cos() * lambda.sin()).atan2(lambda.cos());
    let dec = (eps.sin() * lambda.sin()).asin();
    (ra.rem_euclid(2.0 * PI), dec)
}

/// Greenwich mean sidereal time in radians (IAU 1982 expression in days from J2000).
pub fn gmst_rad(mjd: f64) -> f64 {
    let d = days_j2000(mjd);
    let t = d / 36525.0;
    let deg = 280.460_618_37 + 360.985_647_366_29 * d + 0.000_387_933 * t * t - t * t * t / 38_710_000.0;
    norm_deg(deg) * DEG
}

/// Local (mean) sidereal time in radians for an east-positive longitude in degrees.
#[inline]
pub fn lst_rad(mjd: f64, lon_deg: f64) -> f64 {
    (gmst_rad(mjd) + lon_deg * DEG).rem_euclid(2.0 * PI)
}

/// Altitude and azimuth (radians; azimuth from North through East, in [0, 2π)) of (ra, dec) at local
/// sidereal time `lst` and latitude `lat` (all radians).
pub fn alt_az(ra: f64, dec: f64, lst: f64, lat: f64) -> (f64, f64) {
    let h = lst - ra;
    let (sh, ch) = h.sin_cos();
    let (sd, cd) = dec.sin_cos();
    let (sl, cl) = lat.sin_cos();
    let sin_alt = (sl * sd + cl * cd * ch).clamp(-1.0, 1.0);
    let az = (-cd * sh).atan2(sd * cl - cd * ch * sl);
    (sin_alt.asin(), az.rem_euclid(2.0 * PI))
}

/// Sun altitude in degrees at an MJD for a site (lat, east lon in degrees).
pub fn sun_altitude_deg(mjd: f64, lat_deg: f64, lon_deg: f64) -> f64 {
    let (ra, dec) = sun_ra_dec(mjd);
    let lst = lst_rad(mjd, lon_deg);
    alt_az(ra, dec, lst, lat_deg * DEG).0 / DEG
}

/// Given `lo` with `pred(lo) == s0` and `hi` with `pred(hi) != s0` (lo < hi, whole seconds), the first second
/// in (lo, hi] where the predicate has changed, to 1 s.
pub fn bisect<F: FnMut(i64) -> bool>(mut lo: i64, mut hi: i64, s0: bool, mut pred: F) -> i64 {
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) == s0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// Grid instants over [0, total]: 0, 120, 240, …, and `total` itself.
pub fn grid(total: i64) -> Vec<i64> {
    let mut v = Vec::with_capacity((total / GRID_SEC + 2).max(1) as usize);
    let mut t = 0;
    while t < total {
        v.push(t);
        t += GRID_SEC;
    }
    v.push(total.max(0));
    v
}

/// Closed-open runs `[a, b)` (seconds from `start_mjd`) inside [0, total] where `pred` holds, found on the
/// 2-minute grid and refined by bisection to 1 s. A run reaching `total` ends at `total`.
pub fn runs<F: FnMut(i64) -> bool>(total: i64, mut pred: F) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    if total <= 0 {
        return out;
    }
    let g = grid(total);
    let mut prev_t = g[0];
    let mut prev = pred(prev_t);
    let mut open: Option<i64> = if prev { Some(0) } else { None };
    for &t in &g[1..] {
        let cur = pred(t);
        if cur != prev {
            let edge = bisect(prev_t, t, prev, &mut pred);
            if cur {
                open = Some(edge);
            } else if let Some(a) = open.take() {
                if edge > a {
                    out.push((a, edge));
                }
            }
        }
        prev = cur;
        prev_t = t;
    }
    if let Some(a) = open {
        if total > a {
            out.push((a, total));
        }
    }
    out
}

/// Dark periods (Sun altitude < −18°) over [0, total] seconds from `start_mjd`.
pub fn dark_periods(start_mjd: f64, total: i64, lat_deg: f64, lon_deg: f64) -> Vec<(i64, i64)> {
    runs(total, |s| {
        sun_altitude_deg(start_mjd + s as f64 / SEC_PER_DAY, lat_deg, lon_deg) < DARK_SUN_ALT_DEG
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAT: f64 = 28.7624;
    const LON: f64 = -17.8892;

    #[test]
    fn solar_declination_at_june_solstice() {
        // June solstice 2024-06-20 20:51 UTC (MJD 60481.86875): declination = obliquity ≈ +23.44°.
        let (_, dec) = sun_ra_dec(60481.0 + (20.0 + 51.0 / 60.0) / 24.0);
        assert!((dec / DEG - 23.44).abs() < 0.02, "dec {}", dec / DEG);
    }

    #[test]
    fn solar_declination_at_march_equinox() {
        // March equinox 2024-03-20 03:06 UTC: declination ≈ 0, RA ≈ 0.
        let (ra, dec) = sun_ra_dec(60389.0 + (3.0 + 6.0 / 60.0) / 24.0);
        assert!((dec / DEG).abs() < 0.02, "dec {}", dec / DEG);
        let ra_deg = ra / DEG;
        assert!(!(0.05..=359.95).contains(&ra_deg), "ra {}", ra_deg);
    }

    #[test]
    fn sun_noon_altitude_at_la_palma_on_solstice() {
        // Independent value: culmination altitude = 90 − (lat − dec) with dec = 23.44° → 84.68°.
        let mut best = -90.0f64;
        let day = 60481.0;
        for k in 0..(24 * 60) {
            let a = sun_altitude_deg(day + k as f64 / 1440.0, LAT, LON);
            best = best.max(a);
        }
        let expected = 90.0 - (LAT - 23.44);
        assert!((best - expected).abs() < 0.1, "max alt {best} vs {expected}");
    }

    #[test]
    fn gmst_reference_value() {
        // Meeus example 12.a: 1987-04-10 0h UT → GMST 13h10m46.3668s = 197.693195°.
        let g = gmst_rad(46895.0) / DEG;
        assert!((g - 197.693195).abs() < 1e-4, "gmst {g}");
    }

    #[test]
    fn alt_az_conventions() {
        let lat = LAT * DEG;
        // On the meridian (H = 0), a target north of the zenith is at azimuth 0, south of it at 180.
        let (alt, az) = alt_az(1.0, 60.0 * DEG, 1.0, lat);
        assert!((alt / DEG - (90.0 - (60.0 - LAT))).abs() < 1e-9);
        assert!(az < 1e-9 || (2.0 * PI - az) < 1e-9);
        let (_, az) = alt_az(1.0, 0.0, 1.0, lat);
        assert!((az / DEG - 180.0).abs() < 1e-9);
        // Two hours after transit: western sky (azimuth in (180, 360)).
        let (_, az) = alt_az(1.0, 10.0 * DEG, 1.0 + 30.0 * DEG, lat);
        assert!(az / DEG > 180.0 && az / DEG < 360.0);
    }

    #[test]
    fn la_palma_january_nights_last_about_ten_to_eleven_hours() {
        let start = 61771.0; // 2028-01-01 00:00 UTC
        let total = 30 * 86400;
        let dark = dark_periods(start, total, LAT, LON);
        assert!(dark.len() >= 29 && dark.len() <= 31, "{} nights", dark.len());
        let mut full = 0;
        for &(a, b) in &dark {
            assert!(b > a);
            if a > 0 && b < total {
                full += 1;
                let h = (b - a) as f64 / 3600.0;
                assert!((10.0..=11.5).contains(&h), "night of {h} h");
                // Edges are real crossings: Sun at about −18° there.
                let sa = sun_altitude_deg(start + a as f64 / SEC_PER_DAY, LAT, LON);
                let sb = sun_altitude_deg(start + b as f64 / SEC_PER_DAY, LAT, LON);
                assert!((sa + 18.0).abs() < 0.01 && (sb + 18.0).abs() < 0.01, "{sa} {sb}");
                let mid = sun_altitude_deg(start + (a + b) as f64 / 2.0 / SEC_PER_DAY, LAT, LON);
                assert!(mid < -18.0);
            }
        }
        assert!(full >= 28);
        for w in dark.windows(2) {
            assert!(w[0].1 < w[1].0);
        }
    }
}
