//! Importing through the work bus: files are parsed and normalised here, their items published
//! durably to NATS JetStream, and `skydas worker` processes store them in PostgreSQL.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use skydas_model::Item;
use skydas_store::{FileRecord, FileStatus, InsertOutcome, Store};
use skydas_store_pg::PgStore;
use skydas_store_pg::reconnect::with_store;
use skydas_work::{Bus, MAX_PAYLOAD, Queue, Task};

use super::pipeline::ImportTarget;
use crate::error::Result;

/// Where an import over the bus puts what it parses: file bookkeeping in the store, items on
/// the bus. Both are retried through a restart of either service.
pub struct BusTarget {
    /// In a cell because the pipeline asks for a file's status through `&self`, and a
    /// reconnect replaces the store.
    store: RefCell<PgStore>,
    bus: Bus,
    /// Batches published so far for each file begun and not finished (files interleave).
    seq: HashMap<String, u64>,
    /// Batches published in all.
    pub batches: u64,
}

impl BusTarget {
    /// A target publishing on `bus` for `store`.
    pub fn new(store: PgStore, bus: Bus) -> BusTarget {
        BusTarget {
            store: RefCell::new(store),
            bus,
            seq: HashMap::new(),
            batches: 0,
        }
    }

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
        Ok(with_store(&mut store, |s| Store::file_status(s, sha256))?)
    }

    fn store_original(&mut self, path: &Path, sha256: &str) -> Result<()> {
        with_store(self.store.get_mut(), |s| {
            Store::store_original(s, path, sha256)
        })?;
        Ok(())
    }

    fn begin_file(&mut self, f: &FileRecord) -> Result<()> {
        with_store(self.store.get_mut(), |s| Store::begin_file(s, f))?;
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
