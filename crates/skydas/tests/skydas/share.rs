//! End-to-end sharing between two stores: findings exported as a STIX bundle by one Skydas are
//! partner intelligence in another; collections, grants and publishing from the command line.

use std::path::Path;
use std::process::Output;

use skydas_store::Store;
use skydas_store::sharing::SharingStore;

use crate::cli::{on_store, scenario};

/// [`crate::cli::run`] without the organisation of the environment, if any.
fn run(args: &[&str], data: &Path) -> Output {
    on_store(data, args)
        .env_remove("SKYDAS_ORG")
        .output()
        .expect("the binary runs")
}

fn ok(o: &Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&o.stderr),
        String::from_utf8_lossy(&o.stdout)
    );
    serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null)
}

#[test]
fn a_bundle_from_one_store_is_partner_intelligence_in_another() {
    let tmp = tempfile::tempdir().unwrap();
    let scn = scenario(tmp.path(), 6, 0.2);
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    ok(&run(&["import", scn.join("data").to_str().unwrap()], &a));
    let doc = ok(&run(&["--json", "analyze"], &a));
    let findings = doc["findings"].as_array().unwrap();
    let red = findings[0]["id"].as_str().unwrap();
    ok(&run(&["findings", "mark", red, "--tlp", "red"], &a));
    let lookalikes = findings
        .iter()
        .filter(|f| f["kind"] == "lookalike_domain")
        .count();

    let bundle = tmp.path().join("to-partner.json");
    ok(&run(
        &[
            "export",
            "stix",
            "--tlp",
            "amber",
            "--org",
            "CERT-LT",
            "--out",
            bundle.to_str().unwrap(),
        ],
        &a,
    ));
    // Store B imports it: by content, beside an ordinary item file.
    let r = ok(&run(&["--json", "import", bundle.to_str().unwrap()], &b));
    let s = &r["bundles"][0]["summary"];
    assert_eq!(s["source_org"], "CERT-LT", "{r}");
    assert!(s["objects"].as_u64().unwrap() > 0);
    assert_eq!(s["objects"], s["new_objects"]);
    if lookalikes > 0 {
        assert!(s["watch_domains"].as_u64().unwrap() > 0, "{r}");
    }
    let store = skydas_store::SqliteStore::open(&b, skydas_store::OpenOptions::default()).unwrap();
    let sharing = store.sharing().unwrap();
    let objects = sharing.partner_objects(10_000).unwrap();
    assert_eq!(objects.len() as u64, s["objects"].as_u64().unwrap());
    assert!(
        objects
            .iter()
            .all(|o| o.tlp != "red" && o.source_org == "CERT-LT")
    );
    assert!(objects.iter().any(|o| o.object_type == "report"));
    assert!(
        !objects.iter().any(|o| o.body.contains(red)),
        "the RED finding did not travel"
    );
    let audit = store.accounts().unwrap().audit_list(5).unwrap();
    assert!(audit.iter().any(|e| e.action == "import_stix"));
    // Importing the same bundle again adds nothing.
    let r = ok(&run(&["--json", "import", bundle.to_str().unwrap()], &b));
    assert_eq!(r["bundles"][0]["summary"]["new_objects"], 0);
    assert_eq!(
        store.stats().map(|s| s.items).unwrap_or(0),
        0,
        "no items from a bundle"
    );
    // A bundle that is not STIX 2.1 beside a good one: the bad one is named, the good one
    // still lands, and the run exits 1.
    let cut = tmp.path().join("cut.json");
    std::fs::write(
        &cut,
        r#"{"type": "bundle", "id": "bundle--6d7f4e3a-1b7c-4c1e-9a1e-2f1f0c9f4b10", "objects": "none"}"#,
    )
    .unwrap();
    let b2 = tmp.path().join("b2");
    let o = run(
        &[
            "--json",
            "import",
            cut.to_str().unwrap(),
            bundle.to_str().unwrap(),
        ],
        &b2,
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cut.json"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["bundles"].as_array().map(Vec::len), Some(1));
    assert!(
        r["bundles"][0]["summary"]["new_objects"]
            .as_u64()
            .unwrap_or(0)
            > 0
    );
    assert_eq!(r["failed"].as_array().map(Vec::len), Some(1));
}

#[test]
fn collections_grants_and_publish() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d");
    let id = "365fed99-08fa-4dcd-a1b3-fb247eb41d01";
    let c = ok(&run(
        &[
            "--json",
            "collection",
            "add",
            "FIMI shared",
            "--id",
            id,
            "--alias",
            "fimi",
        ],
        &data,
    ));
    assert_eq!(c["id"], id);
    let grant_up_to = |tlp: &str| {
        run(
            &[
                "collection",
                "grant",
                "fimi",
                "cert-ee",
                "--read",
                "--max-tlp",
                tlp,
            ],
            &data,
        )
    };
    ok(&grant_up_to("amber"));
    assert!(
        !grant_up_to("red").status.success(),
        "RED cannot be granted"
    );
    let o = run(&["collection", "grant", "nope", "cert-ee", "--read"], &data);
    assert!(!o.status.success());
    let l = ok(&run(&["--json", "collection", "list"], &data));
    assert_eq!(l["collections"][0]["grants"][0]["org"], "cert-ee");
    assert_eq!(l["collections"][0]["grants"][0]["max_tlp"], "amber");
    // Publishing with no findings stores our identity and markings only.
    let p = ok(&run(&["--json", "collection", "publish", "fimi"], &data));
    assert_eq!(p["findings"], 0);
    let o = run(&["collection", "publish", "fimi", "--tlp", "red"], &data);
    assert!(!o.status.success(), "RED is never published");
}
