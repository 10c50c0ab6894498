//! Known infrastructure end to end: indicator lists into the store, matched by `analyze`
//! (and by `scan --indicators` in one shot), with the lists' markings enforced on export.

use crate::cli::{each_str, json, run, scenario, stderr};

#[test]
fn indicator_lists_are_matched_where_they_appear_and_their_markings_hold() {
    let tmp = tempfile::tempdir().unwrap();
    let scn = scenario(tmp.path(), 6, 0.2);
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(scn.join("truth.json")).unwrap()).unwrap();
    let clones = each_str(&truth["lookalike_domains"], "domain");
    let redirectors: Vec<String> = truth["operations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["redirectors"].as_array().cloned().unwrap_or_default())
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    assert!(!clones.is_empty() && !redirectors.is_empty());
    // A defanged public list, and a partner's RED list as CSV.
    let public = tmp.path().join("doppelganger.txt");
    let defanged: Vec<String> = clones.iter().map(|d| d.replace('.', "[.]")).collect();
    std::fs::write(&public, format!("# clones\n{}\n", defanged.join("\n"))).unwrap();
    let partner = tmp.path().join("partner.csv");
    let rows: Vec<String> = redirectors.iter().map(|r| format!("domain,{r}")).collect();
    std::fs::write(&partner, format!("type,value\n{}\n", rows.join("\n"))).unwrap();

    let data = tmp.path().join("store");
    assert!(
        run(&["import", scn.join("data").to_str().unwrap()], &data)
            .status
            .success()
    );
    let p = public.to_str().unwrap();
    let o = run(&["indicators", "import", p, "--tlp", "green"], &data);
    assert!(o.status.success(), "{}", stderr(&o));
    let again = run(
        &["--json", "indicators", "import", p, "--tlp", "green"],
        &data,
    );
    assert_eq!(json(&again)[0]["new"], 0, "importing again adds nothing");
    let o = run(
        &[
            "indicators",
            "import",
            partner.to_str().unwrap(),
            "--name",
            "CERT-X",
            "--tlp",
            "red",
        ],
        &data,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let lists = json(&run(&["--json", "indicators", "list"], &data));
    assert_eq!(lists.as_array().unwrap().len(), 2, "{lists}");

    let o = run(&["--json", "analyze"], &data);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = json(&o);
    let known: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "known_infrastructure")
        .collect();
    let domains: Vec<&str> = known.iter().filter_map(|f| f["domain"].as_str()).collect();
    for c in &clones {
        assert!(
            domains.contains(&c.as_str()),
            "{c} not found in {domains:?}"
        );
    }
    let red: Vec<&&serde_json::Value> = known.iter().filter(|f| f["tlp"] == "red").collect();
    assert!(!red.is_empty(), "the partner's list is RED");
    for f in &known {
        assert!(!f["evidence"].as_array().unwrap().is_empty());
        assert!(!f["actors"].as_array().unwrap().is_empty(), "who pushed it");
    }
    // Marking a RED finding down is refused by the store: it stays RED and never leaves.
    let id = red[0]["id"].as_str().unwrap();
    assert!(
        run(&["findings", "mark", id, "--tlp", "clear"], &data)
            .status
            .success()
    );
    let out = tmp.path().join("partner-bundle.json");
    let o = run(
        &[
            "export",
            "stix",
            "--tlp",
            "amber",
            "--out",
            out.to_str().unwrap(),
        ],
        &data,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    for f in &red {
        assert!(
            !text.contains(f["domain"].as_str().unwrap()),
            "{} left",
            f["domain"]
        );
    }

    // One shot: the same lists matched without a store.
    let o = run(
        &[
            "--json",
            "scan",
            "--indicators",
            p,
            scn.join("data").to_str().unwrap(),
        ],
        &tmp.path().join("unused"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let n = json(&o)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "known_infrastructure")
        .count();
    assert_eq!(n, clones.len());
}
