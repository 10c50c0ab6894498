//! Tidy checks: the structure ARCHITECTURE.md states, held against the code. Each check reads
//! the source tree as text; a failure names the file and line that broke the rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The crates of the workspace, by folder name.
fn crates() -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(root().join("crates"))
        .expect("crates/ exists")
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    v.sort();
    v
}

/// The library sources of every crate (`src/` and `examples/`; integration tests under
/// `tests/` check the command line's contract from outside and may name what it prints).
fn library_sources() -> Vec<PathBuf> {
    crates()
        .iter()
        .flat_map(|(_, dir)| {
            let mut v = rust_files(&dir.join("src"));
            v.extend(rust_files(&dir.join("examples")));
            v
        })
        .collect()
}

/// Lines of `text` that are code, with their numbers: comment lines are left out.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
}

/// The crates a crate's `[dependencies]` name (not its dev-dependencies), in manifest order.
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).expect("manifest readable");
    let mut deps = Vec::new();
    let mut in_deps = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_deps = t == "[dependencies]";
            continue;
        }
        if in_deps && let Some(name) = t.split(['.', ' ', '=']).next() {
            deps.push(name.to_string());
        }
    }
    deps
}

/// The `skydas-*` crates a crate's `[dependencies]` name (not its dev-dependencies).
fn workspace_deps(manifest: &Path) -> BTreeSet<String> {
    dependencies(manifest)
        .into_iter()
        .filter(|d| d.starts_with("skydas-"))
        .collect()
}

/// The dependency rules of ARCHITECTURE.md: the lines between the `crate-dependencies`
/// markers, `crate: dep, dep` (a `—` for none).
fn stated_deps() -> BTreeMap<String, BTreeSet<String>> {
    let text =
        std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md exists");
    let start = text
        .find("<!-- crate-dependencies -->")
        .expect("ARCHITECTURE.md states the crate dependencies");
    let end = text[start..]
        .find("<!-- /crate-dependencies -->")
        .expect("the crate-dependencies block ends")
        + start;
    let mut out = BTreeMap::new();
    for line in text[start..end].lines() {
        let line = line.trim().trim_start_matches("- ");
        let Some((name, deps)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim().trim_matches('`');
        if !name.starts_with("skydas") {
            continue;
        }
        let deps = deps
            .split(',')
            .map(|d| d.trim().trim_matches('`').to_string())
            .filter(|d| d.starts_with("skydas"))
            .collect();
        out.insert(name.to_string(), deps);
    }
    out
}

#[test]
fn crate_dependencies_are_the_ones_architecture_states() {
    let stated = stated_deps();
    let mut problems = Vec::new();
    for (name, dir) in crates() {
        let actual = workspace_deps(&dir.join("Cargo.toml"));
        match stated.get(&name) {
            None => problems.push(format!(
                "{name} is not in ARCHITECTURE.md's dependency list"
            )),
            Some(allowed) if *allowed != actual => {
                let extra: Vec<_> = actual.difference(allowed).collect();
                let missing: Vec<_> = allowed.difference(&actual).collect();
                problems.push(format!(
                    "{name}: depends on {extra:?} that ARCHITECTURE.md does not allow; \
                     ARCHITECTURE.md lists {missing:?} that it does not use"
                ));
            }
            Some(_) => {}
        }
    }
    for name in stated.keys() {
        if !crates().iter().any(|(n, _)| n == name) {
            problems.push(format!("ARCHITECTURE.md lists {name}, which is no crate"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The module that declares a kind: the detector's folder, or its single file.
fn home_of(kind: &str) -> PathBuf {
    let detect = root().join("crates/skydas-detect/src");
    let needle = format!("name: \"{kind}\"");
    let file = rust_files(&detect)
        .into_iter()
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains(&needle)))
        .unwrap_or_else(|| panic!("no detector declares the kind {kind:?}"));
    if file.file_name().is_some_and(|n| n == "mod.rs") {
        file.parent().expect("a file has a folder").to_path_buf()
    } else {
        file
    }
}

#[test]
fn a_finding_kind_is_named_only_by_its_detector() {
    let kinds = skydas_app::analyze::kinds();
    assert!(
        kinds.iter().count() >= 3,
        "the detectors declare their kinds"
    );
    let mut problems = Vec::new();
    for spec in kinds.iter() {
        let home = home_of(spec.name);
        let quoted = format!("\"{}\"", spec.name);
        for file in library_sources() {
            if file.starts_with(&home) {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("source readable");
            for (n, line) in code_lines(&text) {
                if line.contains(&quoted) {
                    problems.push(format!(
                        "{}:{n}: names the kind {quoted}, which only {} may name (use its KindSpec)",
                        rel(&file),
                        rel(&home)
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Code lines of the binary crate at most: arguments, rendering and thin commands. A workflow
/// that grows here belongs in `skydas-app`, where the web app and the workers can call it.
const BINARY_MAX_LINES: usize = 1500;

#[test]
fn the_binary_stays_thin() {
    let files = rust_files(&root().join("crates/skydas/src"));
    let mut per_file: Vec<(String, usize)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("source readable");
            let n = code_lines(&text)
                .filter(|(_, l)| !l.trim().is_empty())
                .count();
            (rel(f), n)
        })
        .collect();
    per_file.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let total: usize = per_file.iter().map(|(_, n)| n).sum();
    assert!(
        total <= BINARY_MAX_LINES,
        "crates/skydas/src holds {total} code lines, more than {BINARY_MAX_LINES}: move \
         workflows into skydas-app ({per_file:?})"
    );
}

#[test]
fn only_the_store_crates_write_sql() {
    const SQL: [&str; 6] = [
        "SELECT ",
        "INSERT INTO",
        "DELETE FROM",
        "CREATE TABLE",
        "ALTER TABLE",
        "ON CONFLICT",
    ];
    let mut problems = Vec::new();
    for file in library_sources() {
        let r = rel(&file);
        if r.starts_with("crates/skydas-store/") || r.starts_with("crates/skydas-store-pg/") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source readable");
        for (n, line) in code_lines(&text) {
            if let Some(kw) = SQL.iter().find(|k| line.contains(*k)) {
                problems.push(format!("{r}:{n}: SQL ({kw:?}) outside the store crates"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_model_does_no_io_and_only_its_clock_reads_the_time() {
    let mut problems = Vec::new();
    let model = root().join("crates/skydas-model/src");
    for file in rust_files(&model) {
        let text = std::fs::read_to_string(&file).expect("source readable");
        for (n, line) in code_lines(&text) {
            for io in ["std::fs", "std::net", "std::process", "std::env", "File::"] {
                if line.contains(io) {
                    problems.push(format!("{}:{n}: the model does IO ({io})", rel(&file)));
                }
            }
        }
    }
    let clock = model.join("clock.rs");
    for file in library_sources() {
        if file == clock {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source readable");
        for (n, line) in code_lines(&text) {
            if line.contains("SystemTime") {
                problems.push(format!(
                    "{}:{n}: reads the wall clock; take a `Clock` (skydas_model::clock)",
                    rel(&file)
                ));
            }
        }
    }
    let detect = root().join("crates/skydas-detect/src");
    for file in rust_files(&detect) {
        let text = std::fs::read_to_string(&file).expect("source readable");
        for (n, line) in code_lines(&text) {
            for bad in ["SystemClock", "Clock::", "std::fs", "std::env"] {
                if line.contains(bad) {
                    problems.push(format!(
                        "{}:{n}: a detector must be a function of its corpus ({bad})",
                        rel(&file)
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn only_the_server_knows_http() {
    let http = ["axum", "hyper", "tower", "reqwest", "axum-server"];
    let mut problems = Vec::new();
    for (name, dir) in crates() {
        if name == "skydas-server" {
            continue;
        }
        for dep in dependencies(&dir.join("Cargo.toml")) {
            if http.contains(&dep.as_str()) {
                problems.push(format!(
                    "{name} depends on {dep}: only skydas-server knows HTTP"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
