//! [`Session`]: one connection of a handle beside the [`crate::PgStore`] (accounts, browsing,
//! sharing), re-opened by itself when the server dropped it.

use std::sync::{Mutex, MutexGuard};

use postgres::Client;
use skydas_store::Result;

use crate::{PgUrl, open_client};

/// One session, re-opened when the server dropped it.
pub(crate) struct Session {
    client: Mutex<Client>,
    pub(crate) url: PgUrl,
}

impl Session {
    pub(crate) fn open(url: &PgUrl) -> Result<Session> {
        Ok(Session {
            client: Mutex::new(open_client(url)?),
            url: url.clone(),
        })
    }

    /// The session, reconnected first if the server closed it (a restart). A panic while
    /// holding the lock leaves the session usable: an open transaction was rolled back.
    pub(crate) fn get(&self) -> Result<MutexGuard<'_, Client>> {
        let mut c = self
            .client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if c.is_closed() {
            *c = open_client(&self.url)?;
        }
        Ok(c)
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("url", &self.url.display())
            .field("schema", &self.url.schema)
            .finish_non_exhaustive()
    }
}
