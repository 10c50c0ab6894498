//! Opening a store: one [`StoreSpec`] names any backend (the embedded SQLite store in a
//! directory, or PostgreSQL), and opens its items, accounts, browsing and sharing handles.

use std::path::{Path, PathBuf};

use skydas_store::accounts::AccountStore;
use skydas_store::browse::{Browse, BrowseStore};
use skydas_store::sharing::SharingStore;
use skydas_store::{OpenOptions, SqliteStore, Store};
use skydas_store_pg::{Blocking, PgStore, is_postgres_url};

use crate::error::{AppError, Result, usage};

/// Which store a command works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// The embedded store in a directory (the default).
    Embedded { dir: PathBuf },
    /// A PostgreSQL database, which holds everything but the original files; those are kept
    /// under `data`.
    Postgres { url: String, data: PathBuf },
}

/// The handles the web app works with, on either backend. PostgreSQL handles are wrapped so
/// that async code may call them.
pub struct Backend {
    pub store: Box<dyn Store>,
    /// Accounts and the audit log live in the same database as the items.
    pub accounts: Box<dyn AccountStore>,
    pub browse: Box<dyn BrowseStore>,
    /// TAXII collections, shared objects and partner intelligence, in the same database too.
    pub sharing: Box<dyn SharingStore>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend").finish_non_exhaustive()
    }
}

impl StoreSpec {
    /// The store `--store` names: a `postgres://` URL selects PostgreSQL, anything else is the
    /// embedded store's directory; without it, the embedded store at `data`.
    pub fn from_args(store: Option<&str>, data: &Path) -> StoreSpec {
        match store {
            Some(url) if is_postgres_url(url) => StoreSpec::Postgres {
                url: url.to_string(),
                data: data.to_path_buf(),
            },
            Some(dir) => StoreSpec::Embedded {
                dir: PathBuf::from(dir),
            },
            None => StoreSpec::Embedded {
                dir: data.to_path_buf(),
            },
        }
    }

    /// The store, for messages (no password).
    pub fn describe(&self) -> String {
        match self {
            StoreSpec::Embedded { dir } => dir.display().to_string(),
            StoreSpec::Postgres { url, .. } => skydas_store_pg::redact(url),
        }
    }

    /// The directory that holds the embedded store, or a PostgreSQL store's originals.
    pub fn data_dir(&self) -> &Path {
        match self {
            StoreSpec::Embedded { dir } => dir,
            StoreSpec::Postgres { data, .. } => data,
        }
    }

    /// Refuses an embedded store that does not exist yet, so that a command that only reads
    /// says so instead of creating an empty store and reporting nothing. (A PostgreSQL store
    /// is checked when it is opened.)
    pub fn must_exist(&self) -> Result<()> {
        match self {
            StoreSpec::Embedded { dir } if !dir.join(skydas_store::DB_FILE).is_file() => {
                Err(AppError::Failed(format!(
                    "no store in {}: nothing has been imported there (run `skydas import` \
                     first, or point --data or SKYDAS_DATA at a store)",
                    dir.display()
                )))
            }
            _ => Ok(()),
        }
    }

    /// The items, findings and protected domains.
    pub fn open(&self) -> Result<Box<dyn Store>> {
        Ok(match self {
            StoreSpec::Embedded { dir } => Box::new(open_embedded(dir)?),
            StoreSpec::Postgres { .. } => Box::new(self.postgres()?),
        })
    }

    /// The PostgreSQL store itself (the work bus needs its ledger); a usage error for the
    /// embedded store.
    pub fn postgres(&self) -> Result<PgStore> {
        match self {
            StoreSpec::Postgres { url, data } => PgStore::connect(url, data).map_err(|e| {
                AppError::Failed(format!(
                    "cannot open the store at {}: {e}",
                    skydas_store_pg::redact(url)
                ))
            }),
            StoreSpec::Embedded { .. } => Err(usage(
                "--nats needs a PostgreSQL store: --store postgres://… (or SKYDAS_STORE)",
            )),
        }
    }

    /// Users, sessions, tokens and the audit log: a PostgreSQL store keeps them in its own
    /// database, the embedded store in its directory.
    pub fn accounts(&self) -> Result<Box<dyn AccountStore>> {
        let mut a: Box<dyn AccountStore> = match self {
            StoreSpec::Embedded { dir } => Box::new(open_embedded(dir)?.accounts()?),
            StoreSpec::Postgres { .. } => Box::new(self.postgres()?.accounts()?),
        };
        let keys = crate::audit_keys::load_or_create(self, a.as_ref())?;
        a.set_audit_keys(keys);
        Ok(a)
    }

    /// Appends an action to the store's audit log.
    pub fn audit(
        &self,
        by: crate::accounts::Actor<'_>,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        crate::accounts::audit(self.accounts()?.as_mut(), by, action, target, detail)
    }

    /// TAXII collections, shared objects and partner intelligence: a PostgreSQL store keeps
    /// them in its own database, the embedded store in its directory.
    pub fn sharing(&self) -> Result<Box<dyn SharingStore>> {
        Ok(match self {
            StoreSpec::Embedded { dir } => Box::new(open_embedded(dir)?.sharing()?),
            StoreSpec::Postgres { .. } => Box::new(Blocking::new(self.postgres()?.sharing()?)),
        })
    }

    /// Every handle the web app needs.
    pub fn backend(&self) -> Result<Backend> {
        let mut b = match self {
            StoreSpec::Embedded { dir } => {
                let store = open_embedded(dir)?;
                Backend {
                    accounts: Box::new(store.accounts()?),
                    browse: Box::new(Browse::open(dir)?),
                    sharing: Box::new(store.sharing()?),
                    store: Box::new(store),
                }
            }
            StoreSpec::Postgres { .. } => {
                let store = self.postgres()?;
                Backend {
                    accounts: Box::new(Blocking::new(store.accounts()?)),
                    browse: Box::new(Blocking::new(store.browse()?)),
                    sharing: Box::new(Blocking::new(store.sharing()?)),
                    store: Box::new(Blocking::new(store)),
                }
            }
        };
        let keys = crate::audit_keys::load_or_create(self, b.accounts.as_ref())?;
        b.accounts.set_audit_keys(keys);
        Ok(b)
    }
}

fn open_embedded(dir: &Path) -> Result<SqliteStore> {
    SqliteStore::open(dir, OpenOptions::default())
        .map_err(|e| AppError::Failed(format!("cannot open the store in {}: {e}", dir.display())))
}
