//! Shared driver of the importer fuzz targets: arbitrary bytes into one importer's `import`.
//!
//! Run a target with `cargo fuzz run -s none import_telegram` (on stable Rust the sanitizer
//! must be off). A panic, a hang or runaway memory is a bug; record errors and `FileError`s are
//! the expected answers to bad input.

use skydas_ingest::{Event, FileContext, ImportOptions, importer_by_name};

/// Feeds `data` to the importer called `name`, draining every event.
pub fn run(name: &str, data: &[u8]) {
    // A missing importer is a broken build of the fuzz targets, not a finding about input.
    let importer = importer_by_name(name).expect("every fuzz target names a registered importer");
    // Small limits so that the limits themselves get exercised.
    let options = ImportOptions {
        max_record: 64 << 10,
        max_decompressed: 1 << 20,
        ..ImportOptions::default()
    };
    let ctx = FileContext {
        path: std::path::Path::new("fuzz-input"),
        sha256: "00",
        options: &options,
        file_time: None,
    };
    let mut input = data;
    let _ = importer.import(&mut input, &ctx, &mut |ev| match ev {
        Event::Item(item) => drop(item),
        Event::Error(err) | Event::Warning(err) => drop(err),
    });
}

/// Feeds `data` to every reader of partners' intelligence: a STIX bundle or TAXII envelope
/// (as a TAXII POST or a pull hands it over), and an indicator file in any of its forms.
pub fn run_intel(data: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = skydas_share::stix::import_bundle(&v);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let opts = skydas_share::indicators::ListOptions {
            list: "fuzz",
            source: "file:fuzz",
            tlp: None,
        };
        let _ = skydas_share::indicators::parse(text, &opts);
    }
}
