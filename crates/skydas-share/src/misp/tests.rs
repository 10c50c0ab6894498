//! Tests of the MISP event export.

use serde_json::Value;

use super::*;
use crate::stix::tests::{
    NOW, automation, coordination, lookalike, network_and_lookalike, org, partner_sample,
};

fn event(findings: &[(Finding, Option<Tlp>)], audience: Audience) -> MispExport {
    event_at(findings, audience, NOW)
}

fn event_at(findings: &[(Finding, Option<Tlp>)], audience: Audience, now: i64) -> MispExport {
    export_event(findings, &skydas_detect::kinds(), &org(), audience, now)
}

fn tags(v: &Value) -> Vec<String> {
    v["Tag"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect()
}

fn attrs<'a>(ev: &'a Value, ty: &str) -> Vec<&'a Value> {
    ev["Event"]["Attribute"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["type"] == ty)
        .collect()
}

#[test]
fn event_shape_and_tags() {
    let x = event(&network_and_lookalike(), Audience::default());
    let e = &x.event["Event"];
    assert_eq!(e["date"], "2024-03-09");
    assert_eq!(e["timestamp"], NOW.to_string());
    assert_eq!(e["distribution"], "1");
    assert_eq!(e["Orgc"]["name"], "Example CERT");
    assert_eq!(e["Orgc"]["uuid"], org().uuid().to_string());
    assert!(
        e["info"]
            .as_str()
            .is_some_and(|i| i.contains("1 coordinated network,"))
    );
    assert_eq!(
        tags(e),
        [
            "tlp:amber",
            "misp-galaxy:disarm-techniques=\"Bots Amplify via Automated Forwarding and Reposting\"",
            "misp-galaxy:disarm-techniques=\"Use Copypasta\"",
            "fimi-platform:disarm-id=\"T0143.003\"",
            "fimi-platform:disarm-id=\"T0149.003\"",
            "fimi-platform:disarm-id=\"T0999.999\"",
        ]
    );
    // Fallback techniques in v1.6 get a link to their DISARM page; unknown ids do not.
    let links: Vec<&str> = attrs(&x.event, "link")
        .iter()
        .filter_map(|a| a["value"].as_str())
        .collect();
    assert_eq!(links.len(), 2);
    assert!(links.iter().all(|l| l.contains("DISARMframeworks")));
    assert!(
        attrs(&x.event, "link")
            .iter()
            .all(|a| a["category"] == "External analysis")
    );
    let d = attrs(&x.event, "domain");
    assert_eq!(d.len(), 1);
    assert_eq!(
        (&d[0]["value"], &d[0]["category"], &d[0]["to_ids"]),
        (
            &"lrt-lt.example".into(),
            &"Network activity".into(),
            &true.into()
        )
    );
    assert_eq!(tags(d[0]), ["tlp:amber"]);
    let text = attrs(&x.event, "text");
    assert_eq!(text.len(), 2);
    assert!(
        text.iter()
            .all(|a| a["category"] == "Other" && a["to_ids"] == false)
    );
    // The coordination link is not an IDS indicator; the lookalike link is.
    let urls = attrs(&x.event, "url");
    let to_ids: Vec<(&str, bool)> = urls
        .iter()
        .map(|a| (a["value"].as_str().unwrap_or(""), a["to_ids"] == true))
        .collect();
    assert_eq!(
        to_ids,
        [
            ("https://news.example/a?x=1", false),
            ("https://lrt-lt.example/news/1", true)
        ]
    );
    let objects = e["Object"].as_array().expect("objects");
    assert_eq!(objects.len(), 4, "one microblog per evidence post");
    let first = &objects[0];
    assert_eq!(first["name"], "microblog");
    let rel: Vec<&str> = first["Attribute"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["object_relation"].as_str())
        .collect();
    assert_eq!(
        rel,
        ["post", "url", "username", "display-name", "creation-date"]
    );
}

#[test]
fn tlp_rules_apply_to_misp_too() {
    let x = event(
        &[
            (coordination("co-red"), Some(Tlp::Red)),
            (automation("au-s"), Some(Tlp::AmberStrict)),
            (lookalike("ld-u", "a.example"), None),
            (lookalike("ld-a", "b.example"), Some(Tlp::Amber)),
            (lookalike("ld-g", "c.example"), Some(Tlp::Green)),
        ],
        Audience::partner(Tlp::Green),
    );
    assert_eq!(
        x.withheld,
        vec![
            ("co-red".to_owned(), Withheld::Red),
            ("au-s".to_owned(), Withheld::AmberStrictOutsideOrg),
            ("ld-u".to_owned(), Withheld::Unmarked),
            (
                "ld-a".to_owned(),
                Withheld::AboveAudience {
                    marking: Tlp::Amber,
                    max: Tlp::Green
                }
            ),
        ]
    );
    assert_eq!(x.findings_exported, 1);
    let text = x.event.to_string();
    for gone in [
        "co-red",
        "au-s",
        "ld-u",
        "b.example",
        "tlp:red",
        "tlp:amber",
    ] {
        assert!(!text.contains(gone), "{gone} leaked");
    }
    assert_eq!(tags(&x.event["Event"])[0], "tlp:green");
    assert_eq!(x.event["Event"]["distribution"], "2");
}

#[test]
fn shared_attributes_merge_to_the_most_restrictive_tag() {
    let mut other = coordination("co-2");
    other.disarm.clear();
    let x = event(
        &[
            (coordination("co-1"), Some(Tlp::Clear)),
            (other, Some(Tlp::Amber)),
        ],
        Audience::default(),
    );
    let urls = attrs(&x.event, "url");
    assert_eq!(urls.len(), 1, "one attribute per value");
    assert_eq!(tags(urls[0]), ["tlp:amber"]);
}

#[test]
fn deterministic_uuids() {
    let input = network_and_lookalike();
    let a = event(&input, Audience::default());
    assert_eq!(a, event(&input, Audience::default()));
    let later = event_at(&input, Audience::default(), NOW + 86_400);
    assert_eq!(a.event["Event"]["uuid"], later.event["Event"]["uuid"]);
    assert_ne!(
        a.event["Event"]["timestamp"],
        later.event["Event"]["timestamp"]
    );
}

#[test]
fn distribution_by_tlp() {
    let check = |t: Tlp, d: &str| assert_eq!(distribution(t), d, "{t}");
    check(Tlp::Clear, "3");
    check(Tlp::Green, "2");
    check(Tlp::Amber, "1");
    check(Tlp::AmberStrict, "0");
    check(Tlp::Red, "0");
    assert_eq!(
        disarm_tag("T0149.003"),
        "fimi-platform:disarm-id=\"T0149.003\""
    );
    assert_eq!(
        disarm_tag("T0084.001"),
        "misp-galaxy:disarm-techniques=\"Use Copypasta\""
    );
}

/// One event of the three kinds at a fixed time, whole.
#[test]
fn snapshot_of_a_partner_event() {
    let e = event(&partner_sample(), Audience::default());
    insta::assert_json_snapshot!("partner_event", e.event);
}
