//! A partner's STIX 2.1 bundle read as intelligence: its objects with their markings, and the
//! domains and accounts it names.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::{elements, is_disarm};
use crate::tlp::{self, Tlp, merge};

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
    /// URLs from `url` SCOs and `[url:value = '…']` patterns, as given, de-duplicated.
    pub urls: Vec<(String, Tlp)>,
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
pub(super) fn pattern_domains(p: &str) -> Vec<String> {
    pattern_values(p, "domain-name:value")
}

/// The string values a STIX pattern compares `path` (`url:value`,
/// `user-account:account_login`) with `=`.
pub(super) fn pattern_values(p: &str, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = p;
    while let Some(i) = rest.find(path) {
        rest = &rest[i + path.len()..];
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
    skydas_model::normalise_domain(d).filter(|d| d.len() <= 253)
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
            tlp::from_marking_object(o),
        ) {
            markings.insert(id.to_ascii_lowercase(), t);
        }
    }
    let mut out = Imported::default();
    let mut domains: BTreeMap<String, Tlp> = BTreeMap::new();
    let mut urls: BTreeMap<String, Tlp> = BTreeMap::new();
    for o in objects {
        let (Some(ty), Some(_)) = (
            o.get("type").and_then(Value::as_str),
            o.get("id").and_then(Value::as_str),
        ) else {
            out.skipped += 1;
            continue;
        };
        let tlp = elements(o, "object_marking_refs")
            .filter_map(Value::as_str)
            .filter_map(|r| {
                tlp::from_marking_id(r).or_else(|| markings.get(&r.to_ascii_lowercase()).copied())
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
        let mut found_urls = Vec::new();
        match ty {
            "domain-name" => found.extend(s("value")),
            "url" => found_urls.extend(s("value")),
            "indicator" if o.get("pattern_type").and_then(Value::as_str) == Some("stix") => {
                let p = s("pattern").unwrap_or_default();
                found.extend(pattern_domains(&p));
                found_urls.extend(pattern_values(&p, "url:value"));
                for login in pattern_values(&p, "user-account:account_login") {
                    out.actors.push(ImportedActor {
                        account_type: None,
                        user_id: None,
                        account_login: Some(login),
                        display_name: s("name"),
                        tlp,
                    });
                }
                for id in pattern_values(&p, "user-account:user_id") {
                    out.actors.push(ImportedActor {
                        account_type: None,
                        user_id: Some(id),
                        account_login: None,
                        display_name: s("name"),
                        tlp,
                    });
                }
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
        for u in found_urls
            .into_iter()
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty() && u.len() <= 8192)
        {
            let e = urls.entry(u).or_insert(tlp);
            *e = merge(*e, tlp);
        }
        out.objects.push((o.clone(), tlp));
    }
    out.domains = domains.into_iter().collect();
    out.urls = urls.into_iter().collect();
    Ok(out)
}
