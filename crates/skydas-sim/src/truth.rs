//! The planted truth of a scenario (`truth.json`): which actors and items belong to which
//! operation, which organic look-alikes of operations (decoys) were planted, and which domains
//! are clones. See `SCHEMA.md` in this crate for the field-by-field description.

use serde::{Deserialize, Serialize};
use skydas_model::Platform;

/// Operation kinds (`Operation::kind` of `operations[]`).
pub mod kinds {
    pub const DOPPELGANGER: &str = "doppelganger";
    pub const PORTAL_KOMBAT: &str = "portal_kombat";
    pub const TELEGRAM_FORWARD_NETWORK: &str = "telegram_forward_network";
    pub const COPYPASTA: &str = "copypasta";
    pub const HASHTAG_FLOOD: &str = "hashtag_flood";
    pub const RETWEET_RING: &str = "retweet_ring";
    pub const SLOW_COORDINATION: &str = "slow_coordination";
    pub const CROSS_POSTING: &str = "cross_posting";
    /// Decoy: one account posting every article of one site within a minute.
    pub const AUTO_POSTER: &str = "auto_poster";
    /// Decoy: independent accounts posting the same feeds' links within seconds to minutes.
    pub const AGGREGATOR: &str = "aggregator";
    /// Decoy: fans of one outlet sharing its links organically (minutes to hours apart).
    pub const ORGANIC_COMMUNITY: &str = "organic_community";
    /// Decoy: a link shared by hundreds of accounts within an hour.
    pub const VIRAL_CASCADE: &str = "viral_cascade";
    /// Decoy: the most active ordinary accounts.
    pub const VERY_ACTIVE_USER: &str = "very_active_user";
    /// Decoy: real outlets whose names look alike (lrt.lt / lrytas.lt, delfi.*).
    pub const LEGIT_LOOKALIKE: &str = "legit_lookalike";
}

/// The whole truth document.
///
/// Schema (JSON): `{"seed","scale","start","days","items_total","operations":[Operation],
/// "decoys":[Operation],"lookalike_domains":[LookalikeDomain],"benign_domains":[string]}`.
/// Every item listed here exists in the written files under the id the importer reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub seed: u64,
    pub scale: f64,
    /// Start of the simulated window, Unix seconds UTC.
    pub start: i64,
    pub days: u32,
    /// Items written in all files.
    pub items_total: u64,
    pub operations: Vec<Operation>,
    /// Organic behaviour that looks like an operation to naive rules; must not be flagged as
    /// coordination (auto-posters and aggregators may rightly be flagged as automation).
    pub decoys: Vec<Operation>,
    pub lookalike_domains: Vec<LookalikeDomain>,
    /// Real domains that must never be reported as look-alikes.
    pub benign_domains: Vec<String>,
}

/// One planted operation or decoy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// Stable id within the scenario, e.g. `op-03-copypasta`.
    pub id: String,
    /// One of [`kinds`].
    pub kind: String,
    /// DISARM v1.6 technique ids the operation uses (empty for decoys).
    pub disarm: Vec<String>,
    pub actors: Vec<TruthActor>,
    pub items: Vec<TruthItem>,
    /// Registrable domains the operation runs (clones, portals, niche sites).
    #[serde(default)]
    pub domains: Vec<String>,
    /// Redirector domains whose links lead to the clones.
    #[serde(default)]
    pub redirectors: Vec<String>,
    /// The drawn parameters (size, tempo, jitter, mutation rate, cover traffic, …).
    pub params: serde_json::Value,
}

/// An actor, named as the importer will report it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TruthActor {
    pub platform: Platform,
    /// X: numeric author id; Telegram: numeric chat id; web: the feed's channel link host
    /// (e.g. `www.lrt.lt`, `lt.news-pravda.com`).
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    /// The actor's part: `amplifier`, `source`, `portal`, `member`, `seed`, `forwarder`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// An item, named as the importer will report it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TruthItem {
    pub platform: Platform,
    /// X: tweet id; Telegram: `{chat_id}/{message_id}`; web: the entry's guid (Atom: `id`).
    pub id: String,
}

/// A planted clone domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookalikeDomain {
    /// Registrable domain in ASCII (punycode for IDN), as a lookalike finding reports it.
    pub domain: String,
    /// The host the links use, in Unicode (differs from `domain` for subdomain tricks and IDN).
    pub host: String,
    /// The protected domain it impersonates.
    pub impersonates: String,
    /// `tld-swap`, `typo`, `combosquat`, `private-suffix`, `homoglyph`, `subdomain`,
    /// `lookalike-letters`.
    pub technique: String,
}
