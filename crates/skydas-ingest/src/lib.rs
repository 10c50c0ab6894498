//! Importers: the files analysts hold become [`Item`]s with provenance.
//!
//! Each input format is one module under [`formats`] implementing [`Importer`]. The format of a
//! file is detected from its content ([`Importer::sniff`]), never from its name. The framework
//! here walks folders, hashes originals (SHA-256), opens `.gz` with a decompression limit, picks
//! the importer and streams records to a sink, one [`Event`] at a time: good records and bad
//! records side by side, so that one bad record never sinks its neighbours.
//!
//! Importers only parse. URL canonicalisation, language ID and matching text happen later in
//! `skydas-normalise`.

pub mod formats;
mod kit;
pub mod photo;
pub mod source;

use std::path::{Path, PathBuf};

use skydas_model::{Item, Locator};

pub use source::{
    ColumnMap, Discovered, FileSummary, ImportOptions, Skipped, discover, hash_file, import_file,
    importer_by_name, registry, sniff_format,
};

/// A bad record: where it is and why it was refused. Displays as `path:line: reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub path: PathBuf,
    pub locator: Locator,
    /// A short, stable reason (used to summarise errors by reason), lowercase, no period.
    pub reason: String,
    /// Extra detail for this record (a field name, a serde message).
    pub detail: String,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.path.display(),
            self.locator,
            self.reason
        )?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// A file that could not be imported at all (or stopped part way). The good records emitted
/// before the failure stay emitted.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: cannot read: {source}", path = .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: empty file", path = .path.display())]
    Empty { path: PathBuf },
    #[error("{path}: unrecognised format (not one of: {known})", path = .path.display())]
    UnknownFormat { path: PathBuf, known: String },
    #[error("{path}: unknown --format {name:?}", path = .path.display())]
    NoSuchImporter { path: PathBuf, name: String },
    #[error("{path}:{locator}: {reason}", path = .path.display())]
    Fatal {
        path: PathBuf,
        locator: Locator,
        reason: String,
    },
    #[error("{path}: decompressed size exceeds the limit of {limit} bytes", path = .path.display())]
    TooLarge { path: PathBuf, limit: u64 },
}

/// What an importer emits, in file order.
#[derive(Debug)]
pub enum Event {
    Item(Box<Item>),
    /// A record refused.
    Error(RecordError),
    /// Something the user should know that refused nothing: a time read without its offset, a
    /// file cut short, bytes read leniently. Reported like errors, by reason.
    Warning(RecordError),
}

/// What the importer knows about the file it is reading.
#[derive(Debug, Clone)]
pub struct FileContext<'a> {
    /// The path as given (for error messages).
    pub path: &'a Path,
    /// SHA-256 of the original file, lowercase hex (for provenance).
    pub sha256: &'a str,
    pub options: &'a ImportOptions,
    /// The file's modification time (Unix seconds), the time of last resort for records that
    /// carry none.
    pub file_time: Option<i64>,
}

/// How sure a sniffer is that a file is its format. The highest wins; `No` never wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    No = 0,
    /// Could be (a generic CSV/JSONL fallback).
    Weak = 1,
    /// Looks like it (expected keys or columns present).
    Likely = 2,
    /// Unmistakable (a signature header or key set).
    Certain = 3,
}

/// One input format.
pub trait Importer: Send + Sync {
    /// Stable name, used in provenance and by `--format` (e.g. `telegram`, `x-v2`).
    fn name(&self) -> &'static str;
    /// Bumped whenever the same input would now give different items.
    fn version(&self) -> u32;
    /// Judges the format from the first bytes of the (decompressed) content, at most 64 KiB.
    fn sniff(&self, head: &[u8]) -> Confidence;
    /// Parses the whole input, emitting items and record errors in order. Returns `Err` only
    /// when the file cannot be read on (I/O failure, a document that is not JSON at all).
    fn import(
        &self,
        input: &mut dyn std::io::BufRead,
        ctx: &FileContext<'_>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<(), FileError>;
}
