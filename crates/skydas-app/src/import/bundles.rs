//! STIX 2.1 bundles among the files of an import: partners' intelligence, not items. A file is
//! a bundle by its content, whatever its name.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use skydas_model::Clock;
use skydas_store::sharing::SharingStore;

use crate::intel::{self, IntelSummary, looks_like_bundle};

/// Whether a file is a STIX bundle, by content: the head decides, the whole file is read only
/// when the head looks like a bundle without starting with `{"type": "bundle"`.
pub fn is_bundle_file(p: &Path) -> bool {
    let Ok(f) = std::fs::File::open(p) else {
        return false;
    };
    let mut head = Vec::with_capacity(4096);
    if f.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    let compact: String = text
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if compact.starts_with("{\"type\":\"bundle\"") {
        return true;
    }
    // Exporters that sort keys put `id` first and `type` last.
    let candidate =
        compact.starts_with("{\"id\":\"bundle--") || compact.contains("\"type\":\"bundle\"");
    if !compact.starts_with('{') || !candidate {
        return false;
    }
    std::fs::read_to_string(p).is_ok_and(|t| looks_like_bundle(&t))
}

/// Splits discovered files into STIX bundles and everything else.
pub fn split_bundles(files: Vec<PathBuf>) -> (Vec<PathBuf>, Vec<PathBuf>) {
    files.into_iter().partition(|p| is_bundle_file(p))
}

/// A bundle file recorded as partner intelligence.
#[derive(Debug, Clone, Serialize)]
pub struct BundleReport {
    pub file: PathBuf,
    pub summary: IntelSummary,
}

/// A bundle file that could not be recorded, and why.
#[derive(Debug, Clone, Serialize)]
pub struct BundleFailure {
    pub file: PathBuf,
    pub failure: String,
}

/// Records bundle files as partner intelligence. A file that cannot be read or is not a STIX
/// 2.1 bundle is reported with its reason; the others still land.
pub fn record_bundles(
    sharing: &mut dyn SharingStore,
    files: &[PathBuf],
    clock: &dyn Clock,
) -> (Vec<BundleReport>, Vec<BundleFailure>) {
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for p in files {
        {
            let name = p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let recorded = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))
                .and_then(|text| {
                    serde_json::from_str::<Value>(&text)
                        .map_err(|e| format!("{}: not JSON: {e}", p.display()))
                })
                .and_then(|v| {
                    intel::record(sharing, &v, &format!("file:{name}"), None, clock)
                        .map_err(|e| format!("{}: not a STIX 2.1 bundle: {e}", p.display()))
                });
            match recorded {
                Ok(summary) => done.push(BundleReport {
                    file: p.clone(),
                    summary,
                }),
                Err(failure) => failed.push(BundleFailure {
                    file: p.clone(),
                    failure,
                }),
            }
        }
    }
    (done, failed)
}
