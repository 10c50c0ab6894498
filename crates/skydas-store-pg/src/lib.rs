//! The PostgreSQL store backend: the same [`Store`] as the embedded SQLite store, shared by any
//! number of processes on any hosts, for corpora that outgrow one machine.
//!
//! Selected by a `postgres://` (or `postgresql://`) store URL. The store lives in one schema of
//! the database, `skydas` unless the URL names another with `?schema=NAME` (tests use one
//! schema per run). Migrations are the numbered files under `migrations/`, applied under an
//! advisory lock so that many workers starting at once apply each exactly once.
//!
//! Items are partitioned by month on their time; `item_keys` dedupes across partitions. Batches
//! are written with a handful of array (`unnest`) statements each, not one statement per item,
//! because every statement is a network round trip. Full-text search is PostgreSQL's own:
//! a generated `tsvector` column over a `simple` + `unaccent` configuration with a GIN index,
//! `ts_rank` for relevance and `ts_headline` for snippets.
//!
//! Original files are kept in a local directory, as the embedded store does: they are evidence
//! kept where the import ran, not rows. Everything else (accounts and the audit log, TAXII
//! sharing state and partner intelligence) lives in the database.

mod blocking;
pub mod reconnect;
mod search;
mod session;
mod sharing;
mod web;
mod work;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

pub use blocking::Blocking;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Transaction};
pub use sharing::PgSharing;
use skydas_model::{Actor, Corpus, CorpusBuilder, Finding, Item, Platform, Provenance};
pub use web::{PgAccounts, PgBrowse};

use skydas_store::codec::{self, clamp_u64, count, locator_to_db};
use skydas_store::{
    FileRecord, FileStatus, InsertOutcome, ProtectedRow, Result, Review, SearchHit, SearchQuery,
    Stats, Store, StoreError, StoredItem, originals, unix_now,
};

/// Numbered migrations, applied in order and recorded in `schema_migrations`.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (2, "work", include_str!("../migrations/0002_work.sql")),
    (
        3,
        "accounts",
        include_str!("../migrations/0003_accounts.sql"),
    ),
    (4, "sharing", include_str!("../migrations/0004_sharing.sql")),
];

/// The schema used when the URL names none.
pub const DEFAULT_SCHEMA: &str = "skydas";

/// Advisory lock key serialising migrations (and `CREATE EXTENSION`) across processes.
const MIGRATE_LOCK: i64 = 0x5359_4441_5330_0001;
/// Advisory lock key serialising creation of item partitions.
const PARTITION_LOCK: i64 = 0x5359_4441_5330_0002;

/// Whether `url` names a PostgreSQL store.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// A store URL split into what the driver understands and the schema to use. Its `Debug` form
/// shows no password.
#[derive(Clone, PartialEq, Eq)]
pub struct PgUrl {
    /// The URL without Skydas's own parameters.
    pub conn: String,
    pub schema: String,
}

impl PgUrl {
    /// Splits `?schema=NAME` off a store URL. Schema names are limited to ASCII letters, digits
    /// and `_` (they are spliced into SQL as identifiers).
    pub fn parse(url: &str) -> Result<PgUrl> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut schema = DEFAULT_SCHEMA.to_string();
        let mut rest = Vec::new();
        for kv in query.split('&').filter(|kv| !kv.is_empty()) {
            match kv.strip_prefix("schema=") {
                Some(s) => schema = s.to_string(),
                None => rest.push(kv),
            }
        }
        let valid = !schema.is_empty()
            && schema.len() <= 63
            && schema
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !schema.as_bytes()[0].is_ascii_digit();
        if !valid {
            return Err(StoreError::InvalidInput {
                what: "schema name",
                value: schema,
            });
        }
        let conn = if rest.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        Ok(PgUrl { conn, schema })
    }

    /// The store URL this was parsed from, in a canonical form: `conn` plus `schema=NAME`.
    pub fn store_url(&self) -> String {
        let sep = if self.conn.contains('?') { '&' } else { '?' };
        format!("{}{sep}schema={}", self.conn, self.schema)
    }

    /// The URL without a password, for messages.
    pub fn display(&self) -> String {
        redact(&self.conn)
    }
}

impl std::fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgUrl")
            .field("conn", &self.display())
            .field("schema", &self.schema)
            .finish()
    }
}

/// `url` with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rfind('@') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// The PostgreSQL store. See the module docs.
pub struct PgStore {
    /// One session; the trait's readers take `&self`, so it sits behind a lock.
    client: Mutex<Client>,
    url: PgUrl,
    originals: PathBuf,
    /// Item partitions known to exist, by lower bound.
    partitions: HashSet<i64>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Turns a driver error into a store error naming the database (without password).
pub fn db_err(url: &PgUrl, e: postgres::Error) -> StoreError {
    StoreError::Backend {
        backend: format!("postgresql {}", url.display()),
        message: e.to_string(),
    }
}

pub(crate) trait PgResultExt<T> {
    fn at(self, url: &PgUrl) -> Result<T>;
}

impl<T> PgResultExt<T> for std::result::Result<T, postgres::Error> {
    fn at(self, url: &PgUrl) -> Result<T> {
        self.map_err(|e| db_err(url, e))
    }
}

impl PgStore {
    /// Connects to the store at `url` (creating its schema and bringing it up to date) and
    /// keeps original files under `originals_dir`.
    pub fn connect(url: &str, originals_dir: &Path) -> Result<PgStore> {
        let url = PgUrl::parse(url)?;
        let mut client = open_client(&url)?;
        migrate(&mut client, &url)?;
        Ok(PgStore {
            client: Mutex::new(client),
            url,
            originals: originals_dir.to_path_buf(),
            partitions: HashSet::new(),
        })
    }

    /// The URL (without password) and schema, for messages.
    pub fn describe(&self) -> String {
        format!("{} (schema {})", self.url.display(), self.url.schema)
    }

    /// Whether the connection is gone (the server restarted): the caller should reconnect.
    pub fn is_closed(&self) -> bool {
        self.conn().is_closed()
    }

    /// The underlying connection, for the work bus's own bookkeeping tables.
    pub fn client(&mut self) -> &mut Client {
        self.client_mut()
    }

    /// Whether the server answers on this store's connection: `false` when it went away
    /// (restarted, shut down) and the caller should reconnect.
    pub fn is_healthy(&self) -> bool {
        !self.is_closed() && self.conn().simple_query("SELECT 1").is_ok()
    }

    /// Where original files are kept.
    pub fn originals_dir(&self) -> &Path {
        &self.originals
    }

    /// The parsed URL.
    pub fn url(&self) -> &PgUrl {
        &self.url
    }

    /// Drops the store's schema and everything in it. For tests and `bench/`.
    pub fn drop_schema(url: &str) -> Result<()> {
        let url = PgUrl::parse(url)?;
        let mut client = Client::connect(&url.conn, NoTls).at(&url)?;
        client
            .batch_execute(&format!(
                "SET client_min_messages = warning; DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                url.schema
            ))
            .at(&url)
    }

    /// Stores a batch as [`Store::insert_items`] does, inside the caller's transaction (from
    /// [`PgStore::transaction`]), so that the work bus can record the batch as done in the same
    /// commit.
    pub fn insert_items_tx(
        tx: &mut Transaction<'_>,
        url: &PgUrl,
        partitions: &mut HashSet<i64>,
        items: &[Item],
    ) -> Result<InsertOutcome> {
        ensure_partitions(tx, url, partitions, items)?;
        write_items(tx, url, items)
    }

    /// Begins a transaction on the store's connection.
    pub fn transaction(&mut self) -> Result<(Transaction<'_>, &PgUrl, &mut HashSet<i64>)> {
        let client = self
            .client
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tx = client.transaction().map_err(|e| db_err(&self.url, e))?;
        Ok((tx, &self.url, &mut self.partitions))
    }

    fn client_mut(&mut self) -> &mut Client {
        self.client
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The session, for reads through `&self`. A panic while holding it leaves the session
    /// usable (any open transaction was dropped, which rolls it back).
    fn conn(&self) -> MutexGuard<'_, Client> {
        self.client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A new session on the store's schema (which [`PgStore::connect`] has brought up to date).
pub(crate) fn open_client(url: &PgUrl) -> Result<Client> {
    let mut client = Client::connect(&url.conn, NoTls).at(url)?;
    let schema = &url.schema;
    client
        .batch_execute(&format!(
            "SET search_path = \"{schema}\", public; SET client_min_messages = warning;"
        ))
        .at(url)?;
    Ok(client)
}

fn load_actors(client: &mut Client, url: &PgUrl) -> Result<HashMap<i64, Actor>> {
    let rows = client
        .query(
            "SELECT id, platform_id, handle, name, kind, created_at, followers FROM actors",
            &[],
        )
        .at(url)?;
    rows.iter()
        .map(|r| Ok((r.get::<_, i64>(0), actor_from_row(r, 1)?)))
        .collect()
}

/// Streams items (columns of [`ITEM_COLUMNS`] plus the first provenance when `sorted`).
fn scan(client: &mut Client, url: &PgUrl, sorted: bool, f: &mut dyn FnMut(&Item)) -> Result<()> {
    let actors = load_actors(client, url)?;
    let sql = if sorted {
        format!(
            "SELECT {ITEM_COLUMNS}, fp.sha256, fp.importer, fp.importer_version, fp.loc_kind, \
                 fp.loc FROM items i LEFT JOIN LATERAL ({PROV_SELECT} LIMIT 1) fp ON true \
                 ORDER BY i.time, i.platform, i.platform_id"
        )
    } else {
        format!("SELECT {ITEM_COLUMNS} FROM items i ORDER BY i.id")
    };
    let mut tx = client.transaction().at(url)?;
    let params: [&(dyn ToSql + Sync); 0] = [];
    let mut rows = tx.query_raw(sql.as_str(), params).at(url)?;
    while let Some(r) = rows.next().at(url)? {
        let mut item = item_from_row(&r, &actors)?;
        if sorted && r.try_get::<_, String>(ITEM_COLUMN_COUNT).is_ok() {
            item.provenance = provenance_from_row(&r, ITEM_COLUMN_COUNT)?;
        }
        f(&item);
    }
    drop(rows);
    tx.commit().at(url)
}

fn migrate(client: &mut Client, url: &PgUrl) -> Result<()> {
    let schema = &url.schema;
    let supported = MIGRATIONS.last().map_or(0, |m| m.0);
    let mut tx = client.transaction().at(url)?;
    // One lock for every schema of the database: CREATE EXTENSION is database-wide, and
    // concurrent creation of the same extension fails instead of waiting.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])
        .at(url)?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS \"{schema}\";
         CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT    NOT NULL,
             applied_at BIGINT  NOT NULL
         );"
    ))
    .at(url)?;
    let current: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .at(url)?
        .get(0);
    if current > supported {
        return Err(StoreError::SchemaTooNew {
            found: u32::try_from(current).unwrap_or(0),
            supported: u32::try_from(supported).unwrap_or(0),
        });
    }
    for &(version, name, sql) in MIGRATIONS {
        if current >= version {
            continue;
        }
        tx.batch_execute(sql).map_err(|e| StoreError::Backend {
            backend: format!("postgresql {}", url.display()),
            message: format!("applying migration {version} ({name}): {e}"),
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&version, &name, &unix_now()],
        )
        .at(url)?;
    }
    tx.commit().at(url)
}

/// Earliest and latest times with a monthly partition; outside them one partition each.
const MIN_PARTITIONED: i64 = -2_208_988_800; // 1900-01-01
const MAX_PARTITIONED: i64 = 7_258_118_400; // 2200-01-01

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Year and month of a day number.
fn civil_from_days(z: i64) -> (i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m)
}

/// The partition holding time `t`: its name and bounds (`None` is MINVALUE / MAXVALUE).
fn partition_of(t: i64) -> (String, Option<i64>, Option<i64>) {
    if t < MIN_PARTITIONED {
        return ("items_pmin".into(), None, Some(MIN_PARTITIONED));
    }
    if t >= MAX_PARTITIONED {
        return ("items_pmax".into(), Some(MAX_PARTITIONED), None);
    }
    let (y, m) = civil_from_days(t.div_euclid(86_400));
    let lo = days_from_civil(y, m, 1) * 86_400;
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let hi = days_from_civil(ny, nm, 1) * 86_400;
    (format!("items_p{y:04}{m:02}"), Some(lo), Some(hi))
}

fn ensure_partitions(
    tx: &mut Transaction<'_>,
    url: &PgUrl,
    known: &mut HashSet<i64>,
    items: &[Item],
) -> Result<()> {
    let mut wanted: BTreeMap<i64, (String, Option<i64>, Option<i64>)> = BTreeMap::new();
    for it in items {
        let p = partition_of(it.time);
        let key = p.1.unwrap_or(i64::MIN);
        if !known.contains(&key) {
            wanted.entry(key).or_insert(p);
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    // Concurrent `CREATE TABLE IF NOT EXISTS` of the same partition fails in one of the
    // sessions; the lock makes the second wait and then find it.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PARTITION_LOCK])
        .at(url)?;
    let bound = |b: Option<i64>, inf: &str| b.map_or_else(|| inf.to_string(), |v| v.to_string());
    for (key, (name, lo, hi)) in wanted {
        tx.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS \"{}\".{name} PARTITION OF items \
             FOR VALUES FROM ({}) TO ({})",
            url.schema,
            bound(lo, "MINVALUE"),
            bound(hi, "MAXVALUE"),
        ))
        .at(url)?;
        known.insert(key);
    }
    Ok(())
}

/// An actor as merged over one batch: later records fill in what earlier ones lacked.
fn merge_actor(into: &mut Actor, a: &Actor) {
    if into.handle.is_none() {
        into.handle.clone_from(&a.handle);
    }
    if into.name.is_none() {
        into.name.clone_from(&a.name);
    }
    if into.created_at.is_none() {
        into.created_at = a.created_at;
    }
    if into.followers.is_none() {
        into.followers = a.followers;
    }
}

/// Writes a batch inside `tx`: a fixed number of statements whatever the batch size.
fn write_items(tx: &mut Transaction<'_>, url: &PgUrl, items: &[Item]) -> Result<InsertOutcome> {
    let mut out = InsertOutcome::default();
    if items.is_empty() {
        return Ok(out);
    }
    // Actors, merged over the batch and sorted: concurrent writers then lock rows in one order.
    let mut actors: BTreeMap<(&str, &str), Actor> = BTreeMap::new();
    for it in items {
        actors
            .entry((it.platform.as_str(), it.actor.platform_id.as_str()))
            .and_modify(|a| merge_actor(a, &it.actor))
            .or_insert_with(|| it.actor.clone());
    }
    {
        let (mut p, mut pid, mut kind, mut handle, mut name, mut created, mut followers) =
            (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        for ((plat, id), a) in &actors {
            p.push(*plat);
            pid.push(*id);
            kind.push(a.kind.as_str());
            handle.push(a.handle.as_deref());
            name.push(a.name.as_deref());
            created.push(a.created_at);
            followers.push(a.followers.map(clamp_u64));
        }
        tx.execute(
            "INSERT INTO actors AS a (platform, platform_id, kind, handle, name, created_at, \
             followers) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], \
             $5::text[], $6::int8[], $7::int8[]) \
             ON CONFLICT (platform, platform_id) DO UPDATE SET \
             handle = coalesce(a.handle, excluded.handle), name = coalesce(a.name, excluded.name), \
             created_at = coalesce(a.created_at, excluded.created_at), \
             followers = coalesce(a.followers, excluded.followers) \
             WHERE (a.handle IS NULL AND excluded.handle IS NOT NULL) \
             OR (a.name IS NULL AND excluded.name IS NOT NULL) \
             OR (a.created_at IS NULL AND excluded.created_at IS NOT NULL) \
             OR (a.followers IS NULL AND excluded.followers IS NOT NULL)",
            &[&p, &pid, &kind, &handle, &name, &created, &followers],
        )
        .at(url)?;
    }
    let actor_ids = lookup_ids(tx, url, "actors", actors.keys().map(|(p, id)| (*p, *id)))?;

    // Files: items of a file nobody began still need a row for their provenance; it stays
    // partial, which is the truth.
    let mut files: BTreeMap<&str, (&str, u32)> = BTreeMap::new();
    for it in items {
        let p = &it.provenance;
        files
            .entry(p.file_sha256.as_str())
            .or_insert((p.importer.as_str(), p.importer_version));
    }
    let shas: Vec<&str> = files.keys().copied().collect();
    let importers: Vec<&str> = files.values().map(|v| v.0).collect();
    let versions: Vec<i32> = files
        .values()
        .map(|v| i32::try_from(v.1).unwrap_or(i32::MAX))
        .collect();
    tx.execute(
        "INSERT INTO files (sha256, path, size, importer, importer_version) \
         SELECT s, '', 0, i, v FROM unnest($1::text[], $2::text[], $3::int4[]) AS t(s, i, v) \
         ON CONFLICT (sha256) DO NOTHING",
        &[&shas, &importers, &versions],
    )
    .at(url)?;
    let file_ids: HashMap<String, i64> = tx
        .query(
            "SELECT sha256, id FROM files WHERE sha256 = ANY($1)",
            &[&shas],
        )
        .at(url)?
        .iter()
        .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
        .collect();

    // Item keys: the first record of each key in the batch is the one stored. Sorted by key so
    // that concurrent writers wait on each other in one order.
    let mut first: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (i, it) in items.iter().enumerate() {
        first
            .entry((it.platform.as_str(), it.platform_id.as_str()))
            .or_insert(i);
    }
    let kp: Vec<&str> = first.keys().map(|k| k.0).collect();
    let kid: Vec<&str> = first.keys().map(|k| k.1).collect();
    let ktime: Vec<i64> = first.values().map(|&i| items[i].time).collect();
    let new_rows = tx
        .query(
            "INSERT INTO item_keys (platform, platform_id, time) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::int8[]) \
             ON CONFLICT (platform, platform_id) DO NOTHING RETURNING platform, platform_id, id",
            &[&kp, &kid, &ktime],
        )
        .at(url)?;
    let mut item_ids: HashMap<(String, String), i64> = HashMap::with_capacity(items.len());
    let mut fresh: Vec<(usize, i64)> = Vec::with_capacity(new_rows.len());
    for r in &new_rows {
        let key = (r.get::<_, String>(0), r.get::<_, String>(1));
        let id: i64 = r.get(2);
        if let Some(&i) = first.get(&(key.0.as_str(), key.1.as_str())) {
            fresh.push((i, id));
        }
        item_ids.insert(key, id);
    }
    if item_ids.len() < first.len() {
        let old = lookup_ids(tx, url, "item_keys", first.keys().map(|(p, id)| (*p, *id)))?;
        for (k, id) in old {
            item_ids.entry(k).or_insert(id);
        }
    }
    out.new_items = fresh.len() as u64;
    out.duplicates = (items.len() - fresh.len()) as u64;

    if !fresh.is_empty() {
        fresh.sort_unstable_by_key(|f| f.1);
        let n = fresh.len();
        let mut c = ItemColumns::with_capacity(n);
        for &(i, id) in &fresh {
            let it = &items[i];
            let actor = actor_ids
                .get(&(
                    it.platform.as_str().to_string(),
                    it.actor.platform_id.clone(),
                ))
                .copied()
                .ok_or_else(|| StoreError::corrupt("actor id", &it.actor.platform_id))?;
            c.push(id, actor, it)?;
        }
        tx.execute(
            "INSERT INTO items (id, time, platform, platform_id, actor_id, kind, text, match_text, \
             lang, lang_conf, lang_hint, repost_of, reply_to, quote_of, urls, hashtags, mentions) \
             SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], $5::int8[], \
             $6::text[], $7::text[], $8::text[], $9::text[], $10::float4[], $11::text[], \
             $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[])",
            &[
                &c.id,
                &c.time,
                &c.platform,
                &c.platform_id,
                &c.actor,
                &c.kind,
                &c.text,
                &c.match_text,
                &c.lang,
                &c.lang_conf,
                &c.lang_hint,
                &c.repost_of,
                &c.reply_to,
                &c.quote_of,
                &c.urls,
                &c.hashtags,
                &c.mentions,
            ],
        )
        .at(url)?;
        let mut counts: BTreeMap<(&str, &str), i64> = BTreeMap::new();
        for &(i, _) in &fresh {
            *counts
                .entry((items[i].platform.as_str(), items[i].lang.as_str()))
                .or_default() += 1;
        }
        let cp: Vec<&str> = counts.keys().map(|k| k.0).collect();
        let cl: Vec<&str> = counts.keys().map(|k| k.1).collect();
        let cn: Vec<i64> = counts.values().copied().collect();
        tx.execute(
            "INSERT INTO item_counts AS c (platform, lang, items) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::int8[]) \
             ON CONFLICT (platform, lang) DO UPDATE SET items = c.items + excluded.items",
            &[&cp, &cl, &cn],
        )
        .at(url)?;
    }

    // Provenance, one row per item and place; repeats (within the batch too) add nothing.
    let mut prov: Vec<(i64, i64, i16, i64, &str, i32)> = Vec::with_capacity(items.len());
    for it in items {
        let key = (it.platform.as_str().to_string(), it.platform_id.clone());
        let item_id = item_ids
            .get(&key)
            .copied()
            .ok_or_else(|| StoreError::corrupt("item id", &it.platform_id))?;
        let p = &it.provenance;
        let file_id = file_ids
            .get(&p.file_sha256)
            .copied()
            .ok_or_else(|| StoreError::corrupt("file id", &p.file_sha256))?;
        let (lk, l) = locator_to_db(p.locator);
        prov.push((
            item_id,
            file_id,
            lk,
            l,
            p.importer.as_str(),
            i32::try_from(p.importer_version).unwrap_or(i32::MAX),
        ));
    }
    prov.sort_unstable_by_key(|p| (p.0, p.1, p.2, p.3));
    let added = tx
        .execute(
            "INSERT INTO provenance (item_id, file_id, loc_kind, loc, importer, importer_version) \
             SELECT * FROM unnest($1::int8[], $2::int8[], $3::int2[], $4::int8[], $5::text[], \
             $6::int4[]) ON CONFLICT DO NOTHING",
            &[
                &prov.iter().map(|p| p.0).collect::<Vec<_>>(),
                &prov.iter().map(|p| p.1).collect::<Vec<_>>(),
                &prov.iter().map(|p| p.2).collect::<Vec<_>>(),
                &prov.iter().map(|p| p.3).collect::<Vec<_>>(),
                &prov.iter().map(|p| p.4).collect::<Vec<_>>(),
                &prov.iter().map(|p| p.5).collect::<Vec<_>>(),
            ],
        )
        .at(url)?;
    out.new_provenance = added;
    Ok(out)
}

/// Ids of `(platform, platform_id)` keys in `table` (`actors` or `item_keys`).
fn lookup_ids<'k>(
    tx: &mut Transaction<'_>,
    url: &PgUrl,
    table: &str,
    keys: impl Iterator<Item = (&'k str, &'k str)>,
) -> Result<HashMap<(String, String), i64>> {
    let (p, id): (Vec<&str>, Vec<&str>) = keys.unzip();
    let rows = tx
        .query(
            &format!(
                "SELECT t.platform, t.platform_id, t.id FROM {table} t \
                 JOIN unnest($1::text[], $2::text[]) AS k(p, i) \
                 ON t.platform = k.p AND t.platform_id = k.i"
            ),
            &[&p, &id],
        )
        .at(url)?;
    Ok(rows
        .iter()
        .map(|r| ((r.get(0), r.get(1)), r.get(2)))
        .collect())
}

/// The columns of a batch of new items, as arrays for `unnest`.
#[derive(Default)]
struct ItemColumns<'a> {
    id: Vec<i64>,
    time: Vec<i64>,
    platform: Vec<&'a str>,
    platform_id: Vec<&'a str>,
    actor: Vec<i64>,
    kind: Vec<&'a str>,
    text: Vec<&'a str>,
    match_text: Vec<&'a str>,
    lang: Vec<&'a str>,
    lang_conf: Vec<f32>,
    lang_hint: Vec<Option<&'a str>>,
    repost_of: Vec<Option<&'a str>>,
    reply_to: Vec<Option<&'a str>>,
    quote_of: Vec<Option<&'a str>>,
    urls: Vec<Option<String>>,
    hashtags: Vec<Option<String>>,
    mentions: Vec<Option<String>>,
}

impl<'a> ItemColumns<'a> {
    fn with_capacity(n: usize) -> Self {
        let mut c = ItemColumns::default();
        c.id.reserve(n);
        c.text.reserve(n);
        c
    }

    fn push(&mut self, id: i64, actor: i64, it: &'a Item) -> Result<()> {
        self.id.push(id);
        self.time.push(it.time);
        self.platform.push(it.platform.as_str());
        self.platform_id.push(&it.platform_id);
        self.actor.push(actor);
        self.kind.push(it.kind.as_str());
        self.text.push(&it.text);
        self.match_text.push(&it.match_text);
        self.lang.push(&it.lang);
        self.lang_conf.push(codec::finite_or_zero(it.lang_conf));
        self.lang_hint.push(it.lang_hint.as_deref());
        self.repost_of.push(it.repost_of.as_deref());
        self.reply_to.push(it.reply_to.as_deref());
        self.quote_of.push(it.quote_of.as_deref());
        self.urls.push(codec::urls_to_json(&it.urls)?);
        self.hashtags.push(codec::list_to_json(&it.hashtags)?);
        self.mentions.push(codec::list_to_json(&it.mentions)?);
        Ok(())
    }
}

/// The item columns read back, in [`item_from_row`]'s order.
const ITEM_COLUMNS: &str = "i.platform, i.platform_id, i.actor_id, i.kind, i.time, i.text, \
                            i.match_text, i.lang, i.lang_conf, i.lang_hint, i.repost_of, \
                            i.reply_to, i.quote_of, i.urls, i.hashtags, i.mentions, i.id";
const ITEM_COLUMN_COUNT: usize = 17;

/// The first-provenance subquery for item `i`: sha256, importer, importer_version, loc_kind, loc.
const PROV_SELECT: &str = "SELECT f.sha256, p.importer, p.importer_version, p.loc_kind, p.loc \
                           FROM provenance p JOIN files f ON f.id = p.file_id \
                           WHERE p.item_id = i.id ORDER BY p.file_id, p.loc_kind, p.loc";

fn item_from_row(r: &Row, actors: &HashMap<i64, Actor>) -> Result<Item> {
    let cols = codec::ItemCols {
        platform: r.get(0),
        platform_id: r.get(1),
        actor_id: r.get(2),
        kind: r.get(3),
        time: r.get(4),
        text: r.get(5),
        match_text: r.get(6),
        lang: r.get(7),
        lang_conf: r.get(8),
        lang_hint: r.get(9),
        repost_of: r.get(10),
        reply_to: r.get(11),
        quote_of: r.get(12),
        urls: r.get(13),
        hashtags: r.get(14),
        mentions: r.get(15),
    };
    let mut it = codec::empty_item();
    codec::fill_item(&mut it, &cols, actors)?;
    Ok(it)
}

/// Columns from `start`: platform_id, handle, name, kind, created_at, followers.
fn actor_from_row(r: &Row, start: usize) -> Result<Actor> {
    codec::actor_from_db(
        r.get(start),
        r.get(start + 1),
        r.get(start + 2),
        r.get(start + 3),
        r.get(start + 4),
        r.get(start + 5),
    )
}

/// Columns from `start`: sha256, importer, importer_version, loc_kind, loc.
fn provenance_from_row(r: &Row, start: usize) -> Result<Provenance> {
    codec::provenance_from_db(
        r.get(start),
        r.get(start + 1),
        u32::try_from(r.get::<_, i32>(start + 2)).unwrap_or(0),
        i64::from(r.get::<_, i16>(start + 3)),
        r.get(start + 4),
    )
}

impl Store for PgStore {
    fn file_status(&self, sha256: &str) -> Result<Option<FileStatus>> {
        // The trait reads through `&self`, the driver needs `&mut`: reads go through a second,
        // short-lived view of the same connection.
        let mut c = self.conn();
        let row = c
            .query_opt("SELECT status FROM files WHERE sha256 = $1", &[&sha256])
            .at(&self.url)?;
        row.map(|r| {
            let s: &str = r.get(0);
            FileStatus::parse(s).ok_or_else(|| StoreError::corrupt("file status", s))
        })
        .transpose()
    }

    fn begin_file(&mut self, f: &FileRecord) -> Result<()> {
        self.client_mut()
            .execute(
                "INSERT INTO files (sha256, path, size, importer, importer_version, status) \
                 VALUES ($1, $2, $3, $4, $5, 'partial') ON CONFLICT (sha256) DO UPDATE SET \
                 path = excluded.path, size = excluded.size, importer = excluded.importer, \
                 importer_version = excluded.importer_version, status = 'partial'",
                &[
                    &f.sha256,
                    &f.path,
                    &clamp_u64(f.size),
                    &f.importer,
                    &i32::try_from(f.importer_version).unwrap_or(i32::MAX),
                ],
            )
            .at(&self.url)?;
        Ok(())
    }

    fn insert_items(&mut self, items: &[Item]) -> Result<InsertOutcome> {
        if items.is_empty() {
            return Ok(InsertOutcome::default());
        }
        let url = self.url.clone();
        let client = self
            .client
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut tx = client.transaction().at(&url)?;
        let r = ensure_partitions(&mut tx, &url, &mut self.partitions, items)
            .and_then(|()| write_items(&mut tx, &url, items));
        match r {
            Ok(out) => {
                tx.commit().at(&url)?;
                Ok(out)
            }
            Err(e) => {
                // Partitions created in the rolled-back transaction do not exist.
                self.partitions.clear();
                Err(e)
            }
        }
    }

    fn finish_file(&mut self, sha256: &str, items: u64, errors: u64) -> Result<()> {
        let n = self
            .client_mut()
            .execute(
                "UPDATE files SET status = 'complete', items = $2, errors = $3 WHERE sha256 = $1",
                &[&sha256, &clamp_u64(items), &clamp_u64(errors)],
            )
            .at(&self.url)?;
        if n == 0 {
            return Err(StoreError::UnknownFile(sha256.to_string()));
        }
        Ok(())
    }

    fn store_original(&mut self, path: &Path, sha256: &str) -> Result<PathBuf> {
        originals::keep(&self.originals, path, sha256)
    }

    fn original_path(&self, sha256: &str) -> Result<Option<PathBuf>> {
        originals::find(&self.originals, sha256)
    }

    fn stats(&self) -> Result<Stats> {
        let mut c = self.conn();
        let r = c
            .query_one(
                "SELECT (SELECT count(*) FROM item_keys), (SELECT count(*) FROM actors), \
                 (SELECT count(*) FROM files), (SELECT count(*) FROM provenance), \
                 (SELECT coalesce(sum(errors), 0)::int8 FROM files)",
                &[],
            )
            .at(&self.url)?;
        let mut s = Stats {
            items: count(r.get(0)),
            actors: count(r.get(1)),
            files: count(r.get(2)),
            provenance: count(r.get(3)),
            errors: count(r.get(4)),
            ..Stats::default()
        };
        for r in c
            .query(
                "SELECT platform, CASE WHEN lang = '' THEN 'und' ELSE lang END, items \
                 FROM item_counts",
                &[],
            )
            .at(&self.url)?
        {
            let n = count(r.get(2));
            *s.by_platform.entry(r.get(0)).or_default() += n;
            *s.by_language.entry(r.get(1)).or_default() += n;
        }
        Ok(s)
    }

    fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        let mut c = self.conn();
        search::search(&mut c, &self.url, q)
    }

    fn load_corpus(&self) -> Result<Corpus> {
        let mut c = self.conn();
        let n: i64 = c
            .query_one("SELECT count(*) FROM item_keys", &[])
            .at(&self.url)?
            .get(0);
        let mut b = CorpusBuilder::with_capacity(usize::try_from(n).unwrap_or(0));
        scan(&mut c, &self.url, false, &mut |it| b.push(it))?;
        Ok(b.finish())
    }

    fn for_each_item(&self, f: &mut dyn FnMut(&Item)) -> Result<()> {
        scan(&mut self.conn(), &self.url, true, f)
    }

    fn replace_findings(&mut self, detector_kinds: &[&str], findings: &[Finding]) -> Result<()> {
        let now = unix_now();
        let url = self.url.clone();
        let mut tx = self.client_mut().transaction().at(&url)?;
        let stmt = tx
            .prepare(
                "INSERT INTO findings (id, kind, score, first_seen, last_seen, body, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET \
                 kind = excluded.kind, score = excluded.score, first_seen = excluded.first_seen, \
                 last_seen = excluded.last_seen, body = excluded.body, \
                 updated_at = excluded.updated_at",
            )
            .at(&url)?;
        for f in findings {
            let body = codec::finding_to_json(f)?;
            tx.execute(
                &stmt,
                &[
                    &f.id,
                    &f.kind.as_str(),
                    &f.score,
                    &f.first_seen,
                    &f.last_seen,
                    &body,
                    &now,
                ],
            )
            .at(&url)?;
        }
        let keep: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        tx.execute(
            "DELETE FROM findings WHERE kind = ANY($1) AND NOT (id = ANY($2))",
            &[&detector_kinds, &keep],
        )
        .at(&url)?;
        tx.commit().at(&url)
    }

    fn findings(&self) -> Result<Vec<Finding>> {
        let mut c = self.conn();
        c.query(
            "SELECT body FROM findings ORDER BY kind, score DESC, id",
            &[],
        )
        .at(&self.url)?
        .iter()
        .map(|r| codec::finding_from_json(r.get(0)))
        .collect()
    }

    fn finding(&self, id: &str) -> Result<Option<Finding>> {
        let mut c = self.conn();
        c.query_opt("SELECT body FROM findings WHERE id = $1", &[&id])
            .at(&self.url)?
            .map(|r| codec::finding_from_json(r.get(0)))
            .transpose()
    }

    fn review(&self, id: &str) -> Result<Option<Review>> {
        let mut c = self.conn();
        c.query_opt(
            "SELECT status, note, tlp FROM findings WHERE id = $1",
            &[&id],
        )
        .at(&self.url)?
        .map(|r| codec::review_from_db(r.get(0), r.get(1), r.get(2)))
        .transpose()
    }

    fn set_review(&mut self, id: &str, review: &Review) -> Result<bool> {
        let n = self
            .client_mut()
            .execute(
                "UPDATE findings SET status = $2, note = $3, tlp = $4, updated_at = $5 \
                 WHERE id = $1",
                &[
                    &id,
                    &review.status.as_str(),
                    &review.note,
                    &review.tlp.as_str(),
                    &unix_now(),
                ],
            )
            .at(&self.url)?;
        Ok(n > 0)
    }

    fn item(&self, platform: Platform, platform_id: &str) -> Result<Option<StoredItem>> {
        let mut c = self.conn();
        let Some(k) = c
            .query_opt(
                "SELECT id, time FROM item_keys WHERE platform = $1 AND platform_id = $2",
                &[&platform.as_str(), &platform_id],
            )
            .at(&self.url)?
        else {
            return Ok(None);
        };
        let (id, time): (i64, i64) = (k.get(0), k.get(1));
        let Some(r) = c
            .query_opt(
                &format!(
                    "SELECT {ITEM_COLUMNS}, a.platform_id, a.handle, a.name, a.kind, \
                     a.created_at, a.followers FROM items i JOIN actors a ON a.id = i.actor_id \
                     WHERE i.time = $1 AND i.id = $2"
                ),
                &[&time, &id],
            )
            .at(&self.url)?
        else {
            return Ok(None);
        };
        let actors = HashMap::from([(r.get::<_, i64>(2), actor_from_row(&r, ITEM_COLUMN_COUNT)?)]);
        let item = item_from_row(&r, &actors)?;
        let provenance = c
            .query(&PROV_SELECT.replace("i.id", "$1"), &[&id])
            .at(&self.url)?
            .iter()
            .map(|r| provenance_from_row(r, 0))
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
        let domain = skydas_store::check_protected_domain(domain)?;
        // xmax = 0 only on a row this statement inserted.
        let inserted: bool = self
            .client_mut()
            .query_one(
                "INSERT INTO protected_domains (domain, country, kind, note) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (domain) DO UPDATE SET \
                 country = excluded.country, kind = excluded.kind, note = excluded.note \
                 RETURNING (xmax = 0)",
                &[&domain, &country.trim(), &kind.trim(), &note],
            )
            .at(&self.url)?
            .get(0);
        Ok(inserted)
    }

    fn protected_remove(&mut self, domain: &str) -> Result<bool> {
        let Some(domain) = skydas_model::normalise_domain(domain) else {
            return Ok(false);
        };
        let n = self
            .client_mut()
            .execute(
                "DELETE FROM protected_domains WHERE domain = $1",
                &[&domain],
            )
            .at(&self.url)?;
        Ok(n > 0)
    }

    fn protected_list(&self) -> Result<Vec<ProtectedRow>> {
        let mut c = self.conn();
        Ok(c.query(
            "SELECT domain, country, kind, note FROM protected_domains ORDER BY domain",
            &[],
        )
        .at(&self.url)?
        .iter()
        .map(|r| ProtectedRow {
            domain: r.get(0),
            country: r.get(1),
            kind: r.get(2),
            note: r.get(3),
        })
        .collect())
    }
}

#[cfg(test)]
mod tests;
