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
//!
//! This file is the [`PgStore`] handle and its [`Store`] glue; the SQL is by concern: `url`
//! (store URLs and their redaction), `schema` (migrations, sessions, partitions), `files`,
//! `items` (batches, the corpus, single items, stats), `search`, `findings`, `protected`,
//! `work` (the work ledger), and the side handles on sessions of their own (`session`):
//! `accounts`, `browse`, `sharing`. `blocking` makes any handle callable from async code;
//! `reconnect` rides out a restart of the server; `testing` is for tests that need a server.

mod accounts;
mod blocking;
mod browse;
mod files;
mod findings;
mod items;
mod protected;
pub mod reconnect;
mod row;
mod schema;
mod search;
mod session;
mod sharing;
pub mod testing;
mod url;
mod work;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

pub use accounts::PgAccounts;
pub use blocking::Blocking;
pub use browse::PgBrowse;
use postgres::{Client, Transaction};
pub use sharing::PgSharing;
use skydas_model::{Corpus, Finding, Item, Platform};
use skydas_store::{
    FileRecord, FileStatus, FindingVersion, InsertOutcome, ProtectedRow, Result, Review, Revision,
    SearchHit, SearchQuery, Stats, Store, StoreError, StoredItem, originals,
};
pub use url::{DEFAULT_SCHEMA, PgUrl, is_postgres_url, redact};

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
        let mut client = schema::open_client(&url)?;
        schema::migrate(&mut client, &url)?;
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
        schema::drop(&PgUrl::parse(url)?)
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
        schema::ensure_partitions(tx, url, partitions, items)?;
        items::write_items(tx, url, items)
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
        self.writer().0
    }

    /// The session and the URL, for writes.
    fn writer(&mut self) -> (&mut Client, &PgUrl) {
        let client = self
            .client
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (client, &self.url)
    }

    /// The session, for reads through `&self`. A panic while holding it leaves the session
    /// usable (any open transaction was dropped, which rolls it back).
    fn conn(&self) -> MutexGuard<'_, Client> {
        self.client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Store for PgStore {
    // The trait reads through `&self` and the driver needs `&mut`: reads go through the locked
    // session (`conn`), writes through `client_mut`.
    fn file_status(&self, sha256: &str) -> Result<Option<FileStatus>> {
        files::status(&mut self.conn(), &self.url, sha256)
    }

    fn begin_file(&mut self, f: &FileRecord) -> Result<()> {
        let (c, url) = self.writer();
        files::begin(c, url, f)
    }

    fn insert_items(&mut self, items: &[Item]) -> Result<InsertOutcome> {
        if items.is_empty() {
            return Ok(InsertOutcome::default());
        }
        let (mut tx, url, partitions) = self.transaction()?;
        let r = PgStore::insert_items_tx(&mut tx, url, partitions, items);
        match r {
            Ok(out) => {
                tx.commit().at(url)?;
                Ok(out)
            }
            Err(e) => {
                // Partitions created in the rolled-back transaction do not exist.
                partitions.clear();
                Err(e)
            }
        }
    }

    fn finish_file(&mut self, sha256: &str, items: u64, errors: u64) -> Result<()> {
        let (c, url) = self.writer();
        files::finish(c, url, sha256, items, errors)
    }

    fn store_original(&mut self, path: &Path, sha256: &str) -> Result<PathBuf> {
        originals::keep(&self.originals, path, sha256)
    }

    fn original_path(&self, sha256: &str) -> Result<Option<PathBuf>> {
        originals::find(&self.originals, sha256)
    }

    fn stats(&self) -> Result<Stats> {
        items::stats(&mut self.conn(), &self.url)
    }

    fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        search::search(&mut self.conn(), &self.url, q)
    }

    fn load_corpus(&self) -> Result<Corpus> {
        items::load_corpus(&mut self.conn(), &self.url)
    }

    fn for_each_item(&self, f: &mut dyn FnMut(&Item)) -> Result<()> {
        items::scan(&mut self.conn(), &self.url, true, f)
    }

    fn revise_findings(
        &mut self,
        detector_kinds: &[&str],
        findings: &[Finding],
        revision: &Revision,
    ) -> Result<()> {
        let (c, url) = self.writer();
        findings::revise(c, url, detector_kinds, findings, revision)
    }

    fn finding_versions(&self, id: &str) -> Result<Vec<FindingVersion>> {
        findings::versions(&mut self.conn(), &self.url, id)
    }

    fn findings(&self) -> Result<Vec<Finding>> {
        findings::all(&mut self.conn(), &self.url)
    }

    fn finding(&self, id: &str) -> Result<Option<Finding>> {
        findings::one(&mut self.conn(), &self.url, id)
    }

    fn review(&self, id: &str) -> Result<Option<Review>> {
        findings::review(&mut self.conn(), &self.url, id)
    }

    fn set_review(&mut self, id: &str, review: &Review) -> Result<bool> {
        let (c, url) = self.writer();
        findings::set_review(c, url, id, review)
    }

    fn item(&self, platform: Platform, platform_id: &str) -> Result<Option<StoredItem>> {
        items::item(&mut self.conn(), &self.url, platform, platform_id)
    }

    fn protected_add(
        &mut self,
        domain: &str,
        country: &str,
        kind: &str,
        note: &str,
    ) -> Result<bool> {
        let (c, url) = self.writer();
        protected::add(c, url, domain, country, kind, note)
    }

    fn protected_remove(&mut self, domain: &str) -> Result<bool> {
        let (c, url) = self.writer();
        protected::remove(c, url, domain)
    }

    fn protected_list(&self) -> Result<Vec<ProtectedRow>> {
        protected::list(&mut self.conn(), &self.url)
    }
}
