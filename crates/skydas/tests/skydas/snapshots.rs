//! Snapshots of what the command line prints, on one small simulated scenario: the JSON
//! contract of PRODUCT.md (`stats`, `scan`, `findings`, `eval`) and the text an analyst reads.
//! Temporary paths and timings are redacted; everything else must stay as reviewed.

use std::path::Path;

use serde_json::Value;

use crate::cli::{json, run, scenario, stdout};

/// The time of a finding's version line (`  v1    2026-12-04T19:45:41Z  first seen …`): when
/// the analysis ran, not what it found.
fn version_time(line: &str) -> Option<std::ops::Range<usize>> {
    let rest = line.strip_prefix("  v")?;
    let digits = rest.find(|c: char| !c.is_ascii_digit())?;
    let gap = rest[digits..].find(|c: char| c != ' ')?;
    let start = 3 + digits + gap;
    let t = line.get(start..start + 20)?;
    (digits > 0 && t.ends_with('Z') && t.as_bytes()[10] == b'T').then_some(start..start + 20)
}

/// The text with the run's own folder, the import's timing and rate, and the analysis's time
/// replaced by placeholders.
fn redact(text: &str, dir: &Path) -> String {
    let t = text.replace(&dir.display().to_string(), "[DIR]");
    let mut out = String::new();
    for line in t.lines() {
        if let Some(r) = version_time(line) {
            out.push_str(&line[..r.start]);
            out.push_str("[TIME]");
            out.push_str(&line[r.end..]);
            out.push('\n');
            continue;
        }
        match line.rfind(" (") {
            Some(i) if line.ends_with(" items/s)") => {
                out.push_str(&line[..i]);
                out.push_str(" ([SECS] s, [RATE] items/s)");
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// The shape of a findings document, small enough to review: every field of every finding,
/// with long lists cut to their first entries and their full length beside them.
fn shape(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if let Some(fs) = doc["findings"].as_array_mut() {
        for f in fs {
            let Some(obj) = f.as_object_mut() else {
                continue;
            };
            for (key, keep) in [("actors", 3), ("evidence", 2), ("edges", 1)] {
                if let Some(list) = obj.get_mut(key).and_then(Value::as_array_mut) {
                    let n = list.len();
                    list.truncate(keep);
                    for e in list.iter_mut() {
                        if let Some(pairs) = e.get_mut("pairs").and_then(Value::as_array_mut) {
                            pairs.truncate(2);
                        }
                    }
                    obj.insert(format!("{key}_total"), n.into());
                }
            }
        }
    }
    doc
}

#[test]
fn the_command_line_prints_what_it_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let scn = scenario(tmp.path(), 3, 0.03);
    let data = tmp.path().join("store");
    let data_dir = scn.join("data");
    let d = data_dir.to_str().unwrap();

    let o = run(&["import", d], &data);
    assert!(o.status.success());
    insta::assert_snapshot!("import_text", redact(&stdout(&o), tmp.path()));

    let o = run(&["--json", "stats"], &data);
    insta::assert_json_snapshot!("stats_json", json(&o));
    let o = run(&["stats"], &data);
    insta::assert_snapshot!("stats_text", stdout(&o));

    let o = run(&["--json", "scan", d], &data);
    let scanned = json(&o);
    insta::assert_json_snapshot!("scan_json_shape", shape(&scanned));

    let o = run(&["--json", "analyze"], &data);
    assert_eq!(
        json(&o)["findings"].as_array().map(Vec::len),
        scanned["findings"].as_array().map(Vec::len)
    );
    let o = run(&["findings"], &data);
    insta::assert_snapshot!("findings_text", stdout(&o));
    let o = run(&["--json", "findings"], &data);
    insta::assert_json_snapshot!("findings_json_shape", shape(&json(&o)));

    // The smallest finding, shown whole.
    let smallest = scanned["findings"]
        .as_array()
        .and_then(|fs| {
            fs.iter()
                .min_by_key(|f| f["evidence"].as_array().map_or(0, Vec::len))
        })
        .and_then(|f| f["id"].as_str())
        .expect("the scenario has findings")
        .to_string();
    let o = run(&["findings", "show", &smallest], &data);
    insta::assert_snapshot!("finding_show_text", redact(&stdout(&o), tmp.path()));

    let findings = tmp.path().join("findings.json");
    std::fs::write(&findings, serde_json::to_vec(&scanned).unwrap()).unwrap();
    let truth = scn.join("truth.json");
    let (t, f) = (truth.to_str().unwrap(), findings.to_str().unwrap());
    let o = run(&["eval", "--truth", t, f], &data);
    insta::assert_snapshot!("eval_text", stdout(&o));
    let o = run(&["--json", "eval", "--truth", t, f], &data);
    insta::assert_json_snapshot!("eval_json", json(&o));

    let o = run(&["search", "NATO", "--limit", "5"], &data);
    insta::assert_snapshot!("search_text", stdout(&o));
}
