//! The ODBC transport exercised through a real ODBC driver: SQLite's (`DRIVER={SQLite3}`) with the SQLite
//! dialect. The same generated schedules are ingested through the rusqlite transport and through ODBC;
//! every flow on both data paths must give identical payloads, and the stored rows must be identical.
//!
//! `cargo test -p tsi-core --features mssql --test odbc_sqlite` (needs unixODBC and Debian's
//! `libsqliteodbc`, i.e. `odbcinst -q -d` lists `[SQLite3]`).
#![cfg(feature = "mssql")]

mod common;

use std::path::Path;

use rusqlite::types::Value as SqlValue;
use tsi_core::flows::insights::InsightsParams;
use tsi_core::flows::sky_map::SkyMapParams;
use tsi_core::flows::trends::TrendsParams;
use tsi_core::flows::visibility::{Binning, VisibilityParams};
use tsi_core::generate::{generate, GenerateOptions};
use tsi_core::model::SourceFormat;
use tsi_core::service::{self, FlowParams, Source};
use tsi_core::store::{AnalyticsState, Backend, Dialect, Store, StoreConfig};
use tsi_core::CoreError;

use common::{input, TmpDir};

fn require_driver() {
    let out = std::process::Command::new("odbcinst").args(["-q", "-d"]).output();
    let listed = out.map(|o| String::from_utf8_lossy(&o.stdout).contains("[SQLite3]")).unwrap_or(false);
    assert!(listed, "the SQLite3 ODBC driver is not installed (apt-get install unixodbc libsqliteodbc)");
}

fn odbc_store(db: &Path) -> Store {
    let cs = format!("DRIVER={{SQLite3}};Database={}", db.display());
    Store::open(StoreConfig {
        backend: Backend::Odbc { connection_string: cs, dialect: Dialect::Sqlite },
        pool_size: 2,
        sentinel_mjd: Some(51910.5),
    })
    .unwrap()
}

fn all_flows(other: i64) -> Vec<(&'static str, FlowParams)> {
    vec![
        ("sky_map", FlowParams::SkyMap(SkyMapParams::new("mollweide", true, 0.0).unwrap())),
        ("sky_map_cartesian", FlowParams::SkyMap(SkyMapParams::new("cartesian", false, 180.0).unwrap())),
        ("distributions", FlowParams::Distributions { exclude_impossible: false }),
        ("distributions_excl", FlowParams::Distributions { exclude_impossible: true }),
        ("visibility_map", FlowParams::VisibilityMap(VisibilityParams::default())),
        (
            "visibility_map_900s",
            FlowParams::VisibilityMap(VisibilityParams { binning: Binning::Seconds(900), ..Default::default() }),
        ),
        (
            "visibility_map_filtered",
            FlowParams::VisibilityMap(VisibilityParams { priority_min: Some(3.0), ..Default::default() }),
        ),
        ("timeline", FlowParams::Timeline),
        ("insights", FlowParams::Insights(InsightsParams::default())),
        ("insights_excl", FlowParams::Insights(InsightsParams { exclude_impossible: true, top_n: 5 })),
        ("trends", FlowParams::Trends(TrendsParams::default())),
        ("trends_excl", FlowParams::Trends(TrendsParams { exclude_impossible: true, ..Default::default() })),
        ("compare", FlowParams::Compare { other_schedule_id: other }),
        ("validation", FlowParams::Validation),
    ]
}

/// Every row of a table (all columns, by rowid), with the columns that hold wall-clock values blanked.
fn dump(db: &Path, table: &str) -> Vec<Vec<SqlValue>> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c.prepare(&format!("SELECT * FROM {table} ORDER BY rowid")).unwrap();
    let names: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
    let n = names.len();
    let rows = st
        .query_map([], |r| {
            (0..n)
                .map(|k| {
                    let v: SqlValue = r.get(k)?;
                    Ok(match names[k].as_str() {
                        "upload_timestamp" | "created_at" | "updated_at" | "etl_duration_ms" | "applied_at" => SqlValue::Null,
                        _ => v,
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    rows
}

const TABLES: [&str; 14] = [
    "schedules",
    "targets",
    "altitude_constraints",
    "azimuth_constraints",
    "constraints",
    "scheduling_blocks",
    "schedule_scheduling_blocks",
    "analytics_schedule_blocks_analytics",
    "analytics_schedule_priority_rates",
    "analytics_schedule_visibility_bins",
    "analytics_schedule_heatmap_bins",
    "analytics_schedule_visibility_time_bins",
    "analytics_schedule_visibility_metadata",
    "analytics_schedule_summary_analytics",
];

fn assert_same_rows(a: &Path, b: &Path) {
    for t in TABLES {
        let (ra, rb) = (dump(a, t), dump(b, t));
        assert_eq!(ra.len(), rb.len(), "row count of {t}");
        for (i, (x, y)) in ra.iter().zip(&rb).enumerate() {
            assert_eq!(x, y, "row {i} of {t}");
        }
    }
}

#[test]
fn odbc_transport_matches_rusqlite() {
    require_driver();
    let dir = TmpDir::new("odbc-parity");
    let gen = |name: &str, opts: GenerateOptions| generate(&dir.0.join(name), &opts).unwrap().files;
    // A season with fixed windows, azimuth sectors and impossible targets; its Compare variant; an F2 night
    // with the sentinel and conflicts.
    let base = GenerateOptions { n_blocks: 300, days: 20.0, seed: 11, ..Default::default() };
    let f1 = gen("f1", base.clone());
    let variant = gen("variant", GenerateOptions { variant: Some(3), ..base.clone() });
    let f2 = gen(
        "f2",
        GenerateOptions {
            n_blocks: 150,
            days: 1.0,
            seed: 5,
            format: SourceFormat::F2,
            sentinel: true,
            conflicts: 4,
            ..Default::default()
        },
    );

    let db_a = dir.0.join("rusqlite.sqlite3");
    let db_b = dir.0.join("odbc.sqlite3");
    let a = Store::open(StoreConfig::sqlite(db_a.to_string_lossy().into_owned(), 2, Some(51910.5))).unwrap();
    let b = odbc_store(&db_b);

    let mut ids = Vec::new();
    for files in [&f1, &variant, &f2] {
        let ra = service::ingest(&a, input(files)).unwrap();
        let rb = service::ingest(&b, input(files)).unwrap();
        assert!(ra.created && rb.created);
        assert_eq!((ra.schedule_id, &ra.name, &ra.checksum, ra.blocks, ra.scheduled), (rb.schedule_id, &rb.name, &rb.checksum, rb.blocks, rb.scheduled));
        assert_eq!(ra.warnings, rb.warnings);
        ids.push(ra.schedule_id);
    }
    // Identical stored rows (ids, JSON, blobs, analytics), wall-clock columns aside.
    assert_same_rows(&db_a, &db_b);

    // Every flow on both paths.
    for (k, &id) in ids.iter().enumerate() {
        let other = ids[(k + 1) % ids.len()];
        for (name, p) in all_flows(other) {
            for source in [Source::Legacy, Source::Etl] {
                let va = service::run_flow(&a, id, source, &p).unwrap().to_json();
                let vb = service::run_flow(&b, id, source, &p)
                    .unwrap_or_else(|e| panic!("{name} {source:?} on schedule {id} over ODBC: {e}"))
                    .to_json();
                assert_eq!(va, vb, "{name} {source:?} on schedule {id}");
            }
        }
    }

    // Administration reads.
    let (la, lb) = (a.list_schedules().unwrap(), b.list_schedules().unwrap());
    assert_eq!(la.len(), 3);
    for (x, y) in la.iter().zip(&lb) {
        assert_eq!((x.schedule_id, &x.name, &x.checksum, x.blocks, x.scheduled, x.analytics), (y.schedule_id, &y.name, &y.checksum, y.blocks, y.scheduled, y.analytics));
        assert_eq!(y.analytics, AnalyticsState::Fresh);
        assert_eq!(y.upload_timestamp.len(), "2026-01-01T00:00:00.000Z".len(), "{}", y.upload_timestamp);
    }
    let h = b.header(ids[0]).unwrap();
    assert_eq!(h.analytics_state, AnalyticsState::Fresh);
    assert!(h.analytics_stamp.unwrap().starts_with("1."));
    let (sa, sb) = (a.etl_status(None).unwrap(), b.etl_status(None).unwrap());
    for (x, y) in sa.iter().zip(&sb) {
        assert_eq!((x.schedule_id, x.state, x.etl_version, x.checksum_match, &x.row_counts), (y.schedule_id, y.state, y.etl_version, y.checksum_match, &y.row_counts));
    }
    let cols: Vec<String> = ["priority", "total_visibility_hours", "visibility_intervals", "min_altitude_deg"].map(String::from).to_vec();
    for id in &ids {
        assert_eq!(
            a.raw_scan(*id, "analytics_schedule_blocks_analytics", &cols).unwrap(),
            b.raw_scan(*id, "analytics_schedule_blocks_analytics", &cols).unwrap()
        );
    }
    assert_eq!(a.all_schedule_ids().unwrap(), b.all_schedule_ids().unwrap());

    // Dedup by checksum: the same files again are not stored twice.
    let again = service::ingest(&b, input(&f1)).unwrap();
    assert!(!again.created);
    assert_eq!(again.schedule_id, ids[0]);
    assert_eq!(b.list_schedules().unwrap().len(), 3);
    // The race path: a second insert of the same checksum inside ingest rolls back and returns the winner.
    let parsed_again = {
        let inp = input(&f1);
        let opts = tsi_core::parse::ParseOptions { sentinel_mjd: Some(51910.5), max_bytes: 1 << 30 };
        let s = (inp.schedule.name.as_str(), inp.schedule.raw.as_slice());
        let v = inp.visibility.as_ref().map(|f| (f.name.as_str(), f.raw.as_slice()));
        let d = inp.dark.as_ref().map(|f| (f.name.as_str(), f.raw.as_slice()));
        tsi_core::parse::parse_upload(s, v, d, &opts).unwrap()
    };
    let race = b.ingest(&parsed_again, "dup", &again.checksum).unwrap();
    assert!(!race.created);
    assert_eq!(race.schedule_id, ids[0]);
    assert_same_rows(&db_a, &db_b);

    // Backfill (forced) in its own transaction, on both.
    for s in [&a, &b] {
        let (before, ran, _) = s.backfill(ids[1], true).unwrap();
        assert_eq!(before, AnalyticsState::Fresh);
        assert!(ran);
    }
    assert_same_rows(&db_a, &db_b);

    // Delete: analytics, membership and orphaned blocks go; shared lookup rows stay.
    for s in [&a, &b] {
        assert!(s.delete(ids[0]).unwrap());
        assert!(!s.delete(ids[0]).unwrap());
        assert!(matches!(s.header(ids[0]), Err(CoreError::NotFound { .. })));
        assert!(matches!(
            service::run_flow(s, ids[0], Source::Etl, &FlowParams::Timeline),
            Err(CoreError::NotFound { .. })
        ));
    }
    assert_same_rows(&db_a, &db_b);
    let blocks_left = dump(&db_b, "scheduling_blocks").len();
    let members_left = dump(&db_b, "schedule_scheduling_blocks").len();
    assert!(blocks_left >= members_left && blocks_left > 0);
    // The variant shares no block rows with the base (a fresh row per upload), so every remaining block is
    // still a member of a schedule.
    assert_eq!(blocks_left, members_left);

    // A re-ingest after delete creates a new schedule with new ids (never reused).
    let re = service::ingest(&b, input(&f1)).unwrap();
    assert!(re.created);
    assert!(re.schedule_id > ids[2]);
}

#[test]
fn odbc_errors_are_database_errors_without_secrets() {
    require_driver();
    let r = Store::open(StoreConfig {
        backend: Backend::Odbc { connection_string: "DRIVER={No Such Driver};PWD=hunter2".into(), dialect: Dialect::TSql },
        pool_size: 1,
        sentinel_mjd: None,
    });
    match r {
        Err(CoreError::Database { message, .. }) => assert!(!message.contains("hunter2"), "{message}"),
        Err(other) => panic!("unexpected error {other:?}"),
        Ok(_) => panic!("connected to a driver that does not exist"),
    }
    let cfg = StoreConfig {
        backend: Backend::Odbc { connection_string: "DRIVER=x;PWD=hunter2".into(), dialect: Dialect::TSql },
        pool_size: 1,
        sentinel_mjd: None,
    };
    assert!(!format!("{cfg:?}").contains("hunter2"));
}

#[test]
fn empty_and_tiny_schedules_over_odbc() {
    require_driver();
    let dir = TmpDir::new("odbc-tiny");
    let db_a = dir.0.join("a.sqlite3");
    let db_b = dir.0.join("b.sqlite3");
    let a = Store::open(StoreConfig::sqlite(db_a.to_string_lossy().into_owned(), 1, Some(51910.5))).unwrap();
    let b = odbc_store(&db_b);
    for (k, n) in [1usize, 2, 7].into_iter().enumerate() {
        let files = generate(&dir.0.join(format!("g{k}")), &GenerateOptions { n_blocks: n, seed: 100 + k as u64, days: 3.0, ..Default::default() })
            .unwrap()
            .files;
        let ra = service::ingest(&a, input(&files)).unwrap();
        let rb = service::ingest(&b, input(&files)).unwrap();
        assert_eq!(ra.schedule_id, rb.schedule_id);
        for (name, p) in all_flows(ra.schedule_id) {
            for source in [Source::Legacy, Source::Etl] {
                let va = service::run_flow(&a, ra.schedule_id, source, &p).map(|v| v.to_json()).map_err(|e| e.to_string());
                let vb = service::run_flow(&b, rb.schedule_id, source, &p).map(|v| v.to_json()).map_err(|e| e.to_string());
                assert_eq!(va, vb, "{name} {source:?} with {n} blocks");
            }
        }
    }
    assert_same_rows(&db_a, &db_b);
}
