//! Known infrastructure: the domains, URLs and accounts that an indicator list, a partner's
//! STIX bundle or a MISP event names, with the list, source and marking each came with.

use serde::{Deserialize, Serialize};

use crate::item::Platform;
use crate::tlp::Tlp;

/// What an indicator names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// A domain: matches it and any subdomain, never a domain that merely contains its name or
    /// shares its label under another suffix.
    Domain,
    /// A URL: matches itself and every URL below it (at a path boundary).
    Url,
    /// An account or channel: `@handle` (any case) or the platform's own id.
    Actor,
}

impl IndicatorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::Domain => "domain",
            IndicatorKind::Url => "url",
            IndicatorKind::Actor => "actor",
        }
    }

    pub fn parse(s: &str) -> Option<IndicatorKind> {
        Some(match s {
            "domain" => IndicatorKind::Domain,
            "url" => IndicatorKind::Url,
            "actor" => IndicatorKind::Actor,
            _ => return None,
        })
    }
}

/// One indicator of known infrastructure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub kind: IndicatorKind,
    /// As given: a domain, a URL, `@handle` or an account id. Matchers normalise it.
    pub value: String,
    /// For actors: the platform it is on, when the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// What to show: the value, or the account's name, or the list's comment on it.
    pub label: String,
    /// The list (or partner organisation) it is from.
    pub list: String,
    /// Where the list came from: `file:<name>`, `taxii-pull:<url>`, `taxii-post:<collection>`.
    pub source: String,
    pub tlp: Tlp,
}
