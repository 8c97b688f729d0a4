//! Profile one flow without Python: time the load and the computation separately, or loop long enough for
//! `perf record` / `valgrind --tool=callgrind` (architecture.md §8: profile before optimising).
//!
//! ```text
//! cargo run --release -p tsi-core --example profile_flow -- DB.sqlite3 SCHEDULE_ID FLOW [etl|legacy] [REPEAT]
//! perf record -g target/release/examples/profile_flow DB.sqlite3 1 visibility_map etl 500
//! ```
//! FLOW is one of sky_map, distributions, visibility_map, timeline, insights, trends, compare, validation
//! (compare runs against the same schedule). Default parameters throughout.

use std::time::Instant;

use tsi_core::service::{self, FlowParams, Source};
use tsi_core::store::dialect::Dialect;
use tsi_core::store::{Store, StoreConfig};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: profile_flow DB SCHEDULE_ID FLOW [etl|legacy] [REPEAT]");
        std::process::exit(2);
    }
    let id: i64 = args[2].parse().expect("SCHEDULE_ID");
    let flow = args[3].as_str();
    let source = Source::parse(args.get(4).map_or("etl", |s| s.as_str())).expect("source");
    let repeat: usize = args.get(5).map_or(50, |s| s.parse().expect("REPEAT"));
    let store = Store::open(StoreConfig::sqlite(args[1].clone(), 2, Some(51910.5))).expect("open");
    let p = FlowParams::default_for(flow, id).unwrap_or_else(|| panic!("unknown flow '{flow}'"));
    service::run_flow(&store, id, source, &p).expect("flow"); // warm SQLite's page cache

    let (mut load_ms, mut compute_ms, mut total_ms) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..repeat {
        let t = Instant::now();
        let loaded = service::load_for(&store, id, source, &p).expect("load");
        let t1 = Instant::now();
        let out = service::compute(&store, source, &p, loaded).expect("compute");
        let t2 = Instant::now();
        std::hint::black_box(out);
        load_ms.push((t1 - t).as_secs_f64() * 1e3);
        compute_ms.push((t2 - t1).as_secs_f64() * 1e3);
        total_ms.push((t2 - t).as_secs_f64() * 1e3);
    }
    // The bench's reference: a raw scan of the columns the ETL path reads for this request.
    let reads: Vec<(String, Vec<String>)> = service::etl_reads(&p)
        .into_iter()
        .map(|(t, cols)| (Dialect::Sqlite.table(t), cols.into_iter().map(String::from).collect()))
        .collect();
    let scan_ms: Vec<f64> = (0..repeat)
        .map(|_| {
            let t = Instant::now();
            for (table, cols) in &reads {
                store.raw_scan(id, table, cols).expect("scan");
            }
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    println!(
        "{flow} {source:?}: load {:.3} ms, compute {:.3} ms, total {:.3} ms; raw scan {:.3} ms (medians of {repeat})",
        median(load_ms),
        median(compute_ms),
        median(total_ms),
        median(scan_ms)
    );
}
