//! Scores a findings document against a scenario's truth: actor-level precision and recall of
//! coordination findings, per-operation recall and best-match Jaccard, decoys flagged,
//! look-alike domain recall and false alarms, and automation overlap with decoys.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use skydas_detect::{automation, coordination, lookalike};
use skydas_model::{FindingsDoc, KindSpec, Platform};

use crate::truth::Truth;

type Key = (Platform, String);

/// Precision, recall and F1 over actors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActorScores {
    /// Distinct actors named by coordination findings.
    pub predicted: usize,
    /// Distinct actors of all planted operations.
    pub truth: usize,
    pub true_positives: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// How well one operation was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperationScore {
    pub id: String,
    pub kind: String,
    pub actors: usize,
    /// Share of the operation's actors named by any coordination finding.
    pub recall: f64,
    /// Max over coordination findings of |F ∩ O| / |F ∪ O|.
    pub best_jaccard: f64,
    /// The finding that achieves `best_jaccard`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_finding: Option<String>,
}

/// Decoy actors flagged as coordinated, per decoy kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecoyScore {
    pub kind: String,
    pub actors: usize,
    pub flagged: usize,
    pub fraction: f64,
}

/// Look-alike domain detection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LookalikeScore {
    pub truth: usize,
    pub found: usize,
    pub recall: f64,
    /// Found domains whose `impersonates` also matched the truth.
    pub impersonates_matched: usize,
    pub missed: Vec<String>,
    /// Reported domains that are not planted clones.
    pub false_alarms: Vec<String>,
    /// Reported domains that are real outlets.
    pub benign_flagged: Vec<String>,
}

/// Automation findings against decoys (informational: auto-posters and aggregators are
/// automation, so flagging them here is right).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutomationScore {
    pub findings: usize,
    pub actors: usize,
    /// Decoy actors flagged as automated, per decoy kind.
    pub decoys_flagged: BTreeMap<String, usize>,
    /// Operation actors flagged as automated.
    pub operation_actors_flagged: usize,
}

/// The evaluation report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    pub coordination_findings: usize,
    pub actors: ActorScores,
    pub operations: Vec<OperationScore>,
    pub decoys: Vec<DecoyScore>,
    pub lookalike: LookalikeScore,
    pub automation: AutomationScore,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Scores `findings` against `truth`.
pub fn evaluate(truth: &Truth, findings: &FindingsDoc) -> EvalReport {
    let sets = |kind: &KindSpec| -> Vec<(String, BTreeSet<Key>)> {
        findings
            .findings
            .iter()
            .filter(|f| f.kind.is(kind))
            .map(|f| {
                (
                    f.id.clone(),
                    f.actors
                        .iter()
                        .map(|a| (a.platform, a.id.clone()))
                        .collect(),
                )
            })
            .collect()
    };
    let coord = sets(&coordination::KIND);
    let predicted: BTreeSet<Key> = coord.iter().flat_map(|(_, s)| s.iter().cloned()).collect();
    let op_sets: Vec<BTreeSet<Key>> = truth
        .operations
        .iter()
        .map(|o| {
            o.actors
                .iter()
                .map(|a| (a.platform, a.id.clone()))
                .collect()
        })
        .collect();
    let positives: BTreeSet<Key> = op_sets.iter().flatten().cloned().collect();
    let tp = predicted.intersection(&positives).count();
    let precision = ratio(tp, predicted.len());
    let recall = ratio(tp, positives.len());
    let actors = ActorScores {
        predicted: predicted.len(),
        truth: positives.len(),
        true_positives: tp,
        precision,
        recall,
        f1: f1(precision, recall),
    };

    let operations = truth
        .operations
        .iter()
        .zip(&op_sets)
        .map(|(o, set)| {
            let mut best = (0.0, None);
            for (id, f) in &coord {
                let inter = f.intersection(set).count();
                let union = f.union(set).count();
                let j = ratio(inter, union);
                if j > best.0 {
                    best = (j, Some(id.clone()));
                }
            }
            OperationScore {
                id: o.id.clone(),
                kind: o.kind.clone(),
                actors: set.len(),
                recall: ratio(set.intersection(&predicted).count(), set.len()),
                best_jaccard: best.0,
                best_finding: best.1,
            }
        })
        .collect();

    // Decoys are organic actors: an actor that is also an operation member counts as a positive.
    let mut by_kind: BTreeMap<&str, BTreeSet<Key>> = BTreeMap::new();
    for d in &truth.decoys {
        by_kind.entry(&d.kind).or_default().extend(
            d.actors
                .iter()
                .map(|a| (a.platform, a.id.clone()))
                .filter(|k| !positives.contains(k)),
        );
    }
    let decoys = by_kind
        .iter()
        .map(|(k, set)| {
            let flagged = set.intersection(&predicted).count();
            DecoyScore {
                kind: k.to_string(),
                actors: set.len(),
                flagged,
                fraction: ratio(flagged, set.len()),
            }
        })
        .collect();

    let norm =
        |s: &str| skydas_model::normalise_domain(s).unwrap_or_else(|| s.trim().to_lowercase());
    let reported: Vec<(String, String)> = findings
        .findings
        .iter()
        .filter(|f| f.kind.is(&lookalike::KIND))
        .filter_map(|f| {
            f.domain.as_deref().map(|d| {
                (
                    norm(d),
                    f.impersonates.as_deref().map(norm).unwrap_or_default(),
                )
            })
        })
        .collect();
    let truth_names: BTreeSet<String> = truth
        .lookalike_domains
        .iter()
        .flat_map(|l| [norm(&l.domain), norm(&l.host)])
        .collect();
    let mut found = 0;
    let mut imp = 0;
    let mut missed = Vec::new();
    for l in &truth.lookalike_domains {
        let names = [norm(&l.domain), norm(&l.host)];
        let hits: Vec<&(String, String)> =
            reported.iter().filter(|(d, _)| names.contains(d)).collect();
        if hits.is_empty() {
            missed.push(l.domain.clone());
        } else {
            found += 1;
            if hits.iter().any(|(_, i)| *i == norm(&l.impersonates)) {
                imp += 1;
            }
        }
    }
    let benign: BTreeSet<String> = truth.benign_domains.iter().map(|d| norm(d)).collect();
    let false_alarms: BTreeSet<String> = reported
        .iter()
        .filter(|(d, _)| !truth_names.contains(d))
        .map(|(d, _)| d.clone())
        .collect();
    let benign_flagged: BTreeSet<String> = reported
        .iter()
        .filter(|(d, _)| benign.contains(d))
        .map(|(d, _)| d.clone())
        .collect();
    let lookalike = LookalikeScore {
        truth: truth.lookalike_domains.len(),
        found,
        recall: ratio(found, truth.lookalike_domains.len()),
        impersonates_matched: imp,
        missed,
        false_alarms: false_alarms.into_iter().collect(),
        benign_flagged: benign_flagged.into_iter().collect(),
    };

    let auto = sets(&automation::KIND);
    let auto_actors: BTreeSet<Key> = auto.iter().flat_map(|(_, s)| s.iter().cloned()).collect();
    let automation = AutomationScore {
        findings: auto.len(),
        actors: auto_actors.len(),
        decoys_flagged: by_kind
            .iter()
            .map(|(k, s)| (k.to_string(), s.intersection(&auto_actors).count()))
            .collect(),
        operation_actors_flagged: positives.intersection(&auto_actors).count(),
    };

    EvalReport {
        coordination_findings: coord.len(),
        actors,
        operations,
        decoys,
        lookalike,
        automation,
    }
}

/// The report as an aligned text table.
pub fn render(r: &EvalReport) -> String {
    let mut s = String::new();
    let a = &r.actors;
    let _ = writeln!(s, "coordination: {} findings", r.coordination_findings);
    let _ = writeln!(
        s,
        "actors        predicted {:>6}  truth {:>6}  tp {:>6}  precision {:.3}  recall {:.3}  f1 {:.3}",
        a.predicted, a.truth, a.true_positives, a.precision, a.recall, a.f1
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{:<34} {:<26} {:>6} {:>7} {:>8}",
        "operation", "kind", "actors", "recall", "jaccard"
    );
    for o in &r.operations {
        let _ = writeln!(
            s,
            "{:<34} {:<26} {:>6} {:>7.3} {:>8.3}",
            o.id, o.kind, o.actors, o.recall, o.best_jaccard
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{:<26} {:>6} {:>8} {:>9} {:>10}",
        "decoy kind", "actors", "flagged", "fraction", "automated"
    );
    for d in &r.decoys {
        let au = r
            .automation
            .decoys_flagged
            .get(&d.kind)
            .copied()
            .unwrap_or(0);
        let _ = writeln!(
            s,
            "{:<26} {:>6} {:>8} {:>9.3} {:>10}",
            d.kind, d.actors, d.flagged, d.fraction, au
        );
    }
    let l = &r.lookalike;
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "lookalike     truth {:>4}  found {:>4}  recall {:.3}  impersonates matched {:>4}  false alarms {:>4}  benign flagged {:>4}",
        l.truth,
        l.found,
        l.recall,
        l.impersonates_matched,
        l.false_alarms.len(),
        l.benign_flagged.len()
    );
    for m in &l.missed {
        let _ = writeln!(s, "  missed       {m}");
    }
    for f in &l.false_alarms {
        let _ = writeln!(s, "  false alarm  {f}");
    }
    let _ = writeln!(
        s,
        "automation    findings {:>4}  actors {:>6}  operation actors {:>6}",
        r.automation.findings, r.automation.actors, r.automation.operation_actors_flagged
    );
    s
}
