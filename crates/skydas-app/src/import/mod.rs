//! The import workflow: files and folders into a store, through the parse ∥ normalise ∥ store
//! pipeline ([`pipeline`]), directly or through the work bus ([`bus`]), with the STIX bundles
//! among them recorded as partner intelligence ([`bundles`]).

pub mod bundles;
pub mod bus;
pub mod pipeline;

use std::path::PathBuf;

use serde::Serialize;
use skydas_model::Clock;
use skydas_work::Bus;

pub use bundles::{BundleFailure, BundleReport};
pub use pipeline::{
    CorpusTarget, FileReport, ImportReport, ImportSettings, ImportTarget, Progress, Quiet,
    StoreTarget,
};

use crate::error::Result;
use crate::store::StoreSpec;

/// Everything one import did.
#[derive(Debug, Serialize)]
pub struct ImportRun {
    #[serde(flatten)]
    pub report: ImportReport,
    /// STIX bundles recorded as partner intelligence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bundles: Vec<BundleReport>,
    /// Bundle files that could not be recorded.
    #[serde(rename = "failed", skip_serializing_if = "Vec::is_empty")]
    pub failed_bundles: Vec<BundleFailure>,
    /// Through the work bus: the batches handed to the workers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enqueued_batches: Option<u64>,
}

impl ImportRun {
    /// Files (bundles included) that could not be imported at all.
    pub fn failed_files(&self) -> u64 {
        self.report.failed_files + self.failed_bundles.len() as u64
    }

    /// Only STIX bundles were given: there is no item import to report.
    pub fn only_bundles(&self) -> bool {
        self.report.files.is_empty() && !(self.bundles.is_empty() && self.failed_bundles.is_empty())
    }

    /// What the audit log records of an item import.
    pub fn audit_detail(&self) -> serde_json::Value {
        let r = &self.report;
        let mut detail = serde_json::json!({
            "files": r.files.len(),
            "records": r.records,
            "new_items": r.new_items,
            "record_errors": r.record_errors,
            "failed_files": r.failed_files,
        });
        if let Some(n) = self.enqueued_batches {
            detail["batches_enqueued"] = n.into();
        }
        detail
    }
}

/// Imports `paths` (files and folders, any mix) into the store `spec` names; with `nats`, the
/// items go to the workers through the bus instead.
pub fn import(
    spec: &StoreSpec,
    paths: &[PathBuf],
    settings: &ImportSettings,
    nats: Option<&str>,
    progress: &dyn Progress,
    clock: &dyn Clock,
) -> Result<ImportRun> {
    let mut found = skydas_ingest::discover(paths);
    let (bundle_files, files) = bundles::split_bundles(std::mem::take(&mut found.files));
    found.files = files;
    let (bundles, failed_bundles) = if bundle_files.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        bundles::record_bundles(spec.sharing()?.as_mut(), &bundle_files, clock)
    };
    if found.files.is_empty() && found.errors.is_empty() && !bundle_files.is_empty() {
        return Ok(ImportRun {
            report: ImportReport::default(),
            bundles,
            failed_bundles,
            enqueued_batches: None,
        });
    }
    let (report, enqueued_batches) = match nats {
        None => {
            let mut store = spec.open()?;
            let mut target = StoreTarget(store.as_mut());
            let r = pipeline::import(&mut target, found, settings, progress)?;
            (r, None)
        }
        Some(url) => {
            let store = spec.postgres()?;
            let bus = Bus::connect(url, &store.url().schema.clone())?;
            let mut target = bus::BusTarget::new(store, bus);
            let r = pipeline::import(&mut target, found, settings, progress)?;
            (r, Some(target.batches))
        }
    };
    Ok(ImportRun {
        report,
        bundles,
        failed_bundles,
        enqueued_batches,
    })
}
