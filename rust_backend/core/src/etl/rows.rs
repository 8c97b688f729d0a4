//! The row types of the analytics tables (data-model.md §3), each declared once by `analytics_row!`: its
//! table, its columns in order with their Rust types, and the order the loader reads rows in. The macro derives
//! the column list, the values a writer binds and the reader of a result row, so the three cannot drift apart.
//! The per-block table (`schedule_blocks_analytics`) is a projection of the `BlockSet`: see `etl/blocks.rs`.
//!
//! Every table also has `schedule_id` first (written by the store, never read back); the summary row ends
//! with the store's bookkeeping columns. `tests::columns_match_the_migrations` checks each list against the
//! CREATE TABLE / ADD COLUMN statements of both migration folders.

use crate::error::Result;
use crate::store::dialect::Table;
use crate::store::transport::{req_f64, req_i64, ColType, RowView, Value};

/// One stored column of a row type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
}

impl Column {
    pub fn is_float(&self) -> bool {
        self.ty == ColType::F64
    }
}

/// A row of one analytics table (all columns but `schedule_id`).
pub trait Row: Sized {
    const TABLE: Table;
    /// Columns after `schedule_id`, in table order (the order of `values` and `from_row`).
    const COLUMNS: &'static [Column];
    /// `ORDER BY` of the loader (rows come back in the order they were computed).
    const ORDER_BY: &'static str;
    /// The values of `COLUMNS`, appended to `out`.
    fn values<'a>(&'a self, out: &mut Vec<Value<'a>>);
    /// A result row whose columns are `COLUMNS`.
    fn from_row(r: &dyn RowView) -> Result<Self>;

    /// The names of `COLUMNS`.
    fn column_names() -> Vec<&'static str> {
        Self::COLUMNS.iter().map(|c| c.name).collect()
    }
    /// The INSERT's column list: `schedule_id`, then `COLUMNS`.
    fn insert_columns() -> Vec<&'static str> {
        std::iter::once("schedule_id").chain(Self::COLUMNS.iter().map(|c| c.name)).collect()
    }
    /// The reader's result types (`COLUMNS`).
    fn col_types() -> Vec<ColType> {
        Self::COLUMNS.iter().map(|c| c.ty).collect()
    }
}

/// A field type of a row: how many columns it spans, their type, how it binds and how it reads.
pub trait Cell: Sized {
    const TYPE: ColType;
    fn push<'a>(&'a self, out: &mut Vec<Value<'a>>);
    /// The value starting at column `*k`, advancing `*k` past it.
    fn read(r: &dyn RowView, k: &mut usize) -> Result<Self>;
}

impl Cell for i64 {
    const TYPE: ColType = ColType::I64;
    fn push<'a>(&'a self, out: &mut Vec<Value<'a>>) {
        out.push((*self).into());
    }
    fn read(r: &dyn RowView, k: &mut usize) -> Result<Self> {
        *k += 1;
        req_i64(r, *k - 1)
    }
}

impl Cell for f64 {
    const TYPE: ColType = ColType::F64;
    fn push<'a>(&'a self, out: &mut Vec<Value<'a>>) {
        out.push((*self).into());
    }
    fn read(r: &dyn RowView, k: &mut usize) -> Result<Self> {
        *k += 1;
        req_f64(r, *k - 1)
    }
}

impl Cell for Option<f64> {
    const TYPE: ColType = ColType::F64;
    fn push<'a>(&'a self, out: &mut Vec<Value<'a>>) {
        out.push((*self).into());
    }
    fn read(r: &dyn RowView, k: &mut usize) -> Result<Self> {
        *k += 1;
        r.f64(*k - 1)
    }
}

impl<const N: usize> Cell for [i64; N] {
    const TYPE: ColType = ColType::I64;
    fn push<'a>(&'a self, out: &mut Vec<Value<'a>>) {
        out.extend(self.iter().map(|&v| Value::from(v)));
    }
    fn read(r: &dyn RowView, k: &mut usize) -> Result<Self> {
        let mut a = [0; N];
        for v in a.iter_mut() {
            *v = i64::read(r, k)?;
        }
        Ok(a)
    }
}

/// Declares a row type and its `Row` impl. Each field names its column (`= "name"`), or its columns for an
/// array field (`= "a" | "b" | …`, one per element).
macro_rules! analytics_row {
    (
        $(#[$meta:meta])*
        pub struct $name:ident in $table:expr, order by $order:literal {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $($col:literal)|+ ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $crate::etl::rows::Row for $name {
            const TABLE: $crate::store::dialect::Table = $table;
            const COLUMNS: &'static [$crate::etl::rows::Column] = &[
                $( $( $crate::etl::rows::Column { name: $col, ty: <$ty as $crate::etl::rows::Cell>::TYPE }, )+ )*
            ];
            const ORDER_BY: &'static str = $order;
            fn values<'a>(&'a self, out: &mut Vec<$crate::store::transport::Value<'a>>) {
                $( $crate::etl::rows::Cell::push(&self.$field, out); )*
            }
            fn from_row(r: &dyn $crate::store::transport::RowView) -> $crate::error::Result<Self> {
                let mut k = 0usize;
                Ok($name { $( $field: <$ty as $crate::etl::rows::Cell>::read(r, &mut k)?, )* })
            }
        }
    };
}

analytics_row! {
    /// One row of `analytics.schedule_priority_rates`.
    pub struct PriorityRateRow in Table::PriorityRates, order by "priority_value" {
        priority_value: i64 = "priority_value",
        total_count: i64 = "total_count",
        scheduled_count: i64 = "scheduled_count",
        unscheduled_count: i64 = "unscheduled_count",
        impossible_count: i64 = "impossible_count",
        scheduling_rate: f64 = "scheduling_rate",
        visibility_mean_hours: f64 = "visibility_mean_hours",
        visibility_total_hours: f64 = "visibility_total_hours",
        requested_mean_hours: f64 = "requested_mean_hours",
        requested_total_hours: f64 = "requested_total_hours",
    }
}

analytics_row! {
    /// One row of `analytics.schedule_visibility_bins`: blocks binned by a value (equal-width bins).
    pub struct RateBinRow in Table::VisibilityBins, order by "bin_index" {
        bin_index: i64 = "bin_index",
        bin_min: f64 = "bin_min_hours",
        bin_max: f64 = "bin_max_hours",
        bin_mid: f64 = "bin_mid_hours",
        total_count: i64 = "total_count",
        scheduled_count: i64 = "scheduled_count",
        scheduling_rate: f64 = "scheduling_rate",
        priority_mean: f64 = "priority_mean",
    }
}

analytics_row! {
    /// One cell of `analytics.schedule_heatmap_bins` (visibility × requested time).
    pub struct HeatCell in Table::HeatmapBins, order by "visibility_bin_index, time_bin_index" {
        visibility_bin_index: i64 = "visibility_bin_index",
        time_bin_index: i64 = "time_bin_index",
        visibility_mid_hours: f64 = "visibility_mid_hours",
        time_mid_hours: f64 = "time_mid_hours",
        total_count: i64 = "total_count",
        scheduled_count: i64 = "scheduled_count",
        scheduling_rate: f64 = "scheduling_rate",
    }
}

analytics_row! {
    /// One row of `analytics.schedule_visibility_time_bins` (the 900-s grid); also the row of
    /// `schedule_visibility_default_bins` (the stored default view's histogram), which has the same columns.
    /// `visible_block_ids` is not written: it stays NULL (data-model.md §3).
    pub struct TimeBinRow in Table::VisibilityTimeBins, order by "bin_index" {
        bin_index: i64 = "bin_index",
        bin_start_unix: i64 = "bin_start_unix",
        bin_end_unix: i64 = "bin_end_unix",
        total_visible_count: i64 = "total_visible_count",
        priority_q_count: [i64; 4] = "priority_q1_count" | "priority_q2_count" | "priority_q3_count" | "priority_q4_count",
        scheduled_visible_count: i64 = "scheduled_visible_count",
        unscheduled_visible_count: i64 = "unscheduled_visible_count",
    }
}

analytics_row! {
    /// One UTC day of the stored default calendar (`schedule_visibility_days`).
    pub struct DayRow in Table::VisibilityDays, order by "day_index" {
        /// Days since 1970-01-01.
        day_index: i64 = "day_index",
        visible_blocks: i64 = "visible_blocks",
        /// Block-seconds of visibility inside the day (the flow divides by 3600, as for a computed calendar).
        visible_block_seconds: f64 = "visible_block_seconds",
    }
}

analytics_row! {
    /// The row of `analytics.schedule_visibility_metadata`. The loaders read a few of its facts
    /// (`store::load_etl::StoredMeta`), not the row.
    pub struct MetadataRow in Table::VisibilityMetadata, order by "schedule_id" {
        time_range_start_unix: i64 = "time_range_start_unix",
        time_range_end_unix: i64 = "time_range_end_unix",
        bin_duration_seconds: i64 = "bin_duration_seconds",
        total_bins: i64 = "total_bins",
        total_blocks: i64 = "total_blocks",
        blocks_with_visibility: i64 = "blocks_with_visibility",
        priority_min: Option<f64> = "priority_min",
        priority_max: Option<f64> = "priority_max",
        max_visible_in_bin: i64 = "max_visible_in_bin",
        mean_visible_per_bin: Option<f64> = "mean_visible_per_bin",
        /// How long the ETL took until the metadata row was written (the store measures it).
        etl_duration_ms: i64 = "etl_duration_ms",
        /// Merged visibility intervals of the schedule (a capacity for the loader; added by 0004).
        merged_interval_count: i64 = "merged_interval_count",
        /// Bins of the stored default view (added by 0005; NULL in older rows).
        default_view_bins: i64 = "default_view_bins",
    }
}

analytics_row! {
    /// Every value of one `analytics.schedule_summary_analytics` row except the store's bookkeeping columns
    /// (`etl_version`, `source_checksum`, `unscheduled_sentinel_mjd`, `updated_at`).
    pub struct Summary in Table::SummaryAnalytics, order by "schedule_id" {
        total_blocks: i64 = "total_blocks",
        scheduled_blocks: i64 = "scheduled_blocks",
        unscheduled_blocks: i64 = "unscheduled_blocks",
        impossible_blocks: i64 = "impossible_blocks",
        scheduling_rate: Option<f64> = "scheduling_rate",
        priority_min: Option<f64> = "priority_min",
        priority_max: Option<f64> = "priority_max",
        priority_mean: Option<f64> = "priority_mean",
        priority_median: Option<f64> = "priority_median",
        priority_std: Option<f64> = "priority_std",
        priority_scheduled_mean: Option<f64> = "priority_scheduled_mean",
        priority_scheduled_median: Option<f64> = "priority_scheduled_median",
        priority_unscheduled_mean: Option<f64> = "priority_unscheduled_mean",
        priority_unscheduled_median: Option<f64> = "priority_unscheduled_median",
        visibility_total_hours: f64 = "visibility_total_hours",
        visibility_mean_hours: Option<f64> = "visibility_mean_hours",
        visibility_median_hours: Option<f64> = "visibility_median_hours",
        visibility_min_hours: Option<f64> = "visibility_min_hours",
        visibility_max_hours: Option<f64> = "visibility_max_hours",
        requested_total_hours: f64 = "requested_total_hours",
        requested_mean_hours: Option<f64> = "requested_mean_hours",
        requested_median_hours: Option<f64> = "requested_median_hours",
        requested_min_hours: Option<f64> = "requested_min_hours",
        requested_max_hours: Option<f64> = "requested_max_hours",
        scheduled_total_hours: f64 = "scheduled_total_hours",
        scheduled_mean_hours: Option<f64> = "scheduled_mean_hours",
        elevation_mean_deg: Option<f64> = "elevation_mean_deg",
        elevation_min_deg: Option<f64> = "elevation_min_deg",
        elevation_max_deg: Option<f64> = "elevation_max_deg",
        ra_min: Option<f64> = "ra_min",
        ra_max: Option<f64> = "ra_max",
        dec_min: Option<f64> = "dec_min",
        dec_max: Option<f64> = "dec_max",
        scheduled_time_min_mjd: Option<f64> = "scheduled_time_min_mjd",
        scheduled_time_max_mjd: Option<f64> = "scheduled_time_max_mjd",
        corr_priority_visibility: Option<f64> = "corr_priority_visibility",
        corr_priority_requested: Option<f64> = "corr_priority_requested",
        corr_visibility_requested: Option<f64> = "corr_visibility_requested",
        corr_priority_elevation: Option<f64> = "corr_priority_elevation",
        corr_visibility_elevation: Option<f64> = "corr_visibility_elevation",
        corr_requested_elevation: Option<f64> = "corr_requested_elevation",
        conflict_count: i64 = "conflict_count",
    }
}

/// The summary's bookkeeping columns after `Summary::COLUMNS`, written by the store.
pub const SUMMARY_STAMP_COLS: [&str; 4] = ["etl_version", "source_checksum", "unscheduled_sentinel_mjd", "updated_at"];

#[cfg(test)]
mod tests;
