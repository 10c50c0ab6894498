//! Scale-out: choosing the store backend from `--store`, and the commands that run over the
//! NATS JetStream work bus (`worker`, `import --nats`, `analyze --nats`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use skydas_model::{Corpus, Finding, FindingsDoc, Item, Platform};
use skydas_store::accounts::{AccountStore, AuditEvent};
use skydas_store::{
    FileRecord, FileStatus, InsertOutcome, OpenOptions, ProtectedRow, Review, SearchHit,
    SearchQuery, SqliteStore, Stats, Store, StoredItem,
};
use skydas_store_pg::{Blocking, PgStore, is_postgres_url};
use skydas_work::{Bus, MAX_PAYLOAD, Queue, Task, WorkerOptions};

use crate::cli;
use crate::pipeline::{self, ImportTarget};

/// Either backend, chosen at run time.
pub struct AnyStore(Box<dyn Store>);

/// Opens the store `--store` names: a `postgres://` URL selects PostgreSQL (originals are kept
/// under `--data`), anything else is the embedded store's directory; without `--store`, the
/// embedded store at `--data`.
pub fn open_store(g: &cli::Global) -> Result<AnyStore> {
    match g.store.as_deref() {
        Some(url) if is_postgres_url(url) => Ok(AnyStore(Box::new(open_pg(g, url)?))),
        Some(dir) => Ok(AnyStore(Box::new(open_embedded(Path::new(dir))?))),
        None => Ok(AnyStore(Box::new(open_embedded(&g.data)?))),
    }
}

fn open_embedded(dir: &Path) -> Result<SqliteStore> {
    SqliteStore::open(dir, OpenOptions::default())
        .with_context(|| format!("cannot open the store in {}", dir.display()))
}

fn open_pg(g: &cli::Global, url: &str) -> Result<PgStore> {
    PgStore::connect(url, &g.data)
        .with_context(|| format!("cannot open the store at {}", skydas_store_pg::redact(url)))
}

fn pg_url(g: &cli::Global) -> Result<&str> {
    match g.store.as_deref() {
        Some(url) if is_postgres_url(url) => Ok(url),
        _ => bail!("--nats needs a PostgreSQL store: --store postgres://… (or SKYDAS_STORE)"),
    }
}

fn nats_url(g: &cli::Global) -> Result<&str> {
    g.nats
        .as_deref()
        .context("no NATS server: --nats nats://host:4222 (or SKYDAS_NATS)")
}

/// The accounts and audit log of the store `--store` names: a PostgreSQL store keeps them in
/// its own database; otherwise they are the embedded store's at `--data`.
pub fn open_accounts(g: &cli::Global) -> Result<Box<dyn AccountStore>> {
    match g.store.as_deref() {
        Some(url) if is_postgres_url(url) => Ok(Box::new(open_pg(g, url)?.accounts()?)),
        _ => Ok(Box::new(crate::commands::open_store_pub(g)?.accounts()?)),
    }
}

/// The store `--store` names, for messages (no password).
pub fn describe_store(g: &cli::Global) -> String {
    match g.store.as_deref() {
        Some(url) if is_postgres_url(url) => skydas_store_pg::redact(url),
        _ => g.data.display().to_string(),
    }
}

/// `skydas serve`: the web app over the store `--store` names. On PostgreSQL, accounts and the
/// audit log are the database's own; TAXII sharing state stays in the embedded store at
/// `--data`.
pub fn serve(g: &cli::Global, opts: &skydas_server::ServeOptions) -> Result<()> {
    match g.store.as_deref() {
        Some(url) if is_postgres_url(url) => {
            let store = open_pg(g, url)?;
            let sharing = open_embedded(&g.data)?.sharing()?;
            let app = skydas_server::App::new(
                skydas_server::Backend {
                    accounts: Box::new(Blocking::new(store.accounts()?)),
                    browse: Box::new(Blocking::new(store.browse()?)),
                    store: Box::new(Blocking::new(store)),
                    sharing,
                },
                opts.tls.is_some(),
            );
            skydas_server::serve_app(app, opts)?;
        }
        _ => skydas_server::serve(&g.data, opts)?,
    }
    Ok(())
}

/// Appends a command-line action to the audit log, which lives with the web app's accounts:
/// in PostgreSQL for a PostgreSQL store, else in the embedded store at `--data`.
pub fn record(g: &cli::Global, action: &str, target: &str, detail: serde_json::Value) {
    match g.store.as_deref() {
        Some(url) if is_postgres_url(url) => {
            let user = crate::serve::cli_user();
            let ev = AuditEvent {
                user: &user,
                org: "local",
                action,
                target,
                detail,
            };
            if let Err(e) = open_accounts(g).and_then(|mut a| Ok(a.audit(&ev)?)) {
                eprintln!("warning: cannot write the audit log: {e:#}");
            }
        }
        _ => match open_embedded(&g.data) {
            Ok(mut s) => crate::serve::record(&mut s, action, target, detail),
            Err(e) => eprintln!("warning: cannot write the audit log: {e:#}"),
        },
    }
}

/// `skydas worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Exit after this many seconds without work (default: run until stopped).
    #[arg(long)]
    pub idle_exit: Option<f64>,
    /// Name of this worker in logs and in the store.
    #[arg(long)]
    pub name: Option<String>,
}

pub fn worker(g: &cli::Global, a: &WorkerArgs) -> Result<ExitCode> {
    let store = pg_url(g)?;
    let nats = nats_url(g)?;
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into());
    let opts = WorkerOptions {
        data: g.data.clone(),
        idle_exit: a
            .idle_exit
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64),
        name: a
            .name
            .clone()
            .unwrap_or_else(|| format!("{host}:{}", std::process::id())),
    };
    eprintln!("worker {} taking work from {nats}", opts.name);
    let report = skydas_work::run_worker(store, nats, &opts)?;
    if g.json {
        crate::commands::print_json(&report)?;
    } else {
        eprintln!(
            "worker {}: {} batches ({} items, {} already stored), {} files finished, \
             {} partitions, {} retries, {} acknowledgements lost",
            opts.name,
            report.batches,
            report.items,
            report.skipped_batches,
            report.files_finished,
            report.partitions,
            report.retries,
            report.acks_lost
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Where `import --nats` puts what it parses: file bookkeeping in the store, items on the bus.
/// Both are retried through a restart of either service.
struct BusTarget {
    /// In a cell because the pipeline asks for a file's status through `&self`, and a
    /// reconnect replaces the store.
    store: RefCell<PgStore>,
    bus: Bus,
    /// Batches published so far for each file begun and not finished (files interleave).
    seq: HashMap<String, u64>,
    batches: u64,
}

impl BusTarget {
    fn publish_chunk(&mut self, file: &str, items: Vec<Item>) -> Result<()> {
        let seq = self.seq.entry(file.to_string()).or_default();
        let task = Task::Batch {
            id: format!("{file}:{seq}"),
            file: file.to_string(),
            items,
        };
        self.bus.publish(Queue::Import, &task)?;
        *seq += 1;
        self.batches += 1;
        Ok(())
    }
}

impl ImportTarget for BusTarget {
    fn file_status(&self, sha256: &str) -> Result<Option<FileStatus>> {
        let mut store = self.store.borrow_mut();
        Ok(skydas_work::with_store(&mut store, |s| {
            Store::file_status(s, sha256)
        })?)
    }

    fn store_original(&mut self, path: &Path, sha256: &str) -> Result<()> {
        skydas_work::with_store(self.store.get_mut(), |s| {
            Store::store_original(s, path, sha256)
        })?;
        Ok(())
    }

    fn begin_file(&mut self, f: &FileRecord) -> Result<()> {
        skydas_work::with_store(self.store.get_mut(), |s| Store::begin_file(s, f))?;
        self.seq.insert(f.sha256.clone(), 0);
        Ok(())
    }

    /// Publishes the items in messages under the bus's size limit. What they add is known
    /// only when a worker stores them, so the outcome is empty.
    fn insert_items(&mut self, sha256: &str, items: &mut [Item]) -> Result<InsertOutcome> {
        let mut chunk = Vec::new();
        let mut size = 0;
        for it in items {
            let n = serde_json::to_vec(it)?.len() + 1;
            if !chunk.is_empty() && size + n > MAX_PAYLOAD - 1024 {
                self.publish_chunk(sha256, std::mem::take(&mut chunk))?;
                size = 0;
            }
            chunk.push(it.clone());
            size += n;
        }
        if !chunk.is_empty() {
            self.publish_chunk(sha256, chunk)?;
        }
        Ok(InsertOutcome::default())
    }

    fn finish_file(&mut self, sha256: &str, items: u64, errors: u64) -> Result<()> {
        let task = Task::Finish {
            file: sha256.to_string(),
            batches: self.seq.remove(sha256).unwrap_or(0),
            records: items,
            errors,
        };
        self.bus.publish(Queue::Import, &task)?;
        Ok(())
    }
}

/// `skydas import --nats`: parse and normalise here, publish the items durably, return once
/// JetStream has acknowledged every batch. Workers store them.
pub fn import(g: &cli::Global, a: &cli::ImportArgs) -> Result<ExitCode> {
    let url = pg_url(g)?;
    let store = open_pg(g, url)?;
    let bus = Bus::connect(nats_url(g)?, &store.url().schema.clone())?;
    let mut target = BusTarget {
        store: RefCell::new(store),
        bus,
        seq: HashMap::new(),
        batches: 0,
    };
    let settings = pipeline::ImportSettings {
        options: crate::commands::import_options(&a.input)?,
        keep_originals: true,
        show_errors: a.input.show_errors,
        progress: !g.json,
    };
    let report = pipeline::import(&mut target, &a.paths, &settings)?;
    crate::render::import_errors(&report, a.input.show_errors);
    let target_names: Vec<String> = a.paths.iter().map(|p| p.display().to_string()).collect();
    record(
        g,
        "import",
        &target_names.join(" "),
        serde_json::json!({
            "files": report.files.len(),
            "records": report.records,
            "batches_enqueued": target.batches,
            "record_errors": report.record_errors,
            "failed_files": report.failed_files,
        }),
    );
    if g.json {
        crate::commands::print_json(&serde_json::json!({
            "enqueued_batches": target.batches,
            "report": report,
        }))?;
    } else {
        eprintln!(
            "{} records from {} files enqueued in {} batches in {:.1} s; workers store them",
            report.records,
            report.files.len(),
            target.batches,
            report.seconds
        );
    }
    Ok(if report.failed_files > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Key partitions of a distributed analysis: `SKYDAS_PARTITIONS`, default 8.
fn partitions() -> u32 {
    std::env::var("SKYDAS_PARTITIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n: &u32| n > 0)
        .unwrap_or(8)
}

/// The findings of a distributed run: coordination from the workers' partitions, the other
/// detectors here (they are a pass over the corpus, small next to the join).
fn distributed_findings(
    corpus: &Corpus,
    cfg: &skydas_detect::DetectConfig,
    parts: &[skydas_detect::coordination::partition::PartJoin],
) -> Vec<Finding> {
    let mut out = skydas_detect::coordination::partition::findings_from_parts(
        corpus,
        &cfg.coordination,
        parts,
    );
    for d in skydas_detect::registry(cfg) {
        if d.code() != "coordination" {
            out.extend(d.run(corpus));
        }
    }
    skydas_detect::sort_findings(&mut out);
    out
}

/// `skydas analyze --nats`: fan the coordination join out to the workers by key partition,
/// wait for every partition, then build communities and findings here.
pub fn analyze(g: &cli::Global, a: &cli::DetectArgs) -> Result<ExitCode> {
    let url = pg_url(g)?;
    let mut store = open_pg(g, url)?;
    let bus = Bus::connect(nats_url(g)?, &store.url().schema.clone())?;
    let cfg = crate::commands::detect_config(a, Some(&store))?;
    let corpus = skydas_work::with_store(&mut store, |s| s.load_corpus())?;
    let run = skydas_work::start_run(&mut store, &bus, corpus.len() as u64, partitions())?;
    tracing::info!(run = run.run, parts = run.parts, "detection fanned out");
    let timeout = std::env::var("SKYDAS_RUN_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::from_secs(3600), Duration::from_secs);
    let parts = skydas_work::wait_run(&mut store, &run, timeout)?;
    let findings = distributed_findings(&corpus, &cfg, &parts);
    skydas_work::with_store(&mut store, |s| {
        s.replace_findings(
            &["coordination", "lookalike_domain", "automation"],
            &findings,
        )
    })?;
    skydas_work::forget_run(&mut store, &run)?;
    record(
        g,
        "analyze",
        "store",
        serde_json::json!({"findings": findings.len(), "run": run.run, "partitions": run.parts}),
    );
    let doc = FindingsDoc { findings };
    if g.json {
        crate::commands::print_json(&doc)?;
    } else {
        crate::render::findings_list(&doc.findings);
    }
    Ok(ExitCode::SUCCESS)
}

impl Store for AnyStore {
    fn file_status(&self, sha256: &str) -> skydas_store::Result<Option<FileStatus>> {
        self.0.file_status(sha256)
    }
    fn begin_file(&mut self, f: &FileRecord) -> skydas_store::Result<()> {
        self.0.begin_file(f)
    }
    fn insert_items(&mut self, items: &[Item]) -> skydas_store::Result<InsertOutcome> {
        self.0.insert_items(items)
    }
    fn finish_file(&mut self, sha256: &str, items: u64, errors: u64) -> skydas_store::Result<()> {
        self.0.finish_file(sha256, items, errors)
    }
    fn store_original(&mut self, path: &Path, sha256: &str) -> skydas_store::Result<PathBuf> {
        self.0.store_original(path, sha256)
    }
    fn original_path(&self, sha256: &str) -> skydas_store::Result<Option<PathBuf>> {
        self.0.original_path(sha256)
    }
    fn stats(&self) -> skydas_store::Result<Stats> {
        self.0.stats()
    }
    fn search(&self, q: &SearchQuery) -> skydas_store::Result<Vec<SearchHit>> {
        self.0.search(q)
    }
    fn load_corpus(&self) -> skydas_store::Result<Corpus> {
        self.0.load_corpus()
    }
    fn for_each_item(&self, f: &mut dyn FnMut(&Item)) -> skydas_store::Result<()> {
        self.0.for_each_item(f)
    }
    fn replace_findings(
        &mut self,
        detector_kinds: &[&str],
        findings: &[Finding],
    ) -> skydas_store::Result<()> {
        self.0.replace_findings(detector_kinds, findings)
    }
    fn findings(&self) -> skydas_store::Result<Vec<Finding>> {
        self.0.findings()
    }
    fn finding(&self, id: &str) -> skydas_store::Result<Option<Finding>> {
        self.0.finding(id)
    }
    fn review(&self, id: &str) -> skydas_store::Result<Option<Review>> {
        self.0.review(id)
    }
    fn set_review(&mut self, id: &str, review: &Review) -> skydas_store::Result<bool> {
        self.0.set_review(id, review)
    }
    fn item(
        &self,
        platform: Platform,
        platform_id: &str,
    ) -> skydas_store::Result<Option<StoredItem>> {
        self.0.item(platform, platform_id)
    }
    fn protected_add(
        &mut self,
        domain: &str,
        country: &str,
        kind: &str,
        note: &str,
    ) -> skydas_store::Result<bool> {
        self.0.protected_add(domain, country, kind, note)
    }
    fn protected_remove(&mut self, domain: &str) -> skydas_store::Result<bool> {
        self.0.protected_remove(domain)
    }
    fn protected_list(&self) -> skydas_store::Result<Vec<ProtectedRow>> {
        self.0.protected_list()
    }
}
