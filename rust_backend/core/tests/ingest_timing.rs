//! Timing of a "real"-sized ingest (2,647 blocks, one year) through the SQLite store. Ignored by default:
//! `cargo test --release -p tsi-core --test ingest_timing -- --ignored --nocapture`.

use std::time::Instant;

use tsi_core::generate::{generate, GenerateOptions};
use tsi_core::service::{self, FlowParams, Source};
use tsi_core::store::Store;
use tsi_core::store::StoreConfig;

mod common;
use common::{input, TmpDir};

#[test]
#[ignore]
fn real_size_ingest_timing() {
    let tmp = TmpDir::new("timing");
    let dir = &tmp.0;
    let opts = GenerateOptions { n_blocks: 2647, days: 365.0, seed: 2647, ..Default::default() };
    let g = generate(&dir.join("gen"), &opts).unwrap();
    let mut times = Vec::new();
    for round in 0..3 {
        let db = dir.join(format!("t{round}.sqlite3"));
        let store = Store::open(StoreConfig::sqlite(db.to_string_lossy().into_owned(), 2, Some(51910.5))).unwrap();
        let files = input(&g.files);
        let t = Instant::now();
        let r = service::ingest(&store, files).unwrap();
        let ingest_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        for _ in 0..10 {
            service::run_flow(&store, r.schedule_id, Source::Legacy, &FlowParams::Timeline).unwrap();
        }
        let legacy_ms = t.elapsed().as_secs_f64() * 1e2;
        let t = Instant::now();
        for _ in 0..10 {
            service::run_flow(&store, r.schedule_id, Source::Etl, &FlowParams::Timeline).unwrap();
        }
        let etl_ms = t.elapsed().as_secs_f64() * 1e2;
        println!("round {round}: blocks {} ingest+etl {ingest_ms:.1} ms; timeline legacy {legacy_ms:.2} ms, etl {etl_ms:.2} ms", r.blocks);
        times.push(ingest_ms);
    }
    times.sort_by(f64::total_cmp);
    println!("median ingest+etl: {:.1} ms", times[1]);
}
