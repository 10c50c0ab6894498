//! Tests of the STIX export, checker and import, and the findings they share with the MISP tests.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::{Value, json};
use skydas_model::{
    EdgeEvidence, Evidence, Finding, FindingActor, FindingKind, ItemPair, Platform,
};

use super::check::is_stix_timestamp;
use super::import::pattern_domains;
use super::*;
use crate::tlp::{Audience, Marking, Tlp, Withheld};
use crate::{disarm, fixtures};

/// 2024-02-24T06:00:00Z.
pub(crate) const T0: i64 = 1_708_754_400;
pub(crate) const NOW: i64 = 1_710_000_000;

fn actor(platform: Platform, id: &str, handle: &str) -> FindingActor {
    fixtures::actor(platform, id, handle, Some(format!("Name {handle}")))
}

fn evidence(platform: Platform, id: &str, actor: &str, t: i64, url: Option<&str>) -> Evidence {
    fixtures::evidence(platform, id, actor, t, url, format!("post {id}"))
}

fn base(id: &str, kind: FindingKind) -> Finding {
    fixtures::finding(id, kind, 0.87, (T0, T0 + 3600), format!("Finding {id}."))
}

/// A coordinated network of two X accounts and a Telegram channel sharing one link.
pub(crate) fn coordination(id: &str) -> Finding {
    let mut f = base(id, FindingKind::of(&skydas_detect::coordination::KIND));
    f.disarm = vec!["T0049.003".into(), "T0084.001".into(), "T0999.999".into()];
    f.actors = vec![
        actor(Platform::X, "1001", "alpha"),
        actor(Platform::X, "1002", "beta"),
        actor(Platform::Telegram, "-1003", "gamma_ch"),
    ];
    f.evidence = vec![
        evidence(
            Platform::X,
            "9001",
            "1001",
            T0,
            Some("https://news.example/a?x=1"),
        ),
        evidence(
            Platform::X,
            "9002",
            "1002",
            T0 + 30,
            Some("https://news.example/a?x=1"),
        ),
        evidence(Platform::Telegram, "-1003/7", "-1003", T0 + 60, None),
    ];
    f.signals = BTreeMap::from([("co-link".to_owned(), 3)]);
    f.edges = vec![EdgeEvidence {
        acts: None,
        a: "1001".into(),
        b: "1002".into(),
        weight: 2.5,
        signals: BTreeMap::from([("co-link".to_owned(), 3)]),
        p_value: Some(1e-6),
        pairs: vec![ItemPair {
            signal: "co-link".into(),
            key: "https://news.example/a".into(),
            a: "9001".into(),
            b: "9002".into(),
            gap_s: 30,
        }],
    }];
    f
}

/// A lookalike of lrt.lt, with a quote in the domain to exercise pattern escaping when asked.
pub(crate) fn lookalike(id: &str, domain: &str) -> Finding {
    let mut f = base(id, FindingKind::of(&skydas_detect::lookalike::KIND));
    f.disarm = vec!["T0149.003".into(), "T0143.003".into()];
    f.domain = Some(domain.into());
    f.impersonates = Some("lrt.lt".into());
    f.techniques = vec!["tld-swap".into()];
    f.actors = vec![actor(Platform::X, "1001", "alpha")];
    f.evidence = vec![evidence(
        Platform::X,
        "9003",
        "1001",
        T0,
        Some(&format!("https://{domain}/news/1")),
    )];
    f
}

pub(crate) fn automation(id: &str) -> Finding {
    let mut f = base(id, FindingKind::of(&skydas_detect::automation::KIND));
    f.disarm = vec!["T0146.007".into()];
    f.actors = vec![actor(Platform::Telegram, "-2001", "autoposter")];
    f.evidence = vec![evidence(Platform::Telegram, "-2001/1", "-2001", T0, None)];
    f
}

/// A coordinated network at GREEN and a lookalike at AMBER, the export most tests start from.
pub(crate) fn network_and_lookalike() -> Vec<(Finding, Option<Tlp>)> {
    vec![
        (coordination("co-1"), Some(Tlp::Green)),
        (lookalike("ld-1", "lrt-lt.example"), Some(Tlp::Amber)),
    ]
}

/// The findings of the partner snapshots: one of each kind at its own level, and one RED.
pub(crate) fn partner_sample() -> Vec<(Finding, Option<Tlp>)> {
    let mut v = network_and_lookalike();
    v.push((automation("au-1"), Some(Tlp::Clear)));
    v.push((coordination("co-red"), Some(Tlp::Red)));
    v
}

pub(crate) fn org() -> OrgIdentity {
    OrgIdentity::new("Example CERT")
}

fn objects(b: &Value) -> &Vec<Value> {
    b["objects"].as_array().expect("objects")
}

fn of_type<'a>(b: &'a Value, ty: &str) -> Vec<&'a Value> {
    objects(b).iter().filter(|o| o["type"] == ty).collect()
}

fn types(b: &Value) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for o in objects(b) {
        *m.entry(o["type"].as_str().unwrap_or("").to_owned())
            .or_default() += 1;
    }
    m
}

fn rels(b: &Value) -> BTreeSet<(String, String, String)> {
    let ty = |id: &Value| {
        id.as_str()
            .unwrap_or("")
            .split("--")
            .next()
            .unwrap_or("")
            .to_owned()
    };
    of_type(b, "relationship")
        .iter()
        .map(|r| {
            (
                ty(&r["source_ref"]),
                r["relationship_type"].as_str().unwrap_or("").to_owned(),
                ty(&r["target_ref"]),
            )
        })
        .collect()
}

fn export(findings: &[(Finding, Option<Tlp>)], audience: Audience) -> ExportResult {
    export_at(findings, audience, NOW)
}

fn export_at(findings: &[(Finding, Option<Tlp>)], audience: Audience, now: i64) -> ExportResult {
    export_bundle(findings, &skydas_detect::kinds(), &org(), audience, now)
}

#[test]
fn coordination_maps_to_campaign_with_disarm_and_evidence() {
    let r = export(
        &[(coordination("co-1"), Some(Tlp::Green))],
        Audience::default(),
    );
    let b = &r.bundle;
    assert_eq!(check_bundle(b), Vec::<String>::new());
    let t = types(b);
    let expect = [
        ("identity", 2),           // ours and DISARM's
        ("marking-definition", 2), // TLP:GREEN and the CC BY-SA statement
        ("attack-pattern", 2),     // T0999.999 is not in v1.6
        ("campaign", 1),
        ("user-account", 3),
        ("url", 1), // the shared link is one SCO
        ("observed-data", 1),
        ("note", 1),
        ("relationship", 2),
        ("report", 1),
    ];
    assert_eq!(t, expect.iter().map(|(k, v)| (k.to_string(), *v)).collect());
    assert_eq!(
        rels(b),
        BTreeSet::from([("campaign".into(), "uses".into(), "attack-pattern".into())])
    );
    let c = of_type(b, "campaign")[0];
    assert_eq!(c["first_seen"], "2024-02-24T06:00:00.000Z");
    assert_eq!(c["last_seen"], "2024-02-24T07:00:00.000Z");
    assert_eq!(c["confidence"], 87);
    assert_eq!(c["object_marking_refs"], json!([Tlp::Green.marking_id()]));
    let od = of_type(b, "observed-data")[0];
    assert_eq!(od["number_observed"], 3);
    assert_eq!(od["object_refs"].as_array().map(Vec::len), Some(4));
    let note = of_type(b, "note")[0];
    let content = note["content"].as_str().unwrap_or("");
    for want in [
        "1001 - 1002",
        "items 9001 and 9002, 30 s apart",
        "T0084.001 Use Copypasta",
        "T0999.999 (not in DISARM v1.6)",
    ] {
        assert!(content.contains(want), "{want} in {content}");
    }
    assert_eq!(
        note["object_refs"],
        json!([c["id"], od["id"]]),
        "the note explains the campaign and its evidence"
    );
    // Accounts: X gets the vocabulary's account type, Telegram keeps its platform in user_id.
    let accounts = of_type(b, "user-account");
    assert_eq!(accounts[0]["account_type"], "twitter");
    assert_eq!(accounts[0]["user_id"], "1001");
    assert_eq!(accounts[2]["user_id"], "telegram:-1003");
    assert!(accounts[2].get("account_type").is_none());
    // DISARM objects are verbatim.
    let ap = of_type(b, "attack-pattern")[0];
    assert_eq!(Some(ap), disarm::attack_pattern("T0049.003"));
    let report = of_type(b, "report")[0];
    let refs = report["object_refs"].as_array().map(Vec::len);
    // All but the two marking-definitions, DISARM's identity and the report itself.
    assert_eq!(refs, Some(objects(b).len() - 4));
    assert_eq!(report["report_types"], json!(["threat-report"]));
}

#[test]
fn lookalike_maps_to_indicator_sighting_and_scos() {
    let r = export(
        &[(lookalike("ld-1", "LRT-lt.example"), Some(Tlp::Amber))],
        Audience::default(),
    );
    let b = &r.bundle;
    assert_eq!(check_bundle(b), Vec::<String>::new());
    assert_eq!(
        rels(b),
        BTreeSet::from([
            (
                "indicator".into(),
                "indicates".into(),
                "attack-pattern".into()
            ),
            (
                "indicator".into(),
                "based-on".into(),
                "observed-data".into()
            ),
        ])
    );
    let ind = of_type(b, "indicator")[0];
    assert_eq!(ind["pattern"], "[domain-name:value = 'lrt-lt.example']");
    assert_eq!(ind["pattern_type"], "stix");
    assert_eq!(ind["valid_from"], "2024-02-24T06:00:00.000Z");
    assert_eq!(ind["indicator_types"], json!(["malicious-activity"]));
    assert_eq!(
        ind["kill_chain_phases"],
        json!([
            {"kill_chain_name": "disarm", "phase_name": "establish-assets"},
            {"kill_chain_name": "disarm", "phase_name": "establish-legitimacy"}
        ])
    );
    let d = of_type(b, "domain-name")[0];
    assert_eq!(d["value"], "lrt-lt.example");
    let s = of_type(b, "sighting")[0];
    assert_eq!(s["sighting_of_ref"], ind["id"]);
    assert_eq!(s["where_sighted_refs"], json!([org().stix_id()]));
    assert_eq!(of_type(b, "url").len(), 1);
}

#[test]
fn sco_ids_follow_the_stix_uuidv5_rule() {
    // Reference values computed with the stix2 library (`DomainName(value=...)`, `URL(value=...)`).
    assert_eq!(
        sco_id("domain-name", &[("value", "example.com")]),
        "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"
    );
    assert_eq!(
        sco_id("url", &[("value", "https://example.com/")]),
        "url--be22e93a-5e33-5678-b19f-8b4ea06df0bd"
    );
    assert_eq!(
        sco_id(
            "user-account",
            &[
                ("user_id", "1001"),
                ("account_type", "twitter"),
                ("account_login", "alpha")
            ]
        ),
        "user-account--f8ad38a9-4a9b-5c76-a3a7-592890bd3a09"
    );
    assert_eq!(
        actor_sco(Platform::Telegram, "-1003", Some("gamma_ch"), None)["id"],
        "user-account--2df676b1-37e6-5e63-8058-f35ccde1267d"
    );
    assert_eq!(
        sco_id(
            "user-account",
            &[("user_id", "1"), ("account_type", "twitter")]
        ),
        sco_id(
            "user-account",
            &[("account_type", "twitter"), ("user_id", "1")]
        ),
        "key order does not matter"
    );
}

#[test]
fn pattern_values_are_escaped() {
    let check = |raw: &str, expected: &str| assert_eq!(pattern_escape(raw), expected);
    check("a.example", "a.example");
    check("a'b.example", "a\\'b.example");
    check("a\\b", "a\\\\b");
    let r = export(
        &[(lookalike("ld-q", "o'brien.example"), Some(Tlp::Clear))],
        Audience::default(),
    );
    let ind = of_type(&r.bundle, "indicator")[0];
    assert_eq!(ind["pattern"], "[domain-name:value = 'o\\'brien.example']");
    assert_eq!(
        pattern_domains(ind["pattern"].as_str().unwrap_or("")),
        ["o'brien.example"]
    );
}

#[test]
fn exports_are_deterministic_and_ids_stable() {
    let mut input = network_and_lookalike();
    input.push((automation("au-1"), Some(Tlp::Clear)));
    let a = export(&input, Audience::default());
    let b = export(&input, Audience::default());
    assert_eq!(a, b);
    // A later export keeps every object id (and so de-duplicates at the partner).
    let later = export_at(&input, Audience::default(), NOW + 86_400);
    let ids =
        |r: &ExportResult| -> BTreeSet<String> { objects(&r.bundle).iter().map(id_of).collect() };
    assert_eq!(ids(&a), ids(&later));
    for id in ids(&a) {
        assert_eq!(id, id.to_lowercase());
    }
}

#[test]
fn red_never_leaves() {
    let input = [
        (coordination("co-red"), Some(Tlp::Red)),
        (lookalike("ld-1", "lrt-lt.example"), Some(Tlp::Green)),
    ];
    for audience in [
        Audience::own_org(Tlp::Red),
        Audience::partner(Tlp::Red),
        Audience::default(),
    ] {
        let r = export(&input, audience);
        assert_eq!(r.withheld, vec![("co-red".to_owned(), Withheld::Red)]);
        assert_eq!(
            (r.counts.findings_exported, r.counts.findings_withheld),
            (1, 1)
        );
        let text = r.bundle.to_string();
        assert!(!text.contains(Tlp::Red.marking_id()));
        assert!(!text.contains("co-red"), "no trace of the RED finding");
        assert!(of_type(&r.bundle, "campaign").is_empty());
        assert_eq!(check_bundle_for(&r.bundle, audience), Vec::<String>::new());
    }
}

#[test]
fn amber_strict_goes_only_to_our_own_org() {
    let input = [(coordination("co-s"), Some(Tlp::AmberStrict))];
    let partner = export(&input, Audience::partner(Tlp::Red));
    assert_eq!(
        partner.withheld,
        vec![("co-s".to_owned(), Withheld::AmberStrictOutsideOrg)]
    );
    assert!(of_type(&partner.bundle, "campaign").is_empty());
    let own = export(&input, Audience::own_org(Tlp::AmberStrict));
    assert!(own.withheld.is_empty());
    assert_eq!(of_type(&own.bundle, "campaign").len(), 1);
    assert_eq!(
        check_bundle_for(&own.bundle, Audience::own_org(Tlp::AmberStrict)),
        Vec::<String>::new()
    );
    // The same bundle fails the check for a partner.
    assert!(!check_bundle_for(&own.bundle, Audience::partner(Tlp::Amber)).is_empty());
}

#[test]
fn above_the_audience_is_withheld_and_counted() {
    let input = [
        (coordination("co-a"), Some(Tlp::Amber)),
        (automation("au-g"), Some(Tlp::Green)),
        (lookalike("ld-c", "lrt-lt.example"), Some(Tlp::Clear)),
    ];
    let r = export(&input, Audience::partner(Tlp::Green));
    assert_eq!(
        r.withheld,
        vec![(
            "co-a".to_owned(),
            Withheld::AboveAudience {
                marking: Tlp::Amber,
                max: Tlp::Green
            }
        )]
    );
    assert_eq!(r.counts.findings_exported, 2);
    assert_eq!(r.counts.findings_withheld, 1);
    assert_eq!(r.counts.objects, objects(&r.bundle).len());
    assert!(!r.bundle.to_string().contains(Tlp::Amber.marking_id()));
    let clear = export(&input, Audience::partner(Tlp::Clear));
    assert_eq!(clear.counts.findings_withheld, 2);
}

#[test]
fn missing_marking_blocks_export() {
    let r = export(
        &[
            (coordination("co-u"), None),
            (automation("au-1"), Some(Tlp::Clear)),
        ],
        Audience::own_org(Tlp::AmberStrict),
    );
    assert_eq!(r.withheld, vec![("co-u".to_owned(), Withheld::Unmarked)]);
    assert!(of_type(&r.bundle, "campaign").is_empty());
}

#[test]
fn merged_objects_take_the_most_restrictive_marking() {
    // Account 1001 appears in a CLEAR and an AMBER finding: one SCO, marked AMBER.
    let r = export(
        &[
            (lookalike("ld-1", "lrt-lt.example"), Some(Tlp::Clear)),
            (coordination("co-1"), Some(Tlp::Amber)),
        ],
        Audience::default(),
    );
    let acct = of_type(&r.bundle, "user-account")
        .into_iter()
        .find(|o| o["user_id"] == "1001")
        .cloned()
        .expect("account 1001");
    assert_eq!(
        acct["object_marking_refs"],
        json!([Tlp::Amber.marking_id()])
    );
    let ind = of_type(&r.bundle, "indicator")[0];
    assert_eq!(ind["object_marking_refs"], json!([Tlp::Clear.marking_id()]));
    let report = of_type(&r.bundle, "report")[0];
    assert_eq!(
        report["object_marking_refs"],
        json!([Tlp::Amber.marking_id()])
    );
    let ident = objects(&r.bundle)
        .iter()
        .find(|o| o["id"] == org().stix_id())
        .expect("our identity");
    assert_eq!(
        ident["object_marking_refs"],
        json!([Tlp::Clear.marking_id()])
    );
    assert_eq!(check_bundle(&r.bundle), Vec::<String>::new());
}

#[test]
fn empty_export_is_still_a_valid_bundle() {
    let r = export(
        &[(coordination("co-r"), Some(Tlp::Red))],
        Audience::default(),
    );
    assert_eq!(check_bundle(&r.bundle), Vec::<String>::new());
    assert_eq!(
        types(&r.bundle).keys().cloned().collect::<Vec<_>>(),
        ["identity", "marking-definition", "report"]
    );
}

#[test]
fn org_identity_ids() {
    assert_eq!(
        OrgIdentity::new("A").stix_id(),
        OrgIdentity::new(" A ").stix_id()
    );
    assert_ne!(
        OrgIdentity::new("A").stix_id(),
        OrgIdentity::new("B").stix_id()
    );
    let fixed = OrgIdentity {
        name: "A".into(),
        id: Some("identity--0F6A4B2E-1C3D-4E5F-8A9B-0C1D2E3F4A5B".into()),
    };
    assert_eq!(
        fixed.stix_id(),
        "identity--0f6a4b2e-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
    );
    let bad = OrgIdentity {
        name: "A".into(),
        id: Some("nonsense".into()),
    };
    assert_eq!(bad.stix_id(), OrgIdentity::new("A").stix_id());
}

/// A good bundle, then one defect at a time; each must be reported.
#[test]
fn checker_catches_crafted_defects() {
    let good = export(&network_and_lookalike(), Audience::default()).bundle;
    assert_eq!(check_bundle(&good), Vec::<String>::new());
    let find = |b: &Value, ty: &str| {
        objects(b)
            .iter()
            .position(|o| o["type"] == ty)
            .expect("object of type")
    };
    type Edit = Box<dyn Fn(&mut Value)>;
    // The commonest defects: one property of the first object of a type set, or left out.
    let set = move |ty: &'static str, key: &'static str, value: Value| -> Edit {
        Box::new(move |b| {
            let i = find(b, ty);
            b["objects"][i][key] = value.clone();
        })
    };
    let unset = move |ty: &'static str, key: &'static str| -> Edit {
        Box::new(move |b| {
            let i = find(b, ty);
            if let Some(o) = b["objects"][i].as_object_mut() {
                o.remove(key);
            }
        })
    };
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "upper-case id",
            Box::new(move |b| {
                let i = find(b, "campaign");
                let id = b["objects"][i]["id"].as_str().unwrap_or("").to_uppercase();
                b["objects"][i]["id"] = id.replace("CAMPAIGN", "campaign").into();
            }),
            "lowercase uuid",
        ),
        (
            "wrong tlp name",
            set("marking-definition", "name", json!("TLP:green")),
            "canonical TLP 2.0",
        ),
        (
            "tlp 1.0 marking",
            Box::new(move |b| {
                b["objects"].as_array_mut().expect("objects").push(json!({
                    "type": "marking-definition", "spec_version": "2.1",
                    "id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
                    "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
                    "name": "TLP:GREEN", "definition": {"tlp": "green"}}));
            }),
            "TLP 1.0",
        ),
        (
            "uuid4 sco",
            set(
                "url",
                "id",
                json!("url--0f6a4b2e-1c3d-4e5f-8a9b-0c1d2e3f4a5b"),
            ),
            "not a UUIDv5",
        ),
        (
            "uuid5 sdo",
            set(
                "note",
                "id",
                json!("note--2df676b1-37e6-5e63-8058-f35ccde1267d"),
            ),
            "not a UUIDv4",
        ),
        (
            "sco id of other value",
            set("domain-name", "value", json!("other.example")),
            "SCO id should be",
        ),
        (
            "dangling ref",
            set(
                "relationship",
                "target_ref",
                json!("attack-pattern--00000000-0000-4000-8000-000000000000"),
            ),
            "dangling ref",
        ),
        (
            "unmarked object",
            unset("note", "object_marking_refs"),
            "no TLP marking",
        ),
        (
            "red object",
            Box::new(move |b| {
                let i = find(b, "note");
                b["objects"][i]["object_marking_refs"] = json!([Tlp::Red.marking_id()]);
                b["objects"]
                    .as_array_mut()
                    .expect("objects")
                    .push(Tlp::Red.marking_definition());
            }),
            "TLP:RED never leaves",
        ),
        (
            "timestamp without milliseconds",
            set("campaign", "created", json!("2024-03-09T16:00:00Z")),
            "millisecond UTC timestamp",
        ),
        (
            "timestamp without z",
            set("indicator", "valid_from", json!("2024-03-09T16:00:00.000")),
            "millisecond UTC timestamp",
        ),
        (
            "missing spec_version",
            unset("indicator", "spec_version"),
            "spec_version",
        ),
        (
            "report without refs",
            set("report", "object_refs", json!([])),
            "report without object_refs",
        ),
        (
            "duplicate",
            Box::new(move |b| {
                let i = find(b, "note");
                let dup = b["objects"][i].clone();
                b["objects"].as_array_mut().expect("objects").push(dup);
            }),
            "duplicate id",
        ),
    ];
    for (name, edit, want) in cases {
        let mut b = good.clone();
        edit(&mut b);
        let errs = check_bundle(&b);
        assert!(
            errs.iter().any(|e| e.contains(want)),
            "{name}: expected {want:?} in {errs:?}"
        );
    }
    assert!(!check_bundle(&json!({"type": "bundle"})).is_empty());
    assert!(!check_bundle(&json!([1, 2])).is_empty());
}

#[test]
fn timestamps_are_checked_strictly() {
    let check = |s: &str, millis: bool, ok: bool| {
        assert_eq!(is_stix_timestamp(s, millis), ok, "{s} millis={millis}");
    };
    check("2024-02-24T06:00:00.000Z", true, true);
    check("2024-02-24T06:00:00.073632Z", false, true);
    check("2024-02-24T06:00:00.073632Z", true, false);
    check("2024-02-24T06:00:00Z", false, true);
    check("2024-02-24T06:00:00Z", true, false);
    check("2024-02-24T06:00:00.000", true, false);
    check("2024-02-24T06:00:00.Z", false, false);
    check("2024-02-24 06:00:00.000Z", true, false);
    check("", false, false);
    // Corrupt finding times are clamped into the representable range.
    assert_eq!(ts(i64::MIN), "1970-01-01T00:00:00.000Z");
    assert_eq!(ts(i64::MAX), "9999-12-31T23:59:59.000Z");
}

#[test]
fn imports_a_bundle_round_trip() {
    let r = export(&network_and_lookalike(), Audience::default());
    let imp = import_bundle(&r.bundle).expect("our own bundle imports");
    assert_eq!(imp.domains, vec![("lrt-lt.example".to_owned(), Tlp::Amber)]);
    assert_eq!(imp.objects.len(), objects(&r.bundle).len());
    assert_eq!(
        imp.unmarked, 0,
        "DISARM's objects are public, the rest TLP-marked"
    );
    let alpha = imp
        .actors
        .iter()
        .find(|a| a.user_id.as_deref() == Some("1001"))
        .expect("alpha");
    assert_eq!(
        alpha.tlp,
        Tlp::Amber,
        "merged: in a GREEN and an AMBER finding"
    );
    assert_eq!(alpha.account_login.as_deref(), Some("alpha"));
}

#[test]
fn imports_tlp1_markings_and_patterns() {
    let b = json!({"type": "bundle", "id": "bundle--1", "objects": [
        {"type": "marking-definition", "id": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
         "definition_type": "tlp", "definition": {"tlp": "white"}},
        {"type": "indicator", "id": "indicator--1", "pattern_type": "stix",
         "pattern": "[domain-name:value = 'A.example'] OR [domain-name:value = 'b\\'c.example']",
         "object_marking_refs": ["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]},
        {"type": "domain-name", "id": "domain-name--1", "value": "a.example",
         "object_marking_refs": ["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]},
        {"type": "user-account", "id": "user-account--1", "user_id": "42"},
        {"no": "type"},
        7
    ]});
    let imp = import_bundle(&b).expect("imports");
    assert_eq!(
        imp.domains,
        vec![
            // `b'c.example` is read from its escaped pattern, but it is no host name.
            ("a.example".to_owned(), Tlp::Red),
        ]
    );
    assert_eq!(
        pattern_domains("[domain-name:value = 'b\\'c.example']"),
        vec!["b'c.example".to_string()]
    );
    assert_eq!(imp.actors.len(), 1);
    assert_eq!(imp.actors[0].tlp, UNMARKED_IMPORT);
    assert_eq!((imp.unmarked, imp.skipped), (1, 2));
    let check_err = |v: Value, e: ImportError| assert_eq!(import_bundle(&v), Err(e));
    check_err(json!({"type": "bundle"}), ImportError::NotABundle);
    check_err(json!("x"), ImportError::NotABundle);
    check_err(
        json!({"objects": [], "spec_version": "2.0"}),
        ImportError::WrongVersion("\"2.0\"".into()),
    );
    // A TAXII envelope imports like a bundle.
    assert!(import_bundle(&json!({"objects": [], "more": false})).is_ok());
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just("bundle".to_owned()),
            Just("objects".to_owned()),
            Just("indicator".to_owned()),
            Just("domain-name".to_owned()),
            Just("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9".to_owned()),
            Just("[domain-name:value = '".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("type".to_owned()),
            Just("id".to_owned()),
            Just("objects".to_owned()),
            Just("pattern".to_owned()),
            Just("pattern_type".to_owned()),
            Just("value".to_owned()),
            Just("object_marking_refs".to_owned()),
            Just("extensions".to_owned()),
            Just("definition".to_owned()),
            Just("target_ref".to_owned()),
            "[a-z_]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn import_and_check_never_panic(v in arb_json()) {
        let _ = import_bundle(&v);
        let _ = check_bundle(&v);
        let wrapped = json!({"type": "bundle", "id": "bundle--x", "objects": [v]});
        let _ = import_bundle(&wrapped);
        let _ = check_bundle(&wrapped);
    }

    #[test]
    fn pattern_domains_never_panics(s in ".{0,64}") {
        let _ = pattern_domains(&s);
        let _ = pattern_domains(&format!("[domain-name:value = '{s}"));
    }

    #[test]
    fn any_finding_text_exports_a_clean_bundle(
        domain in "[a-z0-9'\\\\.-]{1,20}",
        handle in ".{0,12}",
        summary in ".{0,40}",
        first in any::<i64>(),
        score in any::<f64>(),
    ) {
        let mut f = lookalike("ld-p", &domain);
        f.actors[0].handle = Some(handle);
        f.summary = summary;
        f.first_seen = first;
        f.score = score;
        let r = export(&[(f, Some(Tlp::Green))], Audience::default());
        prop_assert_eq!(check_bundle(&r.bundle), Vec::<String>::new());
    }
}

/// One bundle of the three kinds at a fixed time, whole: any change to what we send partners
/// shows in review.
#[test]
fn snapshot_of_a_partner_bundle() {
    let r = export(&partner_sample(), Audience::default());
    insta::assert_json_snapshot!("partner_bundle", r.bundle);
}
