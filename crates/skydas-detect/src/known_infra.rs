//! Known infrastructure: items that link to, or are posted by, what an indicator names.
//!
//! # What it finds
//! Every place a domain, URL or account of an indicator list (the user's, or a partner's
//! pulled over TAXII) turns up: each URL of every item in each of its forms (as posted, the
//! expanded or unwound target, the canonical link, link previews and domain-only columns)
//! and each item's actor. A domain indicator matches itself and any subdomain; a URL
//! indicator itself and what lies below it at a path boundary; an account indicator the
//! actor's handle (`@name`, any case) or platform id. A domain that merely contains an
//! indicator's name (`rrn.media.example`), or shares its label under another suffix
//! (`rrn.world` for `rrn.media`), is no match.
//!
//! # Why it matters
//! Partners share the domains and channels of known operations (Doppelganger clones, RRN,
//! Portal Kombat portals). Seeing where they appear, and who pushes them, is the first thing an
//! analyst asks of new material.
//!
//! # Evidence it reports
//! One finding per indicated domain, URL or account: the indicators (value, list, source,
//! marking), up to 100 items that matched, the actors who posted them (most items first), and
//! how they matched (exact domain, subdomain, URL prefix, account; through the link itself, a
//! redirect hop, a preview or a domain column). The finding carries the most restrictive
//! marking of its indicators.
//!
//! # DISARM techniques
//! T0149.001 (domain asset) for domains and URLs, with T0149.004 (redirecting domain asset)
//! when the match came through a redirect hop; T0146 (account asset) for accounts.
//!
//! # Known limits
//! Matching is by name: an IP address, a certificate or a page's content is not compared. A
//! handle is matched whatever the platform unless the indicator names one.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use skydas_model::{
    Corpus, Evidence, Finding, FindingActor, FindingKind, Indicator, IndicatorKind, KindSpec,
    Platform, ShareAs, Tlp, UrlSource, disarm, finding_id, normalise_domain,
};
use skydas_normalise::url::canonicalise;

use crate::Detector;

const VERSION: &str = "1";
/// Evidence items per finding, at most.
const MAX_EVIDENCE: usize = 100;
/// Actors named per finding, at most (the most active first).
const MAX_ACTORS: usize = 200;

/// Findings of this detector: a known domain, URL or account seen in the corpus.
pub static KIND: KindSpec = KindSpec {
    name: "known_infrastructure",
    id_prefix: "ki",
    noun: "known infrastructure sighting",
    plural: "known infrastructure sightings",
    disarm: &[
        disarm::DOMAIN_ASSET,
        disarm::REDIRECTING_DOMAIN,
        disarm::ACCOUNT_ASSET,
    ],
    share: ShareAs::Domain,
};

/// The detector's line in [`crate::REGISTRY`].
pub const REGISTRATION: crate::Registration = crate::Registration {
    code: "known-infrastructure",
    version: VERSION,
    kinds: &[&KIND],
    build: |cfg| Box::new(KnownInfrastructure::new(cfg.indicators.clone())),
};

/// The form an indicator is matched in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// An ASCII (punycode) domain, lowercase, without `www.`.
    Domain(String),
    /// A canonical URL (see `skydas_normalise::url`) and its ASCII host.
    Url { url: String, host: String },
    /// `@handle` (lowercase) or `id:<platform id>`; an indicator may limit it to a platform.
    Actor(String),
}

impl Key {
    /// The finding's key: kind and value.
    fn target(&self) -> (IndicatorKind, &str) {
        match self {
            Key::Domain(d) => (IndicatorKind::Domain, d),
            Key::Url { url, .. } => (IndicatorKind::Url, url),
            Key::Actor(key) => (IndicatorKind::Actor, key),
        }
    }
}

/// The form an indicator is matched in; the error says why it cannot be matched at all.
pub fn normalise(ind: &Indicator) -> Result<Key, String> {
    let v = ind.value.trim();
    match ind.kind {
        IndicatorKind::Domain => normalise_domain(v)
            .map(Key::Domain)
            .ok_or_else(|| format!("not a domain: {v:?}")),
        IndicatorKind::Url => {
            let c = canonicalise(v).ok_or_else(|| format!("not a URL: {v:?}"))?;
            Ok(Key::Url {
                url: c.url,
                host: c.host_ascii,
            })
        }
        IndicatorKind::Actor => {
            let key = match v.strip_prefix('@') {
                Some(h) if !h.is_empty() => format!("@{}", h.to_lowercase()),
                Some(_) => return Err("an empty handle".into()),
                None if v.is_empty() => return Err("an empty account".into()),
                None => format!("id:{v}"),
            };
            Ok(Key::Actor(key))
        }
    }
}

/// How an item matched an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum How {
    ExactDomain,
    Subdomain,
    UrlPrefix,
    Account,
}

impl How {
    fn as_str(self) -> &'static str {
        match self {
            How::ExactDomain => "exact domain",
            How::Subdomain => "subdomain",
            How::UrlPrefix => "url prefix",
            How::Account => "account",
        }
    }
}

/// Through which form of an item's URL (or its actor) the match came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Via {
    Link,
    RedirectHop,
    Preview,
    DomainColumn,
    Actor,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Link => "link",
            Via::RedirectHop => "redirect hop",
            Via::Preview => "link preview",
            Via::DomainColumn => "domain column",
            Via::Actor => "posting actor",
        }
    }
}

/// The indicators, indexed for lookups: a URL's host costs one lookup per label.
struct Index {
    /// Distinct targets, in a fixed order; a target's indicators.
    targets: Vec<(Key, Vec<u32>)>,
    domains: HashMap<String, u32>,
    /// Host → (canonical URL prefix, target).
    urls: HashMap<String, Vec<(String, u32)>>,
    /// Actor key → target and the platforms its indicators allow (`None`: any).
    actors: HashMap<String, (u32, Vec<Option<Platform>>)>,
}

impl Index {
    fn new(indicators: &[Indicator]) -> Index {
        let platforms = |inds: &[u32]| -> Vec<Option<Platform>> {
            inds.iter()
                .map(|&i| indicators[i as usize].platform)
                .collect()
        };
        let mut by_key: BTreeMap<Key, Vec<u32>> = BTreeMap::new();
        for (i, ind) in indicators.iter().enumerate() {
            if let Ok(k) = normalise(ind) {
                by_key.entry(k).or_default().push(i as u32);
            }
        }
        let mut ix = Index {
            targets: by_key.into_iter().collect(),
            domains: HashMap::new(),
            urls: HashMap::new(),
            actors: HashMap::new(),
        };
        for (t, (k, inds)) in ix.targets.iter().enumerate() {
            let t = t as u32;
            match k {
                Key::Domain(d) => {
                    ix.domains.insert(d.clone(), t);
                }
                Key::Url { url, host } => ix
                    .urls
                    .entry(host.clone())
                    .or_default()
                    .push((url.clone(), t)),
                Key::Actor(key) => {
                    ix.actors.insert(key.clone(), (t, platforms(inds)));
                }
            }
        }
        ix
    }

    /// The targets a URL (in any form) matches, with how.
    fn url_matches(&self, url: &str, out: &mut Vec<(u32, How)>) {
        let Some(c) = canonicalise(url) else {
            return;
        };
        let host = c.host_ascii.strip_prefix("www.").unwrap_or(&c.host_ascii);
        // The host and each of its parent domains, down to two labels.
        let mut h = host;
        let mut exact = true;
        loop {
            if let Some(&t) = self.domains.get(h) {
                out.push((
                    t,
                    if exact {
                        How::ExactDomain
                    } else {
                        How::Subdomain
                    },
                ));
            }
            match h.split_once('.') {
                Some((_, rest)) if rest.contains('.') => {
                    h = rest;
                    exact = false;
                }
                _ => break,
            }
        }
        if let Some(prefixes) = self.urls.get(&c.host_ascii) {
            for (p, t) in prefixes {
                let below = c.url.len() == p.len()
                    || p.ends_with('/')
                    || matches!(c.url.as_bytes().get(p.len()), Some(b'/' | b'?' | b'#'));
                if c.url.starts_with(p.as_str()) && below {
                    out.push((*t, How::UrlPrefix));
                }
            }
        }
    }

    fn actor_matches(&self, platform: Platform, id: &str, handle: Option<&str>) -> Vec<u32> {
        let mut keys = vec![format!("id:{id}")];
        if let Some(h) = handle {
            keys.push(format!("@{}", h.trim_start_matches('@').to_lowercase()));
        }
        let mut out = Vec::new();
        for k in keys {
            if let Some((t, allowed)) = self.actors.get(&k)
                && allowed.iter().any(|p| p.is_none_or(|p| p == platform))
                && !out.contains(t)
            {
                out.push(*t);
            }
        }
        out
    }
}

/// The known-infrastructure detector.
pub struct KnownInfrastructure {
    indicators: Arc<Vec<Indicator>>,
}

impl KnownInfrastructure {
    pub fn new(indicators: Arc<Vec<Indicator>>) -> Self {
        Self { indicators }
    }
}

/// One sighting: an item matched target `t` how, via what.
type Sighting = (u32, u32, How, Via);

impl Detector for KnownInfrastructure {
    fn registration(&self) -> &'static crate::Registration {
        &REGISTRATION
    }

    fn run(&self, corpus: &Corpus) -> Vec<Finding> {
        if self.indicators.is_empty() || corpus.is_empty() {
            return Vec::new();
        }
        let ix = Index::new(&self.indicators);
        // Every distinct URL string of the corpus once, in parallel.
        let by_url: Vec<Vec<(u32, How)>> = if ix.domains.is_empty() && ix.urls.is_empty() {
            vec![Vec::new(); corpus.urls.len()]
        } else {
            (0..corpus.urls.len() as u32)
                .into_par_iter()
                .map(|s| {
                    let mut v = Vec::new();
                    ix.url_matches(corpus.urls.resolve(s), &mut v);
                    v
                })
                .collect()
        };
        let by_actor: Vec<Vec<u32>> = corpus
            .actors
            .par_iter()
            .map(|a| ix.actor_matches(a.platform, &a.actor.platform_id, a.actor.handle.as_deref()))
            .collect();
        let mut sightings: Vec<Sighting> = corpus
            .items
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, it)| {
                let mut v: Vec<Sighting> = Vec::new();
                let mut add = |t: u32, how: How, via: Via| {
                    if !v.iter().any(|s| s.1 == t) {
                        v.push((i as u32, t, how, via));
                    }
                };
                for u in &it.urls {
                    let first_via = match u.source {
                        UrlSource::Preview => Via::Preview,
                        UrlSource::Domain => Via::DomainColumn,
                        _ => Via::Link,
                    };
                    for &(t, how) in &by_url[u.canonical as usize] {
                        add(t, how, first_via);
                    }
                    for hop in [Some(u.raw), u.hop, u.expanded].into_iter().flatten() {
                        if hop != u.canonical {
                            for &(t, how) in &by_url[hop as usize] {
                                add(t, how, Via::RedirectHop);
                            }
                        }
                    }
                }
                for &t in &by_actor[it.actor as usize] {
                    add(t, How::Account, Via::Actor);
                }
                v
            })
            .collect();
        sightings.par_sort_unstable_by_key(|s| (s.1, s.0));
        let mut out: Vec<Finding> = sightings
            .chunk_by(|a, b| a.1 == b.1)
            .map(|group| self.finding(corpus, &ix, group))
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        out
    }
}

impl KnownInfrastructure {
    fn finding(&self, c: &Corpus, ix: &Index, group: &[Sighting]) -> Finding {
        let (key, inds) = &ix.targets[group[0].1 as usize];
        let (kind, value) = key.target();
        // The indicators that matched: an account indicator limited to a platform only where
        // its sightings were on that platform.
        let seen_on: Vec<Platform> = group
            .iter()
            .map(|s| c.actor(c.items[s.0 as usize].actor).platform)
            .collect();
        let indicators: Vec<&Indicator> = inds
            .iter()
            .map(|&i| &self.indicators[i as usize])
            .filter(|i| {
                kind != IndicatorKind::Actor || i.platform.is_none_or(|p| seen_on.contains(&p))
            })
            .collect();
        let tlp = indicators.iter().map(|i| i.tlp).max().unwrap_or(Tlp::Amber);
        let mut how: BTreeMap<&str, u64> = BTreeMap::new();
        let mut via: BTreeMap<&str, u64> = BTreeMap::new();
        let mut per_actor: HashMap<u32, u64> = HashMap::new();
        for &(item, _, h, v) in group {
            *how.entry(h.as_str()).or_default() += 1;
            *via.entry(v.as_str()).or_default() += 1;
            *per_actor.entry(c.items[item as usize].actor).or_default() += 1;
        }
        let (first, last) = (
            c.items[group[0].0 as usize].time,
            c.items[group[group.len() - 1].0 as usize].time,
        );
        let mut actors: Vec<(u32, u64)> = per_actor.into_iter().collect();
        actors.sort_by(|a, b| {
            b.1.cmp(&a.1).then_with(|| {
                let (x, y) = (c.actor(a.0), c.actor(b.0));
                (x.platform, &x.actor.platform_id).cmp(&(y.platform, &y.actor.platform_id))
            })
        });
        let n_actors = actors.len();
        let pushers: Vec<FindingActor> = actors
            .iter()
            .take(MAX_ACTORS)
            .map(|&(a, n)| {
                let role = if kind == IndicatorKind::Actor {
                    "indicated account".to_string()
                } else {
                    format!("posted {n}")
                };
                crate::explain::finding_actor(c, a, Some(role))
            })
            .collect();
        let evidence: Vec<Evidence> = group
            .iter()
            .take(MAX_EVIDENCE)
            .map(|&(i, ..)| crate::explain::item_evidence_with_text(c, i as usize))
            .collect();
        let mut lists: Vec<String> = indicators
            .iter()
            .map(|i| {
                format!(
                    "{} ({}, TLP:{})",
                    i.list,
                    i.source,
                    i.tlp.as_str().to_uppercase()
                )
            })
            .collect();
        lists.sort();
        lists.dedup();
        let mut disarm_ids: Vec<String> = match kind {
            IndicatorKind::Actor => vec![disarm::ACCOUNT_ASSET.to_string()],
            _ => vec![disarm::DOMAIN_ASSET.to_string()],
        };
        if via.contains_key(Via::RedirectHop.as_str()) {
            disarm_ids.push(disarm::REDIRECTING_DOMAIN.to_string());
        }
        disarm_ids.sort();
        let ways: Vec<String> = how.iter().map(|(h, n)| format!("{n} by {h}")).collect();
        let routes: Vec<String> = via
            .iter()
            .map(|(v, n)| format!("{n} through the {v}"))
            .collect();
        let summary = format!(
            "{} {value} is on {}: {} items by {} actors, {} to {}; matched {}; {}.",
            kind.as_str(),
            lists.join(", "),
            group.len(),
            n_actors,
            skydas_model::time::format_rfc3339(first),
            skydas_model::time::format_rfc3339(last),
            ways.join(", "),
            routes.join(", ")
        );
        let domain = match key {
            Key::Domain(d) => Some(d.clone()),
            Key::Url { host, .. } => Some(host.strip_prefix("www.").unwrap_or(host).to_string()),
            Key::Actor(_) => None,
        };
        Finding {
            id: finding_id(&KIND, &[kind.as_str(), value]),
            kind: FindingKind::of(&KIND),
            score: 1.0,
            disarm: disarm_ids,
            first_seen: first,
            last_seen: last,
            summary,
            actors: pushers,
            evidence,
            signals: Default::default(),
            edges: Vec::new(),
            domain,
            impersonates: None,
            techniques: Vec::new(),
            tlp: Some(tlp),
            detector: self.code().into(),
            detector_version: VERSION.into(),
            params: serde_json::json!({
                "indicator": {"kind": kind.as_str(), "value": value},
                "indicators": indicators.iter().map(|i| serde_json::json!({
                    "value": i.value,
                    "label": i.label,
                    "list": i.list,
                    "source": i.source,
                    "tlp": i.tlp.as_str(),
                })).collect::<Vec<_>>(),
                "matched_as": how,
                "through": via,
                "items": group.len(),
                "actors": n_actors,
            }),
        }
    }
}

#[cfg(test)]
mod tests;
