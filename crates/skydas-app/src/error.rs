//! The one error of the workflows. It keeps what went wrong apart from how it is shown: the
//! command line prints the chain and exits 1, or 2 for [`AppError::Usage`].

use std::path::Path;

/// Why a workflow failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The caller asked for something that cannot be (a bad value, a missing finding): the
    /// command line exits 2 for these.
    #[error("{0}")]
    Usage(String),
    /// The work could not be done; the message says why.
    #[error("{0}")]
    Failed(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] skydas_store::StoreError),
    #[error(transparent)]
    Bus(#[from] skydas_work::WorkError),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// Results of the workflows.
pub type Result<T> = std::result::Result<T, AppError>;

impl AppError {
    /// An IO error while doing `what` to `path`.
    pub fn io(what: &str, path: &Path, source: std::io::Error) -> AppError {
        AppError::Io {
            what: format!("cannot {what} {}", path.display()),
            source,
        }
    }
}

/// Turns a message into [`AppError::Usage`].
pub fn usage(msg: impl Into<String>) -> AppError {
    AppError::Usage(msg.into())
}

/// Turns a message into [`AppError::Failed`].
pub fn failed(msg: impl Into<String>) -> AppError {
    AppError::Failed(msg.into())
}
