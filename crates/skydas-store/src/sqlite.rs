//! The embedded backend: one data directory holding `skydas.db` (SQLite in WAL mode, FTS5 for
//! search) and `originals/`. Everything SQLite-specific lives here.
//!
//! Inserting is the hot path (an import of millions of records), so it uses cached prepared
//! statements, one transaction per batch, `ON CONFLICT DO NOTHING` plus `changes()` instead of
//! a lookup before each insert, and in-memory caches of actor and file ids. The caches only
//! ever hold ids of committed rows: a failed batch clears them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use skydas_model::{Actor, Corpus, CorpusBuilder, Finding, Item, Platform, Provenance};

use crate::codec::{
    self, ItemCols, clamp_u64, finding_from_json, finding_to_json, list_to_json, locator_to_db,
    urls_to_json,
};
use crate::query::{self, Term};
use crate::versions::{self, FindingVersion, Revision};
use crate::{
    FileRecord, FileStatus, InsertOutcome, ProtectedRow, Result, Review, SNIPPET_END,
    SNIPPET_START, SearchHit, SearchQuery, Stats, Store, StoreError, StoredItem, originals,
    unix_now,
};

#[cfg(test)]
mod tests;

/// The database file inside the data directory.
pub const DB_FILE: &str = "skydas.db";

/// Numbered migrations, applied in order and recorded in `schema_migrations`.
const MIGRATIONS: &[(u32, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "fts_tuning",
        include_str!("../migrations/0002_fts_tuning.sql"),
    ),
    // Idempotent: a store opened by an older build may already have them, applied on first use
    // by `Accounts` and `Sharing`.
    (3, "accounts", crate::accounts::SCHEMA),
    (4, "sharing", crate::sharing::SCHEMA),
    (
        5,
        "item_meta_and_feed_ids",
        include_str!("../migrations/0005_item_meta_and_feed_ids.sql"),
    ),
    (
        6,
        "indicators_and_marking_floor",
        include_str!("../migrations/0006_indicators_and_marking_floor.sql"),
    ),
    (
        7,
        "finding_versions",
        include_str!("../migrations/0007_finding_versions.sql"),
    ),
];

/// How to open a [`SqliteStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Keep the full-text index up to date while inserting. A one-shot scan turns it off for
    /// speed; [`Store::search`] then fails, and the next open with it on rebuilds the index.
    pub fts: bool,
    /// Keep copies of original files. When off, [`Store::store_original`] keeps nothing and
    /// returns the path it was given.
    pub keep_originals: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            fts: true,
            keep_originals: true,
        }
    }
}

/// Bits of [`Actor`] fields a stored actor row already has, so that later records fill in only
/// what is missing and a known actor costs no statement at all.
const HAS_HANDLE: u8 = 1;
const HAS_NAME: u8 = 2;
const HAS_CREATED: u8 = 4;
const HAS_FOLLOWERS: u8 = 8;

fn actor_mask(a: &Actor) -> u8 {
    (if a.handle.is_some() { HAS_HANDLE } else { 0 })
        | (if a.name.is_some() { HAS_NAME } else { 0 })
        | (if a.created_at.is_some() {
            HAS_CREATED
        } else {
            0
        })
        | (if a.followers.is_some() {
            HAS_FOLLOWERS
        } else {
            0
        })
}

#[derive(Debug, Clone, Copy)]
struct CachedActor {
    id: i64,
    known: u8,
}

/// Actor ids by platform and platform id. One map per platform so lookups borrow the item's
/// `&str` instead of building a key.
#[derive(Debug, Default)]
struct ActorCache {
    by_platform: [HashMap<Box<str>, CachedActor>; Platform::ALL.len()],
}

impl ActorCache {
    fn clear(&mut self) {
        self.by_platform.iter_mut().for_each(HashMap::clear);
    }

    fn resolve(&mut self, conn: &Connection, platform: Platform, actor: &Actor) -> Result<i64> {
        let map = &mut self.by_platform[platform as usize];
        let mask = actor_mask(actor);
        if let Some(c) = map.get_mut(actor.platform_id.as_str()) {
            if mask & !c.known != 0 {
                conn.prepare_cached(
                    "UPDATE actors SET handle = coalesce(handle, ?2), name = coalesce(name, ?3), \
                     created_at = coalesce(created_at, ?4), followers = coalesce(followers, ?5) \
                     WHERE id = ?1",
                )?
                .execute(params![
                    c.id,
                    actor.handle,
                    actor.name,
                    actor.created_at,
                    actor.followers.map(clamp_u64)
                ])?;
                c.known |= mask;
            }
            return Ok(c.id);
        }
        let (id, known): (i64, i64) = conn
            .prepare_cached(
                "INSERT INTO actors (platform, platform_id, kind, handle, name, created_at, \
                 followers) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (platform, platform_id) DO UPDATE SET \
                 handle = coalesce(actors.handle, excluded.handle), \
                 name = coalesce(actors.name, excluded.name), \
                 created_at = coalesce(actors.created_at, excluded.created_at), \
                 followers = coalesce(actors.followers, excluded.followers) \
                 RETURNING id, (handle IS NOT NULL) + 2 * (name IS NOT NULL) \
                 + 4 * (created_at IS NOT NULL) + 8 * (followers IS NOT NULL)",
            )?
            .query_row(
                params![
                    platform.as_str(),
                    actor.platform_id,
                    actor.kind.as_str(),
                    actor.handle,
                    actor.name,
                    actor.created_at,
                    actor.followers.map(clamp_u64)
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
        // The mask is at most 15.
        let known = u8::try_from(known).unwrap_or(0);
        map.insert(actor.platform_id.as_str().into(), CachedActor { id, known });
        Ok(id)
    }
}

/// The embedded SQLite store. See the module docs.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    dir: PathBuf,
    opts: OpenOptions,
    actors: ActorCache,
    /// File ids by SHA-256.
    files: HashMap<String, i64>,
    /// Whether this handle already recorded that the full-text index misses rows.
    fts_stale_marked: bool,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir` and brings its schema up to date.
    pub fn open(dir: &Path, opts: OpenOptions) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let conn = Connection::open(dir.join(DB_FILE))?;
        configure(&conn)?;
        let mut store = SqliteStore {
            conn,
            dir: dir.to_path_buf(),
            opts,
            actors: ActorCache::default(),
            files: HashMap::new(),
            fts_stale_marked: false,
        };
        migrate(&mut store.conn)?;
        if opts.fts {
            store.rebuild_fts_if_stale()?;
        }
        Ok(store)
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes a consistent copy of the database to `dest` (a new file) while other handles
    /// keep reading and writing: SQLite's `VACUUM INTO` reads in one transaction, so the copy
    /// is the store at one moment, compacted.
    pub fn snapshot_to(&self, dest: &Path) -> Result<()> {
        let Some(path) = dest.to_str() else {
            return Err(StoreError::io(
                dest,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a UTF-8 path"),
            ));
        };
        self.conn.execute("VACUUM INTO ?1", [path])?;
        Ok(())
    }

    /// Rows in every table of the database (full-text index included), by table name: what a
    /// backup records and a restore checks.
    pub fn table_counts(&self) -> Result<std::collections::BTreeMap<String, u64>> {
        let names: Vec<String> = {
            let mut st = self.conn.prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )?;
            st.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut counts = std::collections::BTreeMap::new();
        for name in names {
            let quoted = name.replace('"', "\"\"");
            let n: i64 =
                self.conn
                    .query_row(&format!("SELECT count(*) FROM \"{quoted}\""), [], |r| {
                        r.get(0)
                    })?;
            counts.insert(name, u64::try_from(n).unwrap_or(0));
        }
        Ok(counts)
    }

    /// The schema version the store is at.
    pub fn schema_version(&self) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )?)
    }

    fn rebuild_fts_if_stale(&mut self) -> Result<()> {
        let stale: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM store_meta WHERE key = 'fts_stale'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if stale.is_some() {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(
                "INSERT INTO items_fts (items_fts) VALUES ('rebuild');
                 DELETE FROM store_meta WHERE key = 'fts_stale';",
            )?;
            tx.commit()?;
        }
        Ok(())
    }

    fn clear_caches(&mut self) {
        self.actors.clear();
        self.files.clear();
        self.fts_stale_marked = false;
    }

    fn insert_batch(&mut self, items: &[Item]) -> Result<InsertOutcome> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !self.opts.fts && !self.fts_stale_marked {
            tx.execute(
                "INSERT INTO store_meta (key, value) VALUES ('fts_stale', '1') \
                 ON CONFLICT (key) DO NOTHING",
                [],
            )?;
            self.fts_stale_marked = true;
        }
        let out = write_items(&tx, &mut self.actors, &mut self.files, self.opts.fts, items)?;
        tx.commit()?;
        Ok(out)
    }

    /// Reads items and calls `f` with each: when `sorted`, by time and with each item's first
    /// provenance; otherwise in storage order with a placeholder provenance (the corpus needs
    /// neither order nor provenance, and skipping both keeps it one sequential scan).
    fn scan_items(&self, sorted: bool, f: &mut dyn FnMut(&Item)) -> Result<()> {
        let actors = self.load_actors()?;
        let mut item = codec::empty_item();
        let columns = "platform, platform_id, actor_id, kind, time, text, match_text, lang, \
                       lang_conf, lang_hint, repost_of, reply_to, quote_of, urls, hashtags, \
                       mentions, meta, id";
        if sorted {
            // Sort only the keys, then read each row by id: sorting whole rows would spill the
            // text of every item into the sorter.
            let mut ids = Vec::new();
            let mut keys = self
                .conn
                .prepare("SELECT id FROM items ORDER BY time, platform, platform_id")?;
            let mut rows = keys.query([])?;
            while let Some(r) = rows.next()? {
                ids.push(r.get::<_, i64>(0)?);
            }
            let mut one = self
                .conn
                .prepare(&format!("SELECT {columns} FROM items WHERE id = ?1"))?;
            let mut first_prov = self.conn.prepare(&format!("{PROV_SELECT} LIMIT 1"))?;
            for id in ids {
                let mut rows = one.query([id])?;
                let Some(r) = rows.next()? else { continue };
                fill_item(&mut item, r, &actors)?;
                if let Some(p) = first_prov.query_row([id], prov_cols).optional()? {
                    item.provenance = provenance_from_cols(p)?;
                }
                f(&item);
            }
        } else {
            let mut stmt = self.conn.prepare(&format!("SELECT {columns} FROM items"))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                fill_item(&mut item, r, &actors)?;
                f(&item);
            }
        }
        Ok(())
    }

    fn load_actors(&self) -> Result<HashMap<i64, Actor>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, platform_id, handle, name, kind, created_at, followers FROM actors",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = HashMap::new();
        while let Some(r) = rows.next()? {
            out.insert(r.get::<_, i64>(0)?, actor_from_row(r, 1)?);
        }
        Ok(out)
    }
}

/// Writes a batch inside the caller's transaction; the caller commits.
fn write_items(
    tx: &Connection,
    actors: &mut ActorCache,
    files: &mut HashMap<String, i64>,
    fts: bool,
    items: &[Item],
) -> Result<InsertOutcome> {
    // Actors and files first: their upserts open statement savepoints, and FTS5 writes its
    // pending terms out as a new segment at every savepoint. Resolved before any text is
    // indexed, the batch's terms are written only when the buffer fills or at commit.
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        ids.push((
            actors.resolve(tx, item.platform, &item.actor)?,
            resolve_file(tx, files, &item.provenance)?,
        ));
    }
    let mut ins_item = tx.prepare_cached(
        "INSERT INTO items (platform, platform_id, actor_id, kind, time, text, match_text, lang, \
         lang_conf, lang_hint, repost_of, reply_to, quote_of, urls, hashtags, mentions, meta) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) \
         ON CONFLICT (platform, platform_id) DO NOTHING",
    )?;
    let mut find_item =
        tx.prepare_cached("SELECT id FROM items WHERE platform = ?1 AND platform_id = ?2")?;
    let mut ins_fts = match fts {
        true => Some(tx.prepare_cached("INSERT INTO items_fts (rowid, fts_text) VALUES (?1, ?2)")?),
        false => None,
    };
    let mut ins_prov = tx.prepare_cached(
        "INSERT INTO provenance (item_id, file_id, loc_kind, loc, importer, importer_version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
    )?;
    let mut out = InsertOutcome::default();
    // New items per (platform, language), added to item_counts once per batch.
    let mut counts: HashMap<(Platform, &str), i64> = HashMap::new();
    for (item, (actor_id, file_id)) in items.iter().zip(ids) {
        let inserted = ins_item.execute(params![
            item.platform.as_str(),
            item.platform_id,
            actor_id,
            item.kind.as_str(),
            item.time,
            item.text,
            item.match_text,
            item.lang,
            f64::from(codec::finite_or_zero(item.lang_conf)),
            item.lang_hint,
            item.repost_of,
            item.reply_to,
            item.quote_of,
            urls_to_json(&item.urls)?,
            list_to_json(&item.hashtags)?,
            list_to_json(&item.mentions)?,
            codec::meta_to_json(item)?,
        ])?;
        let item_id = if inserted == 1 {
            out.new_items += 1;
            *counts
                .entry((item.platform, item.lang.as_str()))
                .or_default() += 1;
            let id = tx.last_insert_rowid();
            if let Some(s) = ins_fts.as_mut() {
                s.execute(params![id, fts_fold_text(&item.text)])?;
            }
            id
        } else {
            out.duplicates += 1;
            find_item.query_row(params![item.platform.as_str(), item.platform_id], |r| {
                r.get(0)
            })?
        };
        let (loc_kind, loc) = locator_to_db(item.provenance.locator);
        out.new_provenance += ins_prov.execute(params![
            item_id,
            file_id,
            loc_kind,
            loc,
            item.provenance.importer,
            item.provenance.importer_version,
        ])? as u64;
    }
    let mut add_count = tx.prepare_cached(
        "INSERT INTO item_counts (platform, lang, items) VALUES (?1, ?2, ?3) \
         ON CONFLICT (platform, lang) DO UPDATE SET items = items + excluded.items",
    )?;
    for ((platform, lang), n) in counts {
        add_count.execute(params![platform.as_str(), lang, n])?;
    }
    Ok(out)
}

/// A migration that a connection of its own beside the store (accounts, browsing, sharing)
/// applies on first use, for stores made by a build that did not have it yet.
pub(crate) struct SideSchema {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
    /// The `sqlite_master` condition that holds once the migration is applied.
    pub applied_when: &'static str,
    pub foreign_keys: bool,
}

/// Opens another connection to the store in `dir` and makes sure `schema` is applied.
pub(crate) fn open_side(dir: &Path, schema: &SideSchema) -> Result<Connection> {
    let conn = Connection::open(dir.join(DB_FILE))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let fk = if schema.foreign_keys { "ON" } else { "OFF" };
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = {fk}; PRAGMA temp_store = MEMORY;"
    ))?;
    let present: i64 = conn.query_row(
        &format!(
            "SELECT count(*) FROM sqlite_master WHERE {}",
            schema.applied_when
        ),
        [],
        |r| r.get(0),
    )?;
    if present == 0 {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(schema.sql)
            .map_err(|source| StoreError::Migration {
                version: schema.version,
                name: schema.name,
                source,
            })?;
        tx.commit()?;
    }
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<()> {
    // WAL: readers never block the writer, and a killed process loses only the batch it was
    // writing. With synchronous=NORMAL a power cut may also lose the last commits, but never
    // leaves the database inconsistent; re-running the import restores them.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::corrupt(
            "journal mode",
            format!("got {mode}, wanted wal"),
        ));
    }
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL;
         PRAGMA cache_size = -262144;
         PRAGMA temp_store = MEMORY;
         PRAGMA mmap_size = 1073741824;
         PRAGMA foreign_keys = OFF;",
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT    NOT NULL,
             applied_at INTEGER NOT NULL
         )",
    )?;
    let supported = MIGRATIONS.last().map_or(0, |m| m.0);
    for &(version, name, sql) in MIGRATIONS {
        // IMMEDIATE takes the write lock before checking, so two processes opening a new data
        // directory at once apply each migration exactly once.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: u32 = tx.query_row(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )?;
        if current > supported {
            return Err(StoreError::SchemaTooNew {
                found: current,
                supported,
            });
        }
        if current >= version {
            continue;
        }
        tx.execute_batch(sql)
            .map_err(|source| StoreError::Migration {
                version,
                name,
                source,
            })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![version, name, unix_now()],
        )?;
        tx.commit()?;
    }
    Ok(())
}

fn resolve_file(
    conn: &Connection,
    cache: &mut HashMap<String, i64>,
    p: &Provenance,
) -> Result<i64> {
    if let Some(&id) = cache.get(&p.file_sha256) {
        return Ok(id);
    }
    let found: Option<i64> = conn
        .prepare_cached("SELECT id FROM files WHERE sha256 = ?1")?
        .query_row([&p.file_sha256], |r| r.get(0))
        .optional()?;
    let id = match found {
        Some(id) => id,
        None => {
            // Items of a file nobody began: record the file so its provenance has a home; it
            // stays partial, which is the truth.
            conn.prepare_cached(
                "INSERT INTO files (sha256, path, size, importer, importer_version) \
                 VALUES (?1, '', 0, ?2, ?3)",
            )?
            .execute(params![p.file_sha256, p.importer, p.importer_version])?;
            conn.last_insert_rowid()
        }
    };
    cache.insert(p.file_sha256.clone(), id);
    Ok(id)
}

fn text_at<'r>(r: &'r Row<'_>, i: usize) -> Result<&'r str> {
    match r.get_ref(i)? {
        ValueRef::Text(t) => std::str::from_utf8(t).map_err(|e| StoreError::corrupt("text", e)),
        ValueRef::Null => Ok(""),
        other => Err(StoreError::corrupt(
            "text",
            format!("{:?}", other.data_type()),
        )),
    }
}

fn opt_text_at<'r>(r: &'r Row<'_>, i: usize) -> Result<Option<&'r str>> {
    match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        _ => text_at(r, i).map(Some),
    }
}

/// A count column.
fn count_at(r: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    Ok(codec::count(r.get(i)?))
}

fn platform_at(r: &Row<'_>, i: usize) -> Result<Platform> {
    codec::platform_from_db(text_at(r, i)?)
}

/// Columns from `start`: platform_id, handle, name, kind, created_at, followers.
fn actor_from_row(r: &Row<'_>, start: usize) -> Result<Actor> {
    codec::actor_from_db(
        text_at(r, start)?.to_string(),
        r.get(start + 1)?,
        r.get(start + 2)?,
        text_at(r, start + 3)?,
        r.get(start + 4)?,
        r.get(start + 5)?,
    )
}

/// Fills `item` (reusing its allocations) from an items row of the `scan_items` columns.
fn fill_item(item: &mut Item, r: &Row<'_>, actors: &HashMap<i64, Actor>) -> Result<()> {
    let cols = ItemCols {
        platform: text_at(r, 0)?,
        platform_id: text_at(r, 1)?,
        actor_id: r.get(2)?,
        kind: text_at(r, 3)?,
        time: r.get(4)?,
        text: text_at(r, 5)?,
        match_text: text_at(r, 6)?,
        lang: text_at(r, 7)?,
        // Stored from an f32, so the narrowing is exact.
        lang_conf: r.get::<_, f64>(8)? as f32,
        lang_hint: opt_text_at(r, 9)?,
        repost_of: opt_text_at(r, 10)?,
        reply_to: opt_text_at(r, 11)?,
        quote_of: opt_text_at(r, 12)?,
        urls: opt_text_at(r, 13)?,
        hashtags: opt_text_at(r, 14)?,
        mentions: opt_text_at(r, 15)?,
        meta: opt_text_at(r, 16)?,
    };
    codec::fill_item(item, &cols, actors)
}

/// The provenance columns as read: sha256, importer, importer_version, loc_kind, loc.
type ProvCols = (String, String, u32, i64, i64);

fn prov_cols(r: &Row<'_>) -> rusqlite::Result<ProvCols> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn provenance_from_cols((sha256, importer, version, kind, n): ProvCols) -> Result<Provenance> {
    codec::provenance_from_db(sha256, importer, version, kind, n)
}

const PROV_SELECT: &str = "SELECT f.sha256, p.importer, p.importer_version, p.loc_kind, p.loc \
                           FROM provenance p JOIN files f ON f.id = p.file_id WHERE p.item_id = ?1 \
                           ORDER BY p.file_id, p.loc_kind, p.loc";

/// The SQL of the `items.fts_text` column (see the init migration) applied to `arg`.
/// [`fts_fold_text`] must compute the same: inserts must index exactly what a rebuild reads.
#[cfg(test)]
fn fts_fold_sql(arg: &str) -> String {
    format!("replace(replace({arg}, 'ł', 'l'), 'Ł', 'L')")
}

/// `items.fts_text` computed in Rust, borrowing in the common case of nothing to fold.
fn fts_fold_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['ł', 'Ł']) {
        text.chars().map(fts_fold).collect::<String>().into()
    } else {
        text.into()
    }
}

/// The same fold for query terms, so that `łódź` still finds what the index holds as `lodz`.
fn fts_fold(c: char) -> char {
    match c {
        'ł' => 'l',
        'Ł' => 'L',
        c => c,
    }
}

/// Renders parsed terms as an FTS5 query: each term a quoted string (so nothing in it is
/// syntax), prefixes with `*` outside the quotes, all ANDed.
fn fts5_query(terms: &[Term]) -> String {
    let mut q = String::new();
    for t in terms {
        if !q.is_empty() {
            q.push(' ');
        }
        let (s, prefix) = match t {
            Term::Word(s) | Term::Phrase(s) => (s, false),
            Term::Prefix(s) => (s, true),
        };
        q.push('"');
        // Doubling quotes keeps the term one string; control characters (NUL above all) are
        // blanked because the FTS5 parser stops at NUL.
        for c in s.chars() {
            match c {
                '"' => q.push_str("\"\""),
                c if c.is_control() => q.push(' '),
                c => q.push(fts_fold(c)),
            }
        }
        q.push('"');
        if prefix {
            q.push('*');
        }
    }
    q
}

impl Store for SqliteStore {
    fn file_status(&self, sha256: &str) -> Result<Option<FileStatus>> {
        let s: Option<String> = self
            .conn
            .prepare_cached("SELECT status FROM files WHERE sha256 = ?1")?
            .query_row([sha256], |r| r.get(0))
            .optional()?;
        s.map(|s| FileStatus::parse(&s).ok_or_else(|| StoreError::corrupt("file status", s)))
            .transpose()
    }

    fn begin_file(&mut self, f: &FileRecord) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO files (sha256, path, size, importer, importer_version, status) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'partial') ON CONFLICT (sha256) DO UPDATE SET \
                 path = excluded.path, size = excluded.size, importer = excluded.importer, \
                 importer_version = excluded.importer_version, status = 'partial'",
            )?
            .execute(params![
                f.sha256,
                f.path,
                clamp_u64(f.size),
                f.importer,
                f.importer_version
            ])?;
        Ok(())
    }

    fn insert_items(&mut self, items: &[Item]) -> Result<InsertOutcome> {
        if items.is_empty() {
            return Ok(InsertOutcome::default());
        }
        let r = self.insert_batch(items);
        if r.is_err() {
            // The transaction rolled back: ids cached during it may name rows that no longer
            // exist.
            self.clear_caches();
        }
        r
    }

    fn finish_file(&mut self, sha256: &str, items: u64, errors: u64) -> Result<()> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE files SET status = 'complete', items = ?2, errors = ?3 WHERE sha256 = ?1",
            )?
            .execute(params![sha256, clamp_u64(items), clamp_u64(errors)])?;
        if n == 0 {
            return Err(StoreError::UnknownFile(sha256.to_string()));
        }
        Ok(())
    }

    fn store_original(&mut self, path: &Path, sha256: &str) -> Result<PathBuf> {
        if !self.opts.keep_originals {
            crate::check_sha256(sha256)?;
            return Ok(path.to_path_buf());
        }
        originals::keep(&self.dir, path, sha256)
    }

    fn original_path(&self, sha256: &str) -> Result<Option<PathBuf>> {
        originals::find(&self.dir, sha256)
    }

    fn stats(&self) -> Result<Stats> {
        let mut s = self.conn.query_row(
            "SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM actors), \
             (SELECT count(*) FROM files), (SELECT count(*) FROM provenance), \
             (SELECT coalesce(sum(errors), 0) FROM files)",
            [],
            |r| {
                Ok(Stats {
                    items: count_at(r, 0)?,
                    actors: count_at(r, 1)?,
                    files: count_at(r, 2)?,
                    provenance: count_at(r, 3)?,
                    errors: count_at(r, 4)?,
                    ..Stats::default()
                })
            },
        )?;
        let mut stmt = self.conn.prepare(
            "SELECT platform, CASE WHEN lang = '' THEN 'und' ELSE lang END, items \
             FROM item_counts",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let n = count_at(r, 2)?;
            *s.by_platform.entry(r.get(0)?).or_default() += n;
            *s.by_language.entry(r.get(1)?).or_default() += n;
        }
        Ok(s)
    }

    fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        if !self.opts.fts {
            return Err(StoreError::FtsDisabled);
        }
        let terms = query::parse(&q.text);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let actor_handle = q.actor.as_deref().map(|a| a.trim().trim_start_matches('@'));
        let limit = if q.limit == 0 {
            -1
        } else {
            i64::try_from(q.limit).unwrap_or(i64::MAX)
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.platform, i.platform_id, a.platform_id, a.handle, i.time, i.lang, \
             snippet(items_fts, 0, ?8, ?9, '…', 24), bm25(items_fts) \
             FROM items_fts JOIN items i ON i.id = items_fts.rowid \
             JOIN actors a ON a.id = i.actor_id \
             WHERE items_fts MATCH ?1 \
             AND (?2 IS NULL OR i.platform = ?2) \
             AND (?3 IS NULL OR a.platform_id = ?3 OR a.handle = ?10 COLLATE NOCASE) \
             AND (?4 IS NULL OR i.lang = ?4 OR (?4 = 'und' AND i.lang = '')) \
             AND (?5 IS NULL OR i.time >= ?5) \
             AND (?6 IS NULL OR i.time < ?6) \
             ORDER BY bm25(items_fts), i.time, i.id LIMIT ?7",
        )?;
        let mut rows = stmt.query(params![
            fts5_query(&terms),
            q.platform.map(Platform::as_str),
            q.actor,
            q.lang,
            q.since,
            q.until,
            limit,
            SNIPPET_START,
            SNIPPET_END,
            actor_handle,
        ])?;
        let mut hits = Vec::new();
        while let Some(r) = rows.next()? {
            hits.push(SearchHit {
                platform: platform_at(r, 0)?,
                id: r.get(1)?,
                actor_id: r.get(2)?,
                actor_handle: r.get(3)?,
                time: r.get(4)?,
                lang: r.get(5)?,
                snippet: r.get(6)?,
                rank: -r.get::<_, f64>(7)?,
            });
        }
        Ok(hits)
    }

    fn load_corpus(&self) -> Result<Corpus> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))?;
        let mut b = CorpusBuilder::with_capacity(usize::try_from(n).unwrap_or(0));
        self.scan_items(false, &mut |it| b.push(it))?;
        Ok(b.finish())
    }

    fn for_each_item(&self, f: &mut dyn FnMut(&Item)) -> Result<()> {
        self.scan_items(true, f)
    }

    fn revise_findings(
        &mut self,
        detector_kinds: &[&str],
        findings: &[Finding],
        revision: &Revision,
    ) -> Result<()> {
        let now = unix_now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            // Copied reviews are read before anything changes: a split's origin may be
            // replaced or removed below.
            let mut read_review =
                tx.prepare_cached("SELECT status, note, tlp FROM findings WHERE id = ?1")?;
            let mut copies = Vec::with_capacity(revision.copy_review.len());
            for (to, from) in &revision.copy_review {
                let r: Option<(String, String, String)> = read_review
                    .query_row([from], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?;
                if let Some(r) = r {
                    copies.push((to, r));
                }
            }
            let mut upsert = tx.prepare_cached(&format!(
                "INSERT INTO findings (id, kind, score, first_seen, last_seen, body, \
                     updated_at, tlp_floor, tlp) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, coalesce(?8, 'amber')) \
                     ON CONFLICT (id) DO UPDATE SET \
                     kind = excluded.kind, score = excluded.score, \
                     first_seen = excluded.first_seen, last_seen = excluded.last_seen, \
                     body = excluded.body, updated_at = excluded.updated_at, \
                     tlp_floor = excluded.tlp_floor, tlp = {}",
                codec::tlp_at_least_floor_sql("findings.tlp")
                    .replace("tlp_floor", "excluded.tlp_floor")
            ))?;
            for f in findings {
                let body = finding_to_json(f)?;
                upsert.execute(params![
                    f.id,
                    f.kind.as_str(),
                    f.score,
                    f.first_seen,
                    f.last_seen,
                    body,
                    now,
                    codec::tlp_floor(f)
                ])?;
            }
            let mut set_review = tx.prepare_cached(&format!(
                "UPDATE findings SET status = ?2, note = ?3, tlp = {} WHERE id = ?1",
                codec::tlp_at_least_floor_sql("?4")
            ))?;
            for (to, (status, note, tlp)) in copies {
                set_review.execute(params![to, status, note, tlp])?;
            }
            let keep: HashSet<&str> = findings.iter().map(|f| f.id.as_str()).collect();
            let mut ids_of_kind = tx.prepare_cached("SELECT id FROM findings WHERE kind = ?1")?;
            let mut delete = tx.prepare_cached("DELETE FROM findings WHERE id = ?1")?;
            let mut forget =
                tx.prepare_cached("DELETE FROM finding_versions WHERE finding_id = ?1")?;
            for kind in detector_kinds {
                let stale: Vec<String> = ids_of_kind
                    .query_map([kind], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?
                    .into_iter()
                    .filter(|id| !keep.contains(id.as_str()))
                    .collect();
                for id in stale {
                    delete.execute([&id])?;
                    forget.execute([&id])?;
                }
            }
            let mut add_version = tx.prepare_cached(
                "INSERT INTO finding_versions (finding_id, version, at, members_in, members_out, \
                     evidence_before, evidence_after, score_before, score_after, split_from, \
                     merged) \
                 SELECT ?1, coalesce(max(version), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 \
                 FROM finding_versions WHERE finding_id = ?1",
            )?;
            for (id, c) in &revision.versions {
                add_version.execute(params![
                    id,
                    c.at,
                    versions::members_to_db(&c.members_in)?,
                    versions::members_to_db(&c.members_out)?,
                    clamp_u64(c.evidence_before),
                    clamp_u64(c.evidence_after),
                    c.score_before,
                    c.score_after,
                    c.split_from,
                    versions::members_to_db(&c.merged)?,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn finding_versions(&self, id: &str) -> Result<Vec<FindingVersion>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} WHERE finding_id = ?1 ORDER BY version",
            versions::VERSION_COLS
        ))?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<versions::VersionCells>>>()?;
        rows.into_iter().map(versions::version_from_cells).collect()
    }

    fn findings(&self) -> Result<Vec<Finding>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM findings ORDER BY kind, score DESC, id")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(finding_from_json(text_at(r, 0)?)?);
        }
        Ok(out)
    }

    fn finding(&self, id: &str) -> Result<Option<Finding>> {
        self.finding_body(id)?
            .as_deref()
            .map(finding_from_json)
            .transpose()
    }

    fn finding_body(&self, id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT body FROM findings WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    fn review(&self, id: &str) -> Result<Option<Review>> {
        let row: Option<(String, String, String)> = self
            .conn
            .prepare_cached("SELECT status, note, tlp FROM findings WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        row.map(|(status, note, tlp)| codec::review_from_db(&status, note, &tlp))
            .transpose()
    }

    fn set_review(&mut self, id: &str, review: &Review) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached(&format!(
                "UPDATE findings SET status = ?2, note = ?3, tlp = {}, updated_at = ?5 \
                     WHERE id = ?1",
                codec::tlp_at_least_floor_sql("?4")
            ))?
            .execute(params![
                id,
                review.status.as_str(),
                review.note,
                review.tlp.as_str(),
                unix_now()
            ])?;
        Ok(n > 0)
    }

    fn item(&self, platform: Platform, platform_id: &str) -> Result<Option<StoredItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.platform, i.platform_id, i.actor_id, i.kind, i.time, i.text, i.match_text, \
             i.lang, i.lang_conf, i.lang_hint, i.repost_of, i.reply_to, i.quote_of, i.urls, \
             i.hashtags, i.mentions, i.meta, i.id, \
             a.platform_id, a.handle, a.name, a.kind, a.created_at, a.followers \
             FROM items i JOIN actors a ON a.id = i.actor_id \
             WHERE i.platform = ?1 AND i.platform_id = ?2",
        )?;
        let mut rows = stmt.query(params![platform.as_str(), platform_id])?;
        let Some(r) = rows.next()? else {
            return Ok(None);
        };
        let actor_id: i64 = r.get(2)?;
        let item_id: i64 = r.get(17)?;
        let actors = HashMap::from([(actor_id, actor_from_row(r, 18)?)]);
        let mut item = codec::empty_item();
        fill_item(&mut item, r, &actors)?;
        let mut prov = self.conn.prepare_cached(PROV_SELECT)?;
        let provenance = prov
            .query_map([item_id], prov_cols)?
            .map(|p| provenance_from_cols(p?))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(StoredItem::new(item, provenance)))
    }

    fn protected_add(
        &mut self,
        domain: &str,
        country: &str,
        kind: &str,
        note: &str,
    ) -> Result<bool> {
        let domain = crate::check_protected_domain(domain)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existed = tx
            .query_row(
                "SELECT 1 FROM protected_domains WHERE domain = ?1",
                [&domain],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        tx.execute(
            "INSERT INTO protected_domains (domain, country, kind, note) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (domain) DO UPDATE SET country = excluded.country, \
             kind = excluded.kind, note = excluded.note",
            params![domain, country.trim(), kind.trim(), note],
        )?;
        tx.commit()?;
        Ok(!existed)
    }

    fn protected_remove(&mut self, domain: &str) -> Result<bool> {
        let Some(domain) = skydas_model::normalise_domain(domain) else {
            return Ok(false);
        };
        let n = self
            .conn
            .execute("DELETE FROM protected_domains WHERE domain = ?1", [domain])?;
        Ok(n > 0)
    }

    fn protected_list(&self) -> Result<Vec<ProtectedRow>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {} ORDER BY domain", crate::PROTECTED_COLS))?;
        let rows = stmt.query_map([], crate::row::sqlite_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
