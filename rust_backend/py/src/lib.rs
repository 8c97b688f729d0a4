//! `tsi._core`: the PyO3 bindings of the TSI core. This file is the index; each function lives in a module
//! named after what it does. Work runs with the GIL released; payload columns become numpy arrays (moved).
//! `dev` (cargo feature `testing`) adds the bindings only the tests and the benchmark use.

use pyo3::prelude::*;

mod accounts;
mod admin;
mod convert;
#[cfg(feature = "testing")]
mod dev;
mod errors;
mod flows;
mod parity_log;
mod state;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(state::configure, m)?)?;
    m.add_function(wrap_pyfunction!(state::build_info, m)?)?;
    m.add_function(wrap_pyfunction!(admin::ingest, m)?)?;
    m.add_function(wrap_pyfunction!(admin::list_schedules, m)?)?;
    m.add_function(wrap_pyfunction!(admin::catalogue_generation, m)?)?;
    m.add_function(wrap_pyfunction!(accounts::user_add, m)?)?;
    m.add_function(wrap_pyfunction!(accounts::user_get, m)?)?;
    m.add_function(wrap_pyfunction!(accounts::user_list, m)?)?;
    m.add_function(wrap_pyfunction!(accounts::user_update, m)?)?;
    m.add_function(wrap_pyfunction!(accounts::audit_append, m)?)?;
    m.add_function(wrap_pyfunction!(accounts::audit_list, m)?)?;
    m.add_function(wrap_pyfunction!(parity_log::parity_event_append, m)?)?;
    m.add_function(wrap_pyfunction!(parity_log::parity_event_list, m)?)?;
    m.add_function(wrap_pyfunction!(parity_log::parity_event_counts, m)?)?;
    m.add_function(wrap_pyfunction!(parity_log::parity_run_append, m)?)?;
    m.add_function(wrap_pyfunction!(parity_log::parity_run_last, m)?)?;
    m.add_function(wrap_pyfunction!(admin::schedule_header, m)?)?;
    m.add_function(wrap_pyfunction!(admin::delete_schedule, m)?)?;
    m.add_function(wrap_pyfunction!(admin::etl_status, m)?)?;
    m.add_function(wrap_pyfunction!(admin::etl_backfill, m)?)?;
    m.add_function(wrap_pyfunction!(admin::db_upgrade, m)?)?;
    m.add_function(wrap_pyfunction!(admin::db_pending, m)?)?;
    m.add_function(wrap_pyfunction!(admin::generate, m)?)?;
    flows::register(m)?;
    #[cfg(feature = "testing")]
    dev::register(m)?;
    Ok(())
}
