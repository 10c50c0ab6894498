//! The work ledger of the distributed runs (`work_batches`, `coord_runs`, `coord_parts` of
//! migration 0002).

use skydas_model::{Clock, Item, SystemClock};
use skydas_store::codec::{clamp_u64 as to_i64, count};
use skydas_store::work::WorkLedger;
use skydas_store::{InsertOutcome, Result};

use crate::{PgResultExt, PgStore};

impl WorkLedger for PgStore {
    fn store_batch(
        &mut self,
        id: &str,
        file: &str,
        items: &[Item],
    ) -> Result<Option<InsertOutcome>> {
        let (mut tx, url, parts) = self.transaction()?;
        let done = tx
            .query_opt("SELECT 1 FROM work_batches WHERE batch_id = $1", &[&id])
            .at(url)?
            .is_some();
        if done {
            return Ok(None);
        }
        let out = PgStore::insert_items_tx(&mut tx, url, parts, items)?;
        tx.execute(
            "INSERT INTO work_batches (batch_id, file_sha, records, new_items, duplicates, \
             done_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (batch_id) DO NOTHING",
            &[
                &id,
                &file,
                &to_i64(items.len() as u64),
                &to_i64(out.new_items),
                &to_i64(out.duplicates),
                &SystemClock.now(),
            ],
        )
        .at(url)?;
        tx.commit().at(url)?;
        Ok(Some(out))
    }

    fn batches_stored(&mut self, file: &str) -> Result<u64> {
        let url = self.url().clone();
        let n: i64 = self
            .client()
            .query_one(
                "SELECT count(*) FROM work_batches WHERE file_sha = $1",
                &[&file],
            )
            .at(&url)?
            .get(0);
        Ok(count(n))
    }

    fn begin_run(&mut self, run: &str, parts: u32) -> Result<()> {
        let url = self.url().clone();
        self.client()
            .execute(
                "INSERT INTO coord_runs (run, partitions, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (run) DO NOTHING",
                &[
                    &run,
                    &i32::try_from(parts).unwrap_or(i32::MAX),
                    &SystemClock.now(),
                ],
            )
            .at(&url)?;
        Ok(())
    }

    fn put_part(
        &mut self,
        run: &str,
        part: u32,
        pairs: u64,
        body: &[u8],
        worker: &str,
    ) -> Result<()> {
        let url = self.url().clone();
        self.client()
            .execute(
                "INSERT INTO coord_parts (run, part, pairs, body, worker, done_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (run, part) DO UPDATE SET \
                 pairs = excluded.pairs, body = excluded.body, worker = excluded.worker, \
                 done_at = excluded.done_at",
                &[
                    &run,
                    &i32::try_from(part).unwrap_or(i32::MAX),
                    &to_i64(pairs),
                    &body,
                    &worker,
                    &SystemClock.now(),
                ],
            )
            .at(&url)?;
        Ok(())
    }

    fn parts_done(&mut self, run: &str) -> Result<u64> {
        let url = self.url().clone();
        let n: i64 = self
            .client()
            .query_one("SELECT count(*) FROM coord_parts WHERE run = $1", &[&run])
            .at(&url)?
            .get(0);
        Ok(count(n))
    }

    fn parts(&mut self, run: &str) -> Result<Vec<Vec<u8>>> {
        let url = self.url().clone();
        let rows = self
            .client()
            .query(
                "SELECT body FROM coord_parts WHERE run = $1 ORDER BY part",
                &[&run],
            )
            .at(&url)?;
        Ok(rows.iter().map(|r| r.get::<_, Vec<u8>>(0)).collect())
    }

    fn forget_run(&mut self, run: &str) -> Result<()> {
        let url = self.url().clone();
        self.client()
            .execute("DELETE FROM coord_parts WHERE run = $1", &[&run])
            .at(&url)?;
        Ok(())
    }
}
