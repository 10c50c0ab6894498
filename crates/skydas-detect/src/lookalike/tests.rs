//! Tests of the lookalike matcher, the protected data and the detector.

use super::*;
use crate::Detector;
use skydas_model::{Actor, CorpusBuilder, Item, ItemUrl, Locator, Platform, Provenance};

fn matcher() -> &'static Matcher {
    static M: std::sync::OnceLock<Matcher> = std::sync::OnceLock::new();
    M.get_or_init(|| Matcher::new(&builtin_protected(), &builtin_allowlist()))
}

/// `expected`: `None` for no alert, else `(impersonated domain, techniques)`.
#[track_caller]
fn check(host: &str, expected: Option<(&str, &[&str])>) {
    let got = matcher().check(host);
    let got_view = got.as_ref().map(|m| (m.impersonates.as_str(), m.techniques.as_slice()));
    assert_eq!(got_view, expected, "{host}: {got:?}");
    if let Some(m) = got {
        assert!((0.0..=1.0).contains(&m.score), "{host}: score {}", m.score);
        assert!(!m.explanation.is_empty());
    }
}

#[test]
fn tld_swap() {
    check("spiegel.ltd", Some(("spiegel.de", &["tld-swap"])));
    check("SPIEGEL.LTD.", Some(("spiegel.de", &["tld-swap"])));
    check("https-less.spiegel.ltd:443", Some(("spiegel.de", &["tld-swap"])));
    check("welt.ws", Some(("welt.de", &["tld-swap"])));
    check("bild.eu.com", Some(("bild.de", &["tld-swap"])));
    check("20minutes.pm", Some(("20minutes.fr", &["tld-swap"])));
}

const TESTSET: &str = include_str!("../../data/lookalike_testset.csv");

/// (domain, impersonates, label is clone)
fn testset() -> Vec<(&'static str, &'static str, bool)> {
    TESTSET
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            let d = f.next()?;
            let imp = f.next()?;
            let _tech = f.next()?;
            let label = f.next()?;
            Some((d, imp, label == "clone"))
        })
        .collect()
}

#[test]
fn testset_recall_and_false_alarms() {
    let set = testset();
    let clones: Vec<_> = set.iter().filter(|r| r.2).collect();
    let benign: Vec<_> = set.iter().filter(|r| !r.2).collect();
    assert!(clones.len() >= 150 && benign.len() >= 1000, "{} / {}", clones.len(), benign.len());
    let mut missed = Vec::new();
    let mut wrong_target = Vec::new();
    for (d, imp, _) in &clones {
        match matcher().check(d) {
            None => missed.push(*d),
            Some(m) if m.impersonates != *imp => wrong_target.push((*d, m.impersonates)),
            Some(_) => {}
        }
    }
    let alarms: Vec<_> = benign
        .iter()
        .filter_map(|(d, _, _)| matcher().check(d).map(|m| (*d, m.impersonates, m.techniques)))
        .collect();
    let recall = 1.0 - missed.len() as f64 / clones.len() as f64;
    let fa = alarms.len() as f64 / benign.len() as f64;
    assert!(recall >= 0.9, "recall {recall:.3}, missed {missed:?}");
    assert!(fa <= 0.01, "false alarms {fa:.4}: {alarms:?}");
    assert!(wrong_target.len() * 20 <= clones.len(), "wrong target: {wrong_target:?}");
}
