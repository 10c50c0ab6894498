//! Storage for Skydas: the [`Store`] trait every backend implements, the embedded SQLite
//! backend ([`SqliteStore`]) and the shared [`conformance`] suite every backend must pass.
//!
//! A store keeps normalised items (deduplicated by `(platform, platform_id)`, with one
//! provenance row per place each item was met), the actors behind them, the imported files and
//! their status, the original files by SHA-256, findings with the analyst's review, and the
//! user's protected domains. Only this crate knows SQL.

pub mod accounts;
pub mod audit;
pub mod browse;
pub mod codec;
pub mod conformance;
mod error;
pub mod originals;
pub mod query;
pub mod row;
pub mod sharing;
mod sqlite;
pub mod versions;
pub mod work;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use skydas_model::{Clock, Corpus, Finding, Item, Platform, Provenance, SystemClock, Tlp};

pub use error::{Result, StoreError};
pub use originals::{original_relpath, sha256_file};
pub use sqlite::{DB_FILE, OpenOptions, SqliteStore};
pub use versions::{Change, FindingVersion, Revision};

/// Import status of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Begun but not finished: an import is running, or one was interrupted. Importing the file
    /// again is safe and completes it.
    Partial,
    /// Every record of the file was processed.
    Complete,
}

impl FileStatus {
    /// The string form kept in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Partial => "partial",
            FileStatus::Complete => "complete",
        }
    }

    /// Parses the string form.
    pub fn parse(s: &str) -> Option<FileStatus> {
        match s {
            "partial" => Some(FileStatus::Partial),
            "complete" => Some(FileStatus::Complete),
            _ => None,
        }
    }
}

/// An input file as an import begins it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// The path the file was imported from, for display.
    pub path: String,
    pub size: u64,
    /// Importer name, e.g. `x-v2`.
    pub importer: String,
    pub importer_version: u32,
}

/// What one [`Store::insert_items`] call changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct InsertOutcome {
    /// Items not seen before.
    pub new_items: u64,
    /// Items already stored (from another file, or an earlier run of this one).
    pub duplicates: u64,
    /// Provenance rows added: one per item and place in a file not recorded before.
    pub new_provenance: u64,
}

impl std::ops::AddAssign for InsertOutcome {
    fn add_assign(&mut self, o: InsertOutcome) {
        self.new_items += o.new_items;
        self.duplicates += o.duplicates;
        self.new_provenance += o.new_provenance;
    }
}

/// Counts over the whole store. The JSON form is the `skydas stats --json` contract.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub items: u64,
    pub actors: u64,
    pub files: u64,
    pub provenance: u64,
    /// Bad records reported by importers, summed over files.
    #[serde(rename = "record_errors")]
    pub errors: u64,
    /// Items per platform (string form of [`Platform`]).
    pub by_platform: BTreeMap<String, u64>,
    /// Items per language code; items without one count as `und`.
    pub by_language: BTreeMap<String, u64>,
}

/// A full-text search with optional filters.
///
/// `text` is plain words (all must match, case and diacritics ignored), `"quoted phrases"`, and
/// `word*` for a prefix. Nothing in it is operator syntax: any string is a valid query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub text: String,
    pub platform: Option<Platform>,
    /// The actor's platform id or handle (a leading `@` is ignored; handles match
    /// case-insensitively).
    pub actor: Option<String>,
    /// Language code; `und` also matches items without one.
    pub lang: Option<String>,
    /// Earliest item time, Unix seconds, inclusive.
    pub since: Option<i64>,
    /// Latest item time, Unix seconds, exclusive.
    pub until: Option<i64>,
    /// Most hits to return; 0 means no limit.
    pub limit: usize,
}

impl SearchQuery {
    /// The default number of hits of [`SearchQuery::new`].
    pub const DEFAULT_LIMIT: usize = 50;

    /// A query for `text` without filters, returning at most [`Self::DEFAULT_LIMIT`] hits.
    pub fn new(text: impl Into<String>) -> SearchQuery {
        SearchQuery {
            text: text.into(),
            platform: None,
            actor: None,
            lang: None,
            since: None,
            until: None,
            limit: Self::DEFAULT_LIMIT,
        }
    }
}

/// Marks the start of a matched term in [`SearchHit::snippet`].
pub const SNIPPET_START: &str = "[";
/// Marks the end of a matched term in [`SearchHit::snippet`].
pub const SNIPPET_END: &str = "]";

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub platform: Platform,
    /// The platform's own item id.
    pub id: String,
    /// The platform's own id of the posting actor.
    pub actor_id: String,
    pub actor_handle: Option<String>,
    /// Unix seconds UTC; RFC 3339 in JSON.
    #[serde(with = "skydas_model::time::serde_rfc3339")]
    pub time: i64,
    pub lang: String,
    /// An excerpt around the matches, terms between [`SNIPPET_START`] and [`SNIPPET_END`].
    pub snippet: String,
    /// Relevance, higher is better (the negated BM25 score on SQLite).
    pub rank: f64,
}

/// An item with every place it was met.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredItem {
    /// The item; its `provenance` is the first one recorded, its actor the merged actor record.
    pub item: Item,
    /// Every provenance, in the order the files were first seen.
    pub provenance: Vec<Provenance>,
}

impl StoredItem {
    /// An item met in the places `provenance` lists, in the order they were recorded; the
    /// item's own provenance becomes the first of them.
    pub fn new(mut item: Item, provenance: Vec<Provenance>) -> StoredItem {
        if let Some(first) = provenance.first() {
            item.provenance = first.clone();
        }
        StoredItem { item, provenance }
    }
}

/// One of the user's protected domains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectedRow {
    pub domain: String,
    pub country: String,
    pub kind: String,
    pub note: String,
}

/// The columns of a protected domain as [`ProtectedRow`] reads them, and their table.
pub const PROTECTED_COLS: &str = "domain, country, kind, note FROM protected_domains";

row::from_cells! { ProtectedRow { domain, country, kind, note } }

/// The analyst's verdict on a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewStatus {
    #[default]
    New,
    Confirmed,
    Dismissed,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::New => "new",
            ReviewStatus::Confirmed => "confirmed",
            ReviewStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewStatus> {
        match s {
            "new" => Some(ReviewStatus::New),
            "confirmed" => Some(ReviewStatus::Confirmed),
            "dismissed" => Some(ReviewStatus::Dismissed),
            _ => None,
        }
    }
}

/// What an analyst recorded about a finding. Survives re-running the detectors as long as the
/// finding keeps its id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Review {
    pub status: ReviewStatus,
    pub note: String,
    pub tlp: Tlp,
}

/// A storage backend. Every implementation must pass [`conformance::run_all`].
pub trait Store: Send {
    /// The import status of a file, `None` if it was never begun.
    fn file_status(&self, sha256: &str) -> Result<Option<FileStatus>>;

    /// Records that an import of the file has begun: the file is [`FileStatus::Partial`] until
    /// [`Store::finish_file`]. Calling it again (a re-run) is harmless.
    fn begin_file(&mut self, f: &FileRecord) -> Result<()>;

    /// Stores a batch of items in one transaction: new items are added, items already stored
    /// gain only their new provenance. Either the whole batch is stored or none of it.
    fn insert_items(&mut self, items: &[Item]) -> Result<InsertOutcome>;

    /// Marks a begun file [`FileStatus::Complete`] with its record and error counts.
    fn finish_file(&mut self, sha256: &str, items: u64, errors: u64) -> Result<()>;

    /// Keeps an unchanged copy of an original file under `originals/<sha[0..2]>/<sha>` (a hard
    /// link when on the same file system) and returns where it is. A no-op when already kept.
    fn store_original(&mut self, path: &Path, sha256: &str) -> Result<PathBuf>;

    /// Where the kept original of a file is, `None` if it is not kept.
    fn original_path(&self, sha256: &str) -> Result<Option<PathBuf>>;

    /// Counts over the whole store.
    fn stats(&self) -> Result<Stats>;

    /// Full-text search, best matches first (ties: oldest first).
    fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>>;

    /// Every item, as the detectors read them.
    fn load_corpus(&self) -> Result<Corpus>;

    /// Calls `f` with every stored item, sorted by `(time, platform, platform_id)`. Each item's
    /// provenance is the first one recorded.
    fn for_each_item(&self, f: &mut dyn FnMut(&Item)) -> Result<()>;

    /// Replaces the stored findings of the given kinds (string forms, e.g. `coordination`) by
    /// `findings`. Findings whose id was stored before keep their [`Review`] and versions;
    /// stored findings of those kinds that are not in `findings` are removed with their
    /// versions. Findings of other kinds are kept. Writes no version:
    /// [`Store::revise_findings`] does.
    fn replace_findings(&mut self, detector_kinds: &[&str], findings: &[Finding]) -> Result<()> {
        self.revise_findings(detector_kinds, findings, &Revision::default())
    }

    /// [`Store::replace_findings`], and in the same transaction: the reviews `revision` copies
    /// (from findings still stored before the replace) and the versions it appends, each
    /// numbered one above the finding's last. Either all of it is stored or none.
    fn revise_findings(
        &mut self,
        detector_kinds: &[&str],
        findings: &[Finding],
        revision: &Revision,
    ) -> Result<()>;

    /// A finding's versions, oldest first; empty for a finding never revised or not stored.
    fn finding_versions(&self, id: &str) -> Result<Vec<FindingVersion>>;

    /// Every finding, ordered by kind, score (highest first), then id.
    fn findings(&self) -> Result<Vec<Finding>>;

    /// One finding by id.
    fn finding(&self, id: &str) -> Result<Option<Finding>>;

    /// One finding's stored JSON, as written (it reads back with
    /// [`codec::finding_from_json`]); a backend that keeps the JSON returns it without parsing.
    fn finding_body(&self, id: &str) -> Result<Option<String>> {
        self.finding(id)?
            .map(|f| codec::finding_to_json(&f))
            .transpose()
    }

    /// The analyst's review of a finding, `None` if there is no such finding.
    fn review(&self, id: &str) -> Result<Option<Review>>;

    /// Records the analyst's review of a finding; `false` if there is no such finding.
    fn set_review(&mut self, id: &str, review: &Review) -> Result<bool>;

    /// One item by its platform id, with all its provenance.
    fn item(&self, platform: Platform, platform_id: &str) -> Result<Option<StoredItem>>;

    /// Adds a protected domain (lowercased, without a trailing dot); `false` if it was already
    /// listed, in which case its country, kind and note are updated.
    fn protected_add(
        &mut self,
        domain: &str,
        country: &str,
        kind: &str,
        note: &str,
    ) -> Result<bool>;

    /// Removes a protected domain; `false` if it was not listed.
    fn protected_remove(&mut self, domain: &str) -> Result<bool>;

    /// The protected domains, sorted by domain.
    fn protected_list(&self) -> Result<Vec<ProtectedRow>>;
}

/// The wall clock in Unix seconds, for the times a store records ([`SystemClock`]).
pub fn unix_now() -> i64 {
    SystemClock.now()
}

/// A protected domain as every backend stores it (see [`Store::protected_add`]).
pub fn check_protected_domain(domain: &str) -> Result<String> {
    skydas_model::normalise_domain(domain).ok_or_else(|| StoreError::InvalidInput {
        what: "domain",
        value: domain.into(),
    })
}

/// Checks that `s` is a SHA-256 in lowercase hex, the only form used as a key and a file name.
pub fn check_sha256(s: &str) -> Result<()> {
    if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(StoreError::InvalidSha256(s.chars().take(80).collect()))
    }
}
