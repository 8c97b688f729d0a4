//! The operations the bindings expose, free of Python: ingest an upload, run a flow on a data path.

use crate::blockset::{BlockCols, BlockSet, ScheduleFacts};
use crate::error::{CoreError, Result};
use crate::flows::{self, insights::InsightsParams, sky_map::SkyMapParams, trends::TrendsParams, visibility::VisibilityParams};
use crate::parse::{self, ParseOptions};
use crate::payload::Val;
use crate::etl::blocks::ETL_BLOCK_COLS;
use crate::etl::{DayRow, HeatCell, PriorityRateRow, RateBinRow, Row, Summary, TimeBinRow};
use crate::store::dialect::Table;
use crate::store::{Aggregates, Intervals, LoadPlan, Store, StoredAggregates};
use crate::store::IngestResult;

/// One uploaded file as received (maybe gzip-compressed).
#[derive(Debug, Clone)]
pub struct UploadFile {
    pub name: String,
    pub raw: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct IngestInput {
    pub schedule: UploadFile,
    pub visibility: Option<UploadFile>,
    pub dark: Option<UploadFile>,
    pub name: Option<String>,
    pub max_bytes: u64,
}

/// Base file name without directories, `.gz` and one further extension.
pub fn default_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let base = base.strip_suffix(".gz").unwrap_or(base);
    match base.rfind('.') {
        Some(k) if k > 0 => base[..k].to_string(),
        _ => base.to_string(),
    }
}

fn format_error(issue: crate::error::FormatIssue) -> CoreError {
    CoreError::Format { issues: vec![issue], truncated: false }
}

/// Checksum first (identical uploads return the stored schedule without parsing), then parse and validate
/// everything, then store it with its analytics in one transaction.
pub fn ingest(store: &Store, input: IngestInput) -> Result<IngestResult> {
    let max = input.max_bytes;
    let read = |f: UploadFile| -> Result<(String, Vec<u8>)> {
        let name = f.name.rsplit(['/', '\\']).next().unwrap_or(&f.name).to_string();
        let bytes = parse::read_input(&name, f.raw, max).map_err(format_error)?;
        Ok((name, bytes))
    };
    let schedule_name_hint = input.schedule.name.clone();
    let s = read(input.schedule)?;
    let v = input.visibility.map(read).transpose()?;
    let d = input.dark.map(read).transpose()?;
    let checksum = parse::checksum(&s.1, v.as_ref().map(|x| x.1.as_slice()), d.as_ref().map(|x| x.1.as_slice()));
    if let Some(existing) = store.find_by_checksum(&checksum)? {
        return Ok(existing);
    }
    let opts = ParseOptions { sentinel_mjd: store.cfg.sentinel_mjd, max_bytes: max };
    let parsed = parse::parse_upload(
        (&s.0, &s.1),
        v.as_ref().map(|x| (x.0.as_str(), x.1.as_slice())),
        d.as_ref().map(|x| (x.0.as_str(), x.1.as_slice())),
        &opts,
    )?;
    let raw_name = input
        .name
        .filter(|n| !n.trim().is_empty())
        .or_else(|| parsed.name.clone())
        .unwrap_or_else(|| default_name(&schedule_name_hint));
    let name = parse::validate_name(&raw_name).map_err(format_error)?;
    store.ingest(&parsed, &name, &checksum)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Legacy,
    Etl,
}

impl Source {
    pub fn parse(s: &str) -> Result<Source> {
        match s {
            "legacy" => Ok(Source::Legacy),
            "etl" => Ok(Source::Etl),
            other => Err(CoreError::value(format!("source must be 'legacy' or 'etl' (got '{other}')"))),
        }
    }
}

#[derive(Debug, Clone)]
pub enum FlowParams {
    SkyMap(SkyMapParams),
    Distributions { exclude_impossible: bool },
    VisibilityMap(VisibilityParams),
    Timeline,
    Insights(InsightsParams),
    Trends(TrendsParams),
    Compare { other_schedule_id: i64 },
    Validation,
}

impl FlowParams {
    /// A flow's default request by its name (as the CLI and the bench spell it); compare needs the other id.
    pub fn default_for(flow: &str, other_schedule_id: i64) -> Option<FlowParams> {
        Some(match flow {
            "sky_map" => FlowParams::SkyMap(SkyMapParams::default()),
            "distributions" => FlowParams::Distributions { exclude_impossible: false },
            "visibility_map" => FlowParams::VisibilityMap(VisibilityParams::default()),
            "timeline" => FlowParams::Timeline,
            "insights" => FlowParams::Insights(InsightsParams::default()),
            "trends" => FlowParams::Trends(TrendsParams::default()),
            "compare" => FlowParams::Compare { other_schedule_id },
            "validation" => FlowParams::Validation,
            _ => return None,
        })
    }

    /// What the flow loads on either path.
    pub fn load_plan(&self) -> LoadPlan {
        LoadPlan {
            columns: self.block_columns(),
            visibility: self.needs_visibility(),
            intervals: self.intervals(),
            aggregates: self.aggregates(),
            dark_periods: matches!(self, FlowParams::VisibilityMap(_) | FlowParams::Timeline | FlowParams::Validation),
        }
    }

    /// The block columns the flow reads: the ETL loader selects only these (each flow declares its own).
    fn block_columns(&self) -> BlockCols {
        match self {
            FlowParams::SkyMap(_) => flows::sky_map::COLUMNS,
            FlowParams::Distributions { .. } => flows::distributions::COLUMNS,
            FlowParams::VisibilityMap(_) => flows::visibility::COLUMNS,
            FlowParams::Timeline => flows::timeline::COLUMNS,
            FlowParams::Insights(_) => flows::insights::COLUMNS,
            FlowParams::Trends(_) => flows::trends::COLUMNS,
            FlowParams::Compare { .. } => flows::compare::COLUMNS,
            FlowParams::Validation => BlockCols::ALL,
        }
    }

    /// Whether the flow needs visibility periods (the legacy loader can skip parsing the JSON otherwise).
    fn needs_visibility(&self) -> bool {
        !matches!(self, FlowParams::SkyMap(_) | FlowParams::Compare { .. })
    }

    /// What the flow needs of the merged visibility intervals on the ETL path (the stored totals and period
    /// counts are always read).
    fn intervals(&self) -> Intervals {
        match self {
            FlowParams::VisibilityMap(_) => Intervals::Full,
            FlowParams::Validation => Intervals::Digest,
            _ => Intervals::Skip,
        }
    }

    /// The pre-aggregated tables the ETL path reads for this request (flows.md: only where they apply).
    fn aggregates(&self) -> Aggregates {
        match self {
            FlowParams::Insights(p) => Aggregates { summary: !p.exclude_impossible, ..Default::default() },
            FlowParams::Trends(p) => Aggregates {
                rates: !p.exclude_impossible
                    && p.visibility_range.is_none()
                    && p.requested_range.is_none()
                    && p.priority_levels.is_none(),
                ..Default::default()
            },
            FlowParams::VisibilityMap(p) if p.is_default_view() => Aggregates { default_view: true, ..Default::default() },
            FlowParams::VisibilityMap(p) => Aggregates {
                // Only a request for the 900-s grid itself can be served from the stored bins; reading the
                // 35,000 rows of a year for any other width would cost more than the flow.
                time_bins: matches!(p.binning, crate::flows::visibility::Binning::Seconds(900))
                    && p.start_unix.is_none()
                    && p.end_unix.is_none()
                    && p.priority_min.is_none()
                    && p.priority_max.is_none()
                    && p.block_ids.is_none(),
                ..Default::default()
            },
            _ => Aggregates::default(),
        }
    }
}

fn load(store: &Store, id: i64, source: Source, params: &FlowParams) -> Result<(ScheduleFacts, BlockSet, Option<StoredAggregates>)> {
    match source {
        Source::Legacy => {
            let (f, b) = store.load_legacy(id, &params.load_plan())?;
            Ok((f, b, None))
        }
        Source::Etl => {
            let (f, b, a) = store.load_etl(id, &params.load_plan())?;
            Ok((f, b, Some(a)))
        }
    }
}

/// What the ETL path reads for a request, as (table, columns) — the benchmark's raw-scan reference ("a raw scan
/// of the same columns"). Assumes analytics written by this version (the default visibility view is stored).
/// Compare reads these columns for each of its two schedules.
pub fn etl_reads(params: &FlowParams) -> Vec<(Table, Vec<&'static str>)> {
    let plan = params.load_plan();
    let agg = plan.aggregates;
    let mut blocks: Vec<&'static str> = plan.columns.iter().map(|c| ETL_BLOCK_COLS[c as usize]).collect();
    if plan.intervals != Intervals::Skip && !agg.default_view {
        blocks.push("visibility_intervals");
    }
    let mut out = vec![(Table::BlocksAnalytics, blocks)];
    if plan.dark_periods {
        out.push((Table::Schedules, vec!["dark_periods_json"]));
    }
    if agg.summary {
        out.push((Table::SummaryAnalytics, Summary::column_names()));
    }
    if agg.rates {
        out.push((Table::PriorityRates, PriorityRateRow::column_names()));
        out.push((Table::VisibilityBins, RateBinRow::column_names()));
        out.push((Table::HeatmapBins, HeatCell::column_names()));
    }
    if agg.time_bins {
        out.push((Table::VisibilityTimeBins, TimeBinRow::column_names()));
    }
    if agg.default_view {
        out.push((Table::VisibilityDefaultBins, TimeBinRow::column_names()));
        out.push((Table::VisibilityDays, DayRow::column_names()));
    }
    out
}

/// What a flow computes from: the schedule facts, its blocks and the pre-aggregated rows (ETL path only).
pub type Loaded = (ScheduleFacts, BlockSet, Option<StoredAggregates>);

/// Load what one flow needs from one data path (the first half of `run_flow`).
pub fn load_for(store: &Store, id: i64, source: Source, params: &FlowParams) -> Result<Loaded> {
    load(store, id, source, params)
}

/// Compute a flow from what `load_for` returned (Compare loads its second schedule here).
pub fn compute(store: &Store, source: Source, params: &FlowParams, loaded: Loaded) -> Result<Val> {
    let (facts, b, agg) = loaded;
    Ok(match params {
        FlowParams::SkyMap(p) => flows::sky_map::sky_map(&facts, &b, p),
        FlowParams::Distributions { exclude_impossible } => flows::distributions::distributions(&facts, &b, *exclude_impossible),
        FlowParams::VisibilityMap(p) => {
            flows::visibility::visibility_map(
                &facts,
                &b,
                p,
                agg.as_ref().map(|a| a.time_bins.as_slice()),
                agg.as_ref().and_then(|a| a.default_view.as_ref()),
            )?
        }
        FlowParams::Timeline => flows::timeline::timeline(&facts, &b),
        FlowParams::Insights(p) => {
            let stored = agg.as_ref().and_then(|a| a.summary.as_ref()).filter(|_| !p.exclude_impossible);
            flows::insights::insights(&facts, &b, p, stored)
        }
        FlowParams::Trends(p) => {
            let stored = agg.as_ref().map(|a| flows::trends::TrendsStored {
                by_priority: &a.priority_rates,
                by_visibility: &a.visibility_bins,
                heatmap: &a.heatmap,
            });
            flows::trends::trends(&facts, &b, p, stored)?
        }
        FlowParams::Compare { other_schedule_id } => {
            let (of, ob, _) = load(store, *other_schedule_id, source, params)?;
            flows::compare::compare(&facts, &b, &of, &ob)
        }
        FlowParams::Validation => flows::validation::validation(&facts, &b),
    })
}

/// Run one flow on one data path.
pub fn run_flow(store: &Store, id: i64, source: Source, params: &FlowParams) -> Result<Val> {
    let loaded = load_for(store, id, source, params)?;
    compute(store, source, params, loaded)
}
