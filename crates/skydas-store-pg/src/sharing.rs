//! TAXII sharing state in PostgreSQL ([`PgSharing`], migration 0004): collections, grants,
//! object versions, statuses, cursors, pull state and partner intelligence, so that a
//! PostgreSQL store keeps nothing of sharing in a local file. The checks and the `date_added`
//! clock are the embedded store's ([`skydas_store::sharing`]); only the SQL is here.

use skydas_store::codec::{clamp_usize, count};
use skydas_store::sharing::{
    Added, COLLECTION_COLS, Collection, GRANT_COLS, Grant, NewObject, OBJECT_COLS, ObjectRow,
    PARTNER_COLS, PartnerObject, SharingStore, WATCH_COLS, WatchItem, add_versions, check_grant,
    check_tlp, check_watch_item, collection_taken, new_collection, next_date_added, watch_domain,
    watch_handle,
};
use skydas_store::{Result, unix_now};

use crate::row::read;
use crate::session::{Args, Session};
use crate::{PgResultExt, PgStore};

/// Advisory lock key serialising writers of object versions: each reads the latest
/// `date_added` and must commit before the next one reads it, so that `date_added` increases
/// in commit order too and a reader's `added_after` never skips a version committed late.
const SHARING_LOCK: i64 = 0x5359_4441_5330_0004;

/// The sharing tables in PostgreSQL; see [`SharingStore`] for the contract.
#[derive(Debug)]
pub struct PgSharing(Session);

impl PgStore {
    /// The sharing tables of this store, on a session of their own.
    pub fn sharing(&self) -> Result<PgSharing> {
        Ok(PgSharing(Session::open(self.url())?))
    }
}

impl PgSharing {
    fn watch(&self, filter: &str, args: Args<'_>) -> Result<Vec<WatchItem>> {
        let rows = self
            .0
            .query(&format!("SELECT {WATCH_COLS} {filter}"), args)?;
        Ok(rows.iter().map(read).collect())
    }
}

impl SharingStore for PgSharing {
    fn add_collection(
        &mut self,
        id: &str,
        title: &str,
        description: &str,
        alias: Option<&str>,
    ) -> Result<Collection> {
        let c = new_collection(id, title, description, alias, unix_now())?;
        let n = self.0.execute(
            "INSERT INTO taxii_collections (id, title, description, alias, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[&c.id, &c.title, &c.description, &c.alias, &c.created_at],
        )?;
        if n == 0 {
            return Err(collection_taken(id));
        }
        Ok(c)
    }

    fn collections(&self) -> Result<Vec<Collection>> {
        let rows = self
            .0
            .query(&format!("SELECT {COLLECTION_COLS} ORDER BY title, id"), &[])?;
        Ok(rows.iter().map(read).collect())
    }

    fn collection(&self, id_or_alias: &str) -> Result<Option<Collection>> {
        let row = self.0.query_opt(
            &format!(
                "SELECT {COLLECTION_COLS} WHERE id = $1 OR alias = $1 \
                 ORDER BY id = $1 DESC LIMIT 1"
            ),
            &[&id_or_alias],
        )?;
        Ok(row.as_ref().map(read))
    }

    fn grant(&mut self, collection_id: &str, g: &Grant) -> Result<bool> {
        let org = check_grant(g)?;
        let n = self.0.execute(
            "INSERT INTO taxii_grants (collection_id, org, can_read, can_write, max_tlp) \
             SELECT id, $2, $3, $4, $5 FROM taxii_collections WHERE id = $1 \
             ON CONFLICT (collection_id, org) DO UPDATE SET can_read = excluded.can_read, \
             can_write = excluded.can_write, max_tlp = excluded.max_tlp",
            &[&collection_id, &org, &g.can_read, &g.can_write, &g.max_tlp],
        )?;
        Ok(n > 0)
    }

    fn grants(&self, collection_id: &str) -> Result<Vec<Grant>> {
        let rows = self.0.query(
            &format!("SELECT {GRANT_COLS} WHERE collection_id = $1 ORDER BY org"),
            &[&collection_id],
        )?;
        Ok(rows.iter().map(read).collect())
    }

    fn add_objects(&mut self, collection_id: &str, objects: &[NewObject]) -> Result<Vec<Added>> {
        let url = &self.0.url;
        let mut c = self.0.get()?;
        let mut tx = c.transaction().at(url)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SHARING_LOCK])
            .at(url)?;
        let last: Option<i64> = tx
            .query_one("SELECT max(date_added) FROM taxii_objects", &[])
            .at(url)?
            .get(0);
        let first = next_date_added(last);
        let ins = tx
            .prepare(
                "INSERT INTO taxii_objects (collection_id, object_id, object_type, version, \
                 spec_version, date_added, tlp, source_org, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (collection_id, object_id, version) DO NOTHING",
            )
            .at(url)?;
        let out = add_versions(objects, first, |o, version, date_added| {
            let n = tx
                .execute(
                    &ins,
                    &[
                        &collection_id,
                        &o.id,
                        &o.object_type,
                        &version,
                        &o.spec_version,
                        &date_added,
                        &o.tlp,
                        &o.source_org,
                        &o.body,
                    ],
                )
                .at(url)?;
            Ok(n > 0)
        })?;
        tx.commit().at(url)?;
        Ok(out)
    }

    fn objects(
        &self,
        collection_id: &str,
        ids: &[String],
        types: &[String],
    ) -> Result<Vec<ObjectRow>> {
        let rows = self.0.query(
            &format!(
                "SELECT {OBJECT_COLS} WHERE collection_id = $1 \
                 AND (cardinality($2::text[]) = 0 OR object_id = ANY($2)) \
                 AND (cardinality($3::text[]) = 0 OR object_type = ANY($3)) \
                 ORDER BY date_added, seq"
            ),
            &[&collection_id, &ids, &types],
        )?;
        Ok(rows.iter().map(read).collect())
    }

    fn delete_object(
        &mut self,
        collection_id: &str,
        object_id: &str,
        versions: &[i64],
    ) -> Result<usize> {
        let n = self.0.execute(
            "DELETE FROM taxii_objects WHERE collection_id = $1 AND object_id = $2 \
             AND version = ANY($3)",
            &[&collection_id, &object_id, &versions],
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn put_status(&mut self, id: &str, org: &str, body: &str) -> Result<()> {
        self.0.execute(
            "INSERT INTO taxii_status (id, org, created_at, body) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET org = excluded.org, \
             created_at = excluded.created_at, body = excluded.body",
            &[&id, &org, &unix_now(), &body],
        )?;
        Ok(())
    }

    fn status(&self, id: &str, org: &str) -> Result<Option<String>> {
        self.0.value_opt(
            "SELECT body FROM taxii_status WHERE id = $1 AND org = $2",
            &[&id, &org],
        )
    }

    fn put_page(
        &mut self,
        token: &str,
        query_key: &str,
        cursor: &str,
        expires_at: i64,
    ) -> Result<()> {
        let url = &self.0.url;
        let mut c = self.0.get()?;
        c.execute(
            "DELETE FROM taxii_pages WHERE expires_at <= $1",
            &[&unix_now()],
        )
        .at(url)?;
        c.execute(
            "INSERT INTO taxii_pages (token, query_key, cursor, expires_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (token) DO UPDATE SET \
             query_key = excluded.query_key, cursor = excluded.cursor, \
             expires_at = excluded.expires_at",
            &[&token, &query_key, &cursor, &expires_at],
        )
        .at(url)?;
        Ok(())
    }

    fn page(&self, token: &str) -> Result<Option<(String, String)>> {
        let row = self.0.query_opt(
            "SELECT query_key, cursor FROM taxii_pages WHERE token = $1 AND expires_at > $2",
            &[&token, &unix_now()],
        )?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    fn pull_state(&self, server: &str, collection: &str) -> Result<Option<String>> {
        self.0.value_opt(
            "SELECT added_last FROM taxii_pull_state WHERE server = $1 AND collection = $2",
            &[&server, &collection],
        )
    }

    fn set_pull_state(&mut self, server: &str, collection: &str, added_last: &str) -> Result<()> {
        self.0.execute(
            "INSERT INTO taxii_pull_state (server, collection, added_last, pulled_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (server, collection) DO UPDATE SET \
             added_last = excluded.added_last, pulled_at = excluded.pulled_at",
            &[&server, &collection, &added_last, &unix_now()],
        )?;
        Ok(())
    }

    fn add_partner_intel(&mut self, objects: &[PartnerObject], watch: &[WatchItem]) -> Result<u64> {
        let url = &self.0.url;
        let mut c = self.0.get()?;
        let mut tx = c.transaction().at(url)?;
        let mut new = 0u64;
        let ins = tx
            .prepare(
                "INSERT INTO partner_objects (object_id, version, object_type, tlp, source, \
                 source_org, received_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (object_id, version) DO NOTHING",
            )
            .at(url)?;
        for o in objects {
            check_tlp(&o.tlp)?;
            new += tx
                .execute(
                    &ins,
                    &[
                        &o.object_id,
                        &o.version,
                        &o.object_type,
                        &o.tlp,
                        &o.source,
                        &o.source_org,
                        &o.received_at,
                        &o.body,
                    ],
                )
                .at(url)?;
        }
        let ins = tx
            .prepare(
                "INSERT INTO watch_items (kind, value, label, tlp, source, source_org, added_at, \
                 platform) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (kind, value, source_org) DO UPDATE SET label = excluded.label, \
                 tlp = excluded.tlp, source = excluded.source, platform = excluded.platform",
            )
            .at(url)?;
        for w in watch {
            check_watch_item(w)?;
            tx.execute(
                &ins,
                &[
                    &w.kind,
                    &w.value,
                    &w.label,
                    &w.tlp,
                    &w.source,
                    &w.source_org,
                    &w.added_at,
                    &w.platform,
                ],
            )
            .at(url)?;
        }
        tx.commit().at(url)?;
        Ok(new)
    }

    fn partner_objects(&self, limit: usize) -> Result<Vec<PartnerObject>> {
        let limit = clamp_usize(limit);
        let rows = self.0.query(
            &format!(
                "SELECT {PARTNER_COLS} ORDER BY received_at DESC, object_type, object_id LIMIT $1"
            ),
            &[&limit],
        )?;
        Ok(rows.iter().map(read).collect())
    }

    fn partner_count(&self) -> Result<u64> {
        let n: i64 = self
            .0
            .query_one("SELECT count(*) FROM partner_objects", &[])?
            .get(0);
        Ok(count(n))
    }

    fn watch_items(&self) -> Result<Vec<WatchItem>> {
        self.watch("ORDER BY kind, value, source_org", &[])
    }

    fn watch_for_domain(&self, domain: &str) -> Result<Vec<WatchItem>> {
        self.watch(
            "WHERE kind = 'domain' AND (value = $1 OR right($1, length(value) + 1) = '.' || value) \
             ORDER BY value, source_org",
            &[&watch_domain(domain)],
        )
    }

    fn watch_for_actor(&self, id: &str, handle: Option<&str>) -> Result<Vec<WatchItem>> {
        self.watch(
            "WHERE kind = 'actor' AND (value = $1 OR value = $2) ORDER BY value, source_org",
            &[&id, &watch_handle(handle)],
        )
    }
}
