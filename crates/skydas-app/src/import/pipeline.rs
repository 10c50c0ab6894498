//! The import pipeline: discover → hash → parse ∥ normalise ∥ store.
//!
//! Every file is hashed first, on all cores, so that files the store already holds completely
//! are never parsed. The rest flow through three stages joined by bounded channels, so memory
//! stays bounded whatever the file size and both cores stay busy: parser threads (one per core,
//! up to [`PARSERS`]) take the files one at a time and turn them into batches, a normalise
//! thread normalises each batch on the rayon pool, and the calling thread writes one
//! transaction per batch. The stages never wait for one another at file boundaries: the begin
//! and end of each file travel down the channels with its batches, tagged with the file. Each
//! file has its own bounded channel and the normalise thread reads them in file order, so the
//! stages after parsing see the files one after the other whichever parser finished first. A bad record is counted and
//! reported but never stops its file; a file that cannot be read is named and the others still
//! land.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use skydas_ingest::{Discovered, Event, FileError, FileSummary, ImportOptions, RecordError};
use skydas_model::Item;
use skydas_model::{Corpus, CorpusBuilder, Interner};
use skydas_normalise::Normaliser;
use skydas_store::{FileRecord, FileStatus, InsertOutcome, Store};

use crate::error::{Result, failed};

/// Items per batch, and so per store transaction.
const BATCH: usize = 16384;
/// Batches waiting between two stages. Two keep each stage fed without holding much memory.
const QUEUE: usize = 2;
/// Most parser threads. Parsing is the heaviest stage on a single thread; two files parsed
/// side by side keep two cores busy.
const PARSERS: usize = 2;

/// What happened to one file.
#[derive(Debug, Serialize)]
pub struct FileReport {
    pub path: String,
    pub sha256: String,
    pub status: &'static str,
    pub importer: String,
    pub records: u64,
    pub new_items: u64,
    pub duplicates: u64,
    pub errors: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub warnings: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The whole import.
#[derive(Debug, Serialize, Default)]
pub struct ImportReport {
    pub files: Vec<FileReport>,
    pub records: u64,
    pub new_items: u64,
    pub duplicates: u64,
    pub record_errors: u64,
    /// Record errors by reason.
    pub errors_by_reason: BTreeMap<String, u64>,
    /// The first record errors, `file:line: reason`.
    pub error_samples: Vec<String>,
    /// What refused nothing but should be known (times without an offset, a file cut short).
    #[serde(skip_serializing_if = "is_zero")]
    pub warnings: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub warnings_by_reason: BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warning_samples: Vec<String>,
    pub failed_files: u64,
    /// What the folders held that is not imported (media, pages, hidden folders), and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedFile>,
    pub seconds: f64,
}

impl ImportReport {
    /// Files imported before, unchanged: nothing to add.
    pub fn unchanged_files(&self) -> usize {
        self.files
            .iter()
            .filter(|f| f.status == "unchanged")
            .count()
    }

    /// Record errors, then warnings: the first `show` one by one, then a count of the rest
    /// and a summary by reason.
    pub fn problems(&self, show: usize) -> Vec<String> {
        let mut lines = Vec::new();
        for (what, more, n, samples, by) in [
            (
                "bad records skipped",
                "record errors",
                self.record_errors,
                &self.error_samples,
                &self.errors_by_reason,
            ),
            (
                "warnings",
                "warnings",
                self.warnings,
                &self.warning_samples,
                &self.warnings_by_reason,
            ),
        ] {
            if n == 0 {
                continue;
            }
            lines.extend(samples.iter().take(show).map(|e| format!("warning: {e}")));
            if n as usize > show {
                let rest = n as usize - show.min(samples.len());
                lines.push(format!("warning: … and {rest} more {more}"));
            }
            let by: Vec<String> = by.iter().map(|(k, v)| format!("{v} × {k}")).collect();
            lines.push(format!("{n} {what}: {}", by.join(", ")));
        }
        lines
    }

    /// The totals in one line: files (with those skipped or imported before), items, errors
    /// and the rate.
    pub fn totals(&self) -> String {
        let rate = if self.seconds > 0.0 {
            self.records as f64 / self.seconds
        } else {
            0.0
        };
        let mut also = Vec::new();
        if !self.skipped.is_empty() {
            also.push(format!("{} skipped", self.skipped.len()));
        }
        match self.unchanged_files() {
            0 => {}
            n if n == self.files.len() => also.push("all already imported".to_string()),
            n => also.push(format!("{n} already imported")),
        }
        let also = if also.is_empty() {
            String::new()
        } else {
            format!(" ({})", also.join(", "))
        };
        format!(
            "imported {} records from {} files{also}: {} new items, {} already stored, {} \
             record errors, {} files failed ({:.1} s, {rate:.0} items/s)",
            self.records,
            self.files.len(),
            self.new_items,
            self.duplicates,
            self.record_errors,
            self.failed_files,
            self.seconds,
        )
    }
}

impl std::fmt::Display for FileReport {
    /// One file's line; nothing for a file that failed (its error is reported as it fails).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = self.sha256.get(..12).unwrap_or("");
        match self.status {
            "unchanged" => write!(
                f,
                "{}: already imported ({short}), nothing to add",
                self.path
            ),
            "failed" => Ok(()),
            _ => write!(
                f,
                "{}: {} records, {} new, {} already stored, {} errors [{}{}{short}]",
                self.path,
                self.records,
                self.new_items,
                self.duplicates,
                self.errors,
                self.importer,
                if short.is_empty() { "" } else { " " },
            ),
        }
    }
}

/// A file or folder passed over, and why.
#[derive(Debug, Serialize)]
pub struct SkippedFile {
    pub path: String,
    pub reason: &'static str,
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportSettings {
    pub options: ImportOptions,
    /// Keep an unchanged copy of every original file in the store.
    pub keep_originals: bool,
    /// How many record errors the report keeps as samples (at least 1,000).
    pub show_errors: usize,
}

/// What the caller sees of an import while it runs: bytes done out of the total, the item
/// rate, and files that failed. The command line draws a progress bar; the default does
/// nothing.
pub trait Progress: Sync {
    /// The bytes of all files to import, once, at the start.
    fn start(&self, _total_bytes: u64) {}
    /// Another `bytes` are done.
    fn advance(&self, _bytes: u64) {}
    /// Items stored so far and the rate.
    fn items(&self, _records: u64, _per_second: f64) {}
    /// A file could not be imported at all (the report names it too).
    fn file_failed(&self, _message: &str) {}
    /// The import ended.
    fn finish(&self) {}
}

/// No progress shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Progress for Quiet {}

/// What flows down the pipeline. Each message names its file, `jobs[i]`; the messages of one
/// file arrive in order, those of different files may interleave.
enum Msg {
    /// The file starts.
    Begin(usize),
    Batch(usize, Vec<Item>),
    /// Record errors (`true`) and warnings (`false`) of the file.
    Errors(usize, Vec<(bool, RecordError)>),
    /// The file ends, with its importer's verdict.
    End(usize, std::result::Result<FileSummary, FileError>),
}

/// Where the pipeline puts what it imports: the store (`import`, `demo`), or the in-memory
/// corpus of a one-shot `scan`. These are the store operations an import needs.
pub trait ImportTarget {
    fn file_status(&self, sha256: &str) -> Result<Option<FileStatus>>;
    fn store_original(&mut self, path: &Path, sha256: &str) -> Result<()>;
    fn begin_file(&mut self, f: &FileRecord) -> Result<()>;
    /// Stores a batch of the file `sha256` (begun and not yet finished; batches of several
    /// files may interleave). A target may take the items' strings rather than copy them: the
    /// batch is only freed afterwards.
    fn insert_items(&mut self, sha256: &str, items: &mut [Item]) -> Result<InsertOutcome>;
    fn finish_file(&mut self, sha256: &str, items: u64, errors: u64) -> Result<()>;
}

/// The store as an import target.
pub struct StoreTarget<'a>(pub &'a mut dyn Store);

impl ImportTarget for StoreTarget<'_> {
    fn file_status(&self, sha256: &str) -> Result<Option<FileStatus>> {
        Ok(self.0.file_status(sha256)?)
    }
    fn store_original(&mut self, path: &Path, sha256: &str) -> Result<()> {
        self.0.store_original(path, sha256)?;
        Ok(())
    }
    fn begin_file(&mut self, f: &FileRecord) -> Result<()> {
        Ok(self.0.begin_file(f)?)
    }
    fn insert_items(&mut self, _sha256: &str, items: &mut [Item]) -> Result<InsertOutcome> {
        Ok(self.0.insert_items(items)?)
    }
    fn finish_file(&mut self, sha256: &str, items: u64, errors: u64) -> Result<()> {
        Ok(self.0.finish_file(sha256, items, errors)?)
    }
}

/// The temporary store of a one-shot `scan`: items go straight into the detectors' corpus,
/// keyed like the store keys them (`platform`, `platform_id`), so the same post met twice is
/// kept once, and nothing is written to disk or read back.
#[derive(Default)]
pub struct CorpusTarget {
    builder: CorpusBuilder,
    keys: Interner,
    key: String,
    complete: std::collections::HashSet<String>,
}

impl CorpusTarget {
    pub fn new() -> Self {
        Self::default()
    }

    /// The corpus of everything imported, sorted by time.
    pub fn finish(self) -> Corpus {
        self.builder.finish()
    }
}

impl ImportTarget for CorpusTarget {
    fn file_status(&self, sha256: &str) -> Result<Option<FileStatus>> {
        Ok(self
            .complete
            .contains(sha256)
            .then_some(FileStatus::Complete))
    }
    fn store_original(&mut self, _path: &Path, _sha256: &str) -> Result<()> {
        Ok(())
    }
    fn begin_file(&mut self, _f: &FileRecord) -> Result<()> {
        Ok(())
    }
    fn insert_items(&mut self, _sha256: &str, items: &mut [Item]) -> Result<InsertOutcome> {
        let mut out = InsertOutcome::default();
        for it in items {
            self.key.clear();
            self.key.push_str(it.platform.as_str());
            self.key.push(':');
            self.key.push_str(&it.platform_id);
            let before = self.keys.len();
            if self.keys.intern(&self.key) as usize == before {
                self.builder.push_taking(it);
                out.new_items += 1;
            } else {
                out.duplicates += 1;
            }
        }
        Ok(out)
    }
    fn finish_file(&mut self, sha256: &str, _items: u64, _errors: u64) -> Result<()> {
        self.complete.insert(sha256.to_string());
        Ok(())
    }
}

/// A file that goes through the pipeline.
struct Job {
    /// Position in the discovered file list, which is the order of the report.
    slot: usize,
    path: PathBuf,
    sha: String,
    size: u64,
}

/// Imports the discovered `files` into `store`; `discover_errors` are the paths that could
/// not even be listed, reported as failed files.
pub fn import(
    store: &mut dyn ImportTarget,
    found: Discovered,
    s: &ImportSettings,
    progress: &dyn Progress,
) -> Result<ImportReport> {
    let started = Instant::now();
    let Discovered {
        files,
        skipped,
        errors: discover_errors,
    } = found;
    let mut report = ImportReport {
        skipped: skipped
            .into_iter()
            .map(|s| SkippedFile {
                path: s.path.display().to_string(),
                reason: s.reason,
            })
            .collect(),
        ..ImportReport::default()
    };
    for e in discover_errors {
        report.failed_files += 1;
        progress.file_failed(&e.to_string());
        let mut fr = file_report(error_path(&e));
        fr.status = "failed";
        fr.failure = Some(e.to_string());
        report.files.push(fr);
    }
    let total_bytes: u64 = files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    progress.start(total_bytes);

    // Hashing (SHA-NI where the CPU has it) is far cheaper than parsing, and knowing every hash
    // up front lets unchanged files skip the pipeline entirely.
    let hashes: Vec<std::io::Result<(String, u64)>> = files
        .par_iter()
        .map(|p| skydas_ingest::hash_file(p))
        .collect();
    let mut slots: Vec<Option<FileReport>> = Vec::with_capacity(files.len());
    let mut jobs = Vec::new();
    // A second copy of the same bytes in this run is unchanged once the first lands; telling
    // it now keeps two copies from being parsed side by side.
    let mut scheduled = std::collections::HashSet::new();
    for (slot, (path, hash)) in files.iter().zip(hashes).enumerate() {
        let mut fr = file_report(path.display().to_string());
        match hash {
            Err(e) => {
                progress.file_failed(&format!("{}: cannot read: {e}", fr.path));
                fr.status = "failed";
                fr.failure = Some(format!("cannot read: {e}"));
            }
            Ok((sha, _))
                if scheduled.contains(&sha)
                    || store.file_status(&sha)? == Some(FileStatus::Complete) =>
            {
                fr.sha256 = sha;
                fr.status = "unchanged";
            }
            Ok((sha, size)) => {
                scheduled.insert(sha.clone());
                jobs.push(Job {
                    slot,
                    path: path.clone(),
                    sha,
                    size,
                });
                slots.push(None);
                continue;
            }
        }
        progress.advance(file_size(path));
        slots.push(Some(fr));
    }

    let normaliser = Normaliser::new();
    let skip: Vec<AtomicBool> = jobs.iter().map(|_| AtomicBool::new(false)).collect();
    let next_job = AtomicUsize::new(0);
    let run = Run {
        s,
        progress,
        jobs: &jobs,
        skip: &skip,
        started: Instant::now(),
    };
    let parsers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, PARSERS)
        .min(jobs.len().max(1));
    // One bounded channel per file, read in file order: a parser runs at most `QUEUE`
    // batches ahead on the next file, and everything downstream sees the files one after
    // the other, as with one parser, so the corpus and the findings do not depend on
    // which parser was faster.
    let (senders, receivers): (Vec<_>, Vec<_>) =
        jobs.iter().map(|_| sync_channel::<Msg>(QUEUE)).unzip();
    let senders: Vec<std::sync::Mutex<Option<SyncSender<Msg>>>> = senders
        .into_iter()
        .map(|t| std::sync::Mutex::new(Some(t)))
        .collect();
    std::thread::scope(|scope| -> Result<()> {
        let (ready_tx, ready_rx) = sync_channel::<Msg>(QUEUE);
        let (spent_tx, spent_rx) = channel::<Vec<Item>>();
        // Named, so that profiles and `top -H` show the stages.
        let mut threads = Vec::new();
        for _ in 0..parsers {
            let (jobs, options, skip, next_job, tx) =
                (&jobs, &s.options, &skip, &next_job, &senders);
            threads.push(
                std::thread::Builder::new()
                    .name("parse".into())
                    .spawn_scoped(scope, move || {
                        parse_stage(jobs, options, skip, next_job, tx);
                    })
                    .map_err(spawn_failed)?,
            );
        }
        threads.push(
            std::thread::Builder::new()
                .name("normalise".into())
                .spawn_scoped(scope, || {
                    normalise_stage(&normaliser, receivers, ready_tx, spent_rx);
                })
                .map_err(spawn_failed)?,
        );
        let stored = run.store_stage(store, ready_rx, &spent_tx, &mut slots, &mut report);
        // The store stage returned, so its receiver is gone and the other stages end soon.
        let all_ok = threads.into_iter().all(|t| t.join().is_ok());
        stored?;
        if !all_ok {
            return Err(failed("the import pipeline failed unexpectedly"));
        }
        Ok(())
    })?;

    report.failed_files += slots
        .iter()
        .flatten()
        .filter(|f| f.status == "failed")
        .count() as u64;
    report.files.extend(slots.into_iter().flatten());
    progress.finish();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn spawn_failed(e: std::io::Error) -> crate::AppError {
    failed(format!("cannot start an import thread: {e}"))
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn file_report(path: String) -> FileReport {
    FileReport {
        path,
        sha256: String::new(),
        status: "imported",
        importer: String::new(),
        records: 0,
        new_items: 0,
        duplicates: 0,
        errors: 0,
        warnings: 0,
        failure: None,
    }
}

/// Takes the next job until none is left and parses it into batches. Stops when the next
/// stage is gone.
fn parse_stage(
    jobs: &[Job],
    options: &ImportOptions,
    skip: &[AtomicBool],
    next_job: &AtomicUsize,
    senders: &[std::sync::Mutex<Option<SyncSender<Msg>>>],
) {
    loop {
        let i = next_job.fetch_add(1, Ordering::Relaxed);
        let Some(job) = jobs.get(i) else {
            return;
        };
        // Taken, so that the file's channel closes when this parser is done with it.
        let Some(tx) = senders
            .get(i)
            .and_then(|m| m.lock().ok().and_then(|mut t| t.take()))
        else {
            return;
        };
        if tx.send(Msg::Begin(i)).is_err() {
            return;
        }
        let mut batch = Vec::with_capacity(BATCH);
        let mut errors = Vec::new();
        let mut closed = false;
        let mut sink = |ev: Event| {
            // The store found this file complete after all (a copy imported earlier in this
            // run): nothing of it is wanted.
            if closed || skip[i].load(Ordering::Relaxed) {
                return;
            }
            match ev {
                Event::Item(it) => {
                    batch.push(*it);
                    if batch.len() >= BATCH {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        closed = tx.send(Msg::Batch(i, full)).is_err();
                    }
                }
                Event::Error(e) => errors.push((true, e)),
                Event::Warning(w) => errors.push((false, w)),
            }
            if errors.len() >= 1024 {
                closed = tx
                    .send(Msg::Errors(i, std::mem::take(&mut errors)))
                    .is_err();
            }
        };
        let res = skydas_ingest::import_file(&job.path, &job.sha, options, &mut sink);
        if closed {
            return;
        }
        let tail = [
            (!batch.is_empty()).then_some(Msg::Batch(i, batch)),
            (!errors.is_empty()).then_some(Msg::Errors(i, errors)),
            Some(Msg::End(i, res)),
        ];
        for msg in tail.into_iter().flatten() {
            if tx.send(msg).is_err() {
                return;
            }
        }
    }
}

/// Normalises each batch on the rayon pool and passes everything on in order. Also frees the
/// batches the store is done with: freeing a batch's strings is real work, and the store
/// thread is the one every item waits for.
fn normalise_stage(
    normaliser: &Normaliser,
    files: Vec<Receiver<Msg>>,
    tx: SyncSender<Msg>,
    spent: Receiver<Vec<Item>>,
) {
    for mut msg in files.iter().flatten() {
        if let Msg::Batch(_, items) = &mut msg {
            items.par_iter_mut().for_each(|it| normaliser.normalise(it));
        }
        if tx.send(msg).is_err() {
            return;
        }
        spent.try_iter().for_each(drop);
    }
}

/// What the store stage needs to know about the run.
struct Run<'a> {
    s: &'a ImportSettings,
    progress: &'a dyn Progress,
    jobs: &'a [Job],
    skip: &'a [AtomicBool],
    started: Instant,
}

/// A file the store stage is in.
struct Current {
    fr: FileReport,
    /// Complete in the store by the time it came up: its batches are dropped.
    skipping: bool,
}

impl Run<'_> {
    fn store_stage(
        &self,
        store: &mut dyn ImportTarget,
        rx: Receiver<Msg>,
        spent: &Sender<Vec<Item>>,
        slots: &mut [Option<FileReport>],
        report: &mut ImportReport,
    ) -> Result<()> {
        // The files begun and not yet ended, by job.
        let mut open: BTreeMap<usize, Current> = BTreeMap::new();
        for msg in rx {
            match msg {
                Msg::Begin(i) => {
                    let c = self.begin(store, i)?;
                    open.insert(i, c);
                }
                Msg::Batch(i, mut items) => {
                    let Some(c) = open.get_mut(&i).filter(|c| !c.skipping) else {
                        continue;
                    };
                    let out = store.insert_items(&self.jobs[i].sha, &mut items)?;
                    let n = items.len() as u64;
                    // Once the normaliser has finished, the batch is simply freed here.
                    let _ = spent.send(items);
                    c.fr.records += n;
                    c.fr.new_items += out.new_items;
                    c.fr.duplicates += out.duplicates;
                    report.records += n;
                    report.new_items += out.new_items;
                    report.duplicates += out.duplicates;
                    let secs = self.started.elapsed().as_secs_f64().max(1e-3);
                    self.progress
                        .items(report.records, report.records as f64 / secs);
                }
                Msg::Errors(i, errs) => {
                    let Some(c) = open.get_mut(&i).filter(|c| !c.skipping) else {
                        continue;
                    };
                    let keep = self.s.show_errors.max(1000);
                    for (is_error, e) in errs {
                        if is_error {
                            c.fr.errors += 1;
                            report.record_errors += 1;
                            *report.errors_by_reason.entry(e.reason.clone()).or_default() += 1;
                            if report.error_samples.len() < keep {
                                report.error_samples.push(e.to_string());
                            }
                        } else {
                            c.fr.warnings += 1;
                            report.warnings += 1;
                            *report
                                .warnings_by_reason
                                .entry(e.reason.clone())
                                .or_default() += 1;
                            if report.warning_samples.len() < keep {
                                report.warning_samples.push(e.to_string());
                            }
                        }
                    }
                }
                Msg::End(i, res) => {
                    let Some(mut c) = open.remove(&i) else {
                        return Err(failed("the import pipeline lost track of its files"));
                    };
                    let job = &self.jobs[i];
                    if !c.skipping {
                        self.end(store, &mut c.fr, &job.sha, res, report)?;
                    }
                    self.progress.advance(job.size);
                    slots[job.slot] = Some(c.fr);
                }
            }
        }
        if let Some(c) = open.values().next() {
            return Err(failed(format!(
                "importer of {} stopped unexpectedly",
                c.fr.path
            )));
        }
        Ok(())
    }

    fn begin(&self, store: &mut dyn ImportTarget, i: usize) -> Result<Current> {
        let job = &self.jobs[i];
        let mut fr = file_report(job.path.display().to_string());
        fr.sha256.clone_from(&job.sha);
        // Asked again: the same bytes may have come in under another name since the hashing.
        if store.file_status(&job.sha)? == Some(FileStatus::Complete) {
            self.skip[i].store(true, Ordering::Relaxed);
            fr.status = "unchanged";
            return Ok(Current { fr, skipping: true });
        }
        if self.s.keep_originals {
            store.store_original(&job.path, &job.sha)?;
        }
        store.begin_file(&FileRecord {
            sha256: job.sha.clone(),
            path: fr.path.clone(),
            size: job.size,
            importer: self
                .s
                .options
                .format
                .clone()
                .unwrap_or_else(|| "auto".into()),
            importer_version: 0,
        })?;
        Ok(Current {
            fr,
            skipping: false,
        })
    }

    fn end(
        &self,
        store: &mut dyn ImportTarget,
        fr: &mut FileReport,
        sha: &str,
        res: std::result::Result<FileSummary, FileError>,
        report: &mut ImportReport,
    ) -> Result<()> {
        match res {
            Ok(summary) => {
                fr.importer = summary.importer;
                store.finish_file(sha, fr.records, fr.errors)?;
            }
            Err(FileError::Fatal {
                locator, reason, ..
            }) => {
                // The document is cut or broken part way: what came before it is kept, the file
                // is done (a re-import would give the same), and the break counts as a record
                // error.
                let msg = format!("{}:{locator}: {reason}", fr.path);
                fr.errors += 1;
                report.record_errors += 1;
                *report
                    .errors_by_reason
                    .entry("broken document".into())
                    .or_default() += 1;
                report.error_samples.push(msg.clone());
                fr.failure = Some(msg);
                fr.status = "partial";
                store.finish_file(sha, fr.records, fr.errors)?;
            }
            Err(e) => {
                self.progress.file_failed(&e.to_string());
                fr.status = "failed";
                fr.failure = Some(e.to_string());
            }
        }
        Ok(())
    }
}

fn error_path(e: &FileError) -> String {
    match e {
        FileError::Io { path, .. }
        | FileError::Empty { path }
        | FileError::UnknownFormat { path, .. }
        | FileError::NoSuchImporter { path, .. }
        | FileError::Fatal { path, .. }
        | FileError::TooLarge { path, .. } => path.display().to_string(),
    }
}
