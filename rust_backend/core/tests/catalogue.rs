//! The catalogue generation (operations.md §3): every change to the catalogue bumps it in its own
//! transaction, and nothing else does; identical uploads stay deduplicated even when they arrive together.

mod common;

use std::sync::Arc;

use tsi_core::generate::{generate, GenerateOptions};
use tsi_core::service;
use tsi_core::store::{Store, StoreConfig};
use tsi_core::CoreError;

use common::{input, TmpDir};

fn open(dir: &TmpDir, pool: usize) -> Store {
    Store::open(StoreConfig::sqlite(dir.0.join("t.sqlite3").to_string_lossy().into_owned(), pool, Some(51910.5)))
        .unwrap()
}

#[test]
fn ingest_delete_and_recompute_bump_the_generation_and_reads_do_not() {
    let dir = TmpDir::new("catalogue");
    let files = generate(&dir.0.join("g"), &GenerateOptions { n_blocks: 40, days: 3.0, seed: 5, ..Default::default() })
        .unwrap()
        .files;
    let store = open(&dir, 2);
    let g0 = store.catalogue_generation().unwrap();

    let created = service::ingest(&store, input(&files)).unwrap();
    assert!(created.created);
    let g1 = store.catalogue_generation().unwrap();
    assert!(g1 > g0, "ingest must bump the generation ({g0} -> {g1})");

    let again = service::ingest(&store, input(&files)).unwrap();
    assert!(!again.created);
    assert_eq!(again.schedule_id, created.schedule_id);
    store.list_schedules().unwrap();
    store.header(created.schedule_id).unwrap();
    assert_eq!(store.catalogue_generation().unwrap(), g1, "a duplicate upload or a read changes nothing");

    store.backfill(created.schedule_id, true).unwrap();
    let g2 = store.catalogue_generation().unwrap();
    assert!(g2 > g1, "a recompute must bump the generation");

    assert!(store.delete(created.schedule_id).unwrap());
    let g3 = store.catalogue_generation().unwrap();
    assert!(g3 > g2, "a delete must bump the generation");
    assert!(matches!(store.header(created.schedule_id), Err(CoreError::NotFound { .. })));

    assert!(!store.delete(created.schedule_id).unwrap());
    assert_eq!(store.catalogue_generation().unwrap(), g3, "deleting nothing changes nothing");
}

#[test]
fn concurrent_identical_first_uploads_store_one_schedule() {
    let dir = TmpDir::new("catalogue-race");
    let files = generate(&dir.0.join("g"), &GenerateOptions { n_blocks: 300, days: 10.0, seed: 8, ..Default::default() })
        .unwrap()
        .files;
    let store = Arc::new(open(&dir, 4));
    let results: Vec<_> = (0..4)
        .map(|_| {
            let (store, files) = (store.clone(), files.clone());
            std::thread::spawn(move || service::ingest(&store, input(&files)))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap().unwrap())
        .collect();
    assert_eq!(results.iter().filter(|r| r.created).count(), 1, "{results:?}");
    let ids: std::collections::BTreeSet<i64> = results.iter().map(|r| r.schedule_id).collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(store.list_schedules().unwrap().len(), 1);
}
