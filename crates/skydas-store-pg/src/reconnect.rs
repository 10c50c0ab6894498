//! Riding out a restart of PostgreSQL: connecting with back-off, and repeating a store call
//! after the connection is re-made when the database went away under it.

use std::path::Path;
use std::time::{Duration, Instant};

use skydas_store::{Result, StoreError};

use crate::PgStore;

/// How long the database may be unreachable before the work gives up: long enough for a
/// restart.
pub const RECONNECT_FOR: Duration = Duration::from_secs(120);
/// Longest delay between two attempts.
pub const RETRY_MAX: Duration = Duration::from_secs(5);

/// Connects to the store, retrying with back-off for up to [`RECONNECT_FOR`] (a restart).
pub fn connect(url: &str, data: &Path) -> Result<PgStore> {
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
            Err(e) => return Err(e),
        }
    }
}

/// Runs `f` on the store; when it fails because the database went away (a restart of
/// PostgreSQL), reconnects with back-off and runs it again. An error while the database answers
/// is returned as it is. `f` must be safe to repeat: a transaction that failed was rolled back.
pub fn with_store<T>(
    store: &mut PgStore,
    mut f: impl FnMut(&mut PgStore) -> Result<T>,
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
                *store = connect(&url, &data)?;
            }
            Err(e) => return Err(e),
        }
    }
}
