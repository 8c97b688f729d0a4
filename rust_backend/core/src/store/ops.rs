//! Everything the store does, written once against a `Transport` and a `Dialect`: ingest (one transaction
//! including the ETL), the legacy loader (joins over the normalized tables), the ETL loader (analytics
//! tables only), the ETL writers, and schedule administration.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::collections::HashMap;
use std::time::Instant;

use super::dialect::{self, Dialect, Lookup, Table, ANALYTICS_TABLES};
use super::transport::{
    in_transaction, nan_f64, opt_text, query_opt, query_vec, req_f64, req_i64, req_text, ColType, RowView, Transport,
    Value,
};
use super::{periods_json, AnalyticsState, EtlStatus, IngestResult, ScheduleListing, StoreConfig};
use crate::blockset::{BlockCol, BlockCols, BlockRow, BlockSet, ScheduleFacts, WindowDigest};
use crate::error::{CoreError, Result};
use crate::etl::{self, Analytics};
use crate::flows::aggregates::{HeatCell, PriorityRateRow, RateBinRow, TimeBinRow};
use crate::flows::insights::Summary;
use crate::flows::visibility::{DayRow, DefaultView};
use crate::model::{ParsedSchedule, Period};
use crate::ETL_VERSION;

/// Which pre-aggregated analytics tables a flow reads on the ETL path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Aggregates {
    /// `schedule_summary_analytics`
    pub summary: bool,
    /// `schedule_priority_rates`, `schedule_visibility_bins`, `schedule_heatmap_bins`
    pub rates: bool,
    /// `schedule_visibility_time_bins`
    pub time_bins: bool,
    /// `schedule_visibility_default_bins`, `schedule_visibility_days` and the range from the metadata row
    pub default_view: bool,
}

/// What one request loads of a schedule; each data path uses the parts that apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadPlan {
    /// Block columns: the ETL loader selects only these (the legacy join reads every column).
    pub columns: BlockCols,
    /// Legacy path: parse the stored visibility JSON.
    pub visibility: bool,
    /// ETL path: what to do with the stored interval blobs.
    pub intervals: Intervals,
    /// ETL path: pre-aggregated tables.
    pub aggregates: Aggregates,
    /// Decode the schedule's dark periods (a JSON column; only flows that draw or check against them).
    pub dark_periods: bool,
}

impl LoadPlan {
    /// Everything either path can load.
    pub const EVERYTHING: LoadPlan = LoadPlan {
        columns: BlockCols::ALL,
        visibility: true,
        intervals: Intervals::Full,
        aggregates: Aggregates { summary: true, rates: true, time_bins: true, default_view: true },
        dark_periods: true,
    };
}

/// What the ETL loader does with the stored interval blobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intervals {
    /// Not read.
    Skip,
    /// Decoded into the block set (flows that sweep them: the visibility map).
    Full,
    /// Read and summarised per block as they arrive (`WindowDigest`), then dropped: validation needs only the
    /// longest window and whether the scheduled period fits one, and a year of intervals is 7.9 MB to keep.
    Digest,
}

/// The metadata row's facts the ETL loaders use, read once per load.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StoredMeta {
    pub total_blocks: Option<i64>,
    /// NULL before migration 0004.
    pub merged_interval_count: Option<i64>,
    /// The schedule range t0, t1 (both 0 when no block has visibility).
    pub range: (i64, i64),
    /// Bins of the stored default visibility view; NULL: not stored (analytics written before 0005).
    pub default_view_bins: Option<i64>,
}

pub fn load_stored_meta(t: &mut dyn Transport, d: Dialect, id: i64) -> Result<StoredMeta> {
    let row = query_opt(t, &d.stored_meta(), &[id.into()], &[I; 5], |r| {
        Ok(StoredMeta {
            total_blocks: r.i64(0)?,
            merged_interval_count: r.i64(1)?,
            range: (r.i64(2)?.unwrap_or(0), r.i64(3)?.unwrap_or(0)),
            default_view_bins: r.i64(4)?,
        })
    })?;
    Ok(row.unwrap_or_default())
}

/// Pre-computed analytics the ETL path may read besides the block rows.
#[derive(Debug, Clone, Default)]
pub struct StoredAggregates {
    pub summary: Option<Summary>,
    pub priority_rates: Vec<PriorityRateRow>,
    pub visibility_bins: Vec<RateBinRow>,
    pub heatmap: Vec<HeatCell>,
    pub time_bins: Vec<TimeBinRow>,
    /// None when not asked for, or not stored (analytics written before migration 0005).
    pub default_view: Option<DefaultView>,
}

const NAME: ColType = ColType::Text(256);
const CHECKSUM: ColType = ColType::Text(64);
const STAMP: ColType = ColType::Text(40);
const ORIGINAL_ID: ColType = ColType::Text(256);
const I: ColType = ColType::I64;
const F: ColType = ColType::F64;

/// Rows per statement: one prepared row at a time in-process, multi-row chunks over the network.
fn chunk(t: &dyn Transport, d: Dialect, params_per_row: usize) -> usize {
    if t.prefers_multi_row() {
        d.rows_per_statement(params_per_row)
    } else {
        1
    }
}

/// A unique-key violation (a concurrent identical upload inserting the same checksum).
pub fn is_unique_violation(e: &CoreError) -> bool {
    match e {
        CoreError::Database { message, sqlstate } => {
            sqlstate.as_deref() == Some("23000")
                || message.contains("UNIQUE constraint failed")
                || message.contains("UQ_schedules_checksum")
                || message.contains("duplicate key")
        }
        _ => false,
    }
}

// -------------------------------------------------------------------- ingest

/// Store a parsed upload with its analytics in one transaction. `Ok(None)`: the checksum already exists
/// (a concurrent identical upload won); nothing was written.
pub fn ingest(
    t: &mut dyn Transport,
    d: Dialect,
    cfg: &StoreConfig,
    parsed: &ParsedSchedule,
    name: &str,
    checksum: &str,
) -> Result<Option<IngestResult>> {
    t.begin(d.begin_sql())?;
    let r = ingest_in_tx(t, d, cfg, parsed, name, checksum);
    match r {
        Ok(Some(v)) => match t.commit() {
            Ok(()) => Ok(Some(v)),
            Err(e) => {
                let _ = t.rollback();
                Err(e)
            }
        },
        Ok(None) => {
            // Under XACT_ABORT a unique-key violation has already ended the transaction on SQL Server, so
            // this rollback may fail; nothing was written either way, and the answer is "already stored".
            let _ = t.rollback();
            Ok(None)
        }
        Err(e) => {
            let _ = t.rollback();
            Err(e)
        }
    }
}

fn ingest_in_tx(
    t: &mut dyn Transport,
    d: Dialect,
    cfg: &StoreConfig,
    parsed: &ParsedSchedule,
    name: &str,
    checksum: &str,
) -> Result<Option<IngestResult>> {
    take_ingest_lock(t, d)?;
    // Under the lock: an identical upload that committed while this one was parsing is found here, so the
    // insert below never races it (the unique checksum stays the last line of defence).
    if query_opt(t, &d.schedule_id_by_checksum(), &[checksum.into()], &[I], |r| req_i64(r, 0))?.is_some() {
        return Ok(None);
    }
    let dark_json = periods_json::encode(&parsed.dark_periods);
    let sp = parsed.schedule_period;
    let site = parsed.site;
    let params = [
        Value::from(name),
        Value::from(checksum),
        Value::from(dark_json),
        Value::from(parsed.format.as_str()),
        Value::from(sp.map(|p| p.start)),
        Value::from(sp.map(|p| p.stop)),
        Value::from(site.map(|s| s.lon_deg)),
        Value::from(site.map(|s| s.lat_deg)),
        Value::from(site.map(|s| s.height_m)),
    ];
    let schedule_id = match query_opt(t, &d.insert_schedule(), &params, &[I], |r| req_i64(r, 0)) {
        Ok(Some(id)) => id,
        Ok(None) => return Err(CoreError::db("inserted schedule id not returned")),
        Err(e) if is_unique_violation(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    let block_ids = insert_blocks(t, d, parsed)?;
    let n = parsed.blocks.len();
    t.bulk(
        &|k| d.insert_membership(k),
        n,
        chunk(t, d, dialect::MEMBERSHIP_COLS.len()),
        &mut |i, buf| {
            let b = &parsed.blocks[i];
            buf.push(schedule_id.into());
            buf.push(block_ids[i].into());
            buf.push(b.scheduled.map(|p| p.start).into());
            buf.push(b.scheduled.map(|p| p.stop).into());
        },
        None,
    )?;
    run_etl(t, d, cfg, schedule_id)?;
    bump_generation(t, d)?;
    Ok(Some(IngestResult {
        schedule_id,
        name: name.to_string(),
        checksum: checksum.to_string(),
        blocks: n as i64,
        scheduled: parsed.blocks.iter().filter(|b| b.scheduled.is_some()).count() as i64,
        created: true,
        warnings: parsed.warnings.clone(),
    }))
}

/// Take the exclusive ingest lock inside the open transaction (T-SQL; on SQLite the immediate transaction is
/// the lock).
fn take_ingest_lock(t: &mut dyn Transport, d: Dialect) -> Result<()> {
    if let Some(sql) = d.ingest_lock_sql() {
        let r = query_opt(t, sql, &[], &[I], |r| r.i64(0))?.flatten();
        match r {
            Some(code) if code >= 0 => {}
            other => {
                return Err(CoreError::db(format!("could not acquire the ingest lock 'tsi_ingest' (sp_getapplock returned {other:?})")))
            }
        }
    }
    Ok(())
}

/// Natural-key bits of one value (-0.0 and 0.0 are one key, as in SQL equality; NULL is its own key).
fn key_bits(v: &Value) -> Option<u64> {
    let x = match v {
        Value::F64(Some(x)) => *x,
        Value::I64(Some(i)) => *i as f64,
        _ => return None,
    };
    Some(if x == 0.0 { 0 } else { x.to_bits() })
}

type Key = Vec<Option<u64>>;

fn key_of(vals: &[Value]) -> Key {
    vals.iter().map(key_bits).collect()
}

/// Key of a returned row (id in column 0, key columns after it), read as floats (ids are exact below 2^53).
fn key_of_row(r: &dyn RowView, nkeys: usize) -> Result<Key> {
    (0..nkeys).map(|k| Ok(r.f64(k + 1)?.map(|x| if x == 0.0 { 0 } else { x.to_bits() }))).collect()
}

/// Get-or-create: `keys[i]` are the natural-key values of distinct key i (first appearance order), `extra[i]`
/// the other inserted values. Selects the existing rows (NULL-safe), inserts the missing ones, and maps the
/// returned ids by their key values. Returns one id per key.
fn get_or_create<'a>(
    t: &mut dyn Transport,
    d: Dialect,
    l: &Lookup,
    keys: &[Vec<Value<'a>>],
    extra: &[Vec<Value<'a>>],
) -> Result<Vec<i64>> {
    let nk = l.keys.len();
    let mut cols = vec![I];
    cols.extend(std::iter::repeat_n(F, nk));
    let mut found: HashMap<Key, i64> = HashMap::with_capacity(keys.len());
    let per = chunk(t, d, l.select_params_per_key(d));
    let mut sql_cache: Option<(usize, String)> = None;
    for part in keys.chunks(per) {
        let sql = match &sql_cache {
            Some((n, s)) if *n == part.len() => s.clone(),
            _ => {
                let s = d.lookup_select(l, part.len());
                sql_cache = Some((part.len(), s.clone()));
                s
            }
        };
        let mut params: Vec<Value> = Vec::with_capacity(part.len() * nk * 2);
        for kv in part {
            for (v, (_, nullable)) in kv.iter().zip(l.keys) {
                for _ in 0..d.null_safe_params(*nullable) {
                    params.push(v.clone());
                }
            }
        }
        t.query(&sql, &params, &cols, &mut |r| {
            found.insert(key_of_row(r, nk)?, req_i64(r, 0)?);
            Ok(())
        })?;
    }
    let missing: Vec<usize> = (0..keys.len()).filter(|&i| !found.contains_key(&key_of(&keys[i]))).collect();
    if !missing.is_empty() {
        let per = chunk(t, d, l.extra.len() + nk);
        t.bulk(
            &|k| d.lookup_insert(l, k),
            missing.len(),
            per,
            &mut |j, buf| {
                let i = missing[j];
                buf.extend(extra[i].iter().cloned());
                buf.extend(keys[i].iter().cloned());
            },
            Some((&cols, &mut |r| {
                found.insert(key_of_row(r, nk)?, req_i64(r, 0)?);
                Ok(())
            })),
        )?;
    }
    keys.iter()
        .map(|k| found.get(&key_of(k)).copied().ok_or_else(|| CoreError::db(format!("{} id not returned", l.table.base_name()))))
        .collect()
}

/// Distinct keys in first-appearance order, and for every item the index of its key.
fn distinct<'a, T>(items: &'a [T], key: impl Fn(&'a T) -> Vec<Value<'a>>) -> (Vec<usize>, Vec<Vec<Value<'a>>>, Vec<usize>) {
    let mut index: HashMap<Key, usize> = HashMap::new();
    let (mut first, mut keys, mut of) = (Vec::new(), Vec::new(), Vec::with_capacity(items.len()));
    for (i, it) in items.iter().enumerate() {
        let kv = key(it);
        let k = key_of(&kv);
        let n = index.len();
        let slot = *index.entry(k).or_insert(n);
        if slot == n {
            first.push(i);
            keys.push(kv);
        }
        of.push(slot);
    }
    (first, keys, of)
}

/// Get-or-create the lookup rows, then insert the blocks and map their ids by original id (RETURNING /
/// OUTPUT), never by row order.
fn insert_blocks(t: &mut dyn Transport, d: Dialect, parsed: &ParsedSchedule) -> Result<Vec<i64>> {
    let blocks = &parsed.blocks;
    let (tfirst, tkeys, tof) = distinct(blocks, |b| {
        vec![b.ra_deg.into(), b.dec_deg.into(), b.ra_pm_masyr.into(), b.dec_pm_masyr.into(), b.equinox.into()]
    });
    let textra: Vec<Vec<Value>> = tfirst.iter().map(|&i| vec![Value::from(blocks[i].target_name.as_str())]).collect();
    let target_ids = get_or_create(t, d, &dialect::TARGETS, &tkeys, &textra)?;

    let (_, akeys, aof) = distinct(blocks, |b| vec![b.min_alt_deg.into(), b.max_alt_deg.into()]);
    let alt_ids = get_or_create(t, d, &dialect::ALTITUDES, &akeys, &vec![Vec::new(); akeys.len()])?;
    let (_, zkeys, zof) = distinct(blocks, |b| vec![b.min_az_deg.into(), b.max_az_deg.into()]);
    let az_ids = get_or_create(t, d, &dialect::AZIMUTHS, &zkeys, &vec![Vec::new(); zkeys.len()])?;

    let idx: Vec<usize> = (0..blocks.len()).collect();
    let (_, ckeys, cof) = distinct(&idx, |&i| {
        let b = &blocks[i];
        vec![
            b.fixed_window.map(|p| p.start).into(),
            b.fixed_window.map(|p| p.stop).into(),
            Some(alt_ids[aof[i]]).into(),
            Some(az_ids[zof[i]]).into(),
        ]
    });
    let cons_ids = get_or_create(t, d, &dialect::CONSTRAINT_SETS, &ckeys, &vec![Vec::new(); ckeys.len()])?;

    let mut by_original: HashMap<String, i64> = HashMap::with_capacity(blocks.len());
    t.bulk(
        &|k| d.insert_blocks(k),
        blocks.len(),
        chunk(t, d, dialect::BLOCK_COLS.len()),
        &mut |i, buf| {
            let b = &blocks[i];
            buf.push(target_ids[tof[i]].into());
            buf.push(cons_ids[cof[i]].into());
            buf.push(b.priority.into());
            buf.push(b.min_observation_sec.into());
            buf.push(b.requested_duration_sec.into());
            buf.push(periods_json::encode(&b.visibility).into());
            buf.push(Value::from(b.original_id.as_str()));
        },
        Some((&[I, ORIGINAL_ID], &mut |r| {
            by_original.insert(req_text(r, 1)?, req_i64(r, 0)?);
            Ok(())
        })),
    )?;
    blocks
        .iter()
        .map(|b| by_original.get(&b.original_id).copied().ok_or_else(|| CoreError::db("inserted block id not returned")))
        .collect()
}

// -------------------------------------------------------------------- administration

/// The catalogue generation (operations.md §3): bumped by every change, read once per request.
pub fn catalogue_generation(t: &mut dyn Transport, d: Dialect) -> Result<i64> {
    query_opt(t, &d.catalogue_generation(), &[], &[I], |r| req_i64(r, 0))?
        .ok_or_else(|| CoreError::db("the catalogue generation row is missing (run `tsi db upgrade`)"))
}

/// Bump the catalogue generation inside the caller's write transaction.
fn bump_generation(t: &mut dyn Transport, d: Dialect) -> Result<()> {
    t.execute(&d.bump_generation(), &[]).map(|_| ())
}

/// The stored schedule with this checksum as an ingest result (`created = false`). Both reads see one
/// snapshot, so a concurrent delete yields either the whole row or nothing, never an error in between.
pub fn find_by_checksum(t: &mut dyn Transport, d: Dialect, cfg: &StoreConfig, checksum: &str) -> Result<Option<IngestResult>> {
    in_transaction(t, d.begin_read_sql(), |t| find_by_checksum_in_tx(t, d, cfg, checksum))
}

fn find_by_checksum_in_tx(t: &mut dyn Transport, d: Dialect, cfg: &StoreConfig, checksum: &str) -> Result<Option<IngestResult>> {
    let id = query_opt(t, &d.schedule_id_by_checksum(), &[checksum.into()], &[I], |r| req_i64(r, 0))?;
    let Some(id) = id else { return Ok(None) };
    let Some(l) = list_where(t, d, cfg, Some(id))?.into_iter().next() else { return Ok(None) };
    Ok(Some(IngestResult {
        schedule_id: id,
        name: l.name,
        checksum: l.checksum,
        blocks: l.blocks,
        scheduled: l.scheduled,
        created: false,
        warnings: Vec::new(),
    }))
}

pub fn list_where(t: &mut dyn Transport, d: Dialect, cfg: &StoreConfig, only: Option<i64>) -> Result<Vec<ScheduleListing>> {
    let s = cfg.sentinel_mjd;
    let rows = query_vec(
        t,
        &d.list_schedules(),
        &[s.into(), s.into(), only.into(), only.into()],
        &[I, NAME, STAMP, CHECKSUM, I, I],
        |r| Ok((req_i64(r, 0)?, req_text(r, 1)?, req_text(r, 2)?, req_text(r, 3)?, req_i64(r, 4)?, req_i64(r, 5)?)),
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, name, ts, checksum, blocks, scheduled) in rows {
        let state = analytics_state(t, d, cfg, id, &checksum)?.0;
        out.push(ScheduleListing { schedule_id: id, name, upload_timestamp: ts, checksum, blocks, scheduled, analytics: state });
    }
    Ok(out)
}

/// Freshness, stamp, ETL version and `updated_at` of a schedule's analytics.
pub type AnalyticsInfo = (AnalyticsState, Option<String>, Option<i64>, Option<String>);

pub fn analytics_state(t: &mut dyn Transport, d: Dialect, cfg: &StoreConfig, id: i64, checksum: &str) -> Result<AnalyticsInfo> {
    let row = query_opt(t, &d.summary_state(), &[id.into()], &[I, CHECKSUM, F, STAMP], |r| {
        Ok((r.i64(0)?, opt_text(r, 1)?, r.f64(2)?, req_text(r, 3)?))
    })?;
    let Some((ver, src, sentinel, updated)) = row else { return Ok((AnalyticsState::Missing, None, None, None)) };
    let has_meta = query_opt(t, &d.metadata_exists(), &[id.into()], &[I], |_| Ok(()))?.is_some();
    let sentinel_ok = match (sentinel, cfg.sentinel_mjd) {
        (None, None) => true,
        (Some(a), Some(b)) => a == b,
        _ => false,
    };
    let fresh = ver == Some(ETL_VERSION) && src.as_deref() == Some(checksum) && sentinel_ok && has_meta;
    let stamp = Some(format!("{}.{}", ver.unwrap_or(0), updated));
    let state = if fresh { AnalyticsState::Fresh } else { AnalyticsState::Stale };
    Ok((state, stamp, ver, Some(updated)))
}

pub fn header(t: &mut dyn Transport, d: Dialect, cfg: &StoreConfig, id: i64) -> Result<super::ScheduleHeader> {
    let row = query_opt(t, &d.header(), &[id.into()], &[NAME, CHECKSUM, STAMP], |r| {
        Ok((req_text(r, 0)?, req_text(r, 1)?, req_text(r, 2)?))
    })?;
    let (name, checksum, ts) = row.ok_or(CoreError::NotFound { schedule_id: id })?;
    let (state, stamp, _, _) = analytics_state(t, d, cfg, id, &checksum)?;
    Ok(super::ScheduleHeader { schedule_id: id, name, checksum, upload_timestamp: ts, analytics_state: state, analytics_stamp: stamp })
}

/// Delete a schedule with its analytics and the blocks no other schedule references (data-model.md §6).
pub fn delete(t: &mut dyn Transport, d: Dialect, id: i64) -> Result<bool> {
    in_transaction(t, d.begin_sql(), |t| {
        if query_opt(t, &d.schedule_exists(), &[id.into()], &[I], |_| Ok(()))?.is_none() {
            return Ok(false);
        }
        for tb in ANALYTICS_TABLES {
            t.execute(&d.delete_for_schedule(tb), &[id.into()])?;
        }
        let blocks = query_vec(t, &d.member_block_ids(), &[id.into()], &[I], |r| req_i64(r, 0))?;
        // Membership rows cascade with the schedule row.
        t.execute(&d.delete_for_schedule(Table::Schedules), &[id.into()])?;
        let per = d.rows_per_statement(1);
        for part in blocks.chunks(per) {
            let params: Vec<Value> = part.iter().map(|&b| b.into()).collect();
            t.execute(&d.delete_orphan_blocks(part.len()), &params)?;
        }
        bump_generation(t, d)?;
        Ok(true)
    })
}

pub fn etl_status(t: &mut dyn Transport, d: Dialect, cfg: &StoreConfig, only: Option<i64>) -> Result<Vec<EtlStatus>> {
    let ids = query_vec(t, &d.schedules_for_status(), &[only.into(), only.into()], &[I, NAME, CHECKSUM], |r| {
        Ok((req_i64(r, 0)?, req_text(r, 1)?, req_text(r, 2)?))
    })?;
    if let (Some(id), true) = (only, ids.is_empty()) {
        return Err(CoreError::NotFound { schedule_id: id });
    }
    let mut out = Vec::new();
    for (id, name, checksum) in ids {
        let (state, _, ver, updated) = analytics_state(t, d, cfg, id, &checksum)?;
        let src = query_opt(t, &d.source_checksum(), &[id.into()], &[CHECKSUM], |r| opt_text(r, 0))?.flatten();
        let ms = query_opt(t, &d.etl_duration(), &[id.into()], &[I], |r| req_i64(r, 0))?;
        let mut counts = Vec::new();
        for tb in ANALYTICS_TABLES {
            let n = query_opt(t, &d.count_for_schedule(tb), &[id.into()], &[I], |r| req_i64(r, 0))?.unwrap_or(0);
            counts.push((tb.base_name().to_string(), n));
        }
        out.push(EtlStatus {
            schedule_id: id,
            name,
            state,
            etl_version: ver,
            checksum_match: src.as_deref() == Some(checksum.as_str()),
            updated_at: updated,
            etl_duration_ms: ms,
            row_counts: counts,
        });
    }
    Ok(out)
}

/// Re-run the ETL of one schedule in its own transaction.
pub fn backfill_in_tx(t: &mut dyn Transport, d: Dialect, cfg: &StoreConfig, id: i64) -> Result<()> {
    in_transaction(t, d.begin_sql(), |t| {
        run_etl(t, d, cfg, id)?;
        bump_generation(t, d)
    })
}

/// Benchmark reference: read the given columns of one table for a schedule and touch every value.
pub fn raw_scan(t: &mut dyn Transport, d: Dialect, id: i64, table: &str, columns: &[String]) -> Result<(i64, i64)> {
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok(table.replace('.', "_").as_str()) || !columns.iter().all(|c| ok(c)) || columns.is_empty() {
        return Err(CoreError::value("raw_scan: table and column names must be identifiers"));
    }
    let tb = Table::from_name(table).ok_or_else(|| CoreError::value(format!("raw_scan: unknown table '{table}'")))?;
    let cols = vec![ColType::Any; columns.len()];
    let (mut n, mut touched) = (0i64, 0i64);
    t.query(&d.raw_scan(tb, columns), &[id.into()], &cols, &mut |r| {
        n += 1;
        for k in 0..columns.len() {
            touched += r.touch(k)?;
        }
        Ok(())
    })?;
    Ok((n, touched))
}

pub fn all_schedule_ids(t: &mut dyn Transport, d: Dialect) -> Result<Vec<i64>> {
    query_vec(t, &d.all_schedule_ids(), &[], &[I], |r| req_i64(r, 0))
}

// -------------------------------------------------------------------- loaders

/// The schedule row; its dark periods only with `dark_periods` (else empty, and the JSON is not read).
pub fn load_facts(t: &mut dyn Transport, d: Dialect, id: i64, dark_periods: bool) -> Result<ScheduleFacts> {
    let row = query_opt(t, &d.facts(dark_periods), &[id.into()], &[NAME, CHECKSUM, ColType::LongText], |r| {
        Ok((req_text(r, 0)?, req_text(r, 1)?, opt_text(r, 2)?))
    })?;
    let (name, checksum, dark) = row.ok_or(CoreError::NotFound { schedule_id: id })?;
    let mut dark_periods = periods_json::decode(dark.as_deref())
        .map_err(|e| CoreError::db(format!("schedule {id}: unreadable dark_periods_json: {e}")))?;
    dark_periods.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.stop.total_cmp(&b.stop)));
    Ok(ScheduleFacts { schedule_id: id, name, checksum, dark_periods })
}

/// Size of the buffer for a long column: the longest stored value (measured when the transport binds
/// fixed-size buffers), or unbounded.
fn long_col(t: &mut dyn Transport, sql: &str, id: i64, text: bool) -> Result<ColType> {
    if !t.wants_size_hints() {
        return Ok(if text { ColType::LongText } else { ColType::LongBlob });
    }
    let max = query_opt(t, sql, &[id.into()], &[I], |r| r.i64(0))?.flatten().unwrap_or(0).max(0) as usize;
    // +1: an empty buffer cannot tell NULL from empty on every driver.
    Ok(if text { ColType::Text(max + 1) } else { ColType::Blob(max + 1) })
}

/// The legacy loader: `schedule_scheduling_blocks ⨝ scheduling_blocks ⨝ targets ⟕ constraints ⟕ altitude ⟕ azimuth`.
pub fn load_legacy_blocks(t: &mut dyn Transport, d: Dialect, cfg: &StoreConfig, id: i64, with_visibility: bool) -> Result<BlockSet> {
    let vis_col = if with_visibility { long_col(t, &d.legacy_max_json_len(), id, true)? } else { I };
    let cols = [I, ORIGINAL_ID, F, F, F, I, I, F, F, F, F, F, F, F, F, vis_col];
    let mut set = BlockSet::new();
    t.query(&d.legacy_blocks(with_visibility), &[id.into()], &cols, &mut |r| {
        let block_id = req_i64(r, 0)?;
        let original = opt_text(r, 1)?;
        let sched = cfg.scheduled(r.f64(13)?, r.f64(14)?);
        let row = BlockRow {
            block_id,
            original_id: original.unwrap_or_else(|| block_id.to_string()),
            ra_deg: req_f64(r, 2)?,
            dec_deg: req_f64(r, 3)?,
            priority: req_f64(r, 4)?,
            requested_sec: req_i64(r, 5)?,
            min_obs_sec: req_i64(r, 6)?,
            min_alt: nan_f64(r, 7)?,
            max_alt: nan_f64(r, 8)?,
            min_az: nan_f64(r, 9)?,
            max_az: nan_f64(r, 10)?,
            fixed_start: nan_f64(r, 11)?,
            fixed_stop: nan_f64(r, 12)?,
            sched_start: sched.map_or(f64::NAN, |p| p.start),
            sched_stop: sched.map_or(f64::NAN, |p| p.stop),
        };
        let periods = if with_visibility {
            let text = r.bytes(15)?;
            periods_json::decode_bytes(text.as_deref()).map_err(|e| {
                CoreError::db(format!("schedule {id}, block {block_id}: unreadable visibility_periods_json: {e}"))
            })?
        } else {
            Vec::new()
        };
        set.push_raw(row, periods);
        Ok(())
    })?;
    Ok(set)
}

/// The ETL loader: only `analytics.schedule_blocks_analytics`, and of it only the columns `cols` (the rest of the
/// block set stays empty). A digest needs the scheduled times, which are then read too.
pub fn load_etl_blocks(
    t: &mut dyn Transport,
    d: Dialect,
    id: i64,
    cols: BlockCols,
    intervals: Intervals,
    meta: &StoredMeta,
) -> Result<BlockSet> {
    let cols = match intervals {
        Intervals::Digest => cols.union(BlockCols::of(&BlockCols::SCHEDULED)),
        _ => cols,
    };
    let read_blob = intervals != Intervals::Skip;
    let wanted: Vec<BlockCol> = cols.iter().collect();
    let mut types: Vec<ColType> = wanted
        .iter()
        .map(|&c| match c {
            BlockCol::OriginalId => ORIGINAL_ID,
            c if c.is_float() => F,
            _ => I,
        })
        .collect();
    let blob_at = types.len();
    if read_blob {
        types.push(long_col(t, &d.etl_max_blob_len(), id, false)?);
    }
    let mut set = BlockSet::new();
    set.columns = cols;
    // Reserve every column once: regrowing them (and a year of intervals, 7.9 MB) would copy them again.
    let cap = |n: Option<i64>| n.unwrap_or(0).clamp(0, 1 << 32) as usize;
    set.reserve_blocks(cap(meta.total_blocks));
    if intervals == Intervals::Full {
        set.vis.reserve_exact(cap(meta.merged_interval_count));
    }
    let mut scratch: Vec<Period> = Vec::new();
    t.query(&d.etl_blocks(cols, read_blob), &[id.into()], &types, &mut |r| {
        let block_id = req_i64(r, 0)?;
        // wanted[0] is the block id
        for (k, &c) in wanted.iter().enumerate().skip(1) {
            match c {
                BlockCol::OriginalId => match r.text(k)? {
                    Some(s) => set.original_id.push(&s),
                    None => set.original_id.push_with(|buf| {
                        let _ = write!(buf, "{block_id}");
                    }),
                },
                BlockCol::RequestedSec => set.requested_sec.push(req_i64(r, k)?),
                BlockCol::MinObsSec => set.min_obs_sec.push(req_i64(r, k)?),
                BlockCol::PeriodCount => set.vis_period_count.push(req_i64(r, k)?),
                BlockCol::Ra | BlockCol::Dec | BlockCol::Priority | BlockCol::TotalVisHours => {
                    let v = req_f64(r, k)?;
                    set.f64_col_mut(c).push(v)
                }
                c => {
                    let v = nan_f64(r, k)?;
                    set.f64_col_mut(c).push(v)
                }
            }
        }
        set.block_id.push(block_id);
        let blob = if read_blob { r.bytes(blob_at)? } else { None };
        let corrupt = || CoreError::db(format!("schedule {id}, block {block_id}: corrupt visibility_intervals"));
        match intervals {
            Intervals::Digest => {
                scratch.clear();
                if let Some(b) = blob {
                    if !etl::decode_intervals_into(&b, &mut scratch) {
                        return Err(corrupt());
                    }
                }
                let i = set.block_id.len() - 1;
                let digest = WindowDigest::of(&scratch, set.sched_start[i], set.sched_stop[i]);
                set.digests.get_or_insert_with(Vec::new).push(digest);
            }
            Intervals::Full => {
                if let Some(b) = blob {
                    if !etl::decode_intervals_into(&b, &mut set.vis) {
                        return Err(corrupt());
                    }
                }
            }
            Intervals::Skip => {}
        }
        set.vis_offsets.push(set.vis.len());
        Ok(())
    })?;
    Ok(set)
}

pub fn load_aggregates(t: &mut dyn Transport, d: Dialect, id: i64, want: Aggregates, meta: &StoredMeta) -> Result<StoredAggregates> {
    let mut agg = StoredAggregates::default();
    let p = [Value::from(id)];
    if want.summary {
        agg.summary = load_summary(t, d, id)?;
    }
    if want.rates {
        agg.priority_rates = query_vec(t, &d.priority_rates(), &p, &[I, I, I, I, I, F, F, F, F, F], |r| {
            Ok(PriorityRateRow {
                priority_value: req_i64(r, 0)?,
                total_count: req_i64(r, 1)?,
                scheduled_count: req_i64(r, 2)?,
                unscheduled_count: req_i64(r, 3)?,
                impossible_count: req_i64(r, 4)?,
                scheduling_rate: req_f64(r, 5)?,
                visibility_mean_hours: req_f64(r, 6)?,
                visibility_total_hours: req_f64(r, 7)?,
                requested_mean_hours: req_f64(r, 8)?,
                requested_total_hours: req_f64(r, 9)?,
            })
        })?;
        agg.visibility_bins = query_vec(t, &d.visibility_bins(), &p, &[I, F, F, F, I, I, F, F], |r| {
            Ok(RateBinRow {
                bin_index: req_i64(r, 0)?,
                bin_min: req_f64(r, 1)?,
                bin_max: req_f64(r, 2)?,
                bin_mid: req_f64(r, 3)?,
                total_count: req_i64(r, 4)?,
                scheduled_count: req_i64(r, 5)?,
                scheduling_rate: req_f64(r, 6)?,
                priority_mean: req_f64(r, 7)?,
            })
        })?;
        agg.heatmap = query_vec(t, &d.heatmap(), &p, &[I, I, F, F, I, I, F], |r| {
            Ok(HeatCell {
                visibility_bin_index: req_i64(r, 0)?,
                time_bin_index: req_i64(r, 1)?,
                visibility_mid_hours: req_f64(r, 2)?,
                time_mid_hours: req_f64(r, 3)?,
                total_count: req_i64(r, 4)?,
                scheduled_count: req_i64(r, 5)?,
                scheduling_rate: req_f64(r, 6)?,
            })
        })?;
    }
    if want.default_view {
        agg.default_view = load_default_view(t, d, id, meta)?;
    }
    if want.time_bins {
        agg.time_bins = query_vec(t, &d.time_bins(), &p, &[I; 10], time_bin_row)?;
    }
    Ok(agg)
}

fn time_bin_row(r: &dyn RowView) -> Result<TimeBinRow> {
    Ok(TimeBinRow {
        bin_index: req_i64(r, 0)?,
        bin_start_unix: req_i64(r, 1)?,
        bin_end_unix: req_i64(r, 2)?,
        total_visible_count: req_i64(r, 3)?,
        priority_q_count: [req_i64(r, 4)?, req_i64(r, 5)?, req_i64(r, 6)?, req_i64(r, 7)?],
        scheduled_visible_count: req_i64(r, 8)?,
        unscheduled_visible_count: req_i64(r, 9)?,
    })
}

/// The stored default view; None when the ETL that wrote the schedule's analytics did not store one.
fn load_default_view(t: &mut dyn Transport, d: Dialect, id: i64, meta: &StoredMeta) -> Result<Option<DefaultView>> {
    let Some(n_bins) = meta.default_view_bins else { return Ok(None) };
    let (t0, t1) = meta.range;
    let p = [Value::from(id)];
    let bins = query_vec(t, &d.default_bins(), &p, &[I; 10], time_bin_row)?;
    let days = query_vec(t, &d.visibility_days(), &p, &[I, I, F], |r| {
        Ok(DayRow { day_index: req_i64(r, 0)?, visible_blocks: req_i64(r, 1)?, visible_block_seconds: req_f64(r, 2)? })
    })?;
    if bins.len() as i64 != n_bins {
        return Err(CoreError::db(format!("schedule {id}: {} stored default-view bins, the metadata says {n_bins}", bins.len())));
    }
    // Both range ends are 0 when no block has visibility (data-model.md §3).
    let range = if n_bins == 0 && t0 == 0 && t1 == 0 { None } else { Some((t0, t1)) };
    Ok(Some(DefaultView { range, bins, days }))
}

fn load_summary(t: &mut dyn Transport, d: Dialect, id: i64) -> Result<Option<Summary>> {
    let mut cols = [F; 42];
    for k in [0, 1, 2, 3, 41] {
        cols[k] = I;
    }
    query_opt(t, &d.summary(), &[id.into()], &cols, |r| {
        Ok(Summary {
            total_blocks: req_i64(r, 0)?,
            scheduled_blocks: req_i64(r, 1)?,
            unscheduled_blocks: req_i64(r, 2)?,
            impossible_blocks: req_i64(r, 3)?,
            scheduling_rate: r.f64(4)?,
            priority_min: r.f64(5)?,
            priority_max: r.f64(6)?,
            priority_mean: r.f64(7)?,
            priority_median: r.f64(8)?,
            priority_std: r.f64(9)?,
            priority_scheduled_mean: r.f64(10)?,
            priority_scheduled_median: r.f64(11)?,
            priority_unscheduled_mean: r.f64(12)?,
            priority_unscheduled_median: r.f64(13)?,
            visibility_total_hours: req_f64(r, 14)?,
            visibility_mean_hours: r.f64(15)?,
            visibility_median_hours: r.f64(16)?,
            visibility_min_hours: r.f64(17)?,
            visibility_max_hours: r.f64(18)?,
            requested_total_hours: req_f64(r, 19)?,
            requested_mean_hours: r.f64(20)?,
            requested_median_hours: r.f64(21)?,
            requested_min_hours: r.f64(22)?,
            requested_max_hours: r.f64(23)?,
            scheduled_total_hours: req_f64(r, 24)?,
            scheduled_mean_hours: r.f64(25)?,
            elevation_mean_deg: r.f64(26)?,
            elevation_min_deg: r.f64(27)?,
            elevation_max_deg: r.f64(28)?,
            ra_min: r.f64(29)?,
            ra_max: r.f64(30)?,
            dec_min: r.f64(31)?,
            dec_max: r.f64(32)?,
            scheduled_time_min_mjd: r.f64(33)?,
            scheduled_time_max_mjd: r.f64(34)?,
            corr_priority_visibility: r.f64(35)?,
            corr_priority_requested: r.f64(36)?,
            corr_visibility_requested: r.f64(37)?,
            corr_priority_elevation: r.f64(38)?,
            corr_visibility_elevation: r.f64(39)?,
            corr_requested_elevation: r.f64(40)?,
            conflict_count: req_i64(r, 41)?,
        })
    })
}

// -------------------------------------------------------------------- ETL writers

/// Run the ETL of one schedule inside the caller's transaction (data-model.md §5).
pub fn run_etl(t: &mut dyn Transport, d: Dialect, cfg: &StoreConfig, id: i64) -> Result<Analytics> {
    let t0 = Instant::now();
    let b = load_legacy_blocks(t, d, cfg, id, true)?;
    let a = etl::compute(&b);
    for tb in ANALYTICS_TABLES {
        t.execute(&d.delete_for_schedule(tb), &[id.into()])?;
    }
    let nn = |x: f64| if x.is_nan() { None } else { Some(x) };
    bulk_insert(t, d, Table::BlocksAnalytics, &dialect::BLOCKS_ANALYTICS_COLS, b.len(), &mut |i, buf| {
        buf.extend([
            Value::from(id),
            b.block_id[i].into(),
            Value::from(&b.original_id[i]),
            b.ra_deg[i].into(),
            b.dec_deg[i].into(),
            b.priority[i].into(),
            (a.priority_bins[i] as i64).into(),
            b.requested_sec[i].into(),
            b.min_obs_sec[i].into(),
            nn(b.min_alt[i]).into(),
            nn(b.max_alt[i]).into(),
            nn(b.min_az[i]).into(),
            nn(b.max_az[i]).into(),
            nn(b.fixed_start[i]).into(),
            nn(b.fixed_stop[i]).into(),
            b.is_scheduled(i).into(),
            nn(b.sched_start[i]).into(),
            nn(b.sched_stop[i]).into(),
            b.total_vis_hours[i].into(),
            b.vis_period_count[i].into(),
            etl::encode_intervals(&b, i).into(),
        ]);
    })?;
    bulk_insert(t, d, Table::PriorityRates, &dialect::PRIORITY_RATES_COLS, a.priority_rates.len(), &mut |i, buf| {
        let r = &a.priority_rates[i];
        buf.extend([
            Value::from(id),
            r.priority_value.into(),
            r.total_count.into(),
            r.scheduled_count.into(),
            r.unscheduled_count.into(),
            r.impossible_count.into(),
            r.scheduling_rate.into(),
            r.visibility_mean_hours.into(),
            r.visibility_total_hours.into(),
            r.requested_mean_hours.into(),
            r.requested_total_hours.into(),
        ]);
    })?;
    bulk_insert(t, d, Table::VisibilityBins, &dialect::VISIBILITY_BINS_COLS, a.visibility_bins.len(), &mut |i, buf| {
        let r = &a.visibility_bins[i];
        buf.extend([
            Value::from(id),
            r.bin_index.into(),
            r.bin_min.into(),
            r.bin_max.into(),
            r.bin_mid.into(),
            r.total_count.into(),
            r.scheduled_count.into(),
            r.scheduling_rate.into(),
            r.priority_mean.into(),
        ]);
    })?;
    bulk_insert(t, d, Table::HeatmapBins, &dialect::HEATMAP_COLS, a.heatmap.len(), &mut |i, buf| {
        let c = &a.heatmap[i];
        buf.extend([
            Value::from(id),
            c.visibility_bin_index.into(),
            c.time_bin_index.into(),
            c.visibility_mid_hours.into(),
            c.time_mid_hours.into(),
            c.total_count.into(),
            c.scheduled_count.into(),
            c.scheduling_rate.into(),
        ]);
    })?;
    for (table, rows) in [(Table::VisibilityTimeBins, &a.time_bins), (Table::VisibilityDefaultBins, &a.default_view.bins)] {
        bulk_insert(t, d, table, &dialect::TIME_BINS_COLS, rows.len(), &mut |i, buf| {
            let r = &rows[i];
            buf.extend([
                Value::from(id),
                r.bin_index.into(),
                r.bin_start_unix.into(),
                r.bin_end_unix.into(),
                r.total_visible_count.into(),
                r.priority_q_count[0].into(),
                r.priority_q_count[1].into(),
                r.priority_q_count[2].into(),
                r.priority_q_count[3].into(),
                r.scheduled_visible_count.into(),
                r.unscheduled_visible_count.into(),
            ]);
        })?;
    }
    let days = &a.default_view.days;
    bulk_insert(t, d, Table::VisibilityDays, &dialect::DAYS_COLS, days.len(), &mut |i, buf| {
        let r = &days[i];
        buf.extend([Value::from(id), r.day_index.into(), r.visible_blocks.into(), r.visible_block_seconds.into()]);
    })?;
    let m = &a.metadata;
    let ms = t0.elapsed().as_millis() as i64;
    bulk_insert(t, d, Table::VisibilityMetadata, &dialect::METADATA_COLS, 1, &mut |_, buf| {
        buf.extend([
            Value::from(id),
            m.time_range_start_unix.into(),
            m.time_range_end_unix.into(),
            m.bin_duration_seconds.into(),
            m.total_bins.into(),
            m.total_blocks.into(),
            m.blocks_with_visibility.into(),
            m.priority_min.into(),
            m.priority_max.into(),
            m.max_visible_in_bin.into(),
            m.mean_visible_per_bin.into(),
            ms.into(),
            (b.vis.len() as i64).into(),
            (a.default_view.bins.len() as i64).into(),
        ]);
    })?;
    let checksum = query_opt(t, &d.checksum_of(), &[id.into()], &[CHECKSUM], |r| req_text(r, 0))?
        .ok_or(CoreError::NotFound { schedule_id: id })?;
    let s = &a.summary;
    let params: [Value; 46] = [
        id.into(),
        s.total_blocks.into(),
        s.scheduled_blocks.into(),
        s.unscheduled_blocks.into(),
        s.impossible_blocks.into(),
        s.scheduling_rate.into(),
        s.priority_min.into(),
        s.priority_max.into(),
        s.priority_mean.into(),
        s.priority_median.into(),
        s.priority_std.into(),
        s.priority_scheduled_mean.into(),
        s.priority_scheduled_median.into(),
        s.priority_unscheduled_mean.into(),
        s.priority_unscheduled_median.into(),
        s.visibility_total_hours.into(),
        s.visibility_mean_hours.into(),
        s.visibility_median_hours.into(),
        s.visibility_min_hours.into(),
        s.visibility_max_hours.into(),
        s.requested_total_hours.into(),
        s.requested_mean_hours.into(),
        s.requested_median_hours.into(),
        s.requested_min_hours.into(),
        s.requested_max_hours.into(),
        s.scheduled_total_hours.into(),
        s.scheduled_mean_hours.into(),
        s.elevation_mean_deg.into(),
        s.elevation_min_deg.into(),
        s.elevation_max_deg.into(),
        s.ra_min.into(),
        s.ra_max.into(),
        s.dec_min.into(),
        s.dec_max.into(),
        s.scheduled_time_min_mjd.into(),
        s.scheduled_time_max_mjd.into(),
        s.corr_priority_visibility.into(),
        s.corr_priority_requested.into(),
        s.corr_visibility_requested.into(),
        s.corr_priority_elevation.into(),
        s.corr_visibility_elevation.into(),
        s.corr_requested_elevation.into(),
        s.conflict_count.into(),
        ETL_VERSION.into(),
        Value::Text(Some(Cow::Owned(checksum))),
        cfg.sentinel_mjd.into(),
    ];
    t.execute(&d.insert_summary(), &params)?;
    Ok(a)
}

fn bulk_insert<'a>(
    t: &mut dyn Transport,
    d: Dialect,
    table: Table,
    cols: &[&str],
    nrows: usize,
    fill: &mut dyn FnMut(usize, &mut Vec<Value<'a>>),
) -> Result<()> {
    if nrows == 0 {
        return Ok(());
    }
    let per = chunk(t, d, cols.len());
    t.bulk(&|k| d.insert(table, cols, k, &[]), nrows, per, fill, None)
}
