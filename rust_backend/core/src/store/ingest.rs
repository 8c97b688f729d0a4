//! Ingest: a parsed upload stored with its analytics in one transaction, under the ingest lock; the lookup
//! tables (targets, altitude/azimuth constraints, constraint sets) get-or-created by natural key.

use std::collections::HashMap;

use super::db::{Db, is_unique_violation, F, I, ORIGINAL_ID};
use super::dialect::{self, multi_row_sizes, Dialect, Lookup, Table};
use crate::etl;
use super::schedules::bump_generation;
use super::transport::{query_opt, req_i64, req_text, RowView, Value};
use super::{periods_json, IngestResult};
use crate::error::{CoreError, Result};
use crate::model::ParsedSchedule;

/// Store a parsed upload with its analytics in one transaction. `Ok(None)`: the checksum already exists
/// (a concurrent identical upload won); nothing was written.
pub fn ingest(
    db: &mut Db,
    parsed: &ParsedSchedule,
    name: &str,
    checksum: &str,
) -> Result<Option<IngestResult>> {
    db.t.begin(db.d.begin_sql())?;
    let r = ingest_in_tx(db, parsed, name, checksum);
    match r {
        Ok(Some(v)) => match db.t.commit() {
            Ok(()) => Ok(Some(v)),
            Err(e) => {
                let _ = db.t.rollback();
                Err(e)
            }
        },
        Ok(None) => {
            // Under XACT_ABORT a unique-key violation has already ended the transaction on SQL Server, so
            // this rollback may fail; nothing was written either way, and the answer is "already stored".
            let _ = db.t.rollback();
            Ok(None)
        }
        Err(e) => {
            let _ = db.t.rollback();
            Err(e)
        }
    }
}

fn ingest_in_tx(
    db: &mut Db,
    parsed: &ParsedSchedule,
    name: &str,
    checksum: &str,
) -> Result<Option<IngestResult>> {
    take_ingest_lock(db)?;
    // Under the lock: an identical upload that committed while this one was parsing is found here, so the
    // insert below never races it (the unique checksum stays the last line of defence).
    if query_opt(db.t, &db.d.schedule_id_by_checksum(), &[checksum.into()], &[I], |r| req_i64(r, 0))?.is_some() {
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
    let schedule_id = match query_opt(db.t, &db.d.insert_schedule(), &params, &[I], |r| req_i64(r, 0)) {
        Ok(Some(id)) => id,
        Ok(None) => return Err(CoreError::db("inserted schedule id not returned")),
        Err(e) if is_unique_violation(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    let block_ids = insert_blocks(db, parsed)?;
    let n = parsed.blocks.len();
    db.t.bulk(
        &|k| db.d.insert_membership(k),
        n,
        db.chunk(dialect::MEMBERSHIP_COLS.len()),
        &mut |i, buf| {
            let b = &parsed.blocks[i];
            buf.push(schedule_id.into());
            buf.push(block_ids[i].into());
            buf.push(b.scheduled.map(|p| p.start).into());
            buf.push(b.scheduled.map(|p| p.stop).into());
        },
        None,
    )?;
    etl::run(db, schedule_id)?;
    bump_generation(db)?;
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
fn take_ingest_lock(db: &mut Db) -> Result<()> {
    if let Some(sql) = db.d.ingest_lock_sql() {
        let r = query_opt(db.t, sql, &[], &[I], |r| r.i64(0))?.flatten();
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
    db: &mut Db,
    l: &Lookup,
    keys: &[Vec<Value<'a>>],
    extra: &[Vec<Value<'a>>],
) -> Result<Vec<i64>> {
    let nk = l.keys.len();
    let mut cols = vec![I];
    cols.extend(std::iter::repeat_n(F, nk));
    let mut found: HashMap<Key, i64> = HashMap::with_capacity(keys.len());
    let per = db.chunk(l.select_params_per_key(db.d));
    let mut sql_cache: Option<(usize, String)> = None;
    for part in keys.chunks(per) {
        let sql = match &sql_cache {
            Some((n, s)) if *n == part.len() => s.clone(),
            _ => {
                let s = db.d.lookup_select(l, part.len());
                sql_cache = Some((part.len(), s.clone()));
                s
            }
        };
        let mut params: Vec<Value> = Vec::with_capacity(part.len() * nk * 2);
        for kv in part {
            for (v, (_, nullable)) in kv.iter().zip(l.keys) {
                for _ in 0..db.d.null_safe_params(*nullable) {
                    params.push(v.clone());
                }
            }
        }
        db.t.query(&sql, &params, &cols, &mut |r| {
            found.insert(key_of_row(r, nk)?, req_i64(r, 0)?);
            Ok(())
        })?;
    }
    let missing: Vec<usize> = (0..keys.len()).filter(|&i| !found.contains_key(&key_of(&keys[i]))).collect();
    if !missing.is_empty() {
        let per = db.chunk(l.extra.len() + nk);
        db.t.bulk(
            &|k| db.d.lookup_insert(l, k),
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
fn insert_blocks(db: &mut Db, parsed: &ParsedSchedule) -> Result<Vec<i64>> {
    let blocks = &parsed.blocks;
    let (tfirst, tkeys, tof) = distinct(blocks, |b| {
        vec![b.ra_deg.into(), b.dec_deg.into(), b.ra_pm_masyr.into(), b.dec_pm_masyr.into(), b.equinox.into()]
    });
    let textra: Vec<Vec<Value>> = tfirst.iter().map(|&i| vec![Value::from(blocks[i].target_name.as_str())]).collect();
    let target_ids = get_or_create(db, &dialect::TARGETS, &tkeys, &textra)?;

    let (_, akeys, aof) = distinct(blocks, |b| vec![b.min_alt_deg.into(), b.max_alt_deg.into()]);
    let alt_ids = get_or_create(db, &dialect::ALTITUDES, &akeys, &vec![Vec::new(); akeys.len()])?;
    let (_, zkeys, zof) = distinct(blocks, |b| vec![b.min_az_deg.into(), b.max_az_deg.into()]);
    let az_ids = get_or_create(db, &dialect::AZIMUTHS, &zkeys, &vec![Vec::new(); zkeys.len()])?;

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
    let cons_ids = get_or_create(db, &dialect::CONSTRAINT_SETS, &ckeys, &vec![Vec::new(); ckeys.len()])?;

    let mut by_original: HashMap<String, i64> = HashMap::with_capacity(blocks.len());
    db.t.bulk(
        &|k| db.d.insert_blocks(k),
        blocks.len(),
        db.chunk(dialect::BLOCK_COLS.len()),
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

impl Dialect {
    /// Statement taking the exclusive ingest lock inside the transaction; returns one row with the lock
    /// result (negative = not granted). None when the transaction itself is the lock (SQLite).
    pub fn ingest_lock_sql(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite | Dialect::SqliteText => None,
            Dialect::TSql => Some(
                "SET NOCOUNT ON; DECLARE @tsi_lock INT; \
                 EXEC @tsi_lock = sp_getapplock @Resource = N'tsi_ingest', @LockMode = N'Exclusive', \
                 @LockOwner = N'Transaction', @LockTimeout = 30000; SELECT @tsi_lock AS lock_result",
            ),
        }
    }

    /// Existing rows of a lookup table for `nkeys` natural keys: `SELECT id, k1, … WHERE (k = ? …) OR …`.
    pub fn lookup_select(self, l: &Lookup, nkeys: usize) -> String {
        let one = l.keys.iter().map(|(c, n)| self.null_safe_eq(c, *n)).collect::<Vec<_>>().join(" AND ");
        let cond = (0..nkeys).map(|_| format!("({one})")).collect::<Vec<_>>().join(" OR ");
        let cols = self.fcols(&l.keys.iter().map(|(c, _)| *c).collect::<Vec<_>>());
        format!("SELECT {}, {cols} FROM {} WHERE {cond}", l.id, self.table(l.table))
    }

    /// Multi-row insert into a lookup table returning the id and the key columns.
    pub fn lookup_insert(self, l: &Lookup, nrows: usize) -> String {
        let mut cols: Vec<&str> = l.extra.to_vec();
        cols.extend(l.keys.iter().map(|(c, _)| *c));
        let mut ret = vec![l.id.to_string()];
        ret.extend(l.keys.iter().map(|(c, _)| self.fcol(c)));
        let ret: Vec<&str> = ret.iter().map(String::as_str).collect();
        self.insert(l.table, &cols, nrows, &ret)
    }

    pub fn insert_schedule(self) -> String {
        self.insert(Table::Schedules, &dialect::SCHEDULE_COLS, 1, &["schedule_id"])
    }

    pub fn insert_blocks(self, nrows: usize) -> String {
        self.insert(Table::SchedulingBlocks, &dialect::BLOCK_COLS, nrows, &["scheduling_block_id", "original_block_id"])
    }

    pub fn insert_membership(self, nrows: usize) -> String {
        self.insert(Table::ScheduleSchedulingBlocks, &dialect::MEMBERSHIP_COLS, nrows, &[])
    }

    pub fn schedule_id_by_checksum(self) -> String {
        format!("SELECT schedule_id FROM {} WHERE checksum = ?", self.table(Table::Schedules))
    }

    /// Every statement of this module (for the T-SQL parse check).
    pub fn ingest_statements(self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        v.extend(self.ingest_lock_sql().map(str::to_string));
        v.push(self.insert_schedule());
        for l in [dialect::TARGETS, dialect::ALTITUDES, dialect::AZIMUTHS, dialect::CONSTRAINT_SETS] {
            for n in multi_row_sizes(self, l.select_params_per_key(self)) {
                v.push(self.lookup_select(&l, n));
            }
            for n in multi_row_sizes(self, l.extra.len() + l.keys.len()) {
                v.push(self.lookup_insert(&l, n));
            }
        }
        for n in multi_row_sizes(self, dialect::BLOCK_COLS.len()) {
            v.push(self.insert_blocks(n));
        }
        for n in multi_row_sizes(self, dialect::MEMBERSHIP_COLS.len()) {
            v.push(self.insert_membership(n));
        }
        v.push(self.schedule_id_by_checksum());
        v
    }
}
