//! STIX 2.1 export and import of findings, with TLP 2.0 enforced on every object.
//!
//! Mapping (docs/INTEROP.md §2.3):
//! - our organisation → `identity` (id derived from its name unless configured);
//! - coordination → `campaign`, automation → `intrusion-set`, each `uses` the DISARM
//!   attack-patterns, which are embedded verbatim from the v1.6 bundle with the DISARM identity and
//!   CC BY-SA statement marking so that OpenCTI de-duplicates them;
//! - lookalike domain → `domain-name` SCO + `indicator` (`[domain-name:value = '…']`) that
//!   `indicates` the techniques and is `based-on` the observed-data, plus a `sighting` by us;
//! - actors → `user-account` SCOs (sites → `domain-name`/`url`), evidence links → `url` SCOs;
//! - evidence → `observed-data` (first/last observed, count) and a `note` explaining it;
//! - a `report` wrapping everything.
//!
//! Ids: SCOs use the STIX UUIDv5 rule (namespace `00abedb4-…`, the id contributing properties as
//! canonical JSON); SDOs and SROs use UUIDv5 under our own namespace from the finding id and the
//! object's role, so a re-export of the same finding updates the same objects. Objects carry
//! `created`/`modified` of the export time: a re-export is a new version of the same ids.
//!
//! A bundle never says what was withheld from it: counts of withheld findings go to the caller
//! only, because even the existence of a TLP:RED finding is not for the recipient.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value, json};
use skydas_model::time::format_rfc3339_millis;
use skydas_model::{Finding, FindingKind, Platform};
use uuid::Uuid;

use crate::disarm;
use crate::tlp::{Audience, TLP2_EXTENSION_ID, Tlp, Withheld, may_release, merge};

/// The namespace STIX 2.1 prescribes for deterministic SCO ids.
pub const STIX_SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);

/// Our own namespace for SDO/SRO ids (and MISP uuids): fixed forever, changing it would break
/// de-duplication at every partner.
pub const SKYDAS_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2a3e_5b7d_4e8f_9a0b_1c2d_3e4f_5a6b);

/// The organisation that publishes an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgIdentity {
    pub name: String,
    /// A configured STIX identity id (`identity--<uuid>`). When absent or malformed, the id is
    /// derived from `name`.
    pub id: Option<String>,
}

impl OrgIdentity {
    /// An organisation known by name only.
    pub fn new(name: impl Into<String>) -> Self {
        OrgIdentity {
            name: name.into(),
            id: None,
        }
    }

    /// The identity's STIX id, lowercase.
    pub fn stix_id(&self) -> String {
        format!("identity--{}", self.uuid())
    }

    /// The identity's UUID (also the MISP `Orgc.uuid`).
    pub fn uuid(&self) -> Uuid {
        self.id
            .as_deref()
            .and_then(|id| id.trim().strip_prefix("identity--"))
            .and_then(|u| Uuid::parse_str(u).ok())
            .unwrap_or_else(|| our_uuid(&["identity", self.name.trim()]))
    }
}

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

/// A stable UUID from the parts: the UUIDv5 hash under [`SKYDAS_NAMESPACE`] (parts separated
/// so that `["ab","c"]` and `["a","bc"]` differ), stamped as version 4. STIX wants UUIDv4 for
/// SDOs/SROs (stix2-validator warns 103 on anything else, which fails `--strict`); the bytes
/// stay a pure function of the input, so a re-export yields the same id.
pub(crate) fn our_uuid(parts: &[&str]) -> Uuid {
    let v5 = Uuid::new_v5(&SKYDAS_NAMESPACE, parts.join("\u{1f}").as_bytes());
    uuid::Builder::from_random_bytes(v5.into_bytes()).into_uuid()
}

fn sdo_id(ty: &str, parts: &[&str]) -> String {
    let mut all = vec![ty];
    all.extend_from_slice(parts);
    format!("{ty}--{}", our_uuid(&all))
}

/// The STIX 2.1 deterministic id of an SCO from its id contributing properties, serialised as
/// canonical JSON (keys sorted, no whitespace). Built by hand so that the key order cannot
/// depend on serde_json's map features.
pub fn sco_id(ty: &str, props: &[(&str, &str)]) -> String {
    let mut props: Vec<(&str, &str)> = props.to_vec();
    props.sort_by(|a, b| a.0.cmp(b.0));
    let body: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{}:{}", Value::from(*k), Value::from(*v)))
        .collect();
    let canonical = format!("{{{}}}", body.join(","));
    format!(
        "{ty}--{}",
        Uuid::new_v5(&STIX_SCO_NAMESPACE, canonical.as_bytes())
    )
}

/// Latest instant formatted: 9999-12-31T23:59:59Z. Times outside 0..=this are clamped so that
/// a corrupt finding cannot produce an invalid timestamp.
const MAX_SECS: i64 = 253_402_300_799;

fn ts(secs: i64) -> String {
    format_rfc3339_millis(secs.clamp(0, MAX_SECS))
}

/// Escapes a string for a single-quoted STIX pattern literal.
pub fn pattern_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\'', "\\'")
}

/// `account_type` values of the STIX vocabulary that our platforms map to; other platforms
/// keep their name in `user_id` (`telegram:123`) so that ids of different platforms never meet.
fn account_type(p: Platform) -> Option<&'static str> {
    match p {
        Platform::X => Some("twitter"),
        Platform::Facebook => Some("facebook"),
        _ => None,
    }
}

/// The SCO of an actor: a `user-account`, or for web sites a `domain-name` / `url`.
fn actor_sco(platform: Platform, id: &str, handle: Option<&str>, name: Option<&str>) -> Value {
    let id = id.trim();
    if platform == Platform::Web {
        return if id.contains("://") {
            url_sco(id)
        } else {
            domain_sco(id)
        };
    }
    let user_id = match account_type(platform) {
        Some(_) => id.to_owned(),
        None => format!("{}:{id}", platform.as_str()),
    };
    let mut contributing = vec![("user_id", user_id.as_str())];
    if let Some(t) = account_type(platform) {
        contributing.push(("account_type", t));
    }
    let handle = handle.map(str::trim).filter(|h| !h.is_empty());
    if let Some(h) = handle {
        contributing.push(("account_login", h));
    }
    let mut o = json!({
        "type": "user-account",
        "spec_version": "2.1",
        "id": sco_id("user-account", &contributing),
        "user_id": user_id,
    });
    if let Some(t) = account_type(platform) {
        o["account_type"] = t.into();
    }
    if let Some(h) = handle {
        o["account_login"] = h.into();
    }
    if let Some(n) = name.map(str::trim).filter(|n| !n.is_empty()) {
        o["display_name"] = n.into();
    }
    o
}

fn domain_sco(domain: &str) -> Value {
    let v = domain.trim().trim_end_matches('.').to_lowercase();
    json!({
        "type": "domain-name",
        "spec_version": "2.1",
        "id": sco_id("domain-name", &[("value", &v)]),
        "value": v,
    })
}

fn url_sco(url: &str) -> Value {
    let v = url.trim();
    json!({
        "type": "url",
        "spec_version": "2.1",
        "id": sco_id("url", &[("value", v)]),
        "value": v,
    })
}

fn id_of(v: &Value) -> String {
    v.get("id").and_then(Value::as_str).unwrap_or("").to_owned()
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

fn confidence(score: f64) -> Option<i64> {
    score
        .is_finite()
        .then(|| (score * 100.0).round().clamp(0.0, 100.0) as i64)
}

fn kind_label(k: FindingKind) -> &'static str {
    match k {
        FindingKind::Coordination => "coordinated network",
        FindingKind::LookalikeDomain => "lookalike domain",
        FindingKind::Automation => "automated account",
    }
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
    let obj = json!({
        "type": "relationship",
        "spec_version": "2.1",
        "id": sdo_id("relationship", &[src, ty, dst]),
        "created": ctx.now,
        "modified": ctx.now,
        "created_by_ref": ctx.org_id,
        "relationship_type": ty,
        "source_ref": src,
        "target_ref": dst,
    });
    b.add(obj, tlp)
}

/// Adds every object of one released finding.
fn add_finding(b: &mut Builder, ctx: &Ctx, f: &Finding, tlp: Tlp) {
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
    let domain = (f.kind == FindingKind::LookalikeDomain)
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
        let obj = json!({
            "type": "observed-data",
            "spec_version": "2.1",
            "id": sdo_id("observed-data", &[fid]),
            "created": ctx.now,
            "modified": ctx.now,
            "created_by_ref": ctx.org_id,
            "first_observed": ts(first),
            "last_observed": ts(last),
            "number_observed": number_observed,
            "object_refs": observed,
        });
        b.add(obj, tlp)
    });

    let label = kind_label(f.kind);
    let mut explained: Vec<String> = Vec::new();
    match f.kind {
        FindingKind::Coordination | FindingKind::Automation => {
            let ty = if f.kind == FindingKind::Coordination {
                "campaign"
            } else {
                "intrusion-set"
            };
            let mut obj = json!({
                "type": ty,
                "spec_version": "2.1",
                "id": sdo_id(ty, &[fid]),
                "created": ctx.now,
                "modified": ctx.now,
                "created_by_ref": ctx.org_id,
                "name": format!("Skydas {label} {fid}"),
                "description": f.summary,
                "first_seen": ts(first),
                "last_seen": ts(last),
            });
            if let Some(c) = confidence(f.score) {
                obj["confidence"] = c.into();
            }
            let sdo = b.add(obj, tlp);
            for t in &techniques {
                relationship(b, ctx, &sdo, "uses", t, tlp);
            }
            explained.push(sdo);
        }
        FindingKind::LookalikeDomain => {
            if let Some(d) = domain {
                let d = d.trim_end_matches('.').to_lowercase();
                let mut desc = format!("{} Lookalike of {}", f.summary.trim(), {
                    f.impersonates.as_deref().unwrap_or("a protected domain")
                });
                if !f.techniques.is_empty() {
                    desc.push_str(&format!(" ({})", f.techniques.join(", ")));
                }
                desc.push('.');
                let mut obj = json!({
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": sdo_id("indicator", &[fid]),
                    "created": ctx.now,
                    "modified": ctx.now,
                    "created_by_ref": ctx.org_id,
                    "name": format!("Lookalike domain {d}"),
                    "description": desc,
                    "indicator_types": ["malicious-activity"],
                    "pattern": format!("[domain-name:value = '{}']", pattern_escape(&d)),
                    "pattern_type": "stix",
                    "valid_from": ts(first),
                });
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
                    let obj = json!({
                        "type": "sighting",
                        "spec_version": "2.1",
                        "id": sdo_id("sighting", &[fid]),
                        "created": ctx.now,
                        "modified": ctx.now,
                        "created_by_ref": ctx.org_id,
                        "first_seen": ts(first),
                        "last_seen": ts(last),
                        "count": number_observed,
                        "sighting_of_ref": ind,
                        "observed_data_refs": [od],
                        "where_sighted_refs": [ctx.org_id],
                    });
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
    let note = json!({
        "type": "note",
        "spec_version": "2.1",
        "id": sdo_id("note", &[fid]),
        "created": ctx.now,
        "modified": ctx.now,
        "created_by_ref": ctx.org_id,
        "abstract": format!("Evidence for {label} {fid}"),
        "content": explain(f),
        "object_refs": explained,
    });
    b.add(note, tlp);
}

/// Exports findings as one STIX 2.1 bundle for `audience`, withholding what it may not receive.
///
/// `findings` pairs each finding with its TLP marking (`None` blocks it). `now` (Unix seconds)
/// stamps `created`/`modified`/`published`; the same input and `now` give the same bundle.
pub fn export_bundle(
    findings: &[(Finding, Option<Tlp>)],
    org: &OrgIdentity,
    audience: Audience,
    now: i64,
) -> ExportResult {
    let ctx = Ctx {
        org_id: org.stix_id(),
        now: ts(now),
    };
    let mut b = Builder::default();
    let mut withheld = Vec::new();
    let mut released: Vec<(&Finding, Tlp)> = Vec::new();
    for (f, marking) in findings {
        match (may_release(*marking, audience), marking) {
            (Ok(()), Some(t)) => released.push((f, *t)),
            (Err(why), _) => withheld.push((f.id.clone(), why)),
            // may_release refuses a missing marking, so this arm is never taken.
            (Ok(()), None) => withheld.push((f.id.clone(), Withheld::Unmarked)),
        }
    }
    for &(f, tlp) in &released {
        add_finding(&mut b, &ctx, f, tlp);
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

    let mut ids: Vec<&str> = released.iter().map(|r| r.0.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let org_name = org.name.trim().to_owned();
    let mut report_key = vec!["report", org_name.as_str()];
    report_key.extend(&ids);
    let refs: Vec<String> = b.objects.iter().map(id_of).collect();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for (f, _) in &released {
        *kinds.entry(kind_label(f.kind)).or_default() += 1;
    }
    let what: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let report = json!({
        "type": "report",
        "spec_version": "2.1",
        "id": format!("report--{}", our_uuid(&report_key)),
        "created": ctx.now,
        "modified": ctx.now,
        "created_by_ref": ctx.org_id,
        "name": if what.is_empty() {
            format!("{org_name}: no findings")
        } else {
            format!("{org_name}: {}", what.join(", "))
        },
        "report_types": ["threat-report"],
        "published": ctx.now,
        "object_refs": refs,
    });
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

/// SCO types of STIX 2.1, whose ids must be UUIDv5.
const SCO_TYPES: [&str; 18] = [
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
];

const TIMESTAMP_KEYS: [&str; 9] = [
    "created",
    "modified",
    "first_seen",
    "last_seen",
    "first_observed",
    "last_observed",
    "valid_from",
    "valid_until",
    "published",
];

/// `YYYY-MM-DDTHH:MM:SS[.fff…]Z`; with `millis`, exactly three fraction digits.
fn is_stix_timestamp(s: &str, millis: bool) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r)
            .is_some_and(|x| !x.is_empty() && x.iter().all(u8::is_ascii_digit))
    };
    let head = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !head || b.last() != Some(&b'Z') {
        return false;
    }
    let frac = &b[19..b.len() - 1];
    match frac.split_first() {
        None => !millis,
        Some((b'.', d)) => {
            !d.is_empty() && d.iter().all(u8::is_ascii_digit) && (!millis || d.len() == 3)
        }
        Some(_) => false,
    }
}

/// The UUID of `type--uuid` when it is well formed and lowercase.
fn parse_id(id: &str) -> Option<(&str, Uuid)> {
    let (ty, u) = id.split_once("--")?;
    let uuid = Uuid::parse_str(u).ok()?;
    (u.len() == 36 && uuid.hyphenated().to_string() == u).then_some((ty, uuid))
}

fn collect_refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k.ends_with("_ref") {
                    if let Some(s) = x.as_str() {
                        out.push(s);
                    }
                } else if k.ends_with("_refs")
                    && let Some(a) = x.as_array()
                {
                    out.extend(a.iter().filter_map(Value::as_str));
                } else {
                    collect_refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// The id an SCO must have, for the types whose contributing properties we know.
fn expected_sco_id(o: &Value) -> Option<String> {
    let ty = o.get("type")?.as_str()?;
    let s = |k: &str| o.get(k).and_then(Value::as_str);
    match ty {
        "domain-name" | "url" => Some(sco_id(ty, &[("value", s("value")?)])),
        "user-account" => {
            let mut p = Vec::new();
            for k in ["account_type", "user_id", "account_login"] {
                if let Some(v) = s(k) {
                    p.push((k, v));
                }
            }
            (!p.is_empty()).then(|| sco_id(ty, &p))
        }
        _ => None,
    }
}

/// Whether an object is DISARM's, embedded verbatim (public, CC BY-SA; carries no TLP).
fn is_disarm(o: &Value) -> bool {
    o.get("id").and_then(Value::as_str) == Some(disarm::IDENTITY_ID)
        || o.get("created_by_ref").and_then(Value::as_str) == Some(disarm::IDENTITY_ID)
}

/// [`check_bundle_for`] with only the unconditional rule on markings (RED never leaves).
pub fn check_bundle(v: &Value) -> Vec<String> {
    check_bundle_for(v, Audience::own_org(Tlp::AmberStrict))
}

/// Checks what stix2-validator does not (docs/INTEROP.md §5.1) before a bundle is written or
/// served: lowercase well-formed ids, unique ids, canonical TLP 2.0 marking-definitions only,
/// UUIDv5 SCO ids (recomputed for `domain-name`, `url`, `user-account`), no dangling refs,
/// every object TLP-marked (DISARM's verbatim objects excepted), no object the audience may not
/// receive, millisecond `Z` timestamps on our objects, and a report with refs. Returns one
/// message per problem; empty means the bundle passes.
pub fn check_bundle_for(v: &Value, audience: Audience) -> Vec<String> {
    let mut errs = Vec::new();
    if v.get("type").and_then(Value::as_str) != Some("bundle") {
        errs.push("not a bundle".to_owned());
    }
    match v.get("id").and_then(Value::as_str).and_then(parse_id) {
        Some(("bundle", _)) => {}
        _ => errs.push("bundle id is not bundle--<lowercase uuid>".to_owned()),
    }
    let Some(objects) = v.get("objects").and_then(Value::as_array) else {
        errs.push("bundle has no objects array".to_owned());
        return errs;
    };
    let mut ids: HashMap<&str, &Value> = HashMap::new();
    for (i, o) in objects.iter().enumerate() {
        let Some(id) = o.get("id").and_then(Value::as_str) else {
            errs.push(format!("object {i} has no id"));
            continue;
        };
        if ids.insert(id, o).is_some() {
            errs.push(format!("{id}: duplicate id"));
        }
    }
    for o in objects {
        let Some(id) = o.get("id").and_then(Value::as_str) else {
            continue;
        };
        let ty = o.get("type").and_then(Value::as_str).unwrap_or("");
        match parse_id(id) {
            None => errs.push(format!("{id}: id is not <type>--<lowercase uuid>")),
            Some((prefix, _)) if prefix != ty => {
                errs.push(format!("{id}: id prefix does not match type {ty:?}"));
            }
            Some((_, uuid)) if SCO_TYPES.contains(&ty) => {
                if uuid.get_version_num() != 5 {
                    errs.push(format!("{id}: SCO id is not a UUIDv5"));
                } else if let Some(want) = expected_sco_id(o)
                    && want != id
                {
                    errs.push(format!("{id}: SCO id should be {want}"));
                }
            }
            Some((_, uuid)) => {
                if uuid.get_version_num() != 4 {
                    errs.push(format!("{id}: id is not a UUIDv4"));
                }
            }
        }
        let foreign = is_disarm(o);
        let is_sco = SCO_TYPES.contains(&ty);
        if !is_sco && o.get("spec_version").and_then(Value::as_str) != Some("2.1") {
            errs.push(format!("{id}: spec_version is not 2.1"));
        }
        if let Some(m) = o.as_object() {
            for k in TIMESTAMP_KEYS {
                if let Some(t) = m.get(k)
                    && !t.as_str().is_some_and(|t| is_stix_timestamp(t, !foreign))
                {
                    errs.push(format!("{id}: {k} is not a millisecond UTC timestamp"));
                }
            }
        }
        let mut refs = Vec::new();
        collect_refs(o, &mut refs);
        for r in refs {
            if !ids.contains_key(r) {
                errs.push(format!("{id}: dangling ref {r}"));
            }
        }
        if ty == "report"
            && o.get("object_refs")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
        {
            errs.push(format!("{id}: report without object_refs"));
        }
        if ty == "marking-definition" {
            let claims_tlp2 = o
                .get("extensions")
                .and_then(|e| e.get(TLP2_EXTENSION_ID))
                .is_some();
            let canonical_id = Tlp::ALL.iter().any(|t| t.marking_id() == id);
            if (claims_tlp2 || canonical_id) && !Tlp::is_canonical_marking(o) {
                errs.push(format!(
                    "{id}: not the canonical TLP 2.0 marking-definition"
                ));
            } else if !claims_tlp2 && Tlp::from_marking_object(o).is_some() {
                errs.push(format!("{id}: TLP 1.0 marking; exports use TLP 2.0"));
            }
            continue;
        }
        let marking_refs: Vec<&str> = o
            .get("object_marking_refs")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let tlp = marking_refs
            .iter()
            .filter_map(|r| ids.get(r).and_then(|m| Tlp::from_marking_object(m)))
            .max();
        let tlp = match (tlp, foreign) {
            (Some(t), _) => Some(t),
            (None, true) => Some(Tlp::Clear),
            (None, false) => {
                errs.push(format!("{id}: no TLP marking"));
                None
            }
        };
        if tlp.is_some()
            && let Err(why) = may_release(tlp, audience)
        {
            errs.push(format!("{id}: {why}"));
        }
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// Import

/// An account a partner's bundle names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedActor {
    pub account_type: Option<String>,
    pub user_id: Option<String>,
    pub account_login: Option<String>,
    pub display_name: Option<String>,
    pub tlp: Tlp,
}

/// What a partner's bundle holds, for watch items and partner intelligence.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Imported {
    /// Domains from `domain-name` SCOs and `[domain-name:value = '…']` indicator patterns, with
    /// the most restrictive marking they came with; de-duplicated, lowercase.
    pub domains: Vec<(String, Tlp)>,
    pub actors: Vec<ImportedActor>,
    /// Every object with a type and an id, with its marking, for storage as partner intelligence.
    pub objects: Vec<(Value, Tlp)>,
    /// Objects that came without any TLP marking; they are held as [`UNMARKED_IMPORT`].
    pub unmarked: usize,
    /// Entries that were not objects with a string `type` and `id`.
    pub skipped: usize,
}

/// The marking given to partner objects that arrive without one: kept inside our organisation
/// until an analyst marks them, since nobody said they may go further.
pub const UNMARKED_IMPORT: Tlp = Tlp::AmberStrict;

/// Why a partner's document could not be read as a bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("not a STIX bundle or TAXII envelope (expected an object with an objects array)")]
    NotABundle,
    #[error("bundle spec_version {0:?} is not 2.1")]
    WrongVersion(String),
}

/// Domains in a STIX pattern's `domain-name:value = '…'` comparisons.
fn pattern_domains(p: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = p;
    while let Some(i) = rest.find("domain-name:value") {
        rest = &rest[i + "domain-name:value".len()..];
        let r = rest.trim_start();
        let Some(r) = r.strip_prefix('=') else {
            continue;
        };
        let Some(r) = r.trim_start().strip_prefix('\'') else {
            continue;
        };
        let mut value = String::new();
        let mut chars = r.char_indices();
        let mut end = None;
        while let Some((j, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        value.push(n);
                    }
                }
                '\'' => {
                    end = Some(j);
                    break;
                }
                _ => value.push(c),
            }
        }
        let Some(end) = end else { break };
        out.push(value);
        rest = &r[end + 1..];
    }
    out
}

fn clean_domain(d: &str) -> Option<String> {
    let d = d.trim().trim_end_matches('.').to_lowercase();
    (!d.is_empty() && d.len() <= 253 && !d.chars().any(char::is_whitespace)).then_some(d)
}

/// Reads a partner's STIX 2.1 bundle (or a TAXII envelope of objects). Markings may be TLP 2.0
/// or 1.0 (WHITE read as CLEAR); an object's marking is the most restrictive it references.
pub fn import_bundle(v: &Value) -> Result<Imported, ImportError> {
    let objects = v
        .get("objects")
        .and_then(Value::as_array)
        .ok_or(ImportError::NotABundle)?;
    if let Some(sv) = v.get("spec_version")
        && sv.as_str() != Some("2.1")
    {
        return Err(ImportError::WrongVersion(sv.to_string()));
    }
    let mut markings: HashMap<String, Tlp> = HashMap::new();
    for o in objects {
        if let (Some(id), Some(t)) = (
            o.get("id").and_then(Value::as_str),
            Tlp::from_marking_object(o),
        ) {
            markings.insert(id.to_ascii_lowercase(), t);
        }
    }
    let mut out = Imported::default();
    let mut domains: BTreeMap<String, Tlp> = BTreeMap::new();
    for o in objects {
        let (Some(ty), Some(_)) = (
            o.get("type").and_then(Value::as_str),
            o.get("id").and_then(Value::as_str),
        ) else {
            out.skipped += 1;
            continue;
        };
        let tlp = o
            .get("object_marking_refs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|r| {
                Tlp::from_marking_id(r).or_else(|| markings.get(&r.to_ascii_lowercase()).copied())
            })
            .max();
        let tlp = match tlp {
            Some(t) => t,
            // Marking-definitions and DISARM's published objects are public.
            None if ty == "marking-definition" || is_disarm(o) => Tlp::Clear,
            None => {
                out.unmarked += 1;
                UNMARKED_IMPORT
            }
        };
        let s = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
        let mut found = Vec::new();
        match ty {
            "domain-name" => found.extend(s("value")),
            "indicator" if o.get("pattern_type").and_then(Value::as_str) == Some("stix") => {
                found.extend(
                    s("pattern")
                        .map(|p| pattern_domains(&p))
                        .unwrap_or_default(),
                );
            }
            "user-account" => out.actors.push(ImportedActor {
                account_type: s("account_type"),
                user_id: s("user_id"),
                account_login: s("account_login"),
                display_name: s("display_name"),
                tlp,
            }),
            _ => {}
        }
        for d in found.iter().filter_map(|d| clean_domain(d)) {
            let e = domains.entry(d).or_insert(tlp);
            *e = merge(*e, tlp);
        }
        out.objects.push((o.clone(), tlp));
    }
    out.domains = domains.into_iter().collect();
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests;
