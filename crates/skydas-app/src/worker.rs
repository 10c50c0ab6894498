//! `skydas worker`: takes import batches and detection tasks from the work bus and writes them
//! into the PostgreSQL store through its work ledger; and the caller's side of a distributed
//! detection run (start it, wait for its partitions, forget it).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use skydas_detect::DetectConfig;
use skydas_model::{Clock, Corpus, SystemClock};
use skydas_store::work::WorkLedger;
use skydas_store::{Store, StoreError};
use skydas_store_pg::reconnect::{self, with_store};
use skydas_store_pg::{PgStore, PgUrl};
use skydas_work::{Ack, Bus, FETCH_RETRY_MIN, Queue, RETRY_MAX, Task};

use crate::error::{AppError, Result, failed};

/// Settings of a worker.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Where the store keeps originals.
    pub data: PathBuf,
    /// Stop after this long with no message (tests, benchmarks); `None` runs forever.
    pub idle_exit: Option<Duration>,
    /// Name in logs and in the ledger.
    pub name: String,
}

impl WorkerOptions {
    /// A worker keeping originals under `data`, stopping after `idle_exit` seconds without a
    /// message (never when not given), named `name` or else `HOST:PID`.
    pub fn new(data: &Path, idle_exit: Option<f64>, name: Option<String>) -> WorkerOptions {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into());
        WorkerOptions {
            data: data.to_path_buf(),
            idle_exit: idle_exit
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64),
            name: name.unwrap_or_else(|| format!("{host}:{}", std::process::id())),
        }
    }
}

/// What a worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WorkerReport {
    pub batches: u64,
    pub skipped_batches: u64,
    pub items: u64,
    pub files_finished: u64,
    pub partitions: u64,
    pub retries: u64,
    /// Acknowledgements that did not reach NATS (it was down): their messages come again.
    pub acks_lost: u64,
}

impl std::fmt::Display for WorkerReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} batches ({} items, {} already stored), {} files finished, {} partitions, \
             {} retries, {} acknowledgements lost",
            self.batches,
            self.items,
            self.skipped_batches,
            self.files_finished,
            self.partitions,
            self.retries,
            self.acks_lost
        )
    }
}

/// A task that can never succeed: its message is dropped, not retried.
#[derive(Debug)]
struct Hopeless(String);

enum Outcome {
    Done,
    /// Not yet possible (a file's batches are still in flight): try again later.
    NotYet,
}

/// Runs a worker: takes import batches first, then detection tasks, until idle for
/// `idle_exit` (or forever).
pub fn run_worker(store_url: &str, nats_url: &str, opts: &WorkerOptions) -> Result<WorkerReport> {
    let schema = PgUrl::parse(store_url)?.schema;
    let bus = Bus::connect(nats_url, &schema)?;
    let mut store = reconnect::connect(store_url, &opts.data)?;
    let mut report = WorkerReport::default();
    let mut corpora: HashMap<String, Corpus> = HashMap::new();
    let mut idle_since = Instant::now();
    let mut failures = 0u32;
    let mut fetch_delay = FETCH_RETRY_MIN;
    loop {
        let msg = match bus
            .next(Queue::Import, Duration::from_millis(200))
            .and_then(|m| match m {
                Some(m) => Ok(Some(m)),
                None => bus.next(Queue::Detect, Duration::from_millis(200)),
            }) {
            Ok(m) => {
                fetch_delay = FETCH_RETRY_MIN;
                m
            }
            Err(e) => {
                // NATS is down or restarting: back off, and do not count the outage as idle
                // time (an idle worker may exit, and work is surely waiting).
                tracing::warn!("fetch: {e}; retrying in {fetch_delay:?}");
                report.retries += 1;
                std::thread::sleep(fetch_delay);
                fetch_delay = (fetch_delay * 2).min(RETRY_MAX);
                idle_since = Instant::now();
                continue;
            }
        };
        let Some(msg) = msg else {
            if opts.idle_exit.is_some_and(|d| idle_since.elapsed() >= d) {
                return Ok(report);
            }
            continue;
        };
        idle_since = Instant::now();
        let task: Task = match serde_json::from_slice(msg.payload()) {
            Ok(t) => t,
            Err(e) => {
                // Not ours to understand: drop it rather than loop on it forever.
                tracing::error!("unreadable message dropped: {e}");
                let _ = bus.ack(&msg, Ack::Drop);
                continue;
            }
        };
        let settle = match handle(&mut store, &task, opts, &mut corpora, &mut report) {
            Ok(Ok(Outcome::Done)) => {
                failures = 0;
                Ack::Done
            }
            Ok(Ok(Outcome::NotYet)) => Ack::Later(Duration::from_millis(300)),
            Ok(Err(Hopeless(why))) => {
                // Retrying would only come back to it forever; the run's caller waits out
                // its deadline and names the run.
                tracing::error!("task {} dropped: {why}", task.msg_id());
                Ack::Drop
            }
            Err(e) => {
                failures += 1;
                report.retries += 1;
                let delay = Duration::from_millis(200 * 2u64.pow(failures.min(5)));
                tracing::warn!("task {}: {e}; retrying in {delay:?}", task.msg_id());
                if store.is_closed() || matches!(e, AppError::Store(StoreError::Backend { .. })) {
                    let _ = bus.ack(&msg, Ack::Later(delay));
                    std::thread::sleep(delay);
                    store = reconnect::connect(store_url, &opts.data)?;
                    continue;
                }
                Ack::Later(delay)
            }
        };
        if let Err(e) = bus.ack(&msg, settle) {
            // A committed write is idempotent: the redelivery this causes is harmless.
            tracing::warn!("ack: {e}");
            report.acks_lost += 1;
        }
    }
}

fn handle(
    store: &mut PgStore,
    task: &Task,
    opts: &WorkerOptions,
    corpora: &mut HashMap<String, Corpus>,
    report: &mut WorkerReport,
) -> Result<std::result::Result<Outcome, Hopeless>> {
    match task {
        Task::Batch { id, file, items } => {
            match store.store_batch(id, file, items)? {
                None => report.skipped_batches += 1,
                Some(_) => {
                    report.batches += 1;
                    report.items += items.len() as u64;
                }
            }
            Ok(Ok(Outcome::Done))
        }
        Task::Finish {
            file,
            batches,
            records,
            errors,
        } => {
            if store.batches_stored(file)? < *batches {
                return Ok(Ok(Outcome::NotYet));
            }
            store.finish_file(file, *records, *errors)?;
            report.files_finished += 1;
            Ok(Ok(Outcome::Done))
        }
        Task::Detect {
            run,
            part,
            parts,
            items,
            tuning,
        } => {
            let tuning: skydas_detect::Tuning = if tuning.is_null() {
                skydas_detect::Tuning::default()
            } else {
                match serde_json::from_value(tuning.clone()) {
                    Ok(t) => t,
                    Err(e) => return Ok(Err(Hopeless(format!("detector settings: {e}")))),
                }
            };
            let cfg = match DetectConfig::tuned(&tuning) {
                Ok(c) => c,
                Err(e) => return Ok(Err(Hopeless(e))),
            };
            if !corpora.contains_key(run) {
                corpora.clear();
                corpora.insert(run.clone(), store.load_corpus()?);
            }
            let corpus = &corpora[run];
            if corpus.len() as u64 != *items {
                return Ok(Err(Hopeless(format!(
                    "the store holds {} items, the run was started on {items}: \
                     an import ran meanwhile",
                    corpus.len()
                ))));
            }
            let mut body = serde_json::Map::new();
            let mut pairs = 0u64;
            for d in skydas_detect::registry(&cfg) {
                if let Some(p) = d.partitioned() {
                    let (v, n) = p.join_part(corpus, *part, *parts);
                    pairs += n;
                    body.insert(d.code().to_string(), v);
                }
            }
            let body = serde_json::to_vec(&body)?;
            store.put_part(run, *part, pairs, &body, &opts.name)?;
            report.partitions += 1;
            Ok(Ok(Outcome::Done))
        }
    }
}

/// A detection run fanned out over the workers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunInfo {
    pub run: String,
    pub parts: u32,
    pub items: u64,
}

/// Starts a detection run over `items` items: records it and publishes one task per key
/// partition.
pub fn start_run(
    store: &mut PgStore,
    bus: &Bus,
    items: u64,
    parts: u32,
    tuning: &skydas_detect::Tuning,
) -> Result<RunInfo> {
    let tuning = serde_json::to_value(tuning)?;
    let parts = parts.max(1);
    let now = SystemClock.now_micros();
    let run = format!(
        "{}-{}-{}",
        now.div_euclid(1_000_000),
        std::process::id(),
        now.rem_euclid(1_000_000)
    );
    with_store(store, |st| st.begin_run(&run, parts))?;
    let tasks: Vec<Task> = (0..parts)
        .map(|part| Task::Detect {
            run: run.clone(),
            part,
            parts,
            items,
            tuning: tuning.clone(),
        })
        .collect();
    bus.publish_all(Queue::Detect, &tasks)?;
    Ok(RunInfo { run, parts, items })
}

/// One partition's results, by detector code.
pub type PartResult = serde_json::Map<String, serde_json::Value>;

/// Waits (polling the store) until every partition of the run is stored, then returns them in
/// partition order. Gives up after `timeout`.
pub fn wait_run(store: &mut PgStore, run: &RunInfo, timeout: Duration) -> Result<Vec<PartResult>> {
    let start = Instant::now();
    loop {
        let done = with_store(store, |st| st.parts_done(&run.run))?;
        if done >= u64::from(run.parts) {
            break;
        }
        if start.elapsed() >= timeout {
            return Err(failed(format!(
                "detection run {}: {done} of {} partitions done after {:?}; are workers running?",
                run.run, run.parts, timeout
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let bodies = with_store(store, |st| st.parts(&run.run))?;
    bodies
        .iter()
        .map(|b| Ok(serde_json::from_slice(b)?))
        .collect()
}

/// Removes a finished run's partition results (they are only needed to merge).
pub fn forget_run(store: &mut PgStore, run: &RunInfo) -> Result<()> {
    Ok(with_store(store, |st| st.forget_run(&run.run))?)
}
