//! `skydas convert`: input files in any format to the coordination-network-toolkit's CSV, so
//! that both tools read one file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;
use skydas_ingest::formats::toolkit;
use skydas_ingest::{Event, ImportOptions};
use skydas_normalise::Normaliser;

use crate::error::{AppError, Result};

/// What a conversion did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Converted {
    pub written: u64,
    pub record_errors: u64,
    pub failed_files: u64,
    /// The first record and file errors, for the caller to show.
    #[serde(skip)]
    pub messages: Vec<String>,
}

impl Converted {
    /// One line: what was written where, and what failed.
    pub fn summary(&self, out: &Path) -> String {
        format!(
            "wrote {} records to {} ({} record errors, {} files failed)",
            self.written,
            out.display(),
            self.record_errors,
            self.failed_files
        )
    }
}

/// Converts `paths` into the toolkit CSV at `out`; each item once, normalised.
pub fn convert(
    paths: &[PathBuf],
    options: &ImportOptions,
    out: &Path,
    keep_messages: usize,
) -> Result<Converted> {
    let skydas_ingest::Discovered {
        files,
        skipped,
        errors,
    } = skydas_ingest::discover(paths);
    let mut c = Converted {
        failed_files: errors.len() as u64,
        messages: skipped
            .iter()
            .map(|s| format!("skipped: {}: {}", s.path.display(), s.reason))
            .chain(errors.iter().map(|e| format!("error: {e}")))
            .collect(),
        ..Converted::default()
    };
    let file = std::fs::File::create(out).map_err(|e| AppError::io("create", out, e))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let write_err =
        |e: csv::Error| AppError::Failed(format!("cannot write {}: {e}", out.display()));
    toolkit::write_header(&mut w).map_err(write_err)?;
    let normaliser = Normaliser::new();
    let mut seen = HashSet::new();
    for path in &files {
        let (sha, _) = match skydas_ingest::hash_file(path) {
            Ok(h) => h,
            Err(e) => {
                c.messages
                    .push(format!("error: {}: cannot read: {e}", path.display()));
                c.failed_files += 1;
                continue;
            }
        };
        let mut failure = None;
        let res = skydas_ingest::import_file(path, &sha, options, &mut |ev| match ev {
            Event::Item(mut it) => {
                normaliser.normalise(&mut it);
                if failure.is_none() && seen.insert((it.platform, it.platform_id.clone())) {
                    match toolkit::write_record(&mut w, &it) {
                        Ok(()) => c.written += 1,
                        Err(e) => failure = Some(e),
                    }
                }
            }
            Event::Warning(w) => {
                if c.messages.len() < keep_messages {
                    c.messages.push(format!("warning: {w}"));
                }
            }
            Event::Error(e) => {
                c.record_errors += 1;
                if c.messages.len() < keep_messages {
                    c.messages.push(format!("warning: {e}"));
                }
            }
        });
        if let Some(e) = failure {
            return Err(write_err(e));
        }
        if let Err(e) = res {
            c.messages.push(format!("error: {e}"));
            c.failed_files += 1;
        }
    }
    w.flush().map_err(|e| AppError::io("write", out, e))?;
    Ok(c)
}
