//! Who may use a store and what they did: organisations, users with roles, browser sessions, API
//! tokens and the append-only, hash-chained audit log.
//!
//! [`Accounts`] is its own connection to the store's database, so that the web app can hold it
//! beside the [`crate::Store`] it reads findings from. Secrets never reach this module: users are
//! stored with a password hash made by the caller, sessions and tokens by the SHA-256 of their
//! value.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use crate::audit::{
    AUDIT_GENESIS, AuditCheck, AuditEvent, AuditKey, AuditKeys, AuditRecord, verify_chain,
};
use crate::codec::hex;
use crate::row::sqlite_row;
use crate::sqlite::SideSchema;
use crate::{Result, SqliteStore, StoreError, unix_now};

/// The schema of this module (and of [`crate::browse`]), applied on first use.
pub(crate) const SCHEMA: &str = include_str!("../migrations/0003_accounts.sql");

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything, changes nothing.
    Viewer,
    /// Also records verdicts and notes on findings.
    Analyst,
    /// Also manages users.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Role::Viewer,
            "analyst" => Role::Analyst,
            "admin" => Role::Admin,
            _ => return None,
        })
    }
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub org: String,
    pub role: Role,
    /// Unix seconds.
    pub created_at: i64,
}

/// The SHA-256 of a secret (session or token value) as stored.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Opens a second connection to a store's database and makes sure the accounts schema exists.
pub(crate) fn open_conn(dir: &Path) -> Result<Connection> {
    crate::sqlite::open_side(
        dir,
        &SideSchema {
            version: 3,
            name: "accounts",
            sql: SCHEMA,
            applied_when: "type = 'trigger' AND name = 'finding_summaries_delete'",
            foreign_keys: false,
        },
    )
}

/// Accounts, sessions, tokens and the audit log, whatever the backend: the web app and the
/// commands hold a `Box<dyn AccountStore>` that lives in the same database as the items.
/// [`Accounts`] is the embedded implementation; its methods document the contract.
pub trait AccountStore: Send + std::fmt::Debug {
    /// See [`Accounts::add_user`].
    fn add_user(&mut self, name: &str, role: Role, org: &str, password_hash: &str) -> Result<User>;
    /// See [`Accounts::set_password`].
    fn set_password(&mut self, name: &str, password_hash: &str) -> Result<bool>;
    /// See [`Accounts::user_for_login`].
    fn user_for_login(&self, name: &str) -> Result<Option<(User, String)>>;
    /// See [`Accounts::user`].
    fn user(&self, name: &str) -> Result<Option<User>>;
    /// See [`Accounts::users`].
    fn users(&self) -> Result<Vec<User>>;
    /// See [`Accounts::orgs`].
    fn orgs(&self) -> Result<Vec<String>>;
    /// See [`Accounts::create_session`].
    fn create_session(
        &mut self,
        user_id: i64,
        token_hash: &str,
        csrf: &str,
        ttl_s: i64,
    ) -> Result<()>;
    /// See [`Accounts::session`].
    fn session(&self, token_hash: &str) -> Result<Option<(User, String)>>;
    /// See [`Accounts::delete_session`].
    fn delete_session(&mut self, token_hash: &str) -> Result<()>;
    /// See [`Accounts::add_token`].
    fn add_token(&mut self, user: &str, token_hash: &str, label: &str) -> Result<bool>;
    /// See [`Accounts::user_by_token`].
    fn user_by_token(&self, token_hash: &str) -> Result<Option<User>>;
    /// See [`Accounts::revoke`].
    fn revoke(&mut self, user: &str) -> Result<Option<(u64, u64)>>;
    /// See [`Accounts::audit`].
    fn audit(&mut self, ev: &AuditEvent<'_>) -> Result<AuditRecord>;
    /// See [`Accounts::audit_list`].
    fn audit_list(&self, limit: usize) -> Result<Vec<AuditRecord>>;
    /// See [`Accounts::audit_verify`].
    fn audit_verify(&self) -> Result<AuditCheck>;
    /// The keys that seal new audit rows and verify the chain ([`AuditKeys`]).
    fn set_audit_keys(&mut self, keys: AuditKeys);
    /// Rows in the audit log (the head's `seq`).
    fn audit_rows(&self) -> Result<u64>;
}

/// The columns of a user as [`UserCols`] holds them, and their tables.
pub const USER_COLS: &str =
    "u.id, u.name, o.name, u.role, u.created_at FROM users u JOIN orgs o ON o.id = u.org_id";

/// A user's columns as read ([`USER_COLS`]), before the role is parsed: id, name, organisation,
/// role and created_at.
pub type UserCols = (i64, String, String, String, i64);

/// A user from its columns; a role that is not one of [`Role`]'s is a corrupt store.
pub fn user_from_cols((id, name, org, role, created_at): UserCols) -> Result<User> {
    Ok(User {
        id,
        name,
        org,
        role: Role::parse(&role).ok_or_else(|| StoreError::corrupt("role", &role))?,
        created_at,
    })
}

/// Checks a new user's name and organisation as every backend must; returns them trimmed.
pub fn check_new_user<'a>(name: &'a str, org: &'a str) -> Result<(&'a str, &'a str)> {
    let name = name.trim();
    let org = org.trim();
    if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
        return Err(StoreError::InvalidInput {
            what: "user name",
            value: name.chars().take(80).collect(),
        });
    }
    if org.is_empty() || org.len() > 64 {
        return Err(StoreError::InvalidInput {
            what: "organisation",
            value: org.chars().take(80).collect(),
        });
    }
    Ok((name, org))
}

impl AccountStore for Accounts {
    fn add_user(&mut self, name: &str, role: Role, org: &str, password_hash: &str) -> Result<User> {
        Accounts::add_user(self, name, role, org, password_hash)
    }
    fn set_password(&mut self, name: &str, password_hash: &str) -> Result<bool> {
        Accounts::set_password(self, name, password_hash)
    }
    fn user_for_login(&self, name: &str) -> Result<Option<(User, String)>> {
        Accounts::user_for_login(self, name)
    }
    fn user(&self, name: &str) -> Result<Option<User>> {
        Accounts::user(self, name)
    }
    fn users(&self) -> Result<Vec<User>> {
        Accounts::users(self)
    }
    fn orgs(&self) -> Result<Vec<String>> {
        Accounts::orgs(self)
    }
    fn create_session(
        &mut self,
        user_id: i64,
        token_hash: &str,
        csrf: &str,
        ttl_s: i64,
    ) -> Result<()> {
        Accounts::create_session(self, user_id, token_hash, csrf, ttl_s)
    }
    fn session(&self, token_hash: &str) -> Result<Option<(User, String)>> {
        Accounts::session(self, token_hash)
    }
    fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        Accounts::delete_session(self, token_hash)
    }
    fn add_token(&mut self, user: &str, token_hash: &str, label: &str) -> Result<bool> {
        Accounts::add_token(self, user, token_hash, label)
    }
    fn user_by_token(&self, token_hash: &str) -> Result<Option<User>> {
        Accounts::user_by_token(self, token_hash)
    }
    fn revoke(&mut self, user: &str) -> Result<Option<(u64, u64)>> {
        Accounts::revoke(self, user)
    }
    fn audit(&mut self, ev: &AuditEvent<'_>) -> Result<AuditRecord> {
        Accounts::audit(self, ev)
    }
    fn audit_list(&self, limit: usize) -> Result<Vec<AuditRecord>> {
        Accounts::audit_list(self, limit)
    }
    fn audit_verify(&self) -> Result<AuditCheck> {
        Accounts::audit_verify(self)
    }
    fn set_audit_keys(&mut self, keys: AuditKeys) {
        self.keys = keys;
    }
    fn audit_rows(&self) -> Result<u64> {
        audit_rows(&self.conn)
    }
}

fn audit_rows(conn: &Connection) -> Result<u64> {
    let n: Option<i64> = conn
        .query_row("SELECT seq FROM audit_head WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    Ok(crate::codec::count(n.unwrap_or(0)))
}

/// Accounts, sessions, tokens and the audit log of one store. See the module docs.
#[derive(Debug)]
pub struct Accounts {
    conn: Connection,
    keys: AuditKeys,
}

impl Accounts {
    /// Opens the accounts of the store in `dir` (which must have been opened as a
    /// [`SqliteStore`] once, so that its schema exists).
    pub fn open(dir: &Path) -> Result<Accounts> {
        Ok(Accounts {
            conn: open_conn(dir)?,
            keys: AuditKeys::default(),
        })
    }

    /// Adds a user; `password_hash` is a PHC string made by the caller. The organisation is
    /// created when new. Fails when the name is taken or empty.
    pub fn add_user(
        &mut self,
        name: &str,
        role: Role,
        org: &str,
        password_hash: &str,
    ) -> Result<User> {
        let (name, org) = check_new_user(name, org)?;
        let now = unix_now();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR IGNORE INTO orgs (name, created_at) VALUES (?1, ?2)",
            params![org, now],
        )?;
        let n = tx.execute(
            "INSERT OR IGNORE INTO users (name, org_id, role, password_hash, created_at) \
             SELECT ?1, id, ?3, ?4, ?5 FROM orgs WHERE name = ?2",
            params![name, org, role.as_str(), password_hash, now],
        )?;
        let id = tx.last_insert_rowid();
        if n == 0 {
            // Dropping the transaction rolls back the new organisation too.
            return Err(StoreError::InvalidInput {
                what: "user name (already taken)",
                value: name.to_string(),
            });
        }
        tx.commit()?;
        Ok(User {
            id,
            name: name.to_string(),
            org: org.to_string(),
            role,
            created_at: now,
        })
    }

    /// Replaces a user's password hash and ends their sessions; `false` if there is no such
    /// user.
    pub fn set_password(&mut self, name: &str, password_hash: &str) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE users SET password_hash = ?2 WHERE name = ?1",
            params![name, password_hash],
        )?;
        tx.execute(
            "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = ?1)",
            [name],
        )?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// A user and their password hash, by name; disabled users are not found.
    pub fn user_for_login(&self, name: &str) -> Result<Option<(User, String)>> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {} WHERE u.name = ?1 AND u.disabled = 0",
                USER_COLS.replace("FROM", ", u.password_hash FROM")
            ))?
            .query_row([name], |r| {
                Ok((sqlite_row::<UserCols>(r)?, r.get::<_, String>(5)?))
            })
            .optional()?;
        row.map(|(u, h)| Ok((user_from_cols(u)?, h))).transpose()
    }

    /// A user by name.
    pub fn user(&self, name: &str) -> Result<Option<User>> {
        let row = self
            .conn
            .prepare_cached(&format!("SELECT {} WHERE u.name = ?1", USER_COLS))?
            .query_row([name], sqlite_row::<UserCols>)
            .optional()?;
        row.map(user_from_cols).transpose()
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<User>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {} ORDER BY u.name", USER_COLS))?;
        let rows = stmt
            .query_map([], sqlite_row::<UserCols>)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(user_from_cols).collect()
    }

    /// Organisation names, sorted.
    pub fn orgs(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT name FROM orgs ORDER BY name")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Records a browser session by the hash of its cookie value, with its CSRF token.
    pub fn create_session(
        &mut self,
        user_id: i64,
        token_hash: &str,
        csrf: &str,
        ttl_s: i64,
    ) -> Result<()> {
        let now = unix_now();
        self.conn
            .execute("DELETE FROM sessions WHERE expires_at <= ?1", params![now])?;
        self.conn.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_hash, user_id, csrf, now, now.saturating_add(ttl_s)],
        )?;
        Ok(())
    }

    /// The user and CSRF token of a live session.
    pub fn session(&self, token_hash: &str) -> Result<Option<(User, String)>> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {} JOIN sessions s ON s.user_id = u.id \
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
                USER_COLS.replace("FROM", ", s.csrf FROM")
            ))?
            .query_row(params![token_hash, unix_now()], |r| {
                Ok((sqlite_row::<UserCols>(r)?, r.get::<_, String>(5)?))
            })
            .optional()?;
        row.map(|(u, c)| Ok((user_from_cols(u)?, c))).transpose()
    }

    /// Ends a session.
    pub fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    /// Records an API token by the hash of its value; `false` if there is no such user.
    pub fn add_token(&mut self, user: &str, token_hash: &str, label: &str) -> Result<bool> {
        let n = self.conn.execute(
            "INSERT INTO api_tokens (token_hash, user_id, label, created_at) \
             SELECT ?2, id, ?3, ?4 FROM users WHERE name = ?1",
            params![user, token_hash, label, unix_now()],
        )?;
        Ok(n > 0)
    }

    /// Ends every session and withdraws every API token of `user`: `(sessions, tokens)`, or
    /// `None` when there is no such user.
    pub fn revoke(&mut self, user: &str) -> Result<Option<(u64, u64)>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id: Option<i64> = tx
            .query_row("SELECT id FROM users WHERE name = ?1", [user], |r| r.get(0))
            .optional()?;
        let Some(id) = id else { return Ok(None) };
        let s = tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
        let t = tx.execute("DELETE FROM api_tokens WHERE user_id = ?1", [id])?;
        tx.commit()?;
        Ok(Some((s as u64, t as u64)))
    }

    /// The user an API token belongs to.
    pub fn user_by_token(&self, token_hash: &str) -> Result<Option<User>> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {} JOIN api_tokens t ON t.user_id = u.id \
                 WHERE t.token_hash = ?1 AND u.disabled = 0",
                USER_COLS
            ))?
            .query_row([token_hash], sqlite_row::<UserCols>)
            .optional()?;
        row.map(user_from_cols).transpose()
    }

    /// Appends an audit event and returns its row. The row and the head move in one
    /// transaction.
    pub fn audit(&mut self, ev: &AuditEvent<'_>) -> Result<AuditRecord> {
        append_audit(&mut self.conn, ev, &self.keys)
    }

    /// The newest audit rows, newest first (at most `limit`).
    pub fn audit_list(&self, limit: usize) -> Result<Vec<AuditRecord>> {
        let limit = crate::codec::clamp_usize(limit);
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, time, user, org, action, target, detail, prev_hash, hash \
             FROM audit_log ORDER BY seq DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], sqlite_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Recomputes the audit chain from the first row and compares its end with the head.
    pub fn audit_verify(&self) -> Result<AuditCheck> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, time, user, org, action, target, detail, prev_hash, hash \
             FROM audit_log ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([], sqlite_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let head: Option<(i64, String)> = self
            .conn
            .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        verify_chain(rows.into_iter().map(Ok), head, &self.keys)
    }
}

fn append_audit(
    conn: &mut Connection,
    ev: &AuditEvent<'_>,
    keys: &AuditKeys,
) -> Result<AuditRecord> {
    // IMMEDIATE: two processes appending at once must not both chain onto the same head.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let head: Option<(i64, String)> = tx
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let rec = AuditRecord::next(head, ev, unix_now(), keys);
    let seq_i = rec.seq_db();
    tx.execute(
        "INSERT INTO audit_log (seq, time, user, org, action, target, detail, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            seq_i,
            rec.time,
            rec.user,
            rec.org,
            rec.action,
            rec.target,
            rec.detail,
            rec.prev_hash,
            rec.hash
        ],
    )?;
    tx.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2) \
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        params![seq_i, rec.hash],
    )?;
    tx.commit()?;
    Ok(rec)
}

impl SqliteStore {
    /// Appends an event to the store's audit log (see [`Accounts::audit`]); the command-line
    /// import and analysis record themselves through this.
    pub fn audit(&mut self, ev: &AuditEvent<'_>, keys: &AuditKeys) -> Result<AuditRecord> {
        let mut conn = open_conn(self.dir())?;
        append_audit(&mut conn, ev, keys)
    }

    /// The accounts of this store, on a connection of their own.
    pub fn accounts(&self) -> Result<Accounts> {
        Accounts::open(self.dir())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OpenOptions;
    use crate::audit::tests::ev;

    fn setup() -> (tempfile::TempDir, SqliteStore, Accounts) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path(), OpenOptions::default()).unwrap();
        let acc = store.accounts().unwrap();
        (dir, store, acc)
    }

    fn broken_at(acc: &Accounts) -> Option<u64> {
        match acc.audit_verify().unwrap() {
            AuditCheck::Ok { .. } => None,
            AuditCheck::Broken { seq, .. } => Some(seq),
        }
    }

    #[test]
    fn users_sessions_and_tokens() {
        let (_d, _s, mut acc) = setup();
        let u = acc
            .add_user("ona", Role::Analyst, "cert-lt", "$argon2id$x")
            .unwrap();
        assert_eq!((u.org.as_str(), u.role), ("cert-lt", Role::Analyst));
        assert!(acc.add_user("ona", Role::Viewer, "local", "h").is_err());
        assert!(acc.add_user("  ", Role::Viewer, "local", "h").is_err());
        let (found, hash) = acc.user_for_login("ona").unwrap().unwrap();
        assert_eq!((found.id, hash.as_str()), (u.id, "$argon2id$x"));
        assert!(acc.user_for_login("nobody").unwrap().is_none());

        acc.create_session(u.id, &secret_hash("cookie"), "csrf1", 3600)
            .unwrap();
        let (su, csrf) = acc.session(&secret_hash("cookie")).unwrap().unwrap();
        assert_eq!((su.name.as_str(), csrf.as_str()), ("ona", "csrf1"));
        assert!(acc.session(&secret_hash("other")).unwrap().is_none());
        acc.create_session(u.id, &secret_hash("old"), "c", -1)
            .unwrap();
        assert!(
            acc.session(&secret_hash("old")).unwrap().is_none(),
            "expired"
        );
        acc.delete_session(&secret_hash("cookie")).unwrap();
        assert!(acc.session(&secret_hash("cookie")).unwrap().is_none());

        assert!(acc.add_token("ona", &secret_hash("tok"), "cli").unwrap());
        assert!(
            !acc.add_token("nobody", &secret_hash("tok2"), "cli")
                .unwrap()
        );
        assert_eq!(
            acc.user_by_token(&secret_hash("tok"))
                .unwrap()
                .map(|u| u.name),
            Some("ona".to_string())
        );
        assert!(acc.user_by_token(&secret_hash("bad")).unwrap().is_none());
        assert_eq!(acc.orgs().unwrap(), vec!["cert-lt".to_string()]);
        assert_eq!(acc.users().unwrap().len(), 1);
    }

    #[test]
    fn audit_chain_verifies_and_triggers_refuse_changes() {
        let (_d, mut store, acc) = setup();
        assert_eq!(broken_at(&acc), None, "an empty log is whole");
        for i in 0..4 {
            store
                .audit(
                    &ev(if i == 0 { "login" } else { "status" }),
                    &AuditKeys::default(),
                )
                .unwrap();
        }
        assert_eq!(
            acc.audit_verify().unwrap(),
            AuditCheck::Ok {
                rows: 4,
                head: acc.audit_list(1).unwrap()[0].hash.clone(),
                unkeyed: 4
            }
        );
        assert!(
            acc.conn
                .execute("UPDATE audit_log SET user = 'x' WHERE seq = 2", [])
                .is_err()
        );
        assert!(
            acc.conn
                .execute("DELETE FROM audit_log WHERE seq = 4", [])
                .is_err()
        );
        assert_eq!(acc.audit_list(10).unwrap().len(), 4);
    }

    /// Tampering done around the triggers (dropping them, or editing the file) is caught by
    /// `audit_verify`, naming the first bad row.
    #[test]
    fn audit_verify_names_the_first_tampered_row() {
        fn check(tamper: &str, expected: Option<u64>) {
            let (_d, mut store, acc) = setup();
            for _ in 0..5 {
                store.audit(&ev("status"), &AuditKeys::default()).unwrap();
            }
            acc.conn
                .execute_batch(
                    "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
                )
                .unwrap();
            acc.conn.execute_batch(tamper).unwrap();
            assert_eq!(broken_at(&acc), expected, "{tamper}");
        }
        check("", None);
        check(
            "UPDATE audit_log SET user = 'mallory' WHERE seq = 3",
            Some(3),
        );
        check("UPDATE audit_log SET detail = '{}' WHERE seq = 1", Some(1));
        check("DELETE FROM audit_log WHERE seq = 2", Some(2));
        check("DELETE FROM audit_log WHERE seq = 5", Some(5));
        check("DELETE FROM audit_log WHERE seq >= 4", Some(4));
        check("DELETE FROM audit_log", Some(1));
        check(
            "UPDATE audit_log SET time = time + 1 WHERE seq = 5",
            Some(5),
        );
        // A rewritten row with a recomputed own hash still breaks the next row's link.
        check("UPDATE audit_log SET hash = 'ab' WHERE seq = 4", Some(4));
        check("DELETE FROM audit_head", Some(1));
    }

    /// With a keyring, someone who can write the database edits a row and recomputes the
    /// whole chain and its head (unsealed, or sealed with a key of their own): verification
    /// still names the row, since only the keyring's key makes seals that verify.
    #[test]
    fn a_sealed_log_rewritten_without_the_key_does_not_verify() {
        let keys = AuditKeys {
            legacy: 2,
            keys: vec![AuditKey {
                id: 1,
                since: 3,
                secret: [7; 32],
            }],
        };
        let forged = |mallory: &AuditKeys| {
            let (_d, mut store, mut acc) = setup();
            for _ in 0..2 {
                store.audit(&ev("status"), &AuditKeys::default()).unwrap();
            }
            acc.set_audit_keys(keys.clone());
            for _ in 0..4 {
                acc.audit(&ev("status")).unwrap();
            }
            let rows = acc.audit_list(10).unwrap();
            assert!(rows[0].hash.starts_with("k1:") && !rows[5].hash.contains(':'));
            assert!(matches!(
                acc.audit_verify().unwrap(),
                AuditCheck::Ok {
                    rows: 6,
                    unkeyed: 2,
                    ..
                }
            ));
            // The rewrite: drop the triggers, change row 4, recompute every row and the head.
            acc.conn
                .execute_batch(
                    "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
                )
                .unwrap();
            let mut rows = acc.audit_list(10).unwrap();
            rows.reverse();
            rows[3].user = "mallory".into();
            let mut prev = AUDIT_GENESIS.to_string();
            for r in &mut rows {
                r.prev_hash = prev.clone();
                r.hash = r.compute_hash(mallory);
                prev = r.hash.clone();
                acc.conn
                    .execute(
                        "UPDATE audit_log SET user = ?2, prev_hash = ?3, hash = ?4 WHERE seq = ?1",
                        params![r.seq_db(), r.user, r.prev_hash, r.hash],
                    )
                    .unwrap();
            }
            acc.conn
                .execute("UPDATE audit_head SET hash = ?1", [prev])
                .unwrap();
            match acc.audit_verify().unwrap() {
                AuditCheck::Broken { seq, reason } => Some((seq, reason)),
                AuditCheck::Ok { .. } => None,
            }
        };
        let (seq, why) = forged(&AuditKeys::default()).expect("unsealed rewrite caught");
        assert_eq!(seq, 3, "the first row the key seals: {why}");
        assert!(why.contains("no seal"), "{why}");
        let guessed = AuditKeys {
            keys: vec![AuditKey {
                secret: [8; 32],
                ..keys.keys[0].clone()
            }],
            ..keys.clone()
        };
        assert_eq!(forged(&guessed).map(|b| b.0), Some(3), "a guessed key");
        // Only the holder of the keyring can reseal: that is what the key is for.
        assert_eq!(forged(&keys), None);
    }

    #[test]
    fn keyrings_round_trip_and_refuse_what_they_cannot_mean() {
        let mut k = AuditKeys {
            legacy: 5,
            keys: Vec::new(),
        };
        assert_eq!(k.rotate([1; 32], 6), Ok(1));
        assert_eq!(k.rotate([2; 32], 40), Ok(2));
        assert!(k.rotate([3; 32], 40).is_err(), "a new key starts later");
        assert_eq!(AuditKeys::from_text(&k.to_text()).unwrap(), k);
        for bad in [
            "legacy x",
            "key 1 6 abcd",
            "legacy 5\nkey 1 5 0101010101010101010101010101010101010101010101010101010101010101",
            "something else",
        ] {
            assert!(AuditKeys::from_text(bad).is_err(), "{bad}");
        }
    }
}
