//! Partner intelligence: what a partner's STIX 2.1 bundle (or TAXII envelope) holds, kept with its
//! markings and its source, plus watch items for the clone domains and accounts it names, which
//! the domain and actor pages show beside our own findings.
//!
//! One function serves every path a bundle arrives by: a partner's TAXII POST, `skydas taxii
//! pull`, and `skydas import` of a bundle file.

use serde::Serialize;
use serde_json::Value;
use skydas_model::Clock;
use skydas_share::disarm;
use skydas_share::stix::{ImportError, import_bundle};
use skydas_store::sharing::{PartnerObject, SharingStore, WatchItem};

/// Why a bundle could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    #[error(transparent)]
    Bundle(#[from] ImportError),
    #[error(transparent)]
    Store(#[from] skydas_store::StoreError),
}

/// What one bundle added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntelSummary {
    /// The organisation the bundle is recorded as coming from.
    pub source_org: String,
    /// Objects kept as partner intelligence (marking-definitions and DISARM's published objects
    /// are not: they are reference data).
    pub objects: usize,
    /// Of those, versions not held before.
    pub new_objects: u64,
    pub watch_domains: usize,
    pub watch_urls: usize,
    pub watch_actors: usize,
    /// Objects that came without a TLP marking (kept as AMBER+STRICT).
    pub unmarked: usize,
    /// Entries that were not objects with a type and id.
    pub skipped: usize,
}

impl std::fmt::Display for IntelSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} partner objects from {} ({} new; {} unmarked, kept as TLP:AMBER+STRICT); watch \
             items: {} domains, {} actors",
            self.objects,
            self.source_org,
            self.new_objects,
            self.unmarked,
            self.watch_domains,
            self.watch_actors
        )
    }
}

/// Whether a document is a STIX bundle: a JSON object whose top-level `type` is `bundle`.
pub fn looks_like_bundle(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with('{') {
        return false;
    }
    // The head decides for the usual layout; a full parse only confirms a candidate, so that a
    // large export that merely mentions a bundle is not read whole here.
    let head: String = t
        .chars()
        .take(4096)
        .filter(|c| !c.is_whitespace())
        .collect();
    if head.starts_with("{\"type\":\"bundle\"") {
        return true;
    }
    // Exporters that sort keys put `id` first and `type` last.
    if !head.starts_with("{\"id\":\"bundle--") && !head.contains("\"type\":\"bundle\"") {
        return false;
    }
    serde_json::from_str::<Value>(t)
        .ok()
        .is_some_and(|v| v.get("type").and_then(Value::as_str) == Some("bundle"))
}

fn is_reference_data(o: &Value) -> bool {
    let ty = o.get("type").and_then(Value::as_str);
    ty == Some("marking-definition")
        || o.get("id").and_then(Value::as_str) == Some(disarm::IDENTITY_ID)
        || o.get("created_by_ref").and_then(Value::as_str) == Some(disarm::IDENTITY_ID)
}

/// The name of the identity that made most of the bundle's objects (DISARM's aside).
fn bundle_org(objects: &[Value]) -> Option<String> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for o in objects {
        if let Some(r) = o.get("created_by_ref").and_then(Value::as_str)
            && r != disarm::IDENTITY_ID
        {
            *counts.entry(r).or_default() += 1;
        }
    }
    let (id, _) = counts.into_iter().max_by_key(|(_, n)| *n)?;
    objects
        .iter()
        .find(|o| o.get("id").and_then(Value::as_str) == Some(id))
        .and_then(|o| o.get("name").and_then(Value::as_str))
        .map(|n| n.trim().chars().take(64).collect())
}

/// Records a partner's bundle or envelope as partner intelligence. `source` says how it came
/// (`taxii-post:<collection>`, `taxii-pull:<url>`, `file:<name>`); `org` is the organisation it
/// is from when known for certain (an authenticated POST), else the bundle's creating identity
/// names it, else the source does.
pub fn record(
    sharing: &mut dyn SharingStore,
    doc: &Value,
    source: &str,
    org: Option<&str>,
    clock: &dyn Clock,
) -> Result<IntelSummary, IntelError> {
    let imported = import_bundle(doc)?;
    let raw: Vec<Value> = imported.objects.iter().map(|(o, _)| o.clone()).collect();
    let source_org = org
        .map(str::to_string)
        .or_else(|| bundle_org(&raw))
        .unwrap_or_else(|| source.to_string());
    let received_at = clock.now();
    let objects: Vec<PartnerObject> = imported
        .objects
        .iter()
        .filter(|(o, _)| !is_reference_data(o))
        .map(|(o, tlp)| {
            let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default();
            let version = if s("modified").is_empty() {
                s("created")
            } else {
                s("modified")
            };
            PartnerObject {
                object_id: s("id").to_lowercase(),
                version: version.to_string(),
                object_type: s("type").to_string(),
                tlp: tlp.as_str().to_string(),
                source: source.to_string(),
                source_org: source_org.clone(),
                received_at,
                body: o.to_string(),
            }
        })
        .collect();
    let mut watch = Vec::new();
    for (d, tlp) in &imported.domains {
        watch.push(WatchItem {
            kind: "domain".into(),
            value: d.clone(),
            label: d.clone(),
            tlp: tlp.as_str().into(),
            source: source.into(),
            source_org: source_org.clone(),
            added_at: received_at,
            platform: None,
        });
    }
    for (u, tlp) in &imported.urls {
        let ind = skydas_model::Indicator {
            kind: skydas_model::IndicatorKind::Url,
            value: u.clone(),
            platform: None,
            label: u.clone(),
            list: source_org.clone(),
            source: source.into(),
            tlp: *tlp,
        };
        // A URL that cannot be matched is still kept in the partner's object.
        if let Ok(skydas_detect::known_infra::Key::Url { url, .. }) =
            skydas_detect::known_infra::normalise(&ind)
        {
            watch.push(WatchItem {
                kind: "url".into(),
                value: url,
                label: u.clone(),
                tlp: tlp.as_str().into(),
                source: source.into(),
                source_org: source_org.clone(),
                added_at: received_at,
                platform: None,
            });
        }
    }
    let mut actors = 0;
    for a in &imported.actors {
        let label = format!(
            "{} ({})",
            a.display_name
                .as_deref()
                .or(a.account_login.as_deref())
                .or(a.user_id.as_deref())
                .unwrap_or("?"),
            a.account_type.as_deref().unwrap_or("account")
        );
        let keys = [
            a.user_id.clone(),
            a.account_login
                .as_deref()
                .map(|l| format!("@{}", l.trim_start_matches('@').to_lowercase())),
        ];
        let before = watch.len();
        for value in keys
            .into_iter()
            .flatten()
            .filter(|v| !v.is_empty() && v != "@")
        {
            watch.push(WatchItem {
                kind: "actor".into(),
                value,
                label: label.clone(),
                tlp: a.tlp.as_str().into(),
                source: source.into(),
                source_org: source_org.clone(),
                added_at: received_at,
                platform: a
                    .account_type
                    .as_deref()
                    .and_then(skydas_model::Platform::parse)
                    .map(|p| p.as_str().to_string()),
            });
        }
        if watch.len() > before {
            actors += 1;
        }
    }
    let new_objects = sharing.add_partner_intel(&objects, &watch)?;
    Ok(IntelSummary {
        source_org,
        objects: objects.len(),
        new_objects,
        watch_domains: imported.domains.len(),
        watch_urls: imported.urls.len(),
        watch_actors: actors,
        unmarked: imported.unmarked,
        skipped: imported.skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_are_recognised_by_content() {
        let check =
            |text: &str, expected: bool| assert_eq!(looks_like_bundle(text), expected, "{text}");
        check(
            r#"{"type": "bundle", "id": "bundle--1", "objects": []}"#,
            true,
        );
        check("\u{feff}  {\n  \"type\" : \"bundle\" }", true);
        check(
            r#"{"id": "bundle--1", "objects": [], "type": "bundle"}"#,
            true,
        );
        check(r#"{"type": "message", "text": "bundle"}"#, false);
        check(
            r#"{"id": "bundle--1", "objects": [{"type": "note"}], "type": "bundle"}"#,
            true,
        );
        check(r#"{"id": "bundle--1", "type": "report"}"#, false);
        check(r#"[{"type": "bundle"}]"#, false);
        check("type,bundle\n", false);
        check("", false);
    }
}
