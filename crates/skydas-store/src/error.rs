//! The store's error type.

use std::path::PathBuf;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("applying migration {version} ({name}): {source}")]
    Migration {
        version: u32,
        name: &'static str,
        source: rusqlite::Error,
    },

    #[error(
        "the store is at schema version {found}, newer than this build understands ({supported}); \
         upgrade skydas"
    )]
    SchemaTooNew { found: u32, supported: u32 },

    #[error("the full-text index is off for this store (opened without it); reopen with it on")]
    FtsDisabled,

    #[error("file {0} was never begun")]
    UnknownFile(String),

    #[error("not a lowercase hex sha-256: {0:?}")]
    InvalidSha256(String),

    #[error("invalid {what}: {value:?}")]
    InvalidInput { what: &'static str, value: String },

    #[error("{}: size {actual} differs from the original's {expected}", path.display())]
    SizeMismatch {
        path: PathBuf,
        expected: u64,
        actual: u64,
    },

    #[error("{}: content hashes to {actual}, not {expected}", path.display())]
    HashMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },

    #[error("stored {what} is unreadable: {detail}")]
    Corrupt { what: &'static str, detail: String },

    /// A server database failed or could not be reached. `backend` names it (driver and
    /// address, without password); a restart of the server shows up as this error.
    #[error("{backend}: {message}")]
    Backend { backend: String, message: String },
}

/// Results of store operations.
pub type Result<T> = std::result::Result<T, StoreError>;

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }

    /// A stored value that does not read back.
    pub fn corrupt(what: &'static str, detail: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt {
            what,
            detail: detail.to_string(),
        }
    }
}
