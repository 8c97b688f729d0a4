//! Each flow declares the block columns it reads (`FlowParams::load_plan`) and the ETL loader selects only
//! those. A flow that reads an undeclared column would find it empty and panic, and one whose result depended on
//! the loader reading more would differ: so every flow, with default and non-default parameters, must give the
//! same payload from the narrow load as from a load of every column (and the dark periods), and the same as the
//! legacy path.
//!
//! `cargo test -p tsi-core --test narrow_reads`

use std::path::PathBuf;

use tsi_core::blockset::{BlockCol, BlockCols};
use tsi_core::flows::insights::InsightsParams;
use tsi_core::flows::sky_map::SkyMapParams;
use tsi_core::flows::trends::TrendsParams;
use tsi_core::flows::visibility::{Binning, VisibilityParams};
use tsi_core::generate::{generate, GenerateOptions};
use tsi_core::model::SourceFormat;
use tsi_core::payload::Val;
use tsi_core::service::{self, FlowParams, Source};
use tsi_core::store::{LoadPlan, Store, StoreConfig};

mod common;
use common::{input, TmpDir};

fn ingest(store: &Store, files: &[PathBuf]) -> i64 {
    service::ingest(store, input(files)).unwrap().schedule_id
}

fn requests(other: i64) -> Vec<(&'static str, FlowParams)> {
    vec![
        ("sky_map", FlowParams::SkyMap(SkyMapParams::default())),
        ("sky_map_cartesian", FlowParams::SkyMap(SkyMapParams::new("cartesian", false, 0.0).unwrap())),
        ("distributions", FlowParams::Distributions { exclude_impossible: false }),
        ("distributions_excl", FlowParams::Distributions { exclude_impossible: true }),
        ("visibility_map", FlowParams::VisibilityMap(VisibilityParams::default())),
        (
            "visibility_map_900s",
            FlowParams::VisibilityMap(VisibilityParams { binning: Binning::Seconds(900), ..Default::default() }),
        ),
        (
            "visibility_map_filtered",
            FlowParams::VisibilityMap(VisibilityParams {
                priority_min: Some(3.0),
                block_ids: Some(vec!["1".into(), "2".into(), "7".into()]),
                ..Default::default()
            }),
        ),
        ("timeline", FlowParams::Timeline),
        ("insights", FlowParams::Insights(InsightsParams::default())),
        ("insights_excl", FlowParams::Insights(InsightsParams { exclude_impossible: true, top_n: 5 })),
        ("trends", FlowParams::Trends(TrendsParams::default())),
        ("trends_excl", FlowParams::Trends(TrendsParams { exclude_impossible: true, ..Default::default() })),
        (
            "trends_filtered",
            FlowParams::Trends(TrendsParams {
                visibility_range: Some((0.5, 400.0)),
                requested_range: Some((0.0, 3.0)),
                priority_levels: Some(vec![1, 2, 3, 4, 5, 6, 7, 8]),
                ..Default::default()
            }),
        ),
        ("compare", FlowParams::Compare { other_schedule_id: other }),
        ("validation", FlowParams::Validation),
    ]
}

/// Payloads as JSON (NaN is null there, as at the Python boundary); on a difference, where it starts.
fn assert_same(a: &Val, b: &Val, what: &str) {
    let (ja, jb) = (a.to_json(), b.to_json());
    if ja != jb {
        let k = ja.bytes().zip(jb.bytes()).take_while(|(x, y)| x == y).count();
        let window = |s: &str| s[k.saturating_sub(120)..(k + 120).min(s.len())].to_string();
        panic!("{what}: payloads differ at byte {k}:\n  {}\n  {}", window(&ja), window(&jb));
    }
}

#[test]
fn every_flow_gives_the_same_payload_from_its_declared_columns() {
    let dir = TmpDir::new("narrow-flows");
    let gen = |name: &str, opts: GenerateOptions| generate(&dir.0.join(name), &opts).unwrap().files;
    // A season with fixed windows, azimuth sectors and impossible targets, its Compare variant, and an F2 night
    // with the sentinel and conflicts.
    let season = GenerateOptions { n_blocks: 400, days: 30.0, seed: 23, ..Default::default() };
    let night = GenerateOptions {
        n_blocks: 120,
        days: 1.0,
        seed: 9,
        format: SourceFormat::F2,
        sentinel: true,
        conflicts: 5,
        ..Default::default()
    };
    let store = Store::open(StoreConfig::sqlite(dir.0.join("t.sqlite3").to_string_lossy().into_owned(), 2, Some(51910.5)))
        .unwrap();
    let a = ingest(&store, &gen("season", season.clone()));
    let b = ingest(&store, &gen("variant", GenerateOptions { variant: Some(4), ..season }));
    let c = ingest(&store, &gen("night", night));

    for (id, other) in [(a, b), (c, a)] {
        for (name, p) in requests(other) {
            let narrow = service::run_flow(&store, id, Source::Etl, &p).unwrap_or_else(|e| panic!("{name}: {e}"));
            let everything = LoadPlan { columns: BlockCols::ALL, dark_periods: true, ..p.load_plan() };
            let (f, blocks, agg) = store.load_etl(id, &everything).unwrap();
            let wide = service::compute(&store, Source::Etl, &p, (f, blocks, Some(agg))).unwrap();
            assert_same(&narrow, &wide, &format!("{name} on schedule {id}: narrow vs full ETL load"));
            let legacy = service::run_flow(&store, id, Source::Legacy, &p).unwrap();
            assert_same(&narrow, &legacy, &format!("{name} on schedule {id}: ETL vs legacy"));
        }
    }
}

#[test]
fn the_etl_load_fills_only_the_declared_columns() {
    let dir = TmpDir::new("narrow-load");
    let files = generate(&dir.0.join("g"), &GenerateOptions { n_blocks: 50, days: 5.0, seed: 3, ..Default::default() })
        .unwrap()
        .files;
    let store = Store::open(StoreConfig::sqlite(dir.0.join("t.sqlite3").to_string_lossy().into_owned(), 1, Some(51910.5)))
        .unwrap();
    let id = ingest(&store, &files);
    let p = FlowParams::SkyMap(SkyMapParams::default());
    let (facts, b, _) = store.load_etl(id, &p.load_plan()).unwrap();
    assert_eq!(b.columns, p.load_plan().columns);
    assert!(facts.dark_periods.is_empty(), "the sky map does not read the dark periods");
    assert_eq!(b.len(), 50);
    assert_eq!((b.ra_deg.len(), b.sched_stop.len(), b.original_id.len()), (50, 50, 50));
    assert!(b.min_alt.is_empty() && b.total_vis_hours.is_empty() && b.vis_period_count.is_empty());
    assert!(!b.columns.has(BlockCol::MinObsSec));
    // every column, as validation reads
    let v = FlowParams::Validation;
    let (facts, all, _) = store.load_etl(id, &v.load_plan()).unwrap();
    assert!(!facts.dark_periods.is_empty());
    assert_eq!(all.columns, BlockCols::ALL);
    assert_eq!((all.min_az.len(), all.fixed_stop.len(), all.min_obs_sec.len()), (50, 50, 50));
    assert_eq!(all.digests.as_ref().map(|d| d.len()), Some(50));
}
