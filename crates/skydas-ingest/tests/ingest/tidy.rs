//! Tidy checks: the fuzz targets (outside the workspace) stay in step with the importers.

use std::collections::BTreeSet;
use std::path::Path;

use skydas_ingest::{importer_by_name, registry};

#[test]
fn every_importer_has_a_fuzz_target_that_names_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/fuzz_targets");
    let mut named = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("fuzz/fuzz_targets exists") {
        let path = entry.expect("readable").path();
        let text = std::fs::read_to_string(&path).expect("a fuzz target is text");
        // Targets of the other readers of outside input (partners' intelligence).
        if !path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("import_"))
        {
            continue;
        }
        let start = text
            .find("run(\"")
            .unwrap_or_else(|| panic!("{}: no run(\"…\")", path.display()));
        let rest = &text[start + 5..];
        let name = &rest[..rest.find('"').expect("closing quote")];
        assert!(
            importer_by_name(name).is_some(),
            "{} fuzzes {name:?}, which is no importer",
            path.display()
        );
        named.insert(name.to_string());
    }
    let all: BTreeSet<String> = registry().iter().map(|i| i.name().to_string()).collect();
    assert_eq!(named, all, "one fuzz target per importer");
}
