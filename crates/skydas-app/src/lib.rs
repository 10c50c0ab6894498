//! The application layer of Skydas: the workflows as library functions that the command line,
//! the web server and the workers all call, so that none of them re-implements another's.
//!
//! - [`accounts`]: passwords, secrets, users and tokens, audited;
//! - [`backup`]: the embedded store backed up and restored, checked;
//! - [`store`]: one [`StoreSpec`] that opens any backend and its handles;
//! - [`import`]: files and folders into a store (directly or through the work bus), STIX
//!   bundles among them as partner intelligence;
//! - [`analyze`]: the detectors over the store (embedded or distributed) or over files in one
//!   shot (`scan`), and the kinds they declare;
//! - [`identity`]: new findings matched to stored ones, so that a finding keeps its id (and
//!   review) through a re-analysis, with versions of what changed;
//! - [`findings`]: findings as the analyst reads them: with their review and versions;
//! - [`share`]: export and publish under the TLP release rules;
//! - [`intel`]: partners' bundles recorded as intelligence;
//! - [`worker`]: the `skydas worker` loop and the caller's side of a distributed run;
//! - [`scenario`]: simulator configurations and scoring against planted truth;
//! - [`convert`]: any input to the coordination-network-toolkit's CSV.
//!
//! The app layer knows no terminal and no HTTP: it returns reports, and the callers render
//! them.

pub mod accounts;
pub mod analyze;
pub mod audit_keys;
pub mod backup;
pub mod convert;
mod error;
pub mod findings;
pub mod identity;
pub mod import;
pub mod indicators;
pub mod intel;
pub mod scenario;
pub mod share;
pub mod store;
pub mod values;
pub mod worker;

pub use error::{AppError, Result, failed, usage};
pub use store::{Backend, StoreSpec};
