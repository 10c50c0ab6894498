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
use skydas_store::sharing::{Added, NewObject, SharingStore};

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
    })
}
