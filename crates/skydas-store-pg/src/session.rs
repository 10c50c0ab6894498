//! [`Session`]: one connection of a handle beside the [`crate::PgStore`] (accounts, browsing,
//! sharing), re-opened by itself when the server dropped it.

use std::sync::{Mutex, MutexGuard};

use postgres::types::{FromSqlOwned, ToSql};
use postgres::{Client, Row};
use skydas_store::Result;

use crate::schema::open_client;
use crate::{PgResultExt, PgUrl};

/// The parameters of one statement.
pub(crate) type Args<'a> = &'a [&'a (dyn ToSql + Sync)];

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

    /// The rows of one statement.
    pub(crate) fn query(&self, sql: &str, args: Args<'_>) -> Result<Vec<Row>> {
        self.get()?.query(sql, args).at(&self.url)
    }

    /// The row of one statement, if it returns one.
    pub(crate) fn query_opt(&self, sql: &str, args: Args<'_>) -> Result<Option<Row>> {
        self.get()?.query_opt(sql, args).at(&self.url)
    }

    /// The first column of the row of one statement, if it returns one.
    pub(crate) fn value_opt<T: FromSqlOwned>(
        &self,
        sql: &str,
        args: Args<'_>,
    ) -> Result<Option<T>> {
        Ok(self.query_opt(sql, args)?.map(|r| r.get(0)))
    }

    /// The one row of one statement.
    pub(crate) fn query_one(&self, sql: &str, args: Args<'_>) -> Result<Row> {
        self.get()?.query_one(sql, args).at(&self.url)
    }

    /// Runs one statement; returns how many rows it changed.
    pub(crate) fn execute(&self, sql: &str, args: Args<'_>) -> Result<u64> {
        self.get()?.execute(sql, args).at(&self.url)
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}
