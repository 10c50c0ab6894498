//! Integration tests of `skydas-ingest`: whole files through `import_file`, one module per area.

mod framework;
mod properties;
mod real_formats;
mod telegram;
mod tidy;
mod x_v2;

use std::path::{Path, PathBuf};

use skydas_ingest::{Event, FileError, FileSummary, ImportOptions, RecordError, import_file};
use skydas_model::Item;

/// Path of a fixture under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// What importing a file gave.
pub struct Outcome {
    pub items: Vec<Item>,
    pub errors: Vec<RecordError>,
    pub warnings: Vec<RecordError>,
    pub result: Result<FileSummary, FileError>,
}

/// Imports `path` with `opts`, collecting every event.
pub fn import_with(path: &Path, opts: &ImportOptions) -> Outcome {
    let (mut items, mut errors, mut warnings) = (Vec::new(), Vec::new(), Vec::new());
    let result = import_file(path, "00ff", opts, &mut |ev| match ev {
        Event::Item(i) => items.push(*i),
        Event::Error(e) => errors.push(e),
        Event::Warning(w) => warnings.push(w),
    });
    Outcome {
        items,
        errors,
        warnings,
        result,
    }
}

/// Imports a fixture with default options.
pub fn import(rel: &str) -> Outcome {
    import_with(&fixture(rel), &ImportOptions::default())
}
