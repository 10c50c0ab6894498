//! The checks every bundle passes before it leaves (and that partners' bundles are read with):
//! the STIX 2.1 rules the reference validator applies that matter to us, and the TLP rules.

use std::collections::HashMap;

use serde_json::Value;
use uuid::Uuid;

use super::{is_disarm, sco_id};
use crate::tlp::{self, Audience, Marking, TLP2_EXTENSION_ID, Tlp, may_release};

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
pub(super) fn is_stix_timestamp(s: &str, millis: bool) -> bool {
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
            if (claims_tlp2 || canonical_id) && !tlp::is_canonical_marking(o) {
                errs.push(format!(
                    "{id}: not the canonical TLP 2.0 marking-definition"
                ));
            } else if !claims_tlp2 && tlp::from_marking_object(o).is_some() {
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
            .filter_map(|r| ids.get(r).and_then(|m| tlp::from_marking_object(m)))
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
