//! The distributed work bus: NATS JetStream carries import batches and detection tasks to any
//! number of `skydas worker` processes, which write into the shared PostgreSQL store. This
//! crate is the transport only: what a worker does with a task is the application's
//! (`skydas_app::worker`), and what is remembered of it is the store's work ledger
//! (`skydas_store::work::WorkLedger`).
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
//! - a worker stores a batch and records its id in the work ledger in one transaction, and
//!   acknowledges only after the commit; a batch whose id is recorded is acknowledged unread;
//! - a detection task replaces its `(run, part)` result;
//! - a message not acknowledged within the ack wait (its worker died) is delivered again;
//! - a failed message is negatively acknowledged with a growing delay, and a worker whose
//!   database or NATS connection fails reconnects with back-off.

use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::{AckPolicy, pull};
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{Config as StreamConfig, RetentionPolicy, StorageType};
use async_nats::jetstream::{self, AckKind};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use skydas_model::Item;

/// Why a bus operation failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    #[error("nats: {0}")]
    Nats(String),
    #[error("message: {0}")]
    Message(#[from] serde_json::Error),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
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
    /// `items` items, with the detector settings `tuning` (the analyst's, as the caller's
    /// `skydas_detect::Tuning` writes them; null for the defaults).
    Detect {
        run: String,
        part: u32,
        parts: u32,
        items: u64,
        #[serde(default)]
        tuning: serde_json::Value,
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
    pub fn next(&self, q: Queue, wait: Duration) -> Result<Option<Delivery>> {
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
                Some(Ok(m)) => Ok(Some(Delivery(m))),
                Some(Err(e)) => Err(nats(e)),
                None => Ok(None),
            }
        })
    }

    /// Settles a delivered message: done (removed), later (delivered again after a delay), or
    /// dropped for good (a message no worker can handle).
    pub fn ack(&self, d: &Delivery, how: Ack) -> Result<()> {
        let m = &d.0;
        self.rt.block_on(async {
            match how {
                Ack::Done => m.double_ack().await.map_err(nats),
                Ack::Later(delay) => m.ack_with(AckKind::Nak(Some(delay))).await.map_err(nats),
                Ack::Drop => m.ack_with(AckKind::Term).await.map_err(nats),
            }
        })
    }
}

/// A message taken from a queue, to be settled with [`Bus::ack`].
pub struct Delivery(jetstream::Message);

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("bytes", &self.0.payload.len())
            .finish()
    }
}

impl Delivery {
    /// The message's bytes.
    pub fn payload(&self) -> &[u8] {
        &self.0.payload
    }
}

/// How a delivered message is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    /// Handled: remove it.
    Done,
    /// Not now: deliver it again after this long.
    Later(Duration),
    /// Never handleable: remove it unhandled.
    Drop,
}

/// First delay after a failed fetch from NATS; it doubles up to [`RETRY_MAX`].
pub const FETCH_RETRY_MIN: Duration = Duration::from_millis(100);
/// Longest delay between retries of a failing service.
pub const RETRY_MAX: Duration = Duration::from_secs(5);
/// How long a service may be unreachable before the work gives up: long enough for a restart.
pub const RECONNECT_FOR: Duration = Duration::from_secs(120);

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
