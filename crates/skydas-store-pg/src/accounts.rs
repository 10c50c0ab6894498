//! Accounts, sessions, tokens and the hash-chained audit log in PostgreSQL ([`PgAccounts`],
//! migration 0003), so that `skydas serve --store postgres://…` keeps its users and its audit
//! trail in the database that holds the items. The chain itself (hashes, the next row,
//! verification) is the shared [`skydas_store::audit`]'s; only the SQL is here. A session of
//! its own beside the [`PgStore`], reconnecting by itself after the server restarted.

use postgres::Row;
use skydas_store::accounts::{
    AccountStore, AuditCheck, AuditEvent, AuditKeys, AuditRecord, Role, USER_COLS, User,
    check_new_user, user_from_cols, verify_chain,
};
use skydas_store::codec::{clamp_usize, count};
use skydas_store::{Result, StoreError, unix_now};

use crate::row::read;
use crate::session::Session;
use crate::{PgResultExt, PgStore};

/// Advisory lock key serialising audit appends across processes: two appenders must not both
/// chain onto the same head.
const AUDIT_LOCK: i64 = 0x5359_4441_5330_0003;

/// Accounts and the audit log in PostgreSQL; see [`AccountStore`] for the contract.
#[derive(Debug)]
pub struct PgAccounts(Session, AuditKeys);

impl PgStore {
    /// The accounts and audit log of this store, on a session of their own.
    pub fn accounts(&self) -> Result<PgAccounts> {
        Ok(PgAccounts(Session::open(self.url())?, AuditKeys::default()))
    }
}

fn user_from_row(r: &Row) -> Result<User> {
    user_from_cols(read(r))
}

const AUDIT_COLS: &str =
    "seq, time, user_name, org, action, target, detail, prev_hash, hash FROM audit_log";

impl AccountStore for PgAccounts {
    fn add_user(&mut self, name: &str, role: Role, org: &str, password_hash: &str) -> Result<User> {
        let (name, org) = check_new_user(name, org)?;
        let url = &self.0.url;
        let now = unix_now();
        let mut c = self.0.get()?;
        let mut tx = c.transaction().at(url)?;
        tx.execute(
            "INSERT INTO orgs (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[&org, &now],
        )
        .at(url)?;
        let row = tx
            .query_opt(
                "INSERT INTO users (name, org_id, role, password_hash, created_at) \
                 SELECT $1, id, $3, $4, $5 FROM orgs WHERE name = $2 \
                 ON CONFLICT (name) DO NOTHING RETURNING id",
                &[&name, &org, &role.as_str(), &password_hash, &now],
            )
            .at(url)?;
        let Some(row) = row else {
            // Dropping the transaction rolls back the new organisation too.
            return Err(StoreError::InvalidInput {
                what: "user name (already taken)",
                value: name.to_string(),
            });
        };
        tx.commit().at(url)?;
        Ok(User {
            id: row.get(0),
            name: name.to_string(),
            org: org.to_string(),
            role,
            created_at: now,
        })
    }

    fn set_password(&mut self, name: &str, password_hash: &str) -> Result<bool> {
        let url = &self.0.url;
        let mut c = self.0.get()?;
        let mut tx = c.transaction().at(url)?;
        let n = tx
            .execute(
                "UPDATE users SET password_hash = $2 WHERE name = $1",
                &[&name, &password_hash],
            )
            .at(url)?;
        tx.execute(
            "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = $1)",
            &[&name],
        )
        .at(url)?;
        tx.commit().at(url)?;
        Ok(n > 0)
    }

    fn user_for_login(&self, name: &str) -> Result<Option<(User, String)>> {
        let sql = format!(
            "SELECT {} WHERE u.name = $1 AND NOT u.disabled",
            USER_COLS.replace("FROM", ", u.password_hash FROM")
        );
        let row = self.0.query_opt(&sql, &[&name])?;
        row.map(|r| Ok((user_from_row(&r)?, r.get(5)))).transpose()
    }

    fn user(&self, name: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} WHERE u.name = $1");
        let row = self.0.query_opt(&sql, &[&name])?;
        row.as_ref().map(user_from_row).transpose()
    }

    fn users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLS} ORDER BY u.name");
        let rows = self.0.query(&sql, &[])?;
        rows.iter().map(user_from_row).collect()
    }

    fn orgs(&self) -> Result<Vec<String>> {
        let rows = self.0.query("SELECT name FROM orgs ORDER BY name", &[])?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn create_session(
        &mut self,
        user_id: i64,
        token_hash: &str,
        csrf: &str,
        ttl_s: i64,
    ) -> Result<()> {
        let url = &self.0.url;
        let now = unix_now();
        let mut c = self.0.get()?;
        c.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now])
            .at(url)?;
        c.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &token_hash,
                &user_id,
                &csrf,
                &now,
                &now.saturating_add(ttl_s),
            ],
        )
        .at(url)?;
        Ok(())
    }

    fn session(&self, token_hash: &str) -> Result<Option<(User, String)>> {
        let sql = format!(
            "SELECT {} JOIN sessions s ON s.user_id = u.id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
            USER_COLS.replace("FROM", ", s.csrf FROM")
        );
        let row = self.0.query_opt(&sql, &[&token_hash, &unix_now()])?;
        row.map(|r| Ok((user_from_row(&r)?, r.get(5)))).transpose()
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        self.0
            .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
        Ok(())
    }

    fn add_token(&mut self, user: &str, token_hash: &str, label: &str) -> Result<bool> {
        let n = self.0.execute(
            "INSERT INTO api_tokens (token_hash, user_id, label, created_at) \
             SELECT $2, id, $3, $4 FROM users WHERE name = $1",
            &[&user, &token_hash, &label, &unix_now()],
        )?;
        Ok(n > 0)
    }

    fn user_by_token(&self, token_hash: &str) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLS} JOIN api_tokens t ON t.user_id = u.id \
             WHERE t.token_hash = $1 AND NOT u.disabled"
        );
        let row = self.0.query_opt(&sql, &[&token_hash])?;
        row.as_ref().map(user_from_row).transpose()
    }

    fn revoke(&mut self, user: &str) -> Result<Option<(u64, u64)>> {
        let url = &self.0.url;
        let mut c = self.0.get()?;
        let mut tx = c.transaction().at(url)?;
        let Some(row) = tx
            .query_opt("SELECT id FROM users WHERE name = $1", &[&user])
            .at(url)?
        else {
            return Ok(None);
        };
        let id: i64 = row.get(0);
        let s = tx
            .execute("DELETE FROM sessions WHERE user_id = $1", &[&id])
            .at(url)?;
        let t = tx
            .execute("DELETE FROM api_tokens WHERE user_id = $1", &[&id])
            .at(url)?;
        tx.commit().at(url)?;
        Ok(Some((s, t)))
    }

    fn audit(&mut self, ev: &AuditEvent<'_>) -> Result<AuditRecord> {
        let url = &self.0.url;
        let mut c = self.0.get()?;
        let mut tx = c.transaction().at(url)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK])
            .at(url)?;
        let head = tx
            .query_opt("SELECT seq, hash FROM audit_head WHERE id = 1", &[])
            .at(url)?;
        let head = head.as_ref().map(read);
        let rec = AuditRecord::next(head, ev, unix_now(), &self.1);
        let seq_i = rec.seq_db();
        tx.execute(
            "INSERT INTO audit_log (seq, time, user_name, org, action, target, detail, \
             prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &seq_i,
                &rec.time,
                &rec.user,
                &rec.org,
                &rec.action,
                &rec.target,
                &rec.detail,
                &rec.prev_hash,
                &rec.hash,
            ],
        )
        .at(url)?;
        tx.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            &[&seq_i, &rec.hash],
        )
        .at(url)?;
        tx.commit().at(url)?;
        Ok(rec)
    }

    fn audit_list(&self, limit: usize) -> Result<Vec<AuditRecord>> {
        let sql = format!("SELECT {AUDIT_COLS} ORDER BY seq DESC LIMIT $1");
        let limit = clamp_usize(limit);
        let rows = self.0.query(&sql, &[&limit])?;
        Ok(rows.iter().map(read).collect())
    }

    fn audit_verify(&self) -> Result<AuditCheck> {
        let url = &self.0.url;
        let mut c = self.0.get()?;
        // One snapshot for the rows and the head.
        let mut tx = c
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .at(url)?;
        let rows = tx
            .query(&format!("SELECT {AUDIT_COLS} ORDER BY seq"), &[])
            .at(url)?;
        let head = tx
            .query_opt("SELECT seq, hash FROM audit_head WHERE id = 1", &[])
            .at(url)?
            .as_ref()
            .map(read);
        tx.commit().at(url)?;
        verify_chain(rows.iter().map(|r| Ok(read(r))), head, &self.1)
    }

    fn set_audit_keys(&mut self, keys: AuditKeys) {
        self.1 = keys;
    }

    fn audit_rows(&self) -> Result<u64> {
        let row = self
            .0
            .query("SELECT seq FROM audit_head WHERE id = 1", &[])?;
        Ok(row.first().map_or(0, |r| count(r.get::<_, i64>(0))))
    }
}
