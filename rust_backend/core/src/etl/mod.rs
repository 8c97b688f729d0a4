//! Analytics ETL (data-model.md §3, §5): compute every analytics table of one schedule from the `BlockSet`
//! the legacy loader produced. Persistence lives in `store`; this module only computes.

use crate::blockset::BlockSet;
use crate::derive::PriorityBins;
use crate::flows::aggregates::{self, HeatCell, PriorityRateRow, RateBinRow, TimeBinRow, VisibilityMeta};
use crate::flows::insights::{summarize, Summary};

/// Bin count of `schedule_visibility_bins` and of each axis of `schedule_heatmap_bins`.
pub const RATE_BINS: usize = 10;

/// All analytics rows of one schedule, in the order they are written.
#[derive(Debug, Clone)]
pub struct Analytics {
    pub priority_bins: Vec<u8>,
    pub priority_rates: Vec<PriorityRateRow>,
    pub visibility_bins: Vec<RateBinRow>,
    pub heatmap: Vec<HeatCell>,
    pub time_bins: Vec<TimeBinRow>,
    pub metadata: VisibilityMeta,
    pub summary: Summary,
    /// The default Visibility Map request's histogram and calendar (flows.md §3, docs/decisions.md).
    pub default_view: crate::flows::visibility::DefaultView,
}

pub fn compute(b: &BlockSet) -> Analytics {
    let all: Vec<usize> = (0..b.len()).collect();
    let bins = PriorityBins::from_priorities(&b.priority);
    let scheduled: Vec<bool> = (0..b.len()).map(|i| b.is_scheduled(i)).collect();
    let requested: Vec<f64> = (0..b.len()).map(|i| b.requested_hours(i)).collect();
    let (metadata, time_bins) = aggregates::visibility_time_bins(b);
    Analytics {
        priority_bins: bins.bins_of(&b.priority),
        priority_rates: aggregates::priority_rates(b, &all),
        visibility_bins: aggregates::rate_bins(&b.total_vis_hours, &scheduled, &b.priority, RATE_BINS),
        heatmap: aggregates::heatmap(&b.total_vis_hours, &requested, &scheduled, RATE_BINS),
        time_bins,
        metadata,
        summary: summarize(b, &all),
        default_view: crate::flows::visibility::default_view(b),
    }
}

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
pub fn decode_intervals_into(bytes: &[u8], out: &mut Vec<crate::model::Period>) -> bool {
    if bytes.len() % 16 != 0 {
        return false;
    }
    out.extend(bytes.chunks_exact(16).map(|c| {
        let s = f64::from_le_bytes(c[0..8].try_into().unwrap());
        let e = f64::from_le_bytes(c[8..16].try_into().unwrap());
        crate::model::Period::new(s, e)
    }));
    true
}
