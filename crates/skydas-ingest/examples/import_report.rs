//! Imports every file under the given folders with content detection and prints one JSON line
//! per file: the importer, each item's id, link, time and time basis, and the reasons of its
//! record errors and warnings. `bench/real_formats/run.sh` compares it with feedparser.
//!
//! `cargo run --release -p skydas-ingest --example import_report -- DIR...`

use std::io::Write;
use std::path::PathBuf;

use skydas_ingest::{Event, ImportOptions, discover, hash_file, import_file};
use skydas_model::UrlSource;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let found = discover(&paths);
    for s in &found.skipped {
        eprintln!("skipped: {}: {}", s.path.display(), s.reason);
    }
    let files = found.files;
    for e in found.errors {
        eprintln!("error: {e}");
    }
    let mut out = std::io::stdout().lock();
    for path in files {
        let (sha, _) = hash_file(&path)?;
        let mut items = Vec::new();
        let mut errs = Vec::new();
        let mut warns = Vec::new();
        let res = import_file(&path, &sha, &ImportOptions::default(), &mut |ev| match ev {
            Event::Item(it) => items.push(serde_json::json!({
                "id": it.platform_id,
                "link": it.urls.iter().find(|u| u.source == UrlSource::Link).map(|u| u.raw.clone()),
                "time": skydas_model::time::format_rfc3339(it.time),
                "basis": it.time_basis.as_str(),
                "author": it.author,
                "text": it.text.chars().take(80).collect::<String>(),
            })),
            Event::Error(e) => errs.push(e.reason),
            Event::Warning(w) => warns.push(w.reason),
        });
        let line = serde_json::json!({
            "path": path,
            "importer": res.as_ref().map(|s| s.importer.clone()).ok(),
            "failure": res.as_ref().err().map(ToString::to_string),
            "items": items,
            "errors": errs,
            "warnings": warns,
        });
        writeln!(out, "{line}")?;
    }
    Ok(())
}
