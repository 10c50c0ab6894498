//! Sharing with partners: TAXII collections with per-organisation grants, the STIX object versions
//! they hold (each with the server's `date_added`), POST status resources, pagination cursors,
//! the state of incremental pulls from remote servers, and partner intelligence with the watch
//! items (clone domains, actors) derived from it.
//!
//! This module stores and selects; it does not decide. Which version a reader gets and whether a
//! TLP level may go to an organisation are the TAXII layer's rules, applied at every read to the
//! `tlp` and `source_org` kept here beside each version.
//!
//! [`SharingStore`] is the contract every backend keeps; [`Sharing`] is the embedded (SQLite)
//! implementation. The checks on what may be stored ([`new_collection`], [`check_grant`],
//! [`check_tlp`], [`check_watch_item`]) and the `date_added` clock ([`next_date_added`]) are
//! shared, so that every backend accepts and orders alike.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use skydas_model::{Clock, SystemClock};

use crate::row::{from_cells, sqlite_row};
use crate::{Result, SqliteStore, StoreError, unix_now};

/// The schema of this module, applied on first use.
pub(crate) const SCHEMA: &str = include_str!("../migrations/0004_sharing.sql");

/// A TAXII collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collection {
    /// A UUID, lowercase.
    pub id: String,
    pub title: String,
    pub description: String,
    pub alias: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// What an organisation may do with a collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub org: String,
    pub can_read: bool,
    pub can_write: bool,
    /// The most restrictive TLP 2.0 level (`clear` … `amber+strict`) the organisation may read.
    pub max_tlp: String,
}

/// One object version to add to a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewObject {
    pub id: String,
    pub object_type: String,
    /// The version: the object's `modified` (else `created`) in microseconds since the epoch;
    /// `None` for objects without either (SCOs), which then take their `date_added`.
    pub version: Option<i64>,
    pub spec_version: String,
    /// TLP 2.0 level (`clear`, `green`, `amber`, `amber+strict`, `red`).
    pub tlp: String,
    /// The organisation the object comes from (AMBER+STRICT goes back to it only).
    pub source_org: String,
    /// The object as compact JSON.
    pub body: String,
}

/// One stored object version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRow {
    pub seq: i64,
    pub object_id: String,
    pub object_type: String,
    /// Microseconds since the epoch.
    pub version: i64,
    pub spec_version: String,
    /// Microseconds since the epoch; strictly increasing in insertion order.
    pub date_added: i64,
    pub tlp: String,
    pub source_org: String,
    pub body: String,
}

/// The outcome of adding one object version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// Stored as a new version with this `date_added` (microseconds).
    New { date_added: i64 },
    /// The collection already held this id and version; nothing changed.
    Duplicate,
}

/// An object a partner shared with us.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartnerObject {
    pub object_id: String,
    /// The object's `modified`/`created` as sent (empty when it has neither).
    pub version: String,
    pub object_type: String,
    pub tlp: String,
    /// The path it came by: `taxii-post:<collection>`, `taxii-pull:<url>`, `file:<name>`.
    pub source: String,
    /// The organisation that shared it.
    pub source_org: String,
    /// Unix seconds.
    pub received_at: i64,
    pub body: String,
}

/// A clone domain or an actor a partner flagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchItem {
    /// `domain`, `url` or `actor`.
    pub kind: String,
    /// The lowercase domain, the URL, or an actor key: `<user_id>` or `@<login>` (lowercase),
    /// optionally after `<platform>:`.
    pub value: String,
    /// What to show: the domain, or the account's display name and type.
    pub label: String,
    pub tlp: String,
    pub source: String,
    pub source_org: String,
    /// Unix seconds.
    pub added_at: i64,
    /// For actors: the platform the account is on, when the source said (`telegram`, `x`).
    pub platform: Option<String>,
}

/// Collections, grants, object versions, statuses, pagination cursors, pull state and partner
/// intelligence, whatever the backend: the web app and the commands hold a
/// `Box<dyn SharingStore>` that lives in the same database as the items. Every implementation
/// must pass the sharing checks of [`crate::conformance`].
pub trait SharingStore: Send + std::fmt::Debug {
    /// Adds a collection. `id` must be a lowercase UUID; the title is trimmed and must not be
    /// empty; the alias, when given and not blank, is trimmed and must be unused (as must the
    /// id).
    fn add_collection(
        &mut self,
        id: &str,
        title: &str,
        description: &str,
        alias: Option<&str>,
    ) -> Result<Collection>;

    /// Every collection, by title (then id).
    fn collections(&self) -> Result<Vec<Collection>>;

    /// A collection by id or alias; the id wins when one collection's alias is another's id.
    fn collection(&self, id_or_alias: &str) -> Result<Option<Collection>>;

    /// Sets an organisation's grant on a collection (replacing an earlier one); `false` if there
    /// is no such collection.
    fn grant(&mut self, collection_id: &str, g: &Grant) -> Result<bool>;

    /// The grants on a collection, by organisation.
    fn grants(&self, collection_id: &str) -> Result<Vec<Grant>>;

    /// An organisation's grant on a collection.
    fn grant_for(&self, collection_id: &str, org: &str) -> Result<Option<Grant>> {
        Ok(self
            .grants(collection_id)?
            .into_iter()
            .find(|g| g.org == org))
    }

    /// Adds object versions to a collection in one transaction, all or none. Each new version
    /// gets a `date_added` later than every one before it in the whole store (see
    /// [`next_date_added`]), in the order given; a version the collection already holds (the
    /// same id and version, also twice in one call) is a [`Added::Duplicate`] and changes
    /// nothing. An object without a version takes its `date_added` as version. Fails on a TLP
    /// level that is not one of TLP 2.0's and on a collection that does not exist.
    fn add_objects(&mut self, collection_id: &str, objects: &[NewObject]) -> Result<Vec<Added>>;

    /// The object versions of a collection, oldest `date_added` first, restricted to the given
    /// ids and types when the lists are not empty.
    fn objects(
        &self,
        collection_id: &str,
        ids: &[String],
        types: &[String],
    ) -> Result<Vec<ObjectRow>>;

    /// Deletes the given versions of an object (none when `versions` is empty, so a filter
    /// that matched nothing deletes nothing); returns how many went.
    fn delete_object(
        &mut self,
        collection_id: &str,
        object_id: &str,
        versions: &[i64],
    ) -> Result<usize>;

    /// Keeps a status resource (JSON) for the organisation that caused it, replacing one of
    /// the same id.
    fn put_status(&mut self, id: &str, org: &str, body: &str) -> Result<()>;

    /// A status resource, only for the organisation it belongs to.
    fn status(&self, id: &str, org: &str) -> Result<Option<String>>;

    /// Records a pagination cursor under a token until `expires_at` (Unix seconds), replacing
    /// one of the same token and dropping expired ones.
    fn put_page(
        &mut self,
        token: &str,
        query_key: &str,
        cursor: &str,
        expires_at: i64,
    ) -> Result<()>;

    /// The query key and cursor of a live token.
    fn page(&self, token: &str) -> Result<Option<(String, String)>>;

    /// The last `X-TAXII-Date-Added-Last` pulled from a remote collection.
    fn pull_state(&self, server: &str, collection: &str) -> Result<Option<String>>;

    /// Records how far a remote collection has been pulled.
    fn set_pull_state(&mut self, server: &str, collection: &str, added_last: &str) -> Result<()>;

    /// Stores partner objects and watch items in one transaction, all or none. An object
    /// version already held (the same id and version) is kept as it was; a watch item already
    /// held from the same organisation (the same kind and value) takes the new label, TLP and
    /// source and keeps its `added_at`. Returns how many objects were new. Fails on a TLP level
    /// that is not one of TLP 2.0's and on a watch item [`check_watch_item`] refuses.
    fn add_partner_intel(&mut self, objects: &[PartnerObject], watch: &[WatchItem]) -> Result<u64>;

    /// Partner objects, newest `received_at` first, then by type and id (at most `limit`).
    fn partner_objects(&self, limit: usize) -> Result<Vec<PartnerObject>>;

    /// How many partner objects are held.
    fn partner_count(&self) -> Result<u64>;

    /// Every watch item, by kind, value and organisation.
    fn watch_items(&self) -> Result<Vec<WatchItem>>;

    /// Domain watch items that are `domain` (see [`watch_domain`]) or one of its parent
    /// domains, by value and organisation.
    fn watch_for_domain(&self, domain: &str) -> Result<Vec<WatchItem>>;

    /// Actor watch items for an account id or handle (handles match case-insensitively, with or
    /// without a leading `@`; see [`watch_handle`]), by value and organisation.
    fn watch_for_actor(&self, id: &str, handle: Option<&str>) -> Result<Vec<WatchItem>>;
}

/// The `date_added` of the next object version, in microseconds: now, unless the clock is
/// behind the latest one stored (`last`), then just after it. Strictly increasing `date_added`
/// orders TAXII pages.
pub fn next_date_added(last: Option<i64>) -> i64 {
    SystemClock
        .now_micros()
        .max(last.map_or(0, |l| l.saturating_add(1)))
}

/// Adds a batch of object versions as every backend does, in the order given: each is checked
/// ([`check_tlp`]), takes its `date_added` (from `first_date_added`, see [`next_date_added`])
/// as version when it has none, and is stored by `insert(object, version, date_added)`, which
/// says whether the version was new. Only a new version uses up its `date_added`.
pub fn add_versions(
    objects: &[NewObject],
    first_date_added: i64,
    mut insert: impl FnMut(&NewObject, i64, i64) -> Result<bool>,
) -> Result<Vec<Added>> {
    let mut next = first_date_added;
    let mut out = Vec::with_capacity(objects.len());
    for o in objects {
        check_tlp(&o.tlp)?;
        let version = o.version.unwrap_or(next);
        if insert(o, version, next)? {
            out.push(Added::New { date_added: next });
            next = next.saturating_add(1);
        } else {
            out.push(Added::Duplicate);
        }
    }
    Ok(out)
}

/// Checks a TLP 2.0 level as stored: `clear`, `green`, `amber`, `amber+strict` or `red`.
pub fn check_tlp(s: &str) -> Result<()> {
    if matches!(s, "clear" | "green" | "amber" | "amber+strict" | "red") {
        Ok(())
    } else {
        Err(StoreError::InvalidInput {
            what: "tlp level",
            value: s.chars().take(40).collect(),
        })
    }
}

/// A new collection as every backend stores it, created at `created_at`: checked, its title
/// and alias trimmed, a blank alias none (see [`SharingStore::add_collection`]).
pub fn new_collection(
    id: &str,
    title: &str,
    description: &str,
    alias: Option<&str>,
    created_at: i64,
) -> Result<Collection> {
    let well_formed = id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => matches!(b, b'0'..=b'9' | b'a'..=b'f'),
        });
    if !well_formed {
        return Err(StoreError::InvalidInput {
            what: "collection id (a lowercase uuid)",
            value: id.chars().take(80).collect(),
        });
    }
    let title = title.trim();
    if title.is_empty() || title.len() > 200 {
        return Err(StoreError::InvalidInput {
            what: "collection title",
            value: title.chars().take(80).collect(),
        });
    }
    Ok(Collection {
        id: id.to_string(),
        title: title.to_string(),
        description: description.to_string(),
        alias: alias
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string),
        created_at,
    })
}

/// The error of a collection whose id or alias is taken.
pub fn collection_taken(id: &str) -> StoreError {
    StoreError::InvalidInput {
        what: "collection id or alias (already taken)",
        value: id.to_string(),
    }
}

/// Checks a grant as every backend must; returns the organisation to store (trimmed).
pub fn check_grant(g: &Grant) -> Result<&str> {
    check_tlp(&g.max_tlp)?;
    let org = g.org.trim();
    if org.is_empty() || org.len() > 64 {
        return Err(StoreError::InvalidInput {
            what: "organisation",
            value: org.chars().take(80).collect(),
        });
    }
    Ok(org)
}

/// Checks a watch item as every backend must: a TLP 2.0 level, kind `domain`, `url` or
/// `actor`, and a value.
pub fn check_watch_item(w: &WatchItem) -> Result<()> {
    check_tlp(&w.tlp)?;
    if !matches!(w.kind.as_str(), "domain" | "url" | "actor") || w.value.is_empty() {
        return Err(StoreError::InvalidInput {
            what: "watch item",
            value: format!("{}:{}", w.kind, w.value),
        });
    }
    Ok(())
}

/// A domain as domain watch items are matched: trimmed, without a trailing dot, lowercase.
pub fn watch_domain(domain: &str) -> String {
    domain.trim().trim_end_matches('.').to_lowercase()
}

/// A handle as actor watch items key it: `@` and the lowercase handle; empty without one.
pub fn watch_handle(handle: Option<&str>) -> String {
    handle
        .map(|h| format!("@{}", h.trim_start_matches('@').to_lowercase()))
        .unwrap_or_default()
}

/// Opens a connection of its own to a store's database and makes sure this schema exists.
fn open_conn(dir: &Path) -> Result<Connection> {
    crate::sqlite::open_side(
        dir,
        &crate::sqlite::SideSchema {
            version: 4,
            name: "sharing",
            sql: SCHEMA,
            applied_when: "type = 'table' AND name = 'watch_items'",
            foreign_keys: true,
        },
    )
}

/// The columns of an object version as [`ObjectRow`] reads them, and their table.
pub const OBJECT_COLS: &str = "seq, object_id, object_type, version, spec_version, date_added, \
     tlp, source_org, body FROM taxii_objects";

from_cells! {
    ObjectRow {
        seq, object_id, object_type, version, spec_version, date_added, tlp, source_org, body
    }
}

/// The columns of a collection as [`Collection`] reads them, and their table.
pub const COLLECTION_COLS: &str =
    "id, title, description, alias, created_at FROM taxii_collections";

from_cells! { Collection { id, title, description, alias, created_at } }

/// The columns of a grant as [`Grant`] reads them, and their table.
pub const GRANT_COLS: &str = "org, can_read, can_write, max_tlp FROM taxii_grants";

from_cells! { Grant { org, can_read, can_write, max_tlp } }

/// The columns of a partner object as [`PartnerObject`] reads them, and their table.
pub const PARTNER_COLS: &str = "object_id, version, object_type, tlp, source, source_org, \
     received_at, body FROM partner_objects";

from_cells! {
    PartnerObject {
        object_id, version, object_type, tlp, source, source_org, received_at, body
    }
}

/// The columns of a watch item as [`WatchItem`] reads them, and their table.
pub const WATCH_COLS: &str =
    "kind, value, label, tlp, source, source_org, added_at, platform FROM watch_items";

from_cells! { WatchItem { kind, value, label, tlp, source, source_org, added_at, platform } }

/// The sharing tables of one embedded store, on a connection of their own. See the module
/// docs and [`SharingStore`] for the contract.
#[derive(Debug)]
pub struct Sharing {
    conn: Connection,
}

impl Sharing {
    /// Opens the sharing tables of the store in `dir` (which must have been opened as a
    /// [`SqliteStore`] once), creating them when new.
    pub fn open(dir: &Path) -> Result<Sharing> {
        Ok(Sharing {
            conn: open_conn(dir)?,
        })
    }
}

impl SharingStore for Sharing {
    fn add_collection(
        &mut self,
        id: &str,
        title: &str,
        description: &str,
        alias: Option<&str>,
    ) -> Result<Collection> {
        let c = new_collection(id, title, description, alias, unix_now())?;
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO taxii_collections (id, title, description, alias, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![c.id, c.title, c.description, c.alias, c.created_at],
        )?;
        if n == 0 {
            return Err(collection_taken(id));
        }
        Ok(c)
    }

    fn collections(&self) -> Result<Vec<Collection>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLLECTION_COLS} ORDER BY title, id"))?;
        let rows = stmt.query_map([], sqlite_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn collection(&self, id_or_alias: &str) -> Result<Option<Collection>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLLECTION_COLS} WHERE id = ?1 OR alias = ?1 ORDER BY id = ?1 DESC LIMIT 1"
            ))?
            .query_row([id_or_alias], sqlite_row)
            .optional()?)
    }

    fn grant(&mut self, collection_id: &str, g: &Grant) -> Result<bool> {
        let org = check_grant(g)?;
        let n = self.conn.execute(
            "INSERT INTO taxii_grants (collection_id, org, can_read, can_write, max_tlp) \
             SELECT id, ?2, ?3, ?4, ?5 FROM taxii_collections WHERE id = ?1 \
             ON CONFLICT (collection_id, org) DO UPDATE SET can_read = excluded.can_read, \
             can_write = excluded.can_write, max_tlp = excluded.max_tlp",
            params![collection_id, org, g.can_read, g.can_write, g.max_tlp],
        )?;
        Ok(n > 0)
    }

    fn grants(&self, collection_id: &str) -> Result<Vec<Grant>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {GRANT_COLS} WHERE collection_id = ?1 ORDER BY org"
        ))?;
        let rows = stmt.query_map([collection_id], sqlite_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn add_objects(&mut self, collection_id: &str, objects: &[NewObject]) -> Result<Vec<Added>> {
        let tx = self.conn.transaction()?;
        let last: Option<i64> =
            tx.query_row("SELECT max(date_added) FROM taxii_objects", [], |r| {
                r.get(0)
            })?;
        let first = next_date_added(last);
        let out = {
            let mut ins = tx.prepare_cached(
                "INSERT OR IGNORE INTO taxii_objects (collection_id, object_id, object_type, \
                 version, spec_version, date_added, tlp, source_org, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            add_versions(objects, first, |o, version, date_added| {
                let n = ins.execute(params![
                    collection_id,
                    o.id,
                    o.object_type,
                    version,
                    o.spec_version,
                    date_added,
                    o.tlp,
                    o.source_org,
                    o.body
                ])?;
                Ok(n > 0)
            })?
        };
        tx.commit()?;
        Ok(out)
    }

    fn objects(
        &self,
        collection_id: &str,
        ids: &[String],
        types: &[String],
    ) -> Result<Vec<ObjectRow>> {
        // One statement for every shape: empty lists are passed as JSON '[]' and match anything.
        let ids_json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        let types_json = serde_json::to_string(types).unwrap_or_else(|_| "[]".into());
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {OBJECT_COLS} WHERE collection_id = ?1 \
             AND (json_array_length(?2) = 0 OR object_id IN (SELECT value FROM json_each(?2))) \
             AND (json_array_length(?3) = 0 OR object_type IN (SELECT value FROM json_each(?3))) \
             ORDER BY date_added, seq"
        ))?;
        let rows = stmt.query_map(params![collection_id, ids_json, types_json], sqlite_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn delete_object(
        &mut self,
        collection_id: &str,
        object_id: &str,
        versions: &[i64],
    ) -> Result<usize> {
        let v = serde_json::to_string(versions).unwrap_or_else(|_| "[]".into());
        Ok(self.conn.execute(
            "DELETE FROM taxii_objects WHERE collection_id = ?1 AND object_id = ?2 \
             AND version IN (SELECT value FROM json_each(?3))",
            params![collection_id, object_id, v],
        )?)
    }

    fn put_status(&mut self, id: &str, org: &str, body: &str) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO taxii_status (id, org, created_at, body) VALUES (?1, ?2, ?3, ?4)",
            params![id, org, unix_now(), body],
        )?;
        Ok(())
    }

    fn status(&self, id: &str, org: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT body FROM taxii_status WHERE id = ?1 AND org = ?2")?
            .query_row(params![id, org], |r| r.get(0))
            .optional()?)
    }

    fn put_page(
        &mut self,
        token: &str,
        query_key: &str,
        cursor: &str,
        expires_at: i64,
    ) -> Result<()> {
        self.conn.execute(
            "DELETE FROM taxii_pages WHERE expires_at <= ?1",
            [unix_now()],
        )?;
        self.conn.execute(
            "INSERT OR REPLACE INTO taxii_pages (token, query_key, cursor, expires_at) \
             VALUES (?1, ?2, ?3, ?4)",
            params![token, query_key, cursor, expires_at],
        )?;
        Ok(())
    }

    fn page(&self, token: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT query_key, cursor FROM taxii_pages WHERE token = ?1 AND expires_at > ?2",
            )?
            .query_row(params![token, unix_now()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    fn pull_state(&self, server: &str, collection: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT added_last FROM taxii_pull_state WHERE server = ?1 AND collection = ?2",
            )?
            .query_row(params![server, collection], |r| r.get(0))
            .optional()?)
    }

    fn set_pull_state(&mut self, server: &str, collection: &str, added_last: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO taxii_pull_state (server, collection, added_last, pulled_at) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (server, collection) DO UPDATE SET \
             added_last = excluded.added_last, pulled_at = excluded.pulled_at",
            params![server, collection, added_last, unix_now()],
        )?;
        Ok(())
    }

    fn add_partner_intel(&mut self, objects: &[PartnerObject], watch: &[WatchItem]) -> Result<u64> {
        let tx = self.conn.transaction()?;
        let mut new = 0u64;
        {
            let mut ins = tx.prepare_cached(
                "INSERT OR IGNORE INTO partner_objects (object_id, version, object_type, tlp, \
                 source, source_org, received_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for o in objects {
                check_tlp(&o.tlp)?;
                new += ins.execute(params![
                    o.object_id,
                    o.version,
                    o.object_type,
                    o.tlp,
                    o.source,
                    o.source_org,
                    o.received_at,
                    o.body
                ])? as u64;
            }
            let mut ins = tx.prepare_cached(
                "INSERT INTO watch_items (kind, value, label, tlp, source, source_org, added_at, \
                 platform) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT (kind, value, source_org) DO UPDATE SET label = excluded.label, \
                 tlp = excluded.tlp, source = excluded.source, platform = excluded.platform",
            )?;
            for w in watch {
                check_watch_item(w)?;
                ins.execute(params![
                    w.kind,
                    w.value,
                    w.label,
                    w.tlp,
                    w.source,
                    w.source_org,
                    w.added_at,
                    w.platform
                ])?;
            }
        }
        tx.commit()?;
        Ok(new)
    }

    fn partner_objects(&self, limit: usize) -> Result<Vec<PartnerObject>> {
        let limit = crate::codec::clamp_usize(limit);
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PARTNER_COLS} ORDER BY received_at DESC, object_type, object_id LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit], sqlite_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn partner_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM partner_objects", [], |r| r.get(0))?;
        Ok(crate::codec::count(n))
    }

    fn watch_items(&self) -> Result<Vec<WatchItem>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {WATCH_COLS} ORDER BY kind, value, source_org"
        ))?;
        let rows = stmt.query_map([], sqlite_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn watch_for_domain(&self, domain: &str) -> Result<Vec<WatchItem>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {WATCH_COLS} WHERE kind = 'domain' \
             AND (value = ?1 OR substr(?1, -length(value) - 1) = '.' || value) \
             ORDER BY value, source_org"
        ))?;
        let rows = stmt.query_map([watch_domain(domain)], sqlite_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn watch_for_actor(&self, id: &str, handle: Option<&str>) -> Result<Vec<WatchItem>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {WATCH_COLS} WHERE kind = 'actor' AND (value = ?1 OR value = ?2) \
             ORDER BY value, source_org"
        ))?;
        let rows = stmt.query_map(params![id, watch_handle(handle)], sqlite_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

impl SqliteStore {
    /// The sharing tables of this store, on a connection of their own.
    pub fn sharing(&self) -> Result<Sharing> {
        Sharing::open(self.dir())
    }
}
