//! The import pipeline: discover → hash → (parse ∥ normalise ∥ store), file by file.
//!
//! Parsing runs on its own thread and hands batches over a bounded channel, so memory stays
//! bounded whatever the file size; normalisation of a batch runs on the rayon pool; the store
//! writes one transaction per batch on this thread. A bad record is counted and reported but
//! never stops its file; a file that cannot be read is named and the others still land.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;
use skydas_ingest::{Event, FileError, ImportOptions, RecordError};
use skydas_model::Item;
use skydas_normalise::Normaliser;
use skydas_store::{FileRecord, FileStatus, Store};

const BATCH: usize = 8192;

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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
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
    pub failed_files: u64,
    pub seconds: f64,
}

pub struct ImportSettings {
    pub options: ImportOptions,
    pub keep_originals: bool,
    pub show_errors: usize,
    pub progress: bool,
}

enum Msg {
    Batch(Vec<Item>),
    Errors(Vec<RecordError>),
}

/// Imports `paths` into `store`.
pub fn import(
    store: &mut dyn Store,
    paths: &[PathBuf],
    s: &ImportSettings,
) -> Result<ImportReport> {
    let started = Instant::now();
    let (files, discover_errors) = skydas_ingest::discover(paths);
    let mut report = ImportReport::default();
    for e in discover_errors {
        report.failed_files += 1;
        eprintln!("error: {e}");
        report.files.push(FileReport {
            path: error_path(&e),
            sha256: String::new(),
            status: "failed",
            importer: String::new(),
            records: 0,
            new_items: 0,
            duplicates: 0,
            errors: 0,
            failure: Some(e.to_string()),
        });
    }
    let total_bytes: u64 = files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = progress_bar(s.progress, total_bytes);
    let normaliser = Normaliser::new();
    let started_items = Instant::now();
    for path in &files {
        let fr = import_one(
            store,
            path,
            s,
            &normaliser,
            &bar,
            &mut report,
            started_items,
        );
        match fr {
            Ok(fr) => {
                if fr.status == "failed" {
                    report.failed_files += 1;
                }
                report.files.push(fr);
            }
            Err(e) => return Err(e),
        }
        if let Ok(m) = std::fs::metadata(path) {
            bar.inc(m.len());
        }
    }
    bar.finish_and_clear();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn error_path(e: &FileError) -> String {
    match e {
        FileError::Io { path, .. }
        | FileError::UnknownFormat { path, .. }
        | FileError::NoSuchImporter { path, .. }
        | FileError::Fatal { path, .. }
        | FileError::TooLarge { path, .. } => path.display().to_string(),
    }
}

fn progress_bar(enabled: bool, total: u64) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn import_one(
    store: &mut dyn Store,
    path: &Path,
    s: &ImportSettings,
    normaliser: &Normaliser,
    bar: &ProgressBar,
    report: &mut ImportReport,
    started: Instant,
) -> Result<FileReport> {
    let display = path.display().to_string();
    let mut fr = FileReport {
        path: display.clone(),
        sha256: String::new(),
        status: "imported",
        importer: String::new(),
        records: 0,
        new_items: 0,
        duplicates: 0,
        errors: 0,
        failure: None,
    };
    let (sha, size) = match skydas_ingest::hash_file(path) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {display}: cannot read: {e}");
            fr.status = "failed";
            fr.failure = Some(format!("cannot read: {e}"));
            return Ok(fr);
        }
    };
    fr.sha256.clone_from(&sha);
    if store.file_status(&sha)? == Some(FileStatus::Complete) {
        fr.status = "unchanged";
        return Ok(fr);
    }
    if s.keep_originals {
        store.store_original(path, &sha)?;
    }
    store.begin_file(&FileRecord {
        sha256: sha.clone(),
        path: display.clone(),
        size,
        importer: s.options.format.clone().unwrap_or_else(|| "auto".into()),
        importer_version: 0,
    })?;

    let (tx, rx) = mpsc::sync_channel::<Msg>(2);
    let options = s.options.clone();
    let owned_path = path.to_path_buf();
    let owned_sha = sha.clone();
    let parser = std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(BATCH);
        let mut errors = Vec::new();
        let mut closed = false;
        let mut sink = |ev: Event| {
            if closed {
                return;
            }
            match ev {
                Event::Item(it) => {
                    batch.push(*it);
                    if batch.len() >= BATCH {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        closed = tx.send(Msg::Batch(full)).is_err();
                    }
                }
                Event::Error(e) => {
                    errors.push(e);
                    if errors.len() >= 1024 {
                        closed = tx.send(Msg::Errors(std::mem::take(&mut errors))).is_err();
                    }
                }
            }
        };
        let res = skydas_ingest::import_file(&owned_path, &owned_sha, &options, &mut sink);
        if !batch.is_empty() {
            let _ = tx.send(Msg::Batch(batch));
        }
        if !errors.is_empty() {
            let _ = tx.send(Msg::Errors(errors));
        }
        res
    });

    for msg in rx {
        match msg {
            Msg::Batch(mut items) => {
                items.par_iter_mut().for_each(|it| normaliser.normalise(it));
                fr.records += items.len() as u64;
                let out = store.insert_items(&items)?;
                fr.new_items += out.new_items;
                fr.duplicates += out.duplicates;
                report.records += items.len() as u64;
                report.new_items += out.new_items;
                report.duplicates += out.duplicates;
                let secs = started.elapsed().as_secs_f64().max(1e-3);
                bar.set_message(format!(
                    "{} items, {:.0} items/s",
                    report.records,
                    report.records as f64 / secs
                ));
            }
            Msg::Errors(errs) => {
                for e in errs {
                    fr.errors += 1;
                    report.record_errors += 1;
                    *report.errors_by_reason.entry(e.reason.clone()).or_default() += 1;
                    if report.error_samples.len() < s.show_errors.max(1000) {
                        report.error_samples.push(e.to_string());
                    }
                }
            }
        }
    }
    let res = parser
        .join()
        .map_err(|_| anyhow::anyhow!("importer of {display} panicked"))?;
    match res {
        Ok(summary) => {
            fr.importer = summary.importer;
            store.finish_file(&sha, fr.records, fr.errors)?;
        }
        Err(FileError::Fatal {
            locator, reason, ..
        }) => {
            // The document is cut or broken part way: what came before it is kept, the file is
            // done (a re-import would give the same), and the break counts as a record error.
            let msg = format!("{display}:{locator}: {reason}");
            fr.errors += 1;
            report.record_errors += 1;
            *report
                .errors_by_reason
                .entry("broken document".into())
                .or_default() += 1;
            report.error_samples.push(msg.clone());
            fr.failure = Some(msg);
            fr.status = "partial";
            store.finish_file(&sha, fr.records, fr.errors)?;
        }
        Err(e) => {
            eprintln!("error: {e}");
            fr.status = "failed";
            fr.failure = Some(e.to_string());
        }
    }
    Ok(fr)
}
