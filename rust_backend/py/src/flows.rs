//! `<flow>_legacy` and `<flow>_etl` for every flow, and the flow catalogue (`flow_specs`). Parameters arrive
//! canonicalised by `tsi.data`; the core checks them against each flow's `SPEC` (CoreError::Value →
//! ValueError).

use pyo3::prelude::*;
use tsi_core::flows::insights::InsightsParams;
use pyo3::types::{PyDict, PyList};
use tsi_core::flows::spec::{DefaultValue, Kind, Rule};
use tsi_core::flows::sky_map::SkyMapParams;
use tsi_core::flows::trends::TrendsParams;
use tsi_core::flows::visibility::VisibilityParams;
use tsi_core::service::{self, FlowParams, Source};
use tsi_core::CoreError;

use crate::errors::run_released;
use crate::state::store;

/// Build the parameters and run the flow, both with the GIL released and panics caught (`run_released`).
fn run<B>(py: Python<'_>, binding: &str, schedule_id: i64, source: Source, build: B) -> PyResult<PyObject>
where
    B: FnOnce() -> Result<FlowParams, CoreError> + Send,
{
    let val = run_released(py, binding, || {
        let params = build()?;
        service::run_flow(&*store()?, schedule_id, source, &params)
    })?;
    crate::convert::to_py(py, val)
}

/// One pair of bindings (legacy, etl) sharing a parameter builder.
macro_rules! flow_pair {
    ($legacy:ident, $etl:ident, ($($arg:ident : $ty:ty = $def:expr),*), $build:expr) => {
        #[pyfunction]
        #[pyo3(signature = (schedule_id, $($arg = $def),*))]
        #[allow(clippy::too_many_arguments)]
        pub fn $legacy(py: Python<'_>, schedule_id: i64, $($arg: $ty),*) -> PyResult<PyObject> {
            run(py, stringify!($legacy), schedule_id, Source::Legacy, move || ($build)($($arg),*))
        }
        #[pyfunction]
        #[pyo3(signature = (schedule_id, $($arg = $def),*))]
        #[allow(clippy::too_many_arguments)]
        pub fn $etl(py: Python<'_>, schedule_id: i64, $($arg: $ty),*) -> PyResult<PyObject> {
            run(py, stringify!($etl), schedule_id, Source::Etl, move || ($build)($($arg),*))
        }
    };
}

fn sky_params(projection: String, ra_left: bool, center_ra_deg: f64) -> Result<FlowParams, CoreError> {
    Ok(FlowParams::SkyMap(SkyMapParams::new(&projection, ra_left, center_ra_deg)?))
}

flow_pair!(sky_map_legacy, sky_map_etl,
    (projection: String = "mollweide".to_string(), ra_left: bool = true, center_ra_deg: f64 = 180.0),
    sky_params);

flow_pair!(distributions_legacy, distributions_etl, (exclude_impossible: bool = false),
    |exclude_impossible| Ok(FlowParams::Distributions { exclude_impossible }));

#[allow(clippy::too_many_arguments)]
fn vis_params(
    n_bins: Option<i64>,
    bin_seconds: Option<i64>,
    start_unix: Option<i64>,
    end_unix: Option<i64>,
    priority_min: Option<f64>,
    priority_max: Option<f64>,
    block_ids: Option<Vec<String>>,
) -> Result<FlowParams, CoreError> {
    let p = VisibilityParams::new(n_bins, bin_seconds, start_unix, end_unix, priority_min, priority_max, block_ids)?;
    Ok(FlowParams::VisibilityMap(p))
}

flow_pair!(visibility_map_legacy, visibility_map_etl,
    (n_bins: Option<i64> = None, bin_seconds: Option<i64> = None, start_unix: Option<i64> = None,
     end_unix: Option<i64> = None, priority_min: Option<f64> = None, priority_max: Option<f64> = None,
     block_ids: Option<Vec<String>> = None),
    vis_params);

flow_pair!(timeline_legacy, timeline_etl, (), || Ok(FlowParams::Timeline));

flow_pair!(insights_legacy, insights_etl, (exclude_impossible: bool = false, top_n: usize = 10),
    |exclude_impossible, top_n: usize| {
        Ok(FlowParams::Insights(InsightsParams::new(exclude_impossible, top_n.min(i64::MAX as usize) as i64)?))
    });

#[allow(clippy::too_many_arguments)]
fn trends_params(
    exclude_impossible: bool,
    n_bins: usize,
    bandwidth: f64,
    n_smooth_points: usize,
    visibility_range: Option<(f64, f64)>,
    requested_range: Option<(f64, f64)>,
    priority_levels: Option<Vec<i64>>,
) -> Result<FlowParams, CoreError> {
    Ok(FlowParams::Trends(TrendsParams {
        exclude_impossible,
        n_bins,
        bandwidth,
        n_smooth_points,
        visibility_range,
        requested_range,
        priority_levels,
    }))
}

flow_pair!(trends_legacy, trends_etl,
    (exclude_impossible: bool = false, n_bins: usize = 10, bandwidth: f64 = 0.3, n_smooth_points: usize = 100,
     visibility_range: Option<(f64, f64)> = None, requested_range: Option<(f64, f64)> = None,
     priority_levels: Option<Vec<i64>> = None),
    trends_params);

flow_pair!(compare_legacy, compare_etl, (other_schedule_id: i64 = -1),
    |other_schedule_id: i64| {
        if other_schedule_id < 0 {
            return Err(CoreError::value("other_schedule_id is required"));
        }
        Ok(FlowParams::Compare { other_schedule_id })
    });

flow_pair!(validation_legacy, validation_etl, (), || Ok(FlowParams::Validation));

/// The flow catalogue (`tsi_core::flows::CATALOGUE`) as plain data: one dict per flow, in catalogue order,
/// `{name, params: [{name, kind, default, required, lo, hi, hi_open, choices, setting}], rules: [...]}`.
#[pyfunction]
pub fn flow_specs(py: Python<'_>) -> PyResult<PyObject> {
    let flows = PyList::empty(py);
    for f in tsi_core::flows::CATALOGUE {
        let params = PyList::empty(py);
        for p in f.params {
            let d = PyDict::new(py);
            d.set_item("name", p.name)?;
            d.set_item("kind", p.kind.name())?;
            match p.default {
                DefaultValue::Absent | DefaultValue::Required => d.set_item("default", py.None())?,
                DefaultValue::Bool(v) => d.set_item("default", v)?,
                DefaultValue::Int(v) => d.set_item("default", v)?,
                DefaultValue::Float(v) => d.set_item("default", v)?,
                DefaultValue::Text(v) => d.set_item("default", v)?,
            }
            d.set_item("required", p.default == DefaultValue::Required)?;
            d.set_item("lo", p.lo)?;
            d.set_item("hi", p.hi)?;
            d.set_item("hi_open", p.hi_open)?;
            match p.kind {
                Kind::Choice(words) => d.set_item("choices", words.to_vec())?,
                _ => d.set_item("choices", py.None())?,
            }
            d.set_item("setting", p.setting)?;
            params.append(d)?;
        }
        let rules = PyList::empty(py);
        for r in f.rules {
            let d = PyDict::new(py);
            match *r {
                Rule::Exclusive { first, second, message } => {
                    d.set_item("kind", "exclusive")?;
                    d.set_item("params", (first, second))?;
                    d.set_item("message", message)?;
                }
                Rule::Ordered { lo, hi, strict, message } => {
                    d.set_item("kind", "ordered")?;
                    d.set_item("params", (lo, hi))?;
                    d.set_item("strict", strict)?;
                    d.set_item("message", message)?;
                }
            }
            rules.append(d)?;
        }
        let d = PyDict::new(py);
        d.set_item("name", f.name)?;
        d.set_item("params", params)?;
        d.set_item("rules", rules)?;
        flows.append(d)?;
    }
    Ok(flows.into_any().unbind())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(flow_specs, m)?)?;
    m.add_function(wrap_pyfunction!(sky_map_legacy, m)?)?;
    m.add_function(wrap_pyfunction!(sky_map_etl, m)?)?;
    m.add_function(wrap_pyfunction!(distributions_legacy, m)?)?;
    m.add_function(wrap_pyfunction!(distributions_etl, m)?)?;
    m.add_function(wrap_pyfunction!(visibility_map_legacy, m)?)?;
    m.add_function(wrap_pyfunction!(visibility_map_etl, m)?)?;
    m.add_function(wrap_pyfunction!(timeline_legacy, m)?)?;
    m.add_function(wrap_pyfunction!(timeline_etl, m)?)?;
    m.add_function(wrap_pyfunction!(insights_legacy, m)?)?;
    m.add_function(wrap_pyfunction!(insights_etl, m)?)?;
    m.add_function(wrap_pyfunction!(trends_legacy, m)?)?;
    m.add_function(wrap_pyfunction!(trends_etl, m)?)?;
    m.add_function(wrap_pyfunction!(compare_legacy, m)?)?;
    m.add_function(wrap_pyfunction!(compare_etl, m)?)?;
    m.add_function(wrap_pyfunction!(validation_legacy, m)?)?;
    m.add_function(wrap_pyfunction!(validation_etl, m)?)?;
    Ok(())
}
