//! MISP event export of findings, under the same TLP 2.0 rules as the STIX export.
//!
//! One event (`{"Event": {…}}`) carries the released findings:
//! - `text` attributes (category "Other") with each finding's explanation;
//! - `domain` attributes (category "Network activity", `to_ids`) for lookalike domains;
//! - `url` attributes (category "Network activity") for evidence links; `to_ids` only for links on
//!   a lookalike domain, since a coordinated network mostly shares ordinary news links;
//! - `microblog` objects for evidence posts (`post`, `username`, `url`, `creation-date`);
//! - tags: the TLP (`tlp:amber`, …) on the event (most restrictive released) and on every
//!   attribute (its finding's, or the most restrictive when findings share it), and DISARM tags.
//!
//! DISARM tags: `misp-galaxy:disarm-techniques="<cluster value>"` from the crosswalk's
//! `misp_galaxy_tag` when MISP's galaxy has the technique. MISP's galaxy stops at DISARM v1.4, so
//! for v1.5+ techniques (e.g. T0149.003 Lookalike Domain) the event gets the fallback tag
//! `fimi-platform:disarm-id="T0149.003"` in our own namespace, which cannot be mistaken for an
//! official taxonomy, plus a `link` attribute (category "External analysis") to the technique's
//! DISARM page. Ids that are not in v1.6 at all get the fallback tag only.
//!
//! Attributes with the same type and value are merged (MISP refuses duplicates within an event).

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};
use skydas_model::time::format_rfc3339_millis;
use skydas_model::{Finding, Kinds, ShareAs};

use crate::disarm;
use crate::stix::{OrgIdentity, explain, export_key, our_uuid};
use crate::tlp::{Audience, Marking, Release, Tlp, Withheld, merge, release};

/// The namespace of the fallback DISARM tag.
pub const FALLBACK_TAG_PREFIX: &str = "fimi-platform:disarm-id=";

/// The `microblog` object template (MISP objects repository) that evidence posts use.
const MICROBLOG_TEMPLATE_UUID: &str = "8ec8c911-ddbe-4f5b-895b-fbff70c42a60";
const MICROBLOG_TEMPLATE_VERSION: &str = "20";

/// The result of [`export_event`].
#[derive(Debug, Clone, PartialEq)]
pub struct MispExport {
    /// `{"Event": {…}}`, loadable by pymisp's `MISPEvent`.
    pub event: Value,
    /// Findings left out, with the reason (never written into the event).
    pub withheld: Vec<(String, Withheld)>,
    pub findings_exported: usize,
}

/// The MISP `distribution` of an event marked `tlp`: CLEAR to all communities, GREEN to
/// connected communities, AMBER to this community, AMBER+STRICT and RED to our organisation.
pub fn distribution(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "3",
        Tlp::Green => "2",
        Tlp::Amber => "1",
        Tlp::AmberStrict | Tlp::Red => "0",
    }
}

/// The DISARM tag of a technique id: the galaxy tag when MISP has the cluster, else the
/// fallback tag.
pub fn disarm_tag(id: &str) -> String {
    match disarm::technique(id).and_then(|t| t.misp_galaxy_tag.clone()) {
        Some(tag) => tag,
        None => format!("{FALLBACK_TAG_PREFIX}\"{}\"", id.trim().replace('"', "")),
    }
}

fn tag(name: &str) -> Value {
    json!({ "name": name })
}

/// Attributes de-duplicated by (type, value), each with its most restrictive marking.
#[derive(Default)]
struct Attributes {
    list: Vec<(Value, Tlp)>,
    index: HashMap<(String, String), usize>,
}

impl Attributes {
    fn add(
        &mut self,
        ty: &str,
        category: &str,
        value: &str,
        to_ids: bool,
        comment: &str,
        tlp: Tlp,
    ) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let key = (ty.to_owned(), value.to_owned());
        if let Some(&i) = self.index.get(&key) {
            let e = &mut self.list[i];
            e.1 = merge(e.1, tlp);
            if to_ids {
                e.0["to_ids"] = true.into();
            }
            return;
        }
        let attr = json!({
            "uuid": our_uuid(&["misp-attribute", ty, value]).to_string(),
            "type": ty,
            "category": category,
            "value": value,
            "to_ids": to_ids,
            "distribution": "5",
            "comment": comment,
        });
        self.index.insert(key, self.list.len());
        self.list.push((attr, tlp));
    }
}

fn microblog(f: &Finding, e: &skydas_model::Evidence, tlp: Tlp) -> Option<Value> {
    let text = e.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let url = e.url.as_deref().map(str::trim).filter(|u| !u.is_empty());
    // The template needs one of post/archive/url/link/attachment.
    if text.is_none() && url.is_none() {
        return None;
    }
    let actor = f
        .actors
        .iter()
        .find(|a| a.id == e.actor && a.platform == e.platform);
    let username = actor
        .and_then(|a| a.handle.as_deref())
        .unwrap_or(e.actor.as_str());
    let tags = json!([tag(tlp.misp_tag())]);
    let mut attrs = Vec::new();
    let mut push = |relation: &str, ty: &str, category: &str, value: &str| {
        if !value.trim().is_empty() {
            attrs.push(json!({
                "uuid": our_uuid(&["misp-object-attribute", &f.id, &e.id, relation]).to_string(),
                "object_relation": relation,
                "type": ty,
                "category": category,
                "value": value.trim(),
                "to_ids": false,
                "distribution": "5",
                "Tag": tags,
            }));
        }
    };
    if let Some(t) = text {
        push("post", "text", "Other", t);
    }
    if let Some(u) = url {
        push("url", "url", "Network activity", u);
    }
    push("username", "text", "Other", username);
    if let Some(n) = actor.and_then(|a| a.name.as_deref()) {
        push("display-name", "text", "Other", n);
    }
    push(
        "creation-date",
        "datetime",
        "Other",
        &format_rfc3339_millis(e.time.clamp(0, 253_402_300_799)),
    );
    Some(json!({
        "uuid": our_uuid(&["misp-object", &f.id, e.platform.as_str(), &e.id]).to_string(),
        "name": "microblog",
        "meta-category": "misc",
        "description": "Microblog post like a Twitter tweet or a post on a Facebook wall.",
        "template_uuid": MICROBLOG_TEMPLATE_UUID,
        "template_version": MICROBLOG_TEMPLATE_VERSION,
        "distribution": "5",
        "comment": format!("evidence of finding {} ({})", f.id, e.platform),
        "Attribute": attrs,
    }))
}

/// Exports findings as one MISP event for `audience`, withholding what it may not receive.
/// `now` (Unix seconds) gives the event's `date` and `timestamp`; the uuid depends on the
/// organisation and the released findings only, so a re-export updates the same event.
pub fn export_event(
    findings: &[(Finding, Option<Tlp>)],
    kinds: &Kinds,
    org: &OrgIdentity,
    audience: Audience,
    now: i64,
) -> MispExport {
    let Release { released, withheld } = release(findings, audience);
    let mut attrs = Attributes::default();
    let mut objects = Vec::new();
    let mut disarm_ids: BTreeSet<String> = BTreeSet::new();
    for &(f, tlp) in &released {
        attrs.add(
            "text",
            "Other",
            &explain(f),
            false,
            &format!("finding {} ({})", f.id, f.kind.as_str()),
            tlp,
        );
        let lookalike = kinds
            .get(f.kind.as_str())
            .is_some_and(|k| k.share == ShareAs::Domain);
        if lookalike && let Some(d) = f.domain.as_deref() {
            let noun = kinds.get(f.kind.as_str()).map_or("domain", |k| k.noun);
            let comment = match &f.impersonates {
                Some(i) => format!("lookalike of {i} (finding {})", f.id),
                None => format!("{noun} (finding {})", f.id),
            };
            attrs.add(
                "domain",
                "Network activity",
                &skydas_model::normalise_domain(d).unwrap_or_else(|| d.trim().to_lowercase()),
                true,
                &comment,
                tlp,
            );
        }
        for e in &f.evidence {
            if let Some(u) = &e.url {
                attrs.add(
                    "url",
                    "Network activity",
                    u,
                    lookalike,
                    &format!("evidence of finding {}", f.id),
                    tlp,
                );
            }
            objects.extend(microblog(f, e, tlp));
        }
        disarm_ids.extend(f.disarm.iter().map(|d| d.trim().to_owned()));
    }
    let mut tags: Vec<Value> = Vec::new();
    let event_tlp = released
        .iter()
        .map(|r| r.1)
        .max()
        .unwrap_or_else(|| audience.ceiling());
    tags.push(tag(event_tlp.misp_tag()));
    let link_tlp = released.iter().map(|r| r.1).min().unwrap_or(event_tlp);
    for id in disarm_ids.iter().filter(|d| !d.is_empty()) {
        tags.push(tag(&disarm_tag(id)));
        if let Some(t) = disarm::technique(id)
            && t.misp_galaxy_tag.is_none()
            && !t.url.is_empty()
        {
            attrs.add(
                "link",
                "External analysis",
                &t.url,
                false,
                &format!("DISARM {} {} (not in MISP's DISARM galaxy)", t.id, t.name),
                link_tlp,
            );
        }
    }
    let attributes: Vec<Value> = attrs
        .list
        .into_iter()
        .map(|(mut a, t)| {
            a["Tag"] = json!([tag(t.misp_tag())]);
            a
        })
        .collect();

    let org_name = org.name.trim().to_owned();
    let key = export_key("misp-event", &org_name, &released);
    let stamp = format_rfc3339_millis(now.clamp(0, 253_402_300_799));
    let info = format!(
        "{org_name}: {}",
        kinds.counts(released.iter().map(|r| &r.0.kind))
    );
    let event = json!({
        "Event": {
            "uuid": our_uuid(&key).to_string(),
            "info": info,
            "date": &stamp[..10],
            "threat_level_id": "2",
            "analysis": "0",
            "distribution": distribution(event_tlp),
            "published": false,
            "timestamp": now.clamp(0, 253_402_300_799).to_string(),
            "Orgc": {"name": org_name, "uuid": org.uuid().to_string()},
            "Tag": tags,
            "Attribute": attributes,
            "Object": objects,
        }
    });
    MispExport {
        event,
        withheld,
        findings_exported: released.len(),
    }
}

#[cfg(test)]
mod tests;
