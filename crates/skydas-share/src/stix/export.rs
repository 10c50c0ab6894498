//! Our findings as one STIX 2.1 bundle, each object marked, for one audience.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value, json};
use skydas_model::{Finding, Kinds, ShareAs};

use super::{
    OrgIdentity, actor_sco, domain_sco, domain_value, export_key, id_of, our_uuid, pattern_escape,
    sdo_id, ts, url_sco,
};
use crate::disarm;
use crate::tlp::{Audience, Marking, Release, Tlp, Withheld, merge, release};

/// Counts of one export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportCounts {
    pub findings_exported: usize,
    pub findings_withheld: usize,
    /// Objects in the bundle, marking-definitions included.
    pub objects: usize,
}

/// The result of [`export_bundle`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExportResult {
    /// The STIX 2.1 bundle.
    pub bundle: Value,
    /// Findings left out, with the reason (for the caller's message, never for the bundle).
    pub withheld: Vec<(String, Withheld)>,
    pub counts: ExportCounts,
}

/// Collects objects in order, de-duplicated by id, with each own object's TLP.
#[derive(Default)]
struct Builder {
    objects: Vec<Value>,
    index: HashMap<String, usize>,
    /// Our objects' markings; foreign (DISARM) objects have none here.
    marks: HashMap<String, Tlp>,
}

impl Builder {
    /// Adds one of our objects marked `tlp`. When the id is already there (an SCO two findings
    /// share), the object keeps its first content and the most restrictive marking.
    fn add(&mut self, mut obj: Value, tlp: Tlp) -> String {
        let id = id_of(&obj);
        let tlp = match self.marks.get(&id) {
            Some(&old) => merge(old, tlp),
            None => tlp,
        };
        self.marks.insert(id.clone(), tlp);
        match self.index.get(&id) {
            Some(&i) => {
                self.objects[i]["object_marking_refs"] = json!([tlp.marking_id()]);
            }
            None => {
                obj["object_marking_refs"] = json!([tlp.marking_id()]);
                self.index.insert(id.clone(), self.objects.len());
                self.objects.push(obj);
            }
        }
        id
    }

    /// Adds an object we do not own, verbatim (DISARM attack-patterns).
    fn add_foreign(&mut self, obj: &Value) -> String {
        let id = id_of(obj);
        if !self.index.contains_key(&id) {
            self.index.insert(id.clone(), self.objects.len());
            self.objects.push(obj.clone());
        }
        id
    }
}

struct Ctx {
    org_id: String,
    now: String,
}

impl Ctx {
    /// An object of ours: `type`, `spec_version`, the id of its type and `key` ([`sdo_id`]),
    /// created and modified now by our identity, then `props` (an object) in their order.
    fn object(&self, ty: &str, key: &[&str], props: Value) -> Value {
        let mut obj = json!({
            "type": ty,
            "spec_version": "2.1",
            "id": sdo_id(ty, key),
            "created": self.now,
            "modified": self.now,
            "created_by_ref": self.org_id,
        });
        if let (Some(o), Value::Object(p)) = (obj.as_object_mut(), props) {
            o.extend(p);
        }
        obj
    }
}

fn confidence(score: f64) -> Option<i64> {
    score
        .is_finite()
        .then(|| (score * 100.0).round().clamp(0.0, 100.0) as i64)
}

/// The note text: the summary, signals, strongest edges with their item pairs, and evidence.
pub(crate) fn explain(f: &Finding) -> String {
    use std::fmt::Write;
    const MAX_EDGES: usize = 50;
    const MAX_PAIRS: usize = 5;
    const MAX_EVIDENCE: usize = 100;
    let mut s = String::new();
    let _ = writeln!(s, "{}", f.summary.trim());
    let _ = writeln!(
        s,
        "\nFinding {} ({}), detector {} {}, score {:.3}, seen {} to {}.",
        f.id,
        f.kind.as_str(),
        f.detector,
        f.detector_version,
        f.score,
        ts(f.first_seen),
        ts(f.last_seen)
    );
    if !f.disarm.is_empty() {
        let names: Vec<String> = f
            .disarm
            .iter()
            .map(|id| match disarm::technique(id) {
                Some(t) => format!("{} {}", t.id, t.name),
                None => format!("{id} (not in DISARM v1.6)"),
            })
            .collect();
        let _ = writeln!(s, "DISARM: {}.", names.join("; "));
    }
    if let (Some(d), Some(i)) = (&f.domain, &f.impersonates) {
        let _ = writeln!(
            s,
            "Domain {d} impersonates {i} ({}).",
            f.techniques.join(", ")
        );
    }
    if !f.signals.is_empty() {
        let sig: Vec<String> = f.signals.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let _ = writeln!(s, "Signals: {}.", sig.join(", "));
    }
    if !f.edges.is_empty() {
        let _ = writeln!(s, "\nEdges (actor a - actor b):");
        for e in f.edges.iter().take(MAX_EDGES) {
            let sig: Vec<String> = e.signals.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            let p = e
                .p_value
                .map(|p| format!(", p={p:.2e}"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "- {} - {}: weight {:.2}{p}, {}",
                e.a,
                e.b,
                e.weight,
                sig.join(" ")
            );
            for pair in e.pairs.iter().take(MAX_PAIRS) {
                let _ = writeln!(
                    s,
                    "  - {} on '{}': items {} and {}, {} s apart",
                    pair.signal, pair.key, pair.a, pair.b, pair.gap_s
                );
            }
            if e.pairs.len() > MAX_PAIRS {
                let _ = writeln!(s, "  - and {} more pairs", e.pairs.len() - MAX_PAIRS);
            }
        }
        if f.edges.len() > MAX_EDGES {
            let _ = writeln!(s, "- and {} more edges", f.edges.len() - MAX_EDGES);
        }
    }
    if !f.evidence.is_empty() {
        let _ = writeln!(s, "\nEvidence:");
        for e in f.evidence.iter().take(MAX_EVIDENCE) {
            let _ = write!(
                s,
                "- {} {} by {} at {}",
                e.platform,
                e.id,
                e.actor,
                ts(e.time)
            );
            if let Some(u) = &e.url {
                let _ = write!(s, " {u}");
            }
            if let Some(t) = &e.text {
                let _ = write!(s, ": {}", t.trim());
            }
            s.push('\n');
        }
        if f.evidence.len() > MAX_EVIDENCE {
            let _ = writeln!(s, "- and {} more items", f.evidence.len() - MAX_EVIDENCE);
        }
    }
    s.trim_end().to_owned()
}

fn relationship(b: &mut Builder, ctx: &Ctx, src: &str, ty: &str, dst: &str, tlp: Tlp) -> String {
    let obj = ctx.object(
        "relationship",
        &[src, ty, dst],
        json!({
            "relationship_type": ty,
            "source_ref": src,
            "target_ref": dst,
        }),
    );
    b.add(obj, tlp)
}

/// A noun with its first letter in upper case.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Adds every object of one released finding.
fn add_finding(b: &mut Builder, ctx: &Ctx, kinds: &Kinds, f: &Finding, tlp: Tlp) {
    let spec = kinds.get(f.kind.as_str());
    // A kind no detector declares any more travels as a group of actors.
    let share = spec.map_or(ShareAs::Actors { sdo: "campaign" }, |k| k.share);
    let fid = f.id.as_str();
    let first = f.first_seen.min(f.last_seen);
    let last = f.first_seen.max(f.last_seen);
    let techniques: Vec<String> = f
        .disarm
        .iter()
        .filter_map(|id| disarm::attack_pattern(id))
        .map(|ap| b.add_foreign(ap))
        .collect();
    let phases: BTreeSet<&str> = f
        .disarm
        .iter()
        .filter_map(|id| disarm::technique(id))
        .map(|t| t.phase.as_str())
        .filter(|p| !p.is_empty())
        .collect();

    // Observables: actors, evidence links, and the lookalike domain.
    let mut observed: Vec<String> = Vec::new();
    let mut push = |b: &mut Builder, obj: Value| {
        let id = b.add(obj, tlp);
        if !observed.contains(&id) {
            observed.push(id);
        }
    };
    let domain = (share == ShareAs::Domain)
        .then_some(f.domain.as_deref())
        .flatten()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if let Some(d) = domain {
        push(b, domain_sco(d));
    }
    for a in &f.actors {
        if a.id.trim().is_empty() {
            continue;
        }
        push(
            b,
            actor_sco(a.platform, &a.id, a.handle.as_deref(), a.name.as_deref()),
        );
    }
    for e in &f.evidence {
        if let Some(u) = e.url.as_deref().filter(|u| !u.trim().is_empty()) {
            push(b, url_sco(u));
        }
    }
    let number_observed = f.evidence.len().clamp(1, 999_999_999);
    let observed_data = (!observed.is_empty()).then(|| {
        let obj = ctx.object(
            "observed-data",
            &[fid],
            json!({
                "first_observed": ts(first),
                "last_observed": ts(last),
                "number_observed": number_observed,
                "object_refs": observed,
            }),
        );
        b.add(obj, tlp)
    });

    let label = kinds.noun(&f.kind);
    let mut explained: Vec<String> = Vec::new();
    match share {
        ShareAs::Actors { sdo: ty } => {
            let mut obj = ctx.object(
                ty,
                &[fid],
                json!({
                    "name": format!("Skydas {label} {fid}"),
                    "description": f.summary,
                    "first_seen": ts(first),
                    "last_seen": ts(last),
                }),
            );
            if let Some(c) = confidence(f.score) {
                obj["confidence"] = c.into();
            }
            let sdo = b.add(obj, tlp);
            for t in &techniques {
                relationship(b, ctx, &sdo, "uses", t, tlp);
            }
            explained.push(sdo);
        }
        ShareAs::Domain => {
            if let Some(d) = domain {
                let d = domain_value(d);
                // A lookalike names what it imitates; a known domain is its own reason.
                let mut desc = match f.impersonates.as_deref() {
                    Some(i) => format!("{} Lookalike of {i}", f.summary.trim()),
                    None => f.summary.trim().trim_end_matches('.').to_string(),
                };
                if !f.techniques.is_empty() {
                    desc.push_str(&format!(" ({})", f.techniques.join(", ")));
                }
                desc.push('.');
                let mut obj = ctx.object(
                    "indicator",
                    &[fid],
                    json!({
                        "name": match (f.impersonates.is_some(), spec) {
                            (false, Some(k)) => format!("{} {d}", capitalised(k.noun)),
                            _ => format!("Lookalike domain {d}"),
                        },
                        "description": desc,
                        "indicator_types": ["malicious-activity"],
                        "pattern": format!("[domain-name:value = '{}']", pattern_escape(&d)),
                        "pattern_type": "stix",
                        "valid_from": ts(first),
                    }),
                );
                if let Some(c) = confidence(f.score) {
                    obj["confidence"] = c.into();
                }
                if !phases.is_empty() {
                    obj["kill_chain_phases"] = phases
                        .iter()
                        .map(|p| json!({"kill_chain_name": disarm::KILL_CHAIN_NAME, "phase_name": p}))
                        .collect();
                }
                let ind = b.add(obj, tlp);
                for t in &techniques {
                    relationship(b, ctx, &ind, "indicates", t, tlp);
                }
                if let Some(od) = &observed_data {
                    relationship(b, ctx, &ind, "based-on", od, tlp);
                    let obj = ctx.object(
                        "sighting",
                        &[fid],
                        json!({
                            "first_seen": ts(first),
                            "last_seen": ts(last),
                            "count": number_observed,
                            "sighting_of_ref": ind,
                            "observed_data_refs": [od],
                            "where_sighted_refs": [ctx.org_id],
                        }),
                    );
                    b.add(obj, tlp);
                }
                explained.push(ind);
            }
        }
    }
    explained.extend(observed_data);
    if explained.is_empty() {
        // Nothing else to point at (a lookalike finding without a domain): the note stands on
        // our identity so that the explanation still travels.
        explained.push(ctx.org_id.clone());
    }
    let note = ctx.object(
        "note",
        &[fid],
        json!({
            "abstract": format!("Evidence for {label} {fid}"),
            "content": explain(f),
            "object_refs": explained,
        }),
    );
    b.add(note, tlp);
}

/// Exports findings as one STIX 2.1 bundle for `audience`, withholding what it may not receive.
///
/// `findings` pairs each finding with its TLP marking (`None` blocks it). `now` (Unix seconds)
/// stamps `created`/`modified`/`published`; the same input and `now` give the same bundle.
pub fn export_bundle(
    findings: &[(Finding, Option<Tlp>)],
    kinds: &Kinds,
    org: &OrgIdentity,
    audience: Audience,
    now: i64,
) -> ExportResult {
    let ctx = Ctx {
        org_id: org.stix_id(),
        now: ts(now),
    };
    let mut b = Builder::default();
    let Release { released, withheld } = release(findings, audience);
    for &(f, tlp) in &released {
        add_finding(&mut b, &ctx, kinds, f, tlp);
    }

    // Our identity is marked with the least restrictive marking of the export, so that whoever
    // may read any object may read who made it; the report with the most restrictive.
    let least = released.iter().map(|r| r.1).min();
    let most = released.iter().map(|r| r.1).max();
    let identity_tlp = least.unwrap_or_else(|| audience.ceiling());
    let report_tlp = most.unwrap_or(identity_tlp);
    let identity = json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": ctx.org_id,
        "created": ctx.now,
        "modified": ctx.now,
        "name": org.name.trim(),
        "identity_class": "organization",
    });
    b.add(identity, identity_tlp);

    let org_name = org.name.trim().to_owned();
    let report_key = export_key("report", &org_name, &released);
    let refs: Vec<String> = b.objects.iter().map(id_of).collect();
    let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for (f, _) in &released {
        *per_kind.entry(kinds.noun(&f.kind)).or_default() += 1;
    }
    let what: Vec<String> = per_kind.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let report = ctx.object(
        "report",
        // `report_key` begins with the type, as the other objects' keys do not.
        &report_key[1..],
        json!({
            "name": if what.is_empty() {
                format!("{org_name}: no findings")
            } else {
                format!("{org_name}: {}", what.join(", "))
            },
            "report_types": ["threat-report"],
            "published": ctx.now,
            "object_refs": refs,
        }),
    );
    b.add(report, report_tlp);

    // Marking-definitions first: the TLP levels in use, then DISARM's identity and licence.
    let mut head: Vec<Value> = Vec::new();
    let used: BTreeSet<Tlp> = b.marks.values().copied().collect();
    head.extend(used.iter().map(|t| t.marking_definition()));
    let has_disarm = b
        .objects
        .iter()
        .any(|o| o.get("created_by_ref").and_then(Value::as_str) == Some(disarm::IDENTITY_ID));
    if has_disarm {
        head.extend(disarm::identity().cloned());
        head.extend(disarm::licence_marking().cloned());
    }
    let mut objects = head;
    objects.append(&mut b.objects);
    let bundle_id = format!(
        "bundle--{}",
        our_uuid(&[&report_key.join("\u{1f}"), &ctx.now])
    );
    let counts = ExportCounts {
        findings_exported: released.len(),
        findings_withheld: withheld.len(),
        objects: objects.len(),
    };
    ExportResult {
        bundle: json!({"type": "bundle", "id": bundle_id, "objects": objects}),
        withheld,
        counts,
    }
}

// ---------------------------------------------------------------------------------------------
// Checking
