//! Analytics ETL (data-model.md §3, §5): the analytics tables of one schedule — their row types with their
//! column order (`rows.rs`, `blocks.rs`), their computation from the `BlockSet` the legacy loader produced
//! (`aggregates.rs`, `summary.rs`, and the visibility map's default view) and the order they are written in
//! (`run`). The store persists the rows (`store::etl_write`) and knows nothing of how they are computed.

pub mod aggregates;
pub mod blocks;
pub mod rows;
pub mod summary;

use std::time::Instant;

use crate::blockset::BlockSet;
use crate::derive::PriorityBins;
use crate::error::Result;
use crate::store::dialect::Table;
use crate::store::etl_write::{clear, insert_blocks, insert_rows, insert_summary};
use crate::store::load_legacy::load_legacy_blocks;
use crate::store::Db;

pub use blocks::{decode_intervals_into, encode_intervals};
pub use rows::{DayRow, HeatCell, MetadataRow, PriorityRateRow, RateBinRow, Row, Summary, TimeBinRow};

/// Bin count of `schedule_visibility_bins` and of each axis of `schedule_heatmap_bins`.
pub const RATE_BINS: usize = 10;

/// The default request's histogram and calendar, computed by the ETL from the same tally the visibility map
/// runs (`flows::visibility::default_view`, so stored == computed bit for bit), with the schedule range they
/// were computed over. Stored in `schedule_visibility_default_bins` and `schedule_visibility_days`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DefaultView {
    /// The schedule range t0, t1 (None: no block has visibility; then both tables are empty).
    pub range: Option<(i64, i64)>,
    pub bins: Vec<TimeBinRow>,
    pub days: Vec<DayRow>,
}

/// All analytics rows of one schedule.
#[derive(Debug, Clone)]
pub struct Analytics {
    /// `priority_bucket` of each block of `schedule_blocks_analytics`.
    pub priority_bins: Vec<u8>,
    pub priority_rates: Vec<PriorityRateRow>,
    pub visibility_bins: Vec<RateBinRow>,
    pub heatmap: Vec<HeatCell>,
    pub time_bins: Vec<TimeBinRow>,
    pub metadata: MetadataRow,
    pub summary: Summary,
    /// The default Visibility Map request's histogram and calendar (flows.md §3, docs/decisions.md).
    pub default_view: DefaultView,
}

pub fn compute(b: &BlockSet) -> Analytics {
    let all: Vec<usize> = (0..b.len()).collect();
    let bins = PriorityBins::from_priorities(&b.priority);
    let scheduled: Vec<bool> = (0..b.len()).map(|i| b.is_scheduled(i)).collect();
    let requested: Vec<f64> = (0..b.len()).map(|i| b.requested_hours(i)).collect();
    let (mut metadata, time_bins) = aggregates::visibility_time_bins(b);
    let default_view = crate::flows::visibility::default_view(b);
    metadata.default_view_bins = default_view.bins.len() as i64;
    Analytics {
        priority_bins: bins.bins_of(&b.priority),
        priority_rates: aggregates::priority_rates(b, &all),
        visibility_bins: aggregates::rate_bins(&b.total_vis_hours, &scheduled, &b.priority, RATE_BINS),
        heatmap: aggregates::heatmap(&b.total_vis_hours, &requested, &scheduled, RATE_BINS),
        time_bins,
        metadata,
        summary: summary::summarize(b, &all),
        default_view,
    }
}

/// Run the ETL of one schedule inside the caller's transaction (data-model.md §5): read the legacy join,
/// compute, replace the analytics rows table by table — the order here — the summary row last (it marks the
/// analytics complete). The metadata row carries the duration so far.
pub fn run(db: &mut Db, id: i64) -> Result<Analytics> {
    let t0 = Instant::now();
    let b = load_legacy_blocks(db, id, true)?;
    let mut a = compute(&b);
    clear(db, id)?;
    insert_blocks(db, id, &b, &a.priority_bins)?;
    insert_rows(db, id, PriorityRateRow::TABLE, &a.priority_rates)?;
    insert_rows(db, id, RateBinRow::TABLE, &a.visibility_bins)?;
    insert_rows(db, id, HeatCell::TABLE, &a.heatmap)?;
    insert_rows(db, id, TimeBinRow::TABLE, &a.time_bins)?;
    insert_rows(db, id, Table::VisibilityDefaultBins, &a.default_view.bins)?;
    insert_rows(db, id, DayRow::TABLE, &a.default_view.days)?;
    a.metadata.etl_duration_ms = t0.elapsed().as_millis() as i64;
    insert_rows(db, id, MetadataRow::TABLE, std::slice::from_ref(&a.metadata))?;
    insert_summary(db, id, &a.summary)?;
    Ok(a)
}
