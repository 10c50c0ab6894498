//! Findings: what a detector reports, explainable down to the items. The JSON form is the
//! contract of PRODUCT.md (`findings` array; fields are never renamed without a version bump).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::item::Platform;
use crate::kind::{FindingKind, KindSpec};

/// An actor named by a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingActor {
    pub platform: Platform,
    /// The platform's own id (X author id, Telegram channel/user id, site).
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The actor's part in the finding, where it has one (`pusher`, `redirector`, `source`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

impl FindingActor {
    /// The actor as one key, `platform:id`: how findings' members are compared and recorded
    /// (the store's finding summaries and versions use the same form).
    pub fn key(&self) -> String {
        format!("{}:{}", self.platform.as_str(), self.id)
    }
}

/// One evidence item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub platform: Platform,
    /// The platform's own item id.
    pub id: String,
    /// The platform's own id of the posting actor.
    pub actor: String,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A short excerpt of the item's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Two items behind an edge, and how far apart they were.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemPair {
    /// Signal code (`co-link`, `co-text`, …).
    pub signal: String,
    /// What was shared: the URL, a text excerpt, the repost target, the hashtag set.
    pub key: String,
    pub a: String,
    pub b: String,
    pub gap_s: i64,
}

/// Why two actors are linked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeEvidence {
    /// Platform ids of the two actors (as in `actors[].id`), with platform prefix
    /// `platform:id` when the finding spans platforms.
    pub a: String,
    pub b: String,
    pub weight: f64,
    /// Distinct co-action keys per signal.
    pub signals: BTreeMap<String, u64>,
    /// Distinct co-actions: acts of the two actors together, one per pair of items whatever
    /// keys (link, domain, hashtag, image) the two share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acts: Option<u64>,
    /// Probability of at least this much co-action under the null model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    pub pairs: Vec<ItemPair>,
}

/// A signal with its count, for summaries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredSignal {
    pub signal: String,
    pub count: u64,
}

/// One finding of one detector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id: the same detector on the same data gives the same id.
    pub id: String,
    pub kind: FindingKind,
    /// 0..=1. For coordination, calibrated against the null model; see the detector's docs.
    pub score: f64,
    /// DISARM v1.6 technique ids.
    pub disarm: Vec<String>,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub first_seen: i64,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub last_seen: i64,
    /// A sentence an analyst can read.
    pub summary: String,
    pub actors: Vec<FindingActor>,
    pub evidence: Vec<Evidence>,
    /// Coordination: which co-actions were seen, with counts of distinct keys.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub signals: BTreeMap<String, u64>,
    /// Coordination: the strong edges, each explained by item pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<EdgeEvidence>,
    /// Lookalike: the observed registrable domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Lookalike: the protected domain it impersonates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impersonates: Option<String>,
    /// Lookalike: tld-swap, typo, homoglyph, combosquat, subdomain, …
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub techniques: Vec<String>,
    /// The least restrictive marking the finding may carry, from what it was made of (the
    /// indicators a known-infrastructure finding matched); `None` leaves it to the analyst
    /// (AMBER until marked). Stores never let a review's marking go below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlp: Option<crate::Tlp>,
    /// Detector code, e.g. `coordination`.
    pub detector: String,
    pub detector_version: String,
    /// The parameters the detector ran with.
    pub params: serde_json::Value,
}

impl Finding {
    /// Whether the finding is a network: its actors are the members of a graph of edges. How
    /// re-analysis matches networks by members, and how a lookalike knows it was pushed by one.
    pub fn is_network(&self) -> bool {
        !self.edges.is_empty()
    }
}

/// The findings document: `{"findings": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FindingsDoc {
    pub findings: Vec<Finding>,
}

/// A stable finding id from a kind and the keys that identify it (sorted actor ids, a domain).
pub fn finding_id(kind: &KindSpec, keys: &[&str]) -> String {
    // FNV-1a 64: stable across runs and machines, no dependency.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in kind
        .name
        .bytes()
        .chain(keys.iter().flat_map(|k| k.bytes().chain([0u8])))
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{}-{h:016x}", kind.id_prefix)
}
