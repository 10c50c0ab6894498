//! The web app's side of the PostgreSQL store: accounts, sessions, tokens and the hash-chained
//! audit log ([`PgAccounts`]), and the browsing queries ([`PgBrowse`]), so that `skydas serve
//! --store postgres://…` keeps its users and its audit trail in the database that holds the
//! items. Each is a session of its own beside the [`PgStore`], and reconnects by itself after
//! the server restarted.

use postgres::Row;
use skydas_model::{Actor, Platform};
use skydas_store::accounts::{
    AccountStore, AuditCheck, AuditEvent, AuditRecord, Role, User, check_new_user, verify_chain,
};
use skydas_store::browse::{
    BrowseStore, Count, FindingFilter, FindingSummary, ItemRow, Overview, OverviewQueries, Top,
    overview,
};
use skydas_store::codec::{self, clamp_usize as to_i64, count};
use skydas_store::{Result, StoreError, unix_now};

use crate::session::Session;
use crate::{PgResultExt, PgStore};

/// Advisory lock key serialising audit appends across processes: two appenders must not both
/// chain onto the same head.
const AUDIT_LOCK: i64 = 0x5359_4441_5330_0003;

/// Accounts and the audit log in PostgreSQL; see [`AccountStore`] for the contract.
#[derive(Debug)]
pub struct PgAccounts(Session);

/// The web app's browsing queries in PostgreSQL; see [`BrowseStore`] for the contract.
#[derive(Debug)]
pub struct PgBrowse(Session);

impl PgStore {
    /// The accounts and audit log of this store, on a session of their own.
    pub fn accounts(&self) -> Result<PgAccounts> {
        Ok(PgAccounts(Session::open(self.url())?))
    }

    /// The browsing queries of this store, on a session of their own.
    pub fn browse(&self) -> Result<PgBrowse> {
        Ok(PgBrowse(Session::open(self.url())?))
    }
}

const USER_COLS: &str =
    "u.id, u.name, o.name, u.role, u.created_at FROM users u JOIN orgs o ON o.id = u.org_id";

fn user_from_row(r: &Row) -> Result<User> {
    let role: String = r.get(3);
    Ok(User {
        id: r.get(0),
        name: r.get(1),
        org: r.get(2),
        role: Role::parse(&role).ok_or_else(|| StoreError::corrupt("role", &role))?,
        created_at: r.get(4),
    })
}

const AUDIT_COLS: &str =
    "seq, time, user_name, org, action, target, detail, prev_hash, hash FROM audit_log";

fn audit_from_row(r: &Row) -> AuditRecord {
    AuditRecord {
        seq: count(r.get(0)),
        time: r.get(1),
        user: r.get(2),
        org: r.get(3),
        action: r.get(4),
        target: r.get(5),
        detail: r.get(6),
        prev_hash: r.get(7),
        hash: r.get(8),
    }
}

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

    fn audit(&mut self, ev: &AuditEvent<'_>) -> Result<AuditRecord> {
        let url = &self.0.url;
        let mut c = self.0.get()?;
        let mut tx = c.transaction().at(url)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK])
            .at(url)?;
        let head = tx
            .query_opt("SELECT seq, hash FROM audit_head WHERE id = 1", &[])
            .at(url)?;
        let head = head.map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1)));
        let rec = AuditRecord::next(head, ev, unix_now());
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
        let limit = to_i64(limit);
        let rows = self.0.query(&sql, &[&limit])?;
        Ok(rows.iter().map(audit_from_row).collect())
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
            .map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1)));
        tx.commit().at(url)?;
        verify_chain(rows.iter().map(|r| Ok(audit_from_row(r))), head)
    }
}

/// The list columns of a finding, from its parsed body.
const SUMMARY_SELECT: &str = "SELECT f.id, f.kind, f.score, f.first_seen, f.last_seen, \
                              coalesce(f.doc ->> 'summary', ''), \
                              ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(f.doc -> 'disarm') = 'array' \
                              THEN f.doc -> 'disarm' ELSE '[]'::jsonb END)), \
                              CASE WHEN jsonb_typeof(f.doc -> 'actors') = 'array' \
                              THEN jsonb_array_length(f.doc -> 'actors') ELSE 0 END, \
                              CASE WHEN jsonb_typeof(f.doc -> 'evidence') = 'array' \
                              THEN jsonb_array_length(f.doc -> 'evidence') ELSE 0 END, \
                              f.doc ->> 'domain', f.status FROM findings f";

fn summary_from_row(r: &Row) -> FindingSummary {
    FindingSummary {
        id: r.get(0),
        kind: r.get(1),
        score: r.get(2),
        first_seen: r.get(3),
        last_seen: r.get(4),
        summary: r.get(5),
        disarm: r.get(6),
        actors: u64::try_from(r.get::<_, i32>(7)).unwrap_or(0),
        evidence: u64::try_from(r.get::<_, i32>(8)).unwrap_or(0),
        domain: r.get(9),
        status: r.get(10),
    }
}

/// The JSON a finding's `actors` array must contain to name `platform:id`.
fn actor_probe(platform: &str, id: &str) -> String {
    serde_json::json!([{ "platform": platform, "id": id }]).to_string()
}

const ITEM_SELECT: &str = "SELECT i.platform, i.platform_id, a.platform_id, a.handle, i.time, \
                           i.kind, i.lang, i.text FROM items i JOIN actors a ON a.id = i.actor_id";

fn item_from_row(r: &Row) -> ItemRow {
    let p: String = r.get(0);
    ItemRow {
        platform: Platform::parse(&p).unwrap_or(Platform::Other),
        id: r.get(1),
        actor_id: r.get(2),
        actor_handle: r.get(3),
        time: r.get(4),
        kind: r.get(5),
        lang: r.get(6),
        text: r.get(7),
    }
}

impl PgBrowse {
    fn summaries(
        &self,
        sql: &str,
        args: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<FindingSummary>> {
        let rows = self.0.query(sql, args)?;
        Ok(rows.iter().map(summary_from_row).collect())
    }
}

impl BrowseStore for PgBrowse {
    fn finding_summaries(&self, f: &FindingFilter) -> Result<(Vec<FindingSummary>, u64)> {
        let filter = "WHERE ($1::text IS NULL OR f.kind = $1) \
                      AND ($2::float8 IS NULL OR f.score >= $2) \
                      AND ($3::int8 IS NULL OR f.last_seen >= $3) \
                      AND ($4::int8 IS NULL OR f.first_seen < $4) \
                      AND ($5::text IS NULL OR f.doc -> 'disarm' ? $5) \
                      AND ($6::text IS NULL OR f.status = $6)";
        let disarm = f.disarm.as_deref().map(str::trim).filter(|d| !d.is_empty());
        let limit = (f.limit > 0).then(|| to_i64(f.limit));
        let offset = to_i64(f.offset);
        let args: [&(dyn postgres::types::ToSql + Sync); 8] = [
            &f.kind,
            &f.min_score,
            &f.since,
            &f.until,
            &disarm,
            &f.status,
            &limit,
            &offset,
        ];
        let total: i64 = self
            .0
            .query_one(
                &format!("SELECT count(*) FROM findings f {filter}"),
                &args[..6],
            )?
            .get(0);
        let page = self.summaries(
            &format!("{SUMMARY_SELECT} {filter} ORDER BY f.score DESC, f.id LIMIT $7 OFFSET $8"),
            &args,
        )?;
        Ok((page, count(total)))
    }

    fn findings_with_actor(&self, platform: Platform, id: &str) -> Result<Vec<FindingSummary>> {
        self.summaries(
            &format!(
                "{SUMMARY_SELECT} WHERE f.doc -> 'actors' @> $1::text::jsonb \
                 ORDER BY f.score DESC, f.id LIMIT 200"
            ),
            &[&actor_probe(platform.as_str(), id)],
        )
    }

    fn findings_with_domain(&self, domain: &str) -> Result<Vec<FindingSummary>> {
        self.summaries(
            &format!(
                "{SUMMARY_SELECT} WHERE f.doc ->> 'domain' = $1 \
                 OR f.doc -> 'actors' @> $2::text::jsonb ORDER BY f.score DESC, f.id LIMIT 200"
            ),
            &[&domain, &actor_probe(Platform::Web.as_str(), domain)],
        )
    }

    fn actor(&self, platform: Platform, id: &str) -> Result<Option<Actor>> {
        let row = self.0.query_opt(
            "SELECT kind, handle, name, created_at, followers FROM actors \
             WHERE platform = $1 AND platform_id = $2",
            &[&platform.as_str(), &id],
        )?;
        row.map(|r| {
            codec::actor_from_db(
                id.to_string(),
                r.get(1),
                r.get(2),
                r.get(0),
                r.get(3),
                r.get(4),
            )
        })
        .transpose()
    }

    fn actor_items(&self, platform: Platform, id: &str, limit: usize) -> Result<Vec<ItemRow>> {
        let rows = self.0.query(
            &format!(
                "{ITEM_SELECT} WHERE a.platform = $1 AND a.platform_id = $2 \
                 ORDER BY i.time DESC, i.id LIMIT $3"
            ),
            &[&platform.as_str(), &id, &to_i64(limit)],
        )?;
        Ok(rows.iter().map(item_from_row).collect())
    }

    fn domain_items(&self, domain: &str, limit: usize) -> Result<Vec<ItemRow>> {
        let needle = codec::domain_needle(domain)?;
        let rows = self.0.query(
            &format!(
                "{ITEM_SELECT} WHERE i.urls IS NOT NULL AND strpos(i.urls, $1) > 0 \
                 ORDER BY i.time DESC, i.id LIMIT $2"
            ),
            &[&needle, &to_i64(limit)],
        )?;
        Ok(rows.iter().map(item_from_row).collect())
    }

    fn overview(&self, n: usize) -> Result<Overview> {
        overview(self, n)
    }
}

impl OverviewQueries for PgBrowse {
    fn day_counts(&self, column: &str) -> Result<Vec<(String, i64, u64)>> {
        let rows = self.0.query(
            &format!(
                "SELECT {column}, time / 86400 AS day, count(*) FROM items \
                 GROUP BY 1, 2 ORDER BY 1, 2"
            ),
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), count(r.get(2))))
            .collect())
    }

    fn top(&self, what: Top, n: usize) -> Result<Vec<(Count, Option<String>)>> {
        let sql = match what {
            Top::Actors => {
                "SELECT a.platform || ':' || a.platform_id, c.n, a.handle FROM \
                 (SELECT actor_id, count(*) AS n FROM items GROUP BY actor_id \
                 ORDER BY n DESC LIMIT $1) c \
                 JOIN actors a ON a.id = c.actor_id ORDER BY c.n DESC, a.platform_id"
            }
            Top::Domains => {
                "SELECT (u ->> 5) COLLATE \"C\" AS d, count(DISTINCT i.id), NULL::text \
                 FROM items i, jsonb_array_elements(i.urls::jsonb) u \
                 WHERE i.urls IS NOT NULL GROUP BY d ORDER BY 2 DESC, d LIMIT $1"
            }
            Top::Hashtags => {
                "SELECT lower(h) COLLATE \"C\" AS t, count(*), NULL::text \
                 FROM items i, jsonb_array_elements_text(i.hashtags::jsonb) h \
                 WHERE i.hashtags IS NOT NULL GROUP BY t ORDER BY 2 DESC, t LIMIT $1"
            }
        };
        let rows = self.0.query(sql, &[&to_i64(n)])?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    Count {
                        key: r.get(0),
                        count: count(r.get(1)),
                    },
                    r.get(2),
                )
            })
            .collect())
    }
}
