//! The ledger of distributed work: which import batches are stored and which partitions of a
//! detection run are done. Workers and the commands that hand them work talk to it; the bus
//! that carries the work (`skydas-work`) knows no SQL, and this trait is where the SQL lives
//! behind (the PostgreSQL backend implements it).

use skydas_model::Item;

use crate::{InsertOutcome, Result, Store};

/// What the work bus needs the store to remember. Every write is idempotent, so that a
/// redelivered message changes nothing.
pub trait WorkLedger: Store {
    /// Stores the items of batch `id` of file `file` and records the batch, in one
    /// transaction; `None` when the batch was stored before (nothing is written again).
    fn store_batch(
        &mut self,
        id: &str,
        file: &str,
        items: &[Item],
    ) -> Result<Option<InsertOutcome>>;

    /// How many batches of `file` are stored.
    fn batches_stored(&mut self, file: &str) -> Result<u64>;

    /// Records a detection run over `parts` key partitions.
    fn begin_run(&mut self, run: &str, parts: u32) -> Result<()>;

    /// Stores (or replaces) the result of one partition of a run.
    fn put_part(
        &mut self,
        run: &str,
        part: u32,
        pairs: u64,
        body: &[u8],
        worker: &str,
    ) -> Result<()>;

    /// How many partitions of a run are stored.
    fn parts_done(&mut self, run: &str) -> Result<u64>;

    /// The stored partition results of a run, in partition order.
    fn parts(&mut self, run: &str) -> Result<Vec<Vec<u8>>>;

    /// Removes a run's partition results.
    fn forget_run(&mut self, run: &str) -> Result<()>;
}
