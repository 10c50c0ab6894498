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
//!
//! The module is split by direction: [`export`] builds bundles of our findings, [`check`] is the
//! gate every outgoing bundle passes (and the checker of partners' bundles), [`import`] reads
//! a partner's bundle. Ids and the SCO shapes shared by all three are here.

mod check;
mod export;
pub(crate) mod import;

pub use check::{check_bundle, check_bundle_for};
pub(crate) use export::explain;
pub use export::{ExportCounts, ExportResult, export_bundle};
pub use import::{ImportError, Imported, ImportedActor, UNMARKED_IMPORT, import_bundle};

use serde_json::{Value, json};
use skydas_model::time::format_rfc3339_millis;
use skydas_model::{Finding, Platform};
use uuid::Uuid;

use crate::tlp::Tlp;

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

/// A stable UUID from the parts: the UUIDv5 hash under [`SKYDAS_NAMESPACE`] (parts separated
/// so that `["ab","c"]` and `["a","bc"]` differ), stamped as version 4. STIX wants UUIDv4 for
/// SDOs/SROs (stix2-validator warns 103 on anything else, which fails `--strict`); the bytes
/// stay a pure function of the input, so a re-export yields the same id.
pub(crate) fn our_uuid(parts: &[&str]) -> Uuid {
    let v5 = Uuid::new_v5(&SKYDAS_NAMESPACE, parts.join("\u{1f}").as_bytes());
    uuid::Builder::from_random_bytes(v5.into_bytes()).into_uuid()
}

/// The elements of the array `v[key]`; none when it is missing or not an array, as partners'
/// STIX and MISP files leave out what they do not have.
pub(crate) fn elements<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// The parts an export's own id is made from: `what` it is, the organisation's name and the ids
/// of the findings it releases, sorted and each once, so that exporting the same findings again
/// names the same report or event.
pub(crate) fn export_key<'a>(
    what: &'a str,
    org_name: &'a str,
    released: &[(&'a Finding, Tlp)],
) -> Vec<&'a str> {
    let mut ids: Vec<&str> = released.iter().map(|r| r.0.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut key = vec![what, org_name];
    key.extend(ids);
    key
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

/// A domain as a `domain-name` value: the one normal form, or (for a value that is not a
/// plausible host name) the trimmed, lowercased text.
fn domain_value(domain: &str) -> String {
    skydas_model::normalise_domain(domain).unwrap_or_else(|| domain.trim().to_lowercase())
}

fn domain_sco(domain: &str) -> Value {
    let v = domain_value(domain);
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

/// Whether an object is DISARM's, embedded verbatim (public, CC BY-SA; carries no TLP).
fn is_disarm(o: &Value) -> bool {
    o.get("id").and_then(Value::as_str) == Some(crate::disarm::IDENTITY_ID)
        || o.get("created_by_ref").and_then(Value::as_str) == Some(crate::disarm::IDENTITY_ID)
}

#[cfg(test)]
pub(crate) mod tests;
