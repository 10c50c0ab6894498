//! Sharing workflows: stored findings with their markings, exported as STIX 2.1 or MISP for an
//! audience, or published into a TAXII collection. Every path applies the release rules of
//! `skydas_share::tlp` and, for STIX, the bundle checks before anything is written.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use skydas_model::{Clock, Finding, Tlp};
use skydas_share::stix::OrgIdentity;
use skydas_share::tlp::{Audience, Withheld};
use skydas_store::Store;
use skydas_store::sharing::{Added, Collection, Grant, NewObject, SharingStore};

use crate::analyze::kinds;
use crate::error::{Result, failed, usage};

/// Stored findings with their markings (all of them when `ids` is empty); a finding without a
/// review row has no marking and is therefore blocked by every exporter.
pub fn marked_findings(store: &dyn Store, ids: &[String]) -> Result<Vec<(Finding, Option<Tlp>)>> {
    let all = store.findings()?;
    let chosen: Vec<Finding> = if ids.is_empty() {
        all
    } else {
        let mut v = Vec::new();
        for id in ids {
            v.push(
                all.iter()
                    .find(|f| &f.id == id)
                    .cloned()
                    .ok_or_else(|| usage(format!("no finding {id:?} (see `skydas findings`)")))?,
            );
        }
        v
    };
    chosen
        .into_iter()
        .map(|f| {
            let tlp = store.review(&f.id)?.map(|r| r.tlp);
            Ok((f, tlp))
        })
        .collect()
}

/// The highest marking a recipient may receive, from what the user asked for: RED never
/// leaves.
pub fn ceiling(tlp: &str) -> Result<Tlp> {
    let max = Tlp::parse(tlp).ok_or_else(|| {
        usage(format!(
            "unknown TLP level {tlp:?}: choose clear, green, amber or amber+strict"
        ))
    })?;
    if max == Tlp::Red {
        return Err(failed(
            "TLP:RED never leaves Skydas; choose clear, green, amber or amber+strict",
        ));
    }
    Ok(max)
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Stix,
    Misp,
}

/// One export.
#[derive(Debug, Clone)]
pub struct Export {
    /// The STIX bundle or MISP event.
    pub doc: Value,
    pub exported: usize,
    /// Findings left out, with the reason (for the caller only, never for the document).
    pub withheld: Vec<(String, Withheld)>,
}

impl Export {
    /// Withheld findings counted by reason.
    pub fn withheld_by_reason(&self) -> BTreeMap<String, u64> {
        let mut reasons = BTreeMap::new();
        for (_, why) in &self.withheld {
            *reasons.entry(why.to_string()).or_default() += 1;
        }
        reasons
    }
}

/// Exports stored findings (all, or `ids`) for `audience`.
pub fn export(
    store: &dyn Store,
    ids: &[String],
    format: Format,
    audience: Audience,
    org: &OrgIdentity,
    clock: &dyn Clock,
) -> Result<Export> {
    let findings = marked_findings(store, ids)?;
    let kinds = kinds();
    Ok(match format {
        Format::Stix => {
            let r =
                skydas_share::stix::export_bundle(&findings, &kinds, org, audience, clock.now());
            check(&r.bundle, audience, "write")?;
            Export {
                doc: r.bundle,
                exported: r.counts.findings_exported,
                withheld: r.withheld,
            }
        }
        Format::Misp => {
            let r = skydas_share::misp::export_event(&findings, &kinds, org, audience, clock.now());
            Export {
                doc: r.event,
                exported: r.findings_exported,
                withheld: r.withheld,
            }
        }
    })
}

fn check(bundle: &Value, audience: Audience, verb: &str) -> Result<()> {
    let problems = skydas_share::stix::check_bundle_for(bundle, audience);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(failed(format!(
            "refusing to {verb} a bundle that fails its checks: {}",
            problems.join("; ")
        )))
    }
}

/// What one publication did.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub collection: String,
    pub findings: usize,
    pub withheld: usize,
    pub objects: usize,
    pub new_versions: usize,
    /// The highest marking published.
    #[serde(skip)]
    pub max: Tlp,
}

impl Published {
    /// What the audit log records of it.
    pub fn audit_detail(&self) -> Value {
        serde_json::json!({
            "findings": self.findings,
            "withheld": self.withheld,
            "objects": self.objects,
            "new_versions": self.new_versions,
            "max_tlp": self.max.as_str(),
        })
    }
}

impl std::fmt::Display for Published {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "published {} findings as {} objects ({} new versions) to {}; {} withheld",
            self.findings, self.objects, self.new_versions, self.collection, self.withheld
        )
    }
}

/// Publishes stored findings (all, or `ids`) into a TAXII collection as new object versions,
/// up to `max` for our own organisation; each reader is filtered again at read time by its
/// grant and organisation.
pub fn publish(
    store: &dyn Store,
    sharing: &mut dyn SharingStore,
    collection: &str,
    ids: &[String],
    max: Tlp,
    org: &str,
    clock: &dyn Clock,
) -> Result<Published> {
    let c = sharing
        .collection(collection)?
        .ok_or_else(|| usage(format!("no collection {collection:?}")))?;
    let marked = marked_findings(store, ids)?;
    let audience = Audience::own_org(max);
    let identity = OrgIdentity::new(org);
    let r = skydas_share::stix::export_bundle(&marked, &kinds(), &identity, audience, clock.now());
    check(&r.bundle, audience, "publish")?;
    let imported = skydas_share::stix::import_bundle(&r.bundle)
        .map_err(|e| failed(format!("the bundle does not read back: {e}")))?;
    let objects: Vec<NewObject> = imported
        .objects
        .iter()
        .map(|(o, t)| {
            let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default();
            let version = [s("modified"), s("created")]
                .into_iter()
                .find(|v| !v.is_empty())
                .and_then(skydas_model::time::parse_micros);
            NewObject {
                id: s("id").to_string(),
                object_type: s("type").to_string(),
                version,
                spec_version: o
                    .get("spec_version")
                    .and_then(Value::as_str)
                    .unwrap_or("2.1")
                    .to_string(),
                tlp: t.as_str().to_string(),
                source_org: org.trim().to_string(),
                body: o.to_string(),
            }
        })
        .collect();
    let added = sharing.add_objects(&c.id, &objects)?;
    let new_versions = added
        .iter()
        .filter(|a| matches!(a, Added::New { .. }))
        .count();
    Ok(Published {
        collection: c.id,
        findings: r.counts.findings_exported,
        withheld: r.withheld.len(),
        objects: objects.len(),
        new_versions,
        max,
    })
}

/// A TAXII collection with the organisations granted it.
#[derive(Debug, Clone, Serialize)]
pub struct CollectionGrants {
    pub collection: Collection,
    pub grants: Vec<Grant>,
}

/// Every collection the server serves, with its grants.
pub fn collections(sharing: &dyn SharingStore) -> Result<Vec<CollectionGrants>> {
    let mut out = Vec::new();
    for collection in sharing.collections()? {
        let grants = sharing.grants(&collection.id)?;
        out.push(CollectionGrants { collection, grants });
    }
    Ok(out)
}

/// Adds a collection; without an id it gets a fresh UUID.
pub fn add_collection(
    sharing: &mut dyn SharingStore,
    title: &str,
    id: Option<&str>,
    alias: Option<&str>,
    description: &str,
) -> Result<Collection> {
    let id = match id {
        Some(i) => i.trim().to_lowercase(),
        None => crate::accounts::random_uuid()?,
    };
    Ok(sharing.add_collection(&id, title, description, alias)?)
}

/// Lets `org` read and/or write a collection, up to the marking `max` (RED is refused where
/// the value enters).
pub fn grant(
    sharing: &mut dyn SharingStore,
    collection: &str,
    org: &str,
    (can_read, can_write): (bool, bool),
    max: Tlp,
) -> Result<(Collection, Grant)> {
    let c = sharing
        .collection(collection)?
        .ok_or_else(|| failed(format!("no collection {collection:?}")))?;
    let g = Grant {
        org: org.trim().to_string(),
        can_read,
        can_write,
        max_tlp: max.as_str().to_string(),
    };
    sharing.grant(&c.id, &g)?;
    Ok((c, g))
}

/// What a grant allows, in words.
pub fn allowed(g: &Grant) -> &'static str {
    match (g.can_read, g.can_write) {
        (true, true) => "read and write",
        (true, false) => "read",
        (false, true) => "write",
        (false, false) => "not use",
    }
}
