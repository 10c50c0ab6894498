//! The distributed work bus: NATS JetStream carries import batches and detection tasks to any
//! number of `skydas worker` processes, which write into the shared PostgreSQL store.
//!
//! # Streams
//! Per store schema `S`, two work-queue streams (file storage, each message removed once
//! acknowledged): `SKYDAS_S_IMPORT` (subject `skydas.S.import`) with item batches and the end
//! of each file, and `SKYDAS_S_DETECT` (subject `skydas.S.detect`) with one task per key
//! partition of a detection run. Each has one durable pull consumer shared by every worker.
//!
//! # Delivery
//! At-least-once with idempotent writes, so the effect is exactly-once:
//! - publishers set `Nats-Msg-Id` (JetStream drops a repeat inside its duplicate window);
//! - a worker writes a batch and records its id in `work_batches` in one transaction, and
//!   acknowledges only after the commit; a batch whose id is recorded is acknowledged unread;
//! - a detection task upserts its `(run, part)` row;
//! - a message not acknowledged within the ack wait (its worker died) is delivered again;
//! - a failed message is negatively acknowledged with a growing delay, and a worker whose
//!   database or NATS connection fails reconnects with back-off.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::{AckPolicy, pull};
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{Config as StreamConfig, RetentionPolicy, StorageType};
use async_nats::jetstream::{self, AckKind};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use skydas_detect::coordination::partition::{self, PartJoin};
use skydas_model::{Corpus, Item};
use skydas_store::{Store, StoreError};
use skydas_store_pg::{PgStore, PgUrl};

/// Why a bus operation failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    #[error("nats: {0}")]
    Nats(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("message: {0}")]
    Message(#[from] serde_json::Error),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("detection run {run}: {detail}")]
    Run { run: String, detail: String },
}

/// Results of bus operations.
pub type Result<T> = std::result::Result<T, WorkError>;

fn nats<E: std::fmt::Display>(e: E) -> WorkError {
    WorkError::Nats(e.to_string())
}

/// Largest message payload we build; the server's default limit is 1 MiB.
pub const MAX_PAYLOAD: usize = 900 * 1024;

/// One message on the bus.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Task {
    /// Items of one file; `id` is `<sha256>:<n>`, `n` counting the file's batches from 0.
    Batch {
        id: String,
        file: String,
        items: Vec<Item>,
    },
    /// The file's last batch was `batches - 1`: once all are stored, mark it complete.
    Finish {
        file: String,
        batches: u64,
        records: u64,
        errors: u64,
    },
    /// Join the keys of partition `part` of `parts` for detection run `run`, whose corpus has
    /// `items` items.
    Detect {
        run: String,
        part: u32,
        parts: u32,
        items: u64,
    },
}

impl Task {
    /// The message id JetStream dedupes on.
    pub fn msg_id(&self) -> String {
        match self {
            Task::Batch { id, .. } => id.clone(),
            Task::Finish { file, batches, .. } => format!("{file}:end:{batches}"),
            Task::Detect { run, part, .. } => format!("{run}:{part}"),
        }
    }
}

/// How long a worker may hold a message before it is delivered to another: the ack wait.
/// `SKYDAS_ACK_WAIT` (seconds) overrides the default of 30 s.
pub fn ack_wait() -> Duration {
    std::env::var("SKYDAS_ACK_WAIT")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(Duration::from_secs(30), Duration::from_secs)
}

/// A connection to the bus for one store schema.
pub struct Bus {
    rt: tokio::runtime::Runtime,
    js: jetstream::Context,
    prefix: String,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus").field("prefix", &self.prefix).finish()
    }
}

/// Which stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    Import,
    Detect,
}

impl Queue {
    fn name(self) -> &'static str {
        match self {
            Queue::Import => "import",
            Queue::Detect => "detect",
        }
    }
}

impl Bus {
    /// Connects to NATS at `url` (retrying while it is down) and makes sure the streams and
    /// consumers of `schema` exist.
    pub fn connect(url: &str, schema: &str) -> Result<Bus> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(WorkError::Runtime)?;
        let client = rt
            .block_on(
                async_nats::ConnectOptions::new()
                    .retry_on_initial_connect()
                    .connect(url),
            )
            .map_err(nats)?;
        // The context spawns its acknowledgement task on the runtime it is created in.
        let js = {
            let _in_runtime = rt.enter();
            jetstream::new(client)
        };
        let bus = Bus {
            rt,
            js,
            prefix: schema.to_string(),
        };
        for q in [Queue::Import, Queue::Detect] {
            bus.retry(|b| b.ensure(q))?;
        }
        Ok(bus)
    }

    fn stream_name(&self, q: Queue) -> String {
        format!("SKYDAS_{}_{}", self.prefix, q.name().to_uppercase())
    }

    fn subject(&self, q: Queue) -> String {
        format!("skydas.{}.{}", self.prefix, q.name())
    }

    fn ensure(&self, q: Queue) -> Result<()> {
        self.rt.block_on(async {
            let stream = self
                .js
                .get_or_create_stream(StreamConfig {
                    name: self.stream_name(q),
                    subjects: vec![self.subject(q)],
                    retention: RetentionPolicy::WorkQueue,
                    storage: StorageType::File,
                    duplicate_window: Duration::from_secs(600),
                    ..Default::default()
                })
                .await
                .map_err(nats)?;
            stream
                .get_or_create_consumer(
                    "workers",
                    pull::Config {
                        durable_name: Some("workers".into()),
                        ack_policy: AckPolicy::Explicit,
                        ack_wait: ack_wait(),
                        max_deliver: -1,
                        ..Default::default()
                    },
                )
                .await
                .map_err(nats)?;
            Ok(())
        })
    }

    /// Runs `f` until it succeeds, backing off from 100 ms to [`RETRY_MAX`], for at most
    /// [`RECONNECT_FOR`]: long enough for a NATS or PostgreSQL restart.
    fn retry<T>(&self, mut f: impl FnMut(&Bus) -> Result<T>) -> Result<T> {
        let start = Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            match f(self) {
                Ok(v) => return Ok(v),
                Err(e) if start.elapsed() < RECONNECT_FOR => {
                    tracing::warn!("bus: {e}; retrying in {delay:?}");
                    std::thread::sleep(delay);
                    delay = (delay * 2).min(RETRY_MAX);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Publishes a task and waits until JetStream has stored it, retrying through outages.
    pub fn publish(&self, q: Queue, task: &Task) -> Result<()> {
        let payload = bytes::Bytes::from(serde_json::to_vec(task)?);
        let id = task.msg_id();
        self.retry(|b| {
            b.rt.block_on(async {
                let ack =
                    b.js.send_publish(
                        b.subject(q),
                        PublishMessage::build()
                            .payload(payload.clone())
                            .message_id(&id),
                    )
                    .await
                    .map_err(nats)?;
                ack.await.map_err(nats)?;
                Ok(())
            })
        })
    }

    /// Publishes a batch of tasks, waiting for every acknowledgement; far faster than one
    /// round trip each.
    pub fn publish_all(&self, q: Queue, tasks: &[Task]) -> Result<()> {
        let payloads = tasks
            .iter()
            .map(|t| Ok((bytes::Bytes::from(serde_json::to_vec(t)?), t.msg_id())))
            .collect::<Result<Vec<_>>>()?;
        self.retry(|b| {
            b.rt.block_on(async {
                let mut acks = Vec::with_capacity(payloads.len());
                for (p, id) in &payloads {
                    acks.push(
                        b.js.send_publish(
                            b.subject(q),
                            PublishMessage::build().payload(p.clone()).message_id(id),
                        )
                        .await
                        .map_err(nats)?,
                    );
                }
                for a in acks {
                    a.await.map_err(nats)?;
                }
                Ok(())
            })
        })
    }

    /// Waits up to `wait` for one message of queue `q`.
    fn next(&self, q: Queue, wait: Duration) -> Result<Option<jetstream::Message>> {
        self.rt.block_on(async {
            let consumer: jetstream::consumer::PullConsumer = self
                .js
                .get_consumer_from_stream("workers", &self.stream_name(q))
                .await
                .map_err(nats)?;
            let mut batch = consumer
                .fetch()
                .max_messages(1)
                .expires(wait)
                .messages()
                .await
                .map_err(nats)?;
            match batch.next().await {
                Some(Ok(m)) => Ok(Some(m)),
                Some(Err(e)) => Err(nats(e)),
                None => Ok(None),
            }
        })
    }

    fn ack(&self, m: &jetstream::Message, kind: AckKind) -> Result<()> {
        self.rt.block_on(async {
            match kind {
                AckKind::Ack => m.double_ack().await.map_err(nats),
                k => m.ack_with(k).await.map_err(nats),
            }
        })
    }
}

/// First delay after a failed fetch from NATS; it doubles up to [`RETRY_MAX`].
const FETCH_RETRY_MIN: Duration = Duration::from_millis(100);
/// Longest delay between retries of a failing service.
const RETRY_MAX: Duration = Duration::from_secs(5);

/// Settings of a worker.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Where the store keeps originals.
    pub data: PathBuf,
    /// Stop after this long with no message (tests, benchmarks); `None` runs forever.
    pub idle_exit: Option<Duration>,
    /// Name in logs and in `coord_parts.worker`.
    pub name: String,
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

/// How long a service may be unreachable before the work gives up: long enough for a restart.
const RECONNECT_FOR: Duration = Duration::from_secs(120);

/// Connects to the store, retrying with back-off for up to [`RECONNECT_FOR`] (a restart).
pub fn connect_store(url: &str, data: &std::path::Path) -> Result<PgStore> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(100);
    loop {
        match PgStore::connect(url, data) {
            Ok(s) => return Ok(s),
            Err(e) if start.elapsed() < RECONNECT_FOR => {
                tracing::warn!("store: {e}; retrying in {delay:?}");
                std::thread::sleep(delay);
                delay = (delay * 2).min(RETRY_MAX);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Runs `f` on the store; when it fails because the database went away (a restart of
/// PostgreSQL), reconnects with back-off and runs it again. An error while the database answers
/// is returned as it is. `f` must be safe to repeat: a transaction that failed was rolled back.
pub fn with_store<T>(
    store: &mut PgStore,
    mut f: impl FnMut(&mut PgStore) -> std::result::Result<T, StoreError>,
) -> Result<T> {
    let start = Instant::now();
    loop {
        match f(store) {
            Ok(v) => return Ok(v),
            Err(e @ StoreError::Backend { .. })
                if start.elapsed() < RECONNECT_FOR && !store.is_healthy() =>
            {
                tracing::warn!("store: {e}; reconnecting");
                let url = store.url().store_url();
                let data = store.originals_dir().to_path_buf();
                *store = connect_store(&url, &data)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Runs a worker: takes import batches first, then detection tasks, until idle for
/// `idle_exit` (or forever).
pub fn run_worker(store_url: &str, nats_url: &str, opts: &WorkerOptions) -> Result<WorkerReport> {
    let schema = PgUrl::parse(store_url)?.schema;
    let bus = Bus::connect(nats_url, &schema)?;
    let mut store = connect_store(store_url, &opts.data)?;
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
        let task: Task = match serde_json::from_slice(&msg.payload) {
            Ok(t) => t,
            Err(e) => {
                // Not ours to understand: drop it rather than loop on it forever.
                tracing::error!("unreadable message dropped: {e}");
                let _ = bus.ack(&msg, AckKind::Term);
                continue;
            }
        };
        match handle(&mut store, &task, opts, &mut corpora, &mut report) {
            Ok(Outcome::Done) => {
                failures = 0;
                if let Err(e) = bus.ack(&msg, AckKind::Ack) {
                    // The write is committed and idempotent: a redelivery is harmless.
                    tracing::warn!("ack: {e}");
                    report.acks_lost += 1;
                }
            }
            Ok(Outcome::NotYet) => {
                if bus
                    .ack(&msg, AckKind::Nak(Some(Duration::from_millis(300))))
                    .is_err()
                {
                    report.acks_lost += 1;
                }
            }
            Err(e @ WorkError::Run { .. }) => {
                // The run cannot succeed (the corpus changed under it): retrying would only
                // come back to it forever. `analyze` waits out its timeout and names the run.
                tracing::error!("task {} dropped: {e}", task.msg_id());
                if bus.ack(&msg, AckKind::Term).is_err() {
                    report.acks_lost += 1;
                }
            }
            Err(e) => {
                failures += 1;
                report.retries += 1;
                let delay = Duration::from_millis(200 * 2u64.pow(failures.min(5)));
                tracing::warn!("task {}: {e}; retrying in {delay:?}", task.msg_id());
                if bus.ack(&msg, AckKind::Nak(Some(delay))).is_err() {
                    report.acks_lost += 1;
                }
                if store.is_closed() || matches!(e, WorkError::Store(StoreError::Backend { .. })) {
                    std::thread::sleep(delay);
                    store = connect_store(store_url, &opts.data)?;
                }
            }
        }
    }
}

enum Outcome {
    Done,
    /// Not yet possible (a file's batches are still in flight): try again later.
    NotYet,
}

fn handle(
    store: &mut PgStore,
    task: &Task,
    opts: &WorkerOptions,
    corpora: &mut HashMap<String, Corpus>,
    report: &mut WorkerReport,
) -> Result<Outcome> {
    match task {
        Task::Batch { id, file, items } => {
            let (mut tx, url, parts) = store.transaction()?;
            let done = tx
                .query_opt("SELECT 1 FROM work_batches WHERE batch_id = $1", &[id])
                .map_err(|e| pg(url, e))?
                .is_some();
            if done {
                report.skipped_batches += 1;
                return Ok(Outcome::Done);
            }
            let out = PgStore::insert_items_tx(&mut tx, url, parts, items)?;
            tx.execute(
                "INSERT INTO work_batches (batch_id, file_sha, records, new_items, duplicates, \
                 done_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (batch_id) DO NOTHING",
                &[
                    id,
                    file,
                    &(items.len() as i64),
                    &i64::try_from(out.new_items).unwrap_or(i64::MAX),
                    &i64::try_from(out.duplicates).unwrap_or(i64::MAX),
                    &unix_now(),
                ],
            )
            .map_err(|e| pg(url, e))?;
            tx.commit().map_err(|e| pg(url, e))?;
            report.batches += 1;
            report.items += items.len() as u64;
            Ok(Outcome::Done)
        }
        Task::Finish {
            file,
            batches,
            records,
            errors,
        } => {
            let url = store.url().clone();
            let stored: i64 = store
                .client()
                .query_one(
                    "SELECT count(*) FROM work_batches WHERE file_sha = $1",
                    &[file],
                )
                .map_err(|e| pg(&url, e))?
                .get(0);
            if u64::try_from(stored).unwrap_or(0) < *batches {
                return Ok(Outcome::NotYet);
            }
            store.finish_file(file, *records, *errors)?;
            report.files_finished += 1;
            Ok(Outcome::Done)
        }
        Task::Detect {
            run,
            part,
            parts,
            items,
        } => {
            if !corpora.contains_key(run) {
                corpora.clear();
                corpora.insert(run.clone(), store.load_corpus()?);
            }
            let corpus = &corpora[run];
            if corpus.len() as u64 != *items {
                return Err(WorkError::Run {
                    run: run.clone(),
                    detail: format!(
                        "the store holds {} items, the run was started on {items}: \
                         an import ran meanwhile",
                        corpus.len()
                    ),
                });
            }
            let pj = partition::join_partition(
                corpus,
                &skydas_detect::coordination::Params::default(),
                *part,
                *parts,
            );
            let body = serde_json::to_vec(&pj)?;
            let url = store.url().clone();
            store
                .client()
                .execute(
                    "INSERT INTO coord_parts (run, part, pairs, body, worker, done_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (run, part) DO UPDATE SET \
                     pairs = excluded.pairs, body = excluded.body, worker = excluded.worker, \
                     done_at = excluded.done_at",
                    &[
                        run,
                        &i32::try_from(*part).unwrap_or(i32::MAX),
                        &(pj.pairs() as i64),
                        &body,
                        &opts.name,
                        &unix_now(),
                    ],
                )
                .map_err(|e| pg(&url, e))?;
            report.partitions += 1;
            Ok(Outcome::Done)
        }
    }
}

fn pg(url: &PgUrl, e: postgres::Error) -> WorkError {
    WorkError::Store(skydas_store_pg::db_err(url, e))
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
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
pub fn start_run(store: &mut PgStore, bus: &Bus, items: u64, parts: u32) -> Result<RunInfo> {
    let parts = parts.max(1);
    let run = format!(
        "{}-{}-{}",
        unix_now(),
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    with_store(store, |st| {
        let url = st.url().clone();
        st.client()
            .execute(
                "INSERT INTO coord_runs (run, partitions, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (run) DO NOTHING",
                &[&run, &i32::try_from(parts).unwrap_or(i32::MAX), &unix_now()],
            )
            .map_err(|e| skydas_store_pg::db_err(&url, e))
    })?;
    let tasks: Vec<Task> = (0..parts)
        .map(|part| Task::Detect {
            run: run.clone(),
            part,
            parts,
            items,
        })
        .collect();
    bus.publish_all(Queue::Detect, &tasks)?;
    Ok(RunInfo { run, parts, items })
}

/// Waits (polling the store) until every partition of the run is stored, then returns them in
/// partition order. Gives up after `timeout`.
pub fn wait_run(store: &mut PgStore, run: &RunInfo, timeout: Duration) -> Result<Vec<PartJoin>> {
    let start = Instant::now();
    loop {
        let done: i64 = with_store(store, |st| {
            let url = st.url().clone();
            st.client()
                .query_one(
                    "SELECT count(*) FROM coord_parts WHERE run = $1",
                    &[&run.run],
                )
                .map(|r| r.get(0))
                .map_err(|e| skydas_store_pg::db_err(&url, e))
        })?;
        if u64::try_from(done).unwrap_or(0) >= u64::from(run.parts) {
            break;
        }
        if start.elapsed() >= timeout {
            return Err(WorkError::Run {
                run: run.run.clone(),
                detail: format!(
                    "{done} of {} partitions done after {:?}; are workers running?",
                    run.parts, timeout
                ),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let bodies: Vec<Vec<u8>> = with_store(store, |st| {
        let url = st.url().clone();
        st.client()
            .query(
                "SELECT body FROM coord_parts WHERE run = $1 ORDER BY part",
                &[&run.run],
            )
            .map(|rows| rows.iter().map(|r| r.get::<_, Vec<u8>>(0)).collect())
            .map_err(|e| skydas_store_pg::db_err(&url, e))
    })?;
    bodies
        .iter()
        .map(|b| Ok(serde_json::from_slice(b)?))
        .collect()
}

/// Removes a finished run's partition results (they are only needed to merge).
pub fn forget_run(store: &mut PgStore, run: &RunInfo) -> Result<()> {
    with_store(store, |st| {
        let url = st.url().clone();
        st.client()
            .execute("DELETE FROM coord_parts WHERE run = $1", &[&run.run])
            .map(|_| ())
            .map_err(|e| skydas_store_pg::db_err(&url, e))
    })
}

/// Deletes the streams of a schema (tests, benchmarks).
pub fn delete_streams(nats_url: &str, schema: &str) -> Result<()> {
    let bus = Bus::connect(nats_url, schema)?;
    bus.rt.block_on(async {
        for q in [Queue::Import, Queue::Detect] {
            let _ = bus.js.delete_stream(bus.stream_name(q)).await;
        }
    });
    Ok(())
}
