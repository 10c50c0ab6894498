//! Writes sample STIX bundles and MISP events for the conformance harness (`conformance/run.sh`):
//! representative coordination, automation and lookalike findings under several TLP levels and
//! audiences, into `<out>/stix/*.json` and `<out>/misp/*.json` (default `out`).

use std::collections::BTreeMap;
use std::path::Path;

use skydas_model::{
    EdgeEvidence, Evidence, Finding, FindingActor, FindingKind, ItemPair, Platform,
};
use skydas_share::misp::export_event;
use skydas_share::stix::{OrgIdentity, check_bundle_for, export_bundle};
use skydas_share::tlp::{Audience, Tlp};

#[path = "../src/fixtures.rs"]
mod fixtures;

/// 2025-03-01T08:00:00Z.
const T0: i64 = 1_740_816_000;
const NOW: i64 = 1_741_000_000;

fn actor(platform: Platform, id: &str, handle: &str, name: &str) -> FindingActor {
    fixtures::actor(platform, id, handle, Some(name.into()))
}

fn ev(
    platform: Platform,
    id: &str,
    actor: &str,
    dt: i64,
    url: Option<&str>,
    text: &str,
) -> Evidence {
    fixtures::evidence(platform, id, actor, T0 + dt, url, text.into())
}

fn finding(id: &str, kind: FindingKind, disarm: &[&str], summary: &str) -> Finding {
    let mut f = fixtures::finding(id, kind, 0.91, (T0, T0 + 5400), summary.into());
    f.disarm = disarm.iter().map(|s| s.to_string()).collect();
    f
}

fn coordination() -> Finding {
    let mut f = finding(
        "co-5f1e2d3c4b5a6978",
        FindingKind::of(&skydas_detect::coordination::KIND),
        &["T0049.003", "T0084.001", "T0119.002"],
        "Three accounts posted the same link and text within 90 seconds, 14 times over two days.",
    );
    f.actors = vec![
        actor(Platform::X, "1500000001", "balt_news_24", "Baltic News 24"),
        actor(Platform::X, "1500000002", "vilnius_truth", "Vilnius Truth"),
        actor(
            Platform::Telegram,
            "-1001234567890",
            "lt_pravda",
            "LT Правда",
        ),
    ];
    let link = "https://lrt-lt.example/naujienos/2025/03/01/nato";
    f.evidence = vec![
        ev(
            Platform::X,
            "1895000000000000001",
            "1500000001",
            0,
            Some(link),
            "Skandalas: NATO …",
        ),
        ev(
            Platform::X,
            "1895000000000000002",
            "1500000002",
            42,
            Some(link),
            "Skandalas: NATO …",
        ),
        ev(
            Platform::Telegram,
            "-1001234567890/881",
            "-1001234567890",
            88,
            Some(link),
            "Скандал: НАТО …",
        ),
    ];
    f.signals = BTreeMap::from([("co-link".into(), 14), ("co-text".into(), 9)]);
    f.edges = vec![EdgeEvidence {
        acts: None,
        a: "x:1500000001".into(),
        b: "x:1500000002".into(),
        weight: 4.2,
        signals: BTreeMap::from([("co-link".into(), 14)]),
        p_value: Some(3e-9),
        pairs: vec![ItemPair {
            signal: "co-link".into(),
            key: link.into(),
            a: "1895000000000000001".into(),
            b: "1895000000000000002".into(),
            gap_s: 42,
        }],
    }];
    f
}

fn lookalike(id: &str, domain: &str, real: &str) -> Finding {
    let mut f = finding(
        id,
        FindingKind::of(&skydas_detect::lookalike::KIND),
        &["T0149.003", "T0143.003"],
        &format!("{domain} imitates {real} and was linked 6 times."),
    );
    f.domain = Some(domain.into());
    f.impersonates = Some(real.into());
    f.techniques = vec!["tld-swap".into()];
    f.actors = vec![actor(
        Platform::X,
        "1500000001",
        "balt_news_24",
        "Baltic News 24",
    )];
    f.evidence = vec![ev(
        Platform::X,
        "1895000000000000003",
        "1500000001",
        600,
        Some(&format!("https://{domain}/naujienos/1")),
        "Read before it is deleted",
    )];
    f
}

fn automation() -> Finding {
    let mut f = finding(
        "au-0a1b2c3d4e5f6071",
        FindingKind::of(&skydas_detect::automation::KIND),
        &["T0146.007", "T0049.003"],
        "Forwards every post of two channels within 3 seconds, around the clock.",
    );
    f.actors = vec![actor(
        Platform::Telegram,
        "-1009876543210",
        "repost_bot",
        "Новини 24/7",
    )];
    f.evidence = vec![ev(
        Platform::Telegram,
        "-1009876543210/15",
        "-1009876543210",
        3,
        None,
        "Переслано з каналу",
    )];
    f
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "out".into());
    let out = Path::new(&out);
    std::fs::create_dir_all(out.join("stix"))?;
    std::fs::create_dir_all(out.join("misp"))?;
    let org = OrgIdentity::new("Example National CERT");
    let all = vec![
        (coordination(), Some(Tlp::Amber)),
        (
            lookalike("ld-7a6b5c4d3e2f1009", "lrt-lt.example", "lrt.lt"),
            Some(Tlp::Green),
        ),
        (
            lookalike("ld-0011223344556677", "delfi.lt.example", "delfi.lt"),
            Some(Tlp::Clear),
        ),
        (automation(), Some(Tlp::AmberStrict)),
        (
            lookalike("ld-ffeeddccbbaa9988", "vrm-lt.example", "vrm.lt"),
            Some(Tlp::Red),
        ),
    ];
    let runs = [
        ("partner-amber", Audience::partner(Tlp::Amber)),
        ("partner-clear", Audience::partner(Tlp::Clear)),
        ("own-org", Audience::own_org(Tlp::AmberStrict)),
    ];
    for (name, audience) in runs {
        let r = export_bundle(&all, &skydas_detect::kinds(), &org, audience, NOW);
        let problems = check_bundle_for(&r.bundle, audience);
        if !problems.is_empty() {
            return Err(format!("{name}: {problems:?}").into());
        }
        std::fs::write(
            out.join("stix").join(format!("{name}.json")),
            serde_json::to_string_pretty(&r.bundle)?,
        )?;
        let m = export_event(&all, &skydas_detect::kinds(), &org, audience, NOW);
        std::fs::write(
            out.join("misp").join(format!("{name}.json")),
            serde_json::to_string_pretty(&m.event)?,
        )?;
        println!(
            "{name}: {} findings exported, {} withheld, {} STIX objects",
            r.counts.findings_exported, r.counts.findings_withheld, r.counts.objects
        );
    }
    Ok(())
}
