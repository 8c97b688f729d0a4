//! Access control's two tables (migration 0007, operations.md §2): the users of `AUTH.MODE = "basic"` and the
//! audit log. The core stores and reads rows; hashing passwords and deciding who may do what is Python's.

use super::dialect::Dialect;
use super::db::{is_unique_violation, Db};
use super::transport::{opt_text, query_opt, query_vec, req_i64, req_text, ColType, RowView, Value};
use crate::error::{CoreError, Result};

const NAME: ColType = ColType::Text(256);
const HASH: ColType = ColType::Text(512);
const ROLE: ColType = ColType::Text(16);
const STAMP: ColType = ColType::Text(40);
const ADDRESS: ColType = ColType::Text(64);
const ACTION: ColType = ColType::Text(64);
const I: ColType = ColType::I64;

/// A row of `app_users`.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub name: String,
    pub password_hash: Option<String>,
    pub role: String,
    pub disabled: bool,
    pub created_at: String,
}

/// A row of `audit_log`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub user: Option<String>,
    pub role: Option<String>,
    pub action: String,
    pub schedule_id: Option<i64>,
    pub detail_json: Option<String>,
    pub client_address: Option<String>,
}

/// One audit entry to append.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditEntry {
    pub user: Option<String>,
    pub role: Option<String>,
    pub action: String,
    pub schedule_id: Option<i64>,
    pub detail_json: Option<String>,
    pub client_address: Option<String>,
}

impl Dialect {
    fn users_table(self) -> &'static str {
        match self {
            Dialect::TSql => "dbo.app_users",
            _ => "app_users",
        }
    }

    fn audit_table(self) -> &'static str {
        match self {
            Dialect::TSql => "dbo.audit_log",
            _ => "audit_log",
        }
    }

    fn user_columns(self) -> String {
        format!("user_name, password_hash, role, disabled, {}", self.timestamp_text("created_at", true))
    }

    pub fn user_insert(self) -> String {
        format!("INSERT INTO {} (user_name, password_hash, role, disabled) VALUES (?, ?, ?, ?)", self.users_table())
    }

    pub fn user_select(self) -> String {
        format!("SELECT {} FROM {} WHERE user_name = ?", self.user_columns(), self.users_table())
    }

    pub fn user_list(self) -> String {
        format!("SELECT {} FROM {} ORDER BY user_name", self.user_columns(), self.users_table())
    }

    /// Parameters: new hash (NULL keeps it), new disabled flag (NULL keeps it), name.
    pub fn user_update(self) -> String {
        format!(
            "UPDATE {} SET password_hash = COALESCE(?, password_hash), disabled = COALESCE(?, disabled) \
             WHERE user_name = ?",
            self.users_table()
        )
    }

    pub fn audit_insert(self) -> String {
        format!(
            "INSERT INTO {} (user_name, role, action, schedule_id, detail_json, client_address) VALUES (?, ?, ?, ?, ?, ?)",
            self.audit_table()
        )
    }

    /// Parameters: since (ISO-8601 UTC text, NULL for all), since again, the row limit.
    pub fn audit_list(self) -> String {
        let at = self.timestamp_text("at", true);
        let cols = format!("audit_id, {at}, user_name, role, action, schedule_id, detail_json, client_address");
        match self {
            Dialect::TSql => format!(
                "SELECT TOP (?) {cols} FROM {} WHERE (? IS NULL OR at >= CAST(? AS DATETIMEOFFSET(3))) \
                 ORDER BY audit_id DESC",
                self.audit_table()
            ),
            _ => format!(
                "SELECT {cols} FROM {} WHERE (? IS NULL OR at >= ?) ORDER BY audit_id DESC LIMIT ?",
                self.audit_table()
            ),
        }
    }

    /// Every statement of this module (for the T-SQL parse check).
    pub fn account_statements(self) -> Vec<String> {
        vec![self.user_insert(), self.user_select(), self.user_list(), self.user_update(), self.audit_insert(), self.audit_list()]
    }
}

fn user_row(r: &dyn RowView) -> Result<UserRow> {
    Ok(UserRow {
        name: req_text(r, 0)?,
        password_hash: opt_text(r, 1)?,
        role: req_text(r, 2)?,
        disabled: req_i64(r, 3)? != 0,
        created_at: req_text(r, 4)?,
    })
}

const USER_COLS: [ColType; 5] = [NAME, HASH, ROLE, I, STAMP];

pub fn user_add(db: &mut Db, name: &str, password_hash: Option<&str>, role: &str) -> Result<()> {
    let params: [Value; 4] = [name.into(), password_hash.into(), role.into(), Value::I64(Some(0))];
    match db.t.execute(&db.d.user_insert(), &params) {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(CoreError::value(format!("user '{name}' already exists"))),
        Err(e) => Err(e),
    }
}

pub fn user_get(db: &mut Db, name: &str) -> Result<Option<UserRow>> {
    query_opt(db.t, &db.d.user_select(), &[name.into()], &USER_COLS, user_row)
}

pub fn user_list(db: &mut Db) -> Result<Vec<UserRow>> {
    query_vec(db.t, &db.d.user_list(), &[], &USER_COLS, user_row)
}

/// Change a user's password hash and/or disabled flag; false when there is no such user.
pub fn user_update(
    db: &mut Db,
    name: &str,
    password_hash: Option<&str>,
    disabled: Option<bool>,
) -> Result<bool> {
    let params: [Value; 3] = [password_hash.into(), Value::I64(disabled.map(i64::from)), name.into()];
    Ok(db.t.execute(&db.d.user_update(), &params)? > 0)
}

pub fn audit_append(db: &mut Db, e: &AuditEntry) -> Result<()> {
    let params: [Value; 6] = [
        e.user.as_deref().into(),
        e.role.as_deref().into(),
        e.action.as_str().into(),
        e.schedule_id.into(),
        e.detail_json.as_deref().into(),
        e.client_address.as_deref().into(),
    ];
    db.t.execute(&db.d.audit_insert(), &params).map(|_| ())
}

/// The newest entries first, at most `limit`, at or after `since` (ISO-8601 UTC) when given.
pub fn audit_list(db: &mut Db, since: Option<&str>, limit: i64) -> Result<Vec<AuditRow>> {
    let params: Vec<Value> = match db.d {
        Dialect::TSql => vec![limit.into(), since.into(), since.into()],
        _ => vec![since.into(), since.into(), limit.into()],
    };
    let cols = [I, STAMP, NAME, ROLE, ACTION, I, ColType::LongText, ADDRESS];
    query_vec(db.t, &db.d.audit_list(), &params, &cols, |r| {
        Ok(AuditRow {
            id: req_i64(r, 0)?,
            at: req_text(r, 1)?,
            user: opt_text(r, 2)?,
            role: opt_text(r, 3)?,
            action: req_text(r, 4)?,
            schedule_id: r.i64(5)?,
            detail_json: opt_text(r, 6)?,
            client_address: opt_text(r, 7)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, StoreConfig};

    fn store(tag: &str) -> (std::path::PathBuf, Store) {
        let dir = std::env::temp_dir().join(format!("tsi-accounts-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let s = Store::open(StoreConfig::sqlite(dir.join("t.sqlite3").to_string_lossy().into_owned(), 1, None)).unwrap();
        (dir, s)
    }

    #[test]
    fn users_are_added_once_read_updated_and_listed() {
        let (dir, s) = store("users");
        let mut c = s.conn().unwrap();
        let db = &mut s.db(&mut c);
        user_add(db, "ana", Some("$argon2id$x"), "editor").unwrap();
        let again = user_add(db, "ana", None, "viewer").unwrap_err();
        assert!(again.to_string().contains("user 'ana' already exists"), "{again}");
        let ana = user_get(db, "ana").unwrap().unwrap();
        assert_eq!((ana.role.as_str(), ana.disabled, ana.password_hash.as_deref()), ("editor", false, Some("$argon2id$x")));
        assert!(ana.created_at.ends_with('Z'));
        assert!(user_update(db, "ana", None, Some(true)).unwrap());
        assert!(user_update(db, "ana", Some("$argon2id$y"), None).unwrap());
        let ana = user_get(db, "ana").unwrap().unwrap();
        assert_eq!((ana.disabled, ana.password_hash.as_deref()), (true, Some("$argon2id$y")));
        assert!(!user_update(db, "bob", None, Some(true)).unwrap());
        assert_eq!(user_get(db, "bob").unwrap(), None);
        user_add(db, "bea", None, "admin").unwrap();
        assert_eq!(user_list(db).unwrap().iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["ana", "bea"]);
        drop(c);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn audit_entries_come_back_newest_first_since_a_time() {
        let (dir, s) = store("audit");
        let mut c = s.conn().unwrap();
        let db = &mut s.db(&mut c);
        for (k, action) in ["upload", "delete", "sign-in refused"].iter().enumerate() {
            let e = AuditEntry {
                user: Some("ana".into()),
                role: Some("editor".into()),
                action: action.to_string(),
                schedule_id: Some(k as i64),
                detail_json: Some(format!("{{\"k\": {k}}}")),
                client_address: Some("127.0.0.1".into()),
            };
            audit_append(db, &e).unwrap();
        }
        let all = audit_list(db, None, 100).unwrap();
        assert_eq!(all.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(), ["sign-in refused", "delete", "upload"]);
        assert_eq!(all[2].schedule_id, Some(0));
        assert_eq!(audit_list(db, None, 1).unwrap().len(), 1);
        assert!(audit_list(db, Some("2999-01-01T00:00:00.000Z"), 100).unwrap().is_empty());
        assert_eq!(audit_list(db, Some(&all[2].at), 100).unwrap().len(), 3);
        drop(c);
        let _ = std::fs::remove_dir_all(dir);
    }
}
