//! Parsed input: what the parsers produce and ingest stores. Plain data, no I/O.

/// A closed-open interval of MJD days, `start < stop` once validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Period {
    pub start: f64,
    pub stop: f64,
}

impl Period {
    pub fn new(start: f64, stop: f64) -> Self {
        Period { start, stop }
    }
    pub fn hours(&self) -> f64 {
        (self.stop - self.start) * 24.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    F1,
    F2,
}

impl SourceFormat {
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceFormat::F1 => "f1",
            SourceFormat::F2 => "f2",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Site {
    pub lon_deg: f64,
    pub lat_deg: f64,
    pub height_m: f64,
}

/// One validated scheduling block as read from the upload.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedBlock {
    pub original_id: String,
    pub priority: f64,
    pub target_name: String,
    pub ra_deg: f64,
    pub dec_deg: f64,
    pub ra_pm_masyr: f64,
    pub dec_pm_masyr: f64,
    pub equinox: f64,
    pub min_alt_deg: f64,
    pub max_alt_deg: f64,
    pub min_az_deg: f64,
    pub max_az_deg: f64,
    /// Rounded to whole seconds (halves away from zero).
    pub min_observation_sec: i64,
    pub requested_duration_sec: i64,
    pub fixed_window: Option<Period>,
    /// After the sentinel rule: `None` = unscheduled.
    pub scheduled: Option<Period>,
    /// In file order, unmerged.
    pub visibility: Vec<Period>,
}

/// A whole validated upload.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedSchedule {
    pub format: SourceFormat,
    /// F2 `name`, used when no explicit upload name is given.
    pub name: Option<String>,
    pub schedule_period: Option<Period>,
    pub site: Option<Site>,
    /// Sorted by (start, stop).
    pub dark_periods: Vec<Period>,
    pub blocks: Vec<ParsedBlock>,
    /// Non-fatal notes (e.g. visibility keys that match no block).
    pub warnings: Vec<String>,
}
