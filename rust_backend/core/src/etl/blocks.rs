//! `schedule_blocks_analytics`: one row per block, a projection of the `BlockSet` (not a computed row type),
//! with its columns written once here — the writer's (`BLOCKS_ANALYTICS_COLS`, `block_values`) and the
//! narrow reader's (`ETL_BLOCK_COLS`, indexed by `BlockCol`) — and the encoding of the interval blob.

use crate::blockset::BlockSet;
use crate::model::Period;
use crate::store::transport::Value;

/// The INSERT's columns, in the order of `block_values`.
pub const BLOCKS_ANALYTICS_COLS: [&str; 21] = [
    "schedule_id",
    "scheduling_block_id",
    "original_block_id",
    "target_ra_deg",
    "target_dec_deg",
    "priority",
    "priority_bucket",
    "requested_duration_sec",
    "min_observation_sec",
    "min_altitude_deg",
    "max_altitude_deg",
    "min_azimuth_deg",
    "max_azimuth_deg",
    "fixed_time_start_mjd",
    "fixed_time_stop_mjd",
    "is_scheduled",
    "scheduled_start_mjd",
    "scheduled_stop_mjd",
    "total_visibility_hours",
    "visibility_period_count",
    "visibility_intervals",
];

/// The values of block `i` (`BLOCKS_ANALYTICS_COLS`), with its priority bucket.
pub fn block_values<'a>(id: i64, b: &'a BlockSet, bucket: u8, i: usize, out: &mut Vec<Value<'a>>) {
    let nn = |x: f64| if x.is_nan() { None } else { Some(x) };
    out.extend([
        Value::from(id),
        b.block_id[i].into(),
        Value::from(&b.original_id[i]),
        b.ra_deg[i].into(),
        b.dec_deg[i].into(),
        b.priority[i].into(),
        (bucket as i64).into(),
        b.requested_sec[i].into(),
        b.min_obs_sec[i].into(),
        nn(b.min_alt[i]).into(),
        nn(b.max_alt[i]).into(),
        nn(b.min_az[i]).into(),
        nn(b.max_az[i]).into(),
        nn(b.fixed_start[i]).into(),
        nn(b.fixed_stop[i]).into(),
        b.is_scheduled(i).into(),
        nn(b.sched_start[i]).into(),
        nn(b.sched_stop[i]).into(),
        b.total_vis_hours[i].into(),
        b.vis_period_count[i].into(),
        encode_intervals(b, i).into(),
    ]);
}

/// The block columns the ETL loader can read, indexed by `BlockCol` (`etl_blocks`; the interval blob apart).
pub const ETL_BLOCK_COLS: [&str; 17] = [
    "scheduling_block_id",
    "original_block_id",
    "target_ra_deg",
    "target_dec_deg",
    "priority",
    "requested_duration_sec",
    "min_observation_sec",
    "min_altitude_deg",
    "max_altitude_deg",
    "min_azimuth_deg",
    "max_azimuth_deg",
    "fixed_time_start_mjd",
    "fixed_time_stop_mjd",
    "scheduled_start_mjd",
    "scheduled_stop_mjd",
    "visibility_period_count",
    "total_visibility_hours",
];

/// Merged visibility as little-endian float64 pairs (the `visibility_intervals` column); None when empty.
pub fn encode_intervals(b: &BlockSet, i: usize) -> Option<Vec<u8>> {
    let m = b.merged(i);
    if m.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(m.len() * 16);
    for p in m {
        out.extend_from_slice(&p.start.to_le_bytes());
        out.extend_from_slice(&p.stop.to_le_bytes());
    }
    Some(out)
}

/// Inverse of `encode_intervals`, appending to `out` (the loader decodes straight into the block set's shared
/// buffer); false, with `out` untouched, when the length is not a multiple of 16.
pub fn decode_intervals_into(bytes: &[u8], out: &mut Vec<Period>) -> bool {
    if bytes.len() % 16 != 0 {
        return false;
    }
    out.extend(bytes.chunks_exact(16).map(|c| {
        let s = f64::from_le_bytes(c[0..8].try_into().unwrap());
        let e = f64::from_le_bytes(c[8..16].try_into().unwrap());
        Period::new(s, e)
    }));
    true
}
