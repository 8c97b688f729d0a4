//! Ingest, schedule administration, ETL maintenance, migrations and the generator.

use std::collections::HashMap;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use tsi_core::generate::GenerateOptions;
use tsi_core::model::{Site, SourceFormat};
use tsi_core::service::{self, IngestInput, UploadFile};
use tsi_core::CoreError;

use crate::errors::run_released;
use crate::state::store;

fn read_upload(path: &str, label: Option<&String>) -> Result<UploadFile, CoreError> {
    let shown = label.cloned().unwrap_or_else(|| path.rsplit(['/', '\\']).next().unwrap_or(path).to_string());
    let raw = std::fs::read(path).map_err(|e| CoreError::Format {
        issues: vec![tsi_core::FormatIssue {
            file: shown.clone(),
            path: "(file)".into(),
            expected: "a readable file".into(),
            got: e.to_string(),
        }],
        truncated: false,
    })?;
    Ok(UploadFile { name: shown, raw })
}

/// Ingest files from disk. `labels` maps "schedule" / "visibility" / "dark" to the names shown in messages
/// (the web upload stores files under temporary names).
#[pyfunction]
#[pyo3(signature = (schedule_path, visibility_path=None, dark_path=None, name=None, labels=None, max_bytes=268435456))]
pub fn ingest<'py>(
    py: Python<'py>,
    schedule_path: String,
    visibility_path: Option<String>,
    dark_path: Option<String>,
    name: Option<String>,
    labels: Option<HashMap<String, String>>,
    max_bytes: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let labels = labels.unwrap_or_default();
    let r = run_released(py, "ingest", || {
        let input = IngestInput {
            schedule: read_upload(&schedule_path, labels.get("schedule"))?,
            visibility: visibility_path.as_deref().map(|p| read_upload(p, labels.get("visibility"))).transpose()?,
            dark: dark_path.as_deref().map(|p| read_upload(p, labels.get("dark"))).transpose()?,
            name,
            max_bytes,
        };
        service::ingest(&*store()?, input)
    })?;
    let d = PyDict::new(py);
    d.set_item("schedule_id", r.schedule_id)?;
    d.set_item("name", r.name)?;
    d.set_item("checksum", r.checksum)?;
    d.set_item("blocks", r.blocks)?;
    d.set_item("scheduled", r.scheduled)?;
    d.set_item("created", r.created)?;
    d.set_item("warnings", r.warnings)?;
    Ok(d)
}

/// The catalogue generation (bumped in the same transaction as every ingest, delete and recompute).
#[pyfunction]
pub fn catalogue_generation(py: Python<'_>) -> PyResult<i64> {
    run_released(py, "catalogue_generation", || store()?.catalogue_generation())
}

#[pyfunction]
pub fn list_schedules(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let rows = run_released(py, "list_schedules", || store()?.list_schedules())?;
    let out = PyList::empty(py);
    for r in rows {
        let d = PyDict::new(py);
        d.set_item("schedule_id", r.schedule_id)?;
        d.set_item("name", r.name)?;
        d.set_item("upload_timestamp", r.upload_timestamp)?;
        d.set_item("checksum", r.checksum)?;
        d.set_item("blocks", r.blocks)?;
        d.set_item("scheduled", r.scheduled)?;
        d.set_item("unscheduled", r.blocks - r.scheduled)?;
        d.set_item("analytics", r.analytics.as_str())?;
        out.append(d)?;
    }
    Ok(out)
}

#[pyfunction]
pub fn schedule_header(py: Python<'_>, schedule_id: i64) -> PyResult<Bound<'_, PyDict>> {
    let h = run_released(py, "schedule_header", || store()?.header(schedule_id))?;
    let d = PyDict::new(py);
    d.set_item("schedule_id", h.schedule_id)?;
    d.set_item("name", h.name)?;
    d.set_item("checksum", h.checksum)?;
    d.set_item("upload_timestamp", h.upload_timestamp)?;
    d.set_item("analytics_state", h.analytics_state.as_str())?;
    d.set_item("analytics_stamp", h.analytics_stamp)?;
    Ok(d)
}

#[pyfunction]
pub fn delete_schedule(py: Python<'_>, schedule_id: i64) -> PyResult<bool> {
    run_released(py, "delete_schedule", || store()?.delete(schedule_id))
}

#[pyfunction]
#[pyo3(signature = (schedule_id=None))]
pub fn etl_status(py: Python<'_>, schedule_id: Option<i64>) -> PyResult<Bound<'_, PyList>> {
    let rows = run_released(py, "etl_status", || store()?.etl_status(schedule_id))?;
    let out = PyList::empty(py);
    for r in rows {
        let d = PyDict::new(py);
        d.set_item("schedule_id", r.schedule_id)?;
        d.set_item("name", r.name)?;
        d.set_item("state", r.state.as_str())?;
        d.set_item("etl_version", r.etl_version)?;
        d.set_item("current_etl_version", tsi_core::ETL_VERSION)?;
        d.set_item("checksum_match", r.checksum_match)?;
        d.set_item("updated_at", r.updated_at)?;
        d.set_item("etl_duration_ms", r.etl_duration_ms)?;
        let counts = PyDict::new(py);
        for (t, n) in r.row_counts {
            counts.set_item(t, n)?;
        }
        d.set_item("row_counts", counts)?;
        out.append(d)?;
    }
    Ok(out)
}

#[pyfunction]
#[pyo3(signature = (schedule_id, force=false))]
pub fn etl_backfill(py: Python<'_>, schedule_id: i64, force: bool) -> PyResult<Bound<'_, PyDict>> {
    let (before, ran, ms) = run_released(py, "etl_backfill", || store()?.backfill(schedule_id, force))?;
    let d = PyDict::new(py);
    d.set_item("schedule_id", schedule_id)?;
    d.set_item("state_before", before.as_str())?;
    d.set_item("recomputed", ran)?;
    d.set_item("state", if ran { "fresh" } else { before.as_str() })?;
    d.set_item("milliseconds", ms)?;
    Ok(d)
}

/// Apply pending SQLite migrations (the store also applies them when it opens).
#[pyfunction]
pub fn db_upgrade(py: Python<'_>, sqlite_path: String) -> PyResult<Vec<i64>> {
    run_released(py, "db_upgrade", || {
        let mut c = tsi_core::store::pool::open(&sqlite_path)?;
        tsi_core::store::migrate::upgrade(&mut c)
    })
}

#[pyfunction]
pub fn db_pending(py: Python<'_>, sqlite_path: String) -> PyResult<Vec<i64>> {
    run_released(py, "db_pending", || {
        let mut c = tsi_core::store::pool::open(&sqlite_path)?;
        tsi_core::store::migrate::pending(&mut c)
    })
}

#[pyfunction]
#[pyo3(signature = (out_dir, n_blocks, seed=1, format="f1", start_mjd=61771.0, days=30.0, site=None,
                    unscheduled_fraction=0.15, sentinel=false, conflicts=0, variant=None, name=None))]
#[allow(clippy::too_many_arguments)]
pub fn generate<'py>(
    py: Python<'py>,
    out_dir: PathBuf,
    n_blocks: usize,
    seed: u64,
    format: &str,
    start_mjd: f64,
    days: f64,
    site: Option<(f64, f64, f64)>,
    unscheduled_fraction: f64,
    sentinel: bool,
    conflicts: usize,
    variant: Option<u64>,
    name: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let format = match format {
        "f1" => SourceFormat::F1,
        "f2" => SourceFormat::F2,
        other => return Err(pyo3::exceptions::PyValueError::new_err(format!("format must be f1 or f2 (got '{other}')"))),
    };
    if !(0.0..1.0).contains(&unscheduled_fraction) {
        return Err(pyo3::exceptions::PyValueError::new_err("unscheduled_fraction must be in [0, 1)"));
    }
    let mut opts = GenerateOptions { n_blocks, seed, format, start_mjd, days, unscheduled_fraction, sentinel, conflicts, variant, name, ..Default::default() };
    if let Some((lat, lon, h)) = site {
        opts.site = Site { lat_deg: lat, lon_deg: lon, height_m: h };
    }
    let r = run_released(py, "generate", || tsi_core::generate::generate(&out_dir, &opts))?;
    let d = PyDict::new(py);
    d.set_item("files", r.files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>())?;
    d.set_item("blocks", r.blocks)?;
    d.set_item("scheduled", r.scheduled)?;
    Ok(d)
}
