//! Lookalike domains: hosts seen in the corpus that imitate a protected outlet or institution.
//!
//! # What it finds
//! Registrable domains, observed in any URL form of any item (canonical, raw, expanded), that
//! imitate a protected domain: the brand label under another suffix (`spiegel.ltd`,
//! `bild.eu.com`: `tld-swap`), a typo (`20minuts.com`: `typo`), look-alike letters
//! (`lrt.lt` with a Cyrillic `т`, `rn` for `m`: `homoglyph`), the brand plus words
//! (`delfi-news.online`: `combosquat`) or a protected domain spelled out in front of another
//! domain (`lrt.lt.news-today.net`: `subdomain`).
//!
//! # Why it matters
//! Clone sites of real outlets are a main tool of foreign information manipulation
//! (Doppelganger: spiegel.ltd, welt.ws, washingtonpost.pm). The matcher works in reverse: it
//! checks each observed domain against an index of the protected set instead of generating
//! permutation lists per brand, so it also catches patterns a permutation list never holds.
//!
//! # Evidence it reports
//! The observed and impersonated domains, the techniques and a one-line explanation, the
//! actors who pushed links to the domain (role `pusher`), up to `max_evidence` items with the
//! URL, first and last sighting, and the redirector domains the clone was reached through
//! (`params.redirectors`: another host in the same link's raw or expanded form).
//!
//! Scores (0–1): brand under a risky or private suffix 0.95, under another suffix 0.8;
//! non-Latin homoglyph 0.95, letter-group homoglyph 0.85; typo at distance 1 0.8 (0.85 with
//! a risky TLD swap), distance 2 (brands of 8+ letters) 0.7, 4–5 letter brands 0.65; combosquat
//! with filler words 0.8,
//! with other words 0.7, short brands 0.6 (+0.05 under a risky suffix); subdomain 0.9; a doubled
//! letter of a short brand 0.7; a government namespace 0.85.
//!
//! A clone first seen in the last 7 days of data that spans four weeks or more scores 0.03
//! more (`params.new`). A clone pushed by two or more members of one coordinated network
//! scores 0.05 more
//! (`params.pushed_by_networks` names the networks). `params.ruled_out` says why the domain is
//! not a legitimate near-match: not protected, not allowlisted, not popular, and what its
//! suffix is.
//!
//! # DISARM techniques
//! T0149.003 (lookalike domain) and T0143.003 (impersonated persona) always; T0149.004
//! (redirecting domain asset) when a redirector was seen.
//!
//! A suffix is risky when it is private (anyone's subdomain), a gTLD of ICANN's 2012 round, a
//! country code sold as generic, or an old gTLD other than com/net/org/edu/gov/mil/int
//! (`data/tld_risk.csv`, from the Public Suffix List). Under a risky suffix short and common
//! brands alert too, as do their doubled-letter typos (`fazz.lol`) and the government
//! namespaces that are public suffixes at home (`gouv.fm` for `gouv.fr`, `govv.pw` for
//! `gov.pl`).
//!
//! # Known limits
//! Brands shorter than four letters, or that are common words (`bild`, `welt`, `europa`),
//! alert only under risky or private suffixes, and as typos only by a doubled or split
//! letter there. An unrelated business of the same name under a new gTLD alerts. A typo across an established
//! suffix counts only at distance 1 on brands of six letters or more. Typos are matched on
//! ASCII labels only. Clones that use an unrelated name (no brand in the domain) are not found.
//! Legitimate near-matches must be in the allowlist, the protected set or the popular domains
//! (`data/popular_domains.csv`, a registry package's top-500 list: `ria.ru` shares its label
//! with the protected `ria.ee`) to stay quiet.

mod matcher;
mod protected;
#[cfg(test)]
mod tests;

pub use matcher::{Match, Matcher};
pub use protected::{
    ALLOWLIST_CSV, POPULAR_CSV, PROTECTED_CSV, ProtectedEntry, ProtectedKind, builtin_allowlist,
    builtin_popular, builtin_protected, load_protected_file, normalise_domain, parse_allowlist,
    parse_protected_csv,
};

use std::collections::{BTreeSet, HashMap};

use rayon::prelude::*;
use skydas_model::disarm::{IMPERSONATED_PERSONA, LOOKALIKE_DOMAIN, REDIRECTING_DOMAIN};
use skydas_model::{
    Corpus, Evidence, Finding, FindingActor, FindingKind, KindSpec, ShareAs, finding_id,
};

/// What a coordinated network pushing a clone adds to its score.
const NETWORK_BONUS: f64 = 0.05;

/// A score raised by `bonus`, at most 1, rounded to the hundredth as every score of the scale.
fn raised(score: f64, bonus: f64) -> f64 {
    ((score + bonus).min(1.0) * 100.0).round() / 100.0
}

/// A clone first seen within this many seconds of the data's end is new (7 days)…
const NEW_WINDOW: i64 = 7 * 86_400;
/// …when the data spans at least this much before it (28 days): otherwise everything is new.
const NEW_SPAN: i64 = 4 * NEW_WINDOW;
/// What being new adds to a clone's score.
const NEW_BONUS: f64 = 0.03;

/// Configuration of the lookalike detector.
#[derive(Debug, Clone)]
pub struct Config {
    /// Protected domains added by the user (`--protected FILE`).
    pub extra_protected: Vec<ProtectedEntry>,
    /// Domains that must never alert, added by the user.
    pub extra_allow: Vec<String>,
    /// Shortest brand label that may alert as a combosquat with arbitrary words.
    pub min_brand_len_combosquat: usize,
    /// Findings below this score are dropped.
    pub min_score: f64,
    /// Evidence items kept per finding.
    pub max_evidence: usize,
    /// Use the built-in protected set and allowlist (off: only the user's entries).
    pub builtin: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            extra_protected: Vec::new(),
            extra_allow: Vec::new(),
            min_brand_len_combosquat: 4,
            min_score: 0.5,
            max_evidence: 50,
            builtin: true,
        }
    }
}

/// The lookalike-domain detector.
#[derive(Debug)]
pub struct Lookalike {
    cfg: Config,
    matcher: Matcher,
}

impl Lookalike {
    /// Builds the matcher from the built-in data and the user's additions.
    pub fn new(cfg: Config) -> Self {
        let (mut entries, mut allow) = if cfg.builtin {
            (builtin_protected(), builtin_allowlist())
        } else {
            (Vec::new(), Vec::new())
        };
        // User entries first so that they name the match when a brand is shared.
        entries.splice(0..0, cfg.extra_protected.iter().cloned());
        allow.extend(cfg.extra_allow.iter().cloned());
        let mut matcher =
            Matcher::with_min_brand_len(&entries, &allow, cfg.min_brand_len_combosquat);
        if cfg.builtin {
            matcher = matcher.with_popular(&builtin_popular());
        }
        Lookalike { cfg, matcher }
    }

    /// The matcher this detector runs.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }
}

/// The host of a URL string without parsing it fully: scheme, userinfo, port and path are cut.
fn url_host(url: &str) -> Option<&str> {
    let rest = url.trim();
    let rest = rest.split_once("://").map_or(rest, |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    let host = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
    if host.starts_with('[') {
        return None;
    }
    let host = host.split(':').next().unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// Registrable domain of a host, lowercase ASCII.
fn registrable(host: &str) -> Option<String> {
    let h = normalise_domain(host)?;
    let d = psl::domain_str(&h)?;
    Some(d.to_owned())
}

/// Everything seen for one flagged domain.
struct Agg {
    m: usize,
    items: Vec<(usize, String)>,
    actors: Vec<u32>,
    hosts: BTreeSet<String>,
    redirectors: BTreeSet<String>,
    first: i64,
    last: i64,
}

fn excerpt(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut out: String = s.chars().take(160).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    Some(out)
}

/// Findings of this detector: a domain that imitates a protected one.
pub static KIND: KindSpec = KindSpec {
    name: "lookalike_domain",
    id_prefix: "ld",
    noun: "lookalike domain",
    plural: "lookalike domains",
    disarm: &[LOOKALIKE_DOMAIN, IMPERSONATED_PERSONA, REDIRECTING_DOMAIN],
    share: ShareAs::Domain,
};

/// The detector's line in [`crate::REGISTRY`].
pub const REGISTRATION: crate::Registration = crate::Registration {
    code: "lookalike-domain",
    version: "2",
    kinds: &[&KIND],
    build: |cfg| Box::new(Lookalike::new(cfg.lookalike.clone())),
};

impl crate::Detector for Lookalike {
    fn registration(&self) -> &'static crate::Registration {
        &REGISTRATION
    }

    /// A clone pushed by two or more members of one coordinated network
    /// ([`Finding::is_network`]) scores 0.05 higher and names the networks.
    fn corroborate(&self, own: &mut [Finding], others: &[Finding]) {
        let networks: Vec<(&str, std::collections::HashSet<String>)> = others
            .iter()
            .filter(|f| f.is_network())
            .map(|f| (f.id.as_str(), f.actors.iter().map(|a| a.key()).collect()))
            .collect();
        if networks.is_empty() {
            return;
        }
        for f in own {
            let pushed_by: Vec<&str> = networks
                .iter()
                .filter(|(_, members)| {
                    let mut n = f.actors.iter().filter(|a| members.contains(&a.key()));
                    n.nth(1).is_some()
                })
                .map(|(id, _)| *id)
                .collect();
            if pushed_by.is_empty() {
                continue;
            }
            f.score = raised(f.score, NETWORK_BONUS);
            f.summary
                .push_str(&format!("; pushed by the network {}", pushed_by.join(", ")));
            if let Some(p) = f.params.as_object_mut() {
                p.insert(
                    "pushed_by_networks".to_owned(),
                    serde_json::json!(pushed_by),
                );
            }
        }
    }

    fn run(&self, corpus: &Corpus) -> Vec<Finding> {
        // 1. Every distinct host of every URL form, checked once (in parallel).
        let mut host_ids: HashMap<&str, u32> = HashMap::new();
        let mut hosts: Vec<&str> = Vec::new();
        let mut url_forms: Vec<Vec<[Option<u32>; 3]>> = Vec::with_capacity(corpus.len());
        for it in &corpus.items {
            let mut forms = Vec::with_capacity(it.urls.len());
            for u in &it.urls {
                let canon = Some(corpus.hosts.resolve(u.host));
                let raw = url_host(corpus.urls.resolve(u.raw));
                let exp = u.expanded.and_then(|e| url_host(corpus.urls.resolve(e)));
                let mut ids = [None; 3];
                for (slot, h) in ids.iter_mut().zip([canon, raw, exp]) {
                    let Some(h) = h.filter(|h| !h.is_empty()) else {
                        continue;
                    };
                    let id = *host_ids.entry(h).or_insert_with(|| {
                        hosts.push(h);
                        (hosts.len() - 1) as u32
                    });
                    *slot = Some(id);
                }
                forms.push(ids);
            }
            url_forms.push(forms);
        }
        let checked: Vec<Option<Match>> = hosts.par_iter().map(|h| self.matcher.check(h)).collect();

        // 2. Group by flagged registrable domain, in time order (the corpus is sorted).
        let mut by_domain: HashMap<String, Agg> = HashMap::new();
        for (idx, it) in corpus.items.iter().enumerate() {
            for (u, ids) in it.urls.iter().zip(&url_forms[idx]) {
                let best = ids
                    .iter()
                    .enumerate()
                    .filter_map(|(form, id)| {
                        let id = (*id)?;
                        checked[id as usize].as_ref().map(|_| (form, id))
                    })
                    .max_by(|a, b| {
                        let sa = checked[a.1 as usize].as_ref().map_or(0.0, |m| m.score);
                        let sb = checked[b.1 as usize].as_ref().map_or(0.0, |m| m.score);
                        sa.total_cmp(&sb).then(b.0.cmp(&a.0))
                    });
                let Some((form, hid)) = best else { continue };
                let Some(m) = checked[hid as usize].as_ref() else {
                    continue;
                };
                if m.score < self.cfg.min_score {
                    continue;
                }
                let url_sym = match form {
                    0 => u.canonical,
                    1 => u.raw,
                    _ => u.expanded.unwrap_or(u.canonical),
                };
                let agg = by_domain.entry(m.domain.clone()).or_insert_with(|| Agg {
                    m: hid as usize,
                    items: Vec::new(),
                    actors: Vec::new(),
                    hosts: BTreeSet::new(),
                    redirectors: BTreeSet::new(),
                    first: it.time,
                    last: it.time,
                });
                if checked[agg.m]
                    .as_ref()
                    .is_none_or(|old| m.score > old.score)
                {
                    agg.m = hid as usize;
                }
                agg.hosts.insert(hosts[hid as usize].to_lowercase());
                for other in ids.iter().flatten() {
                    if checked[*other as usize].is_some() {
                        continue;
                    }
                    if let Some(d) = registrable(hosts[*other as usize])
                        && d != m.domain
                        && !matcher::is_platform_wrapper(&d)
                    {
                        agg.redirectors.insert(d);
                    }
                }
                if agg.items.last().map(|(i, _)| *i) != Some(idx) {
                    agg.items
                        .push((idx, corpus.urls.resolve(url_sym).to_owned()));
                }
                if !agg.actors.contains(&it.actor) {
                    agg.actors.push(it.actor);
                }
                agg.first = agg.first.min(it.time);
                agg.last = agg.last.max(it.time);
            }
        }

        // 3. One finding per domain.
        let mut out: Vec<Finding> = by_domain
            .into_iter()
            .filter_map(|(domain, agg)| {
                let m = checked[agg.m].as_ref()?;
                Some(self.finding(corpus, &domain, m, agg))
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        out
    }
}

impl Lookalike {
    fn finding(&self, corpus: &Corpus, domain: &str, m: &Match, agg: Agg) -> Finding {
        let actors: Vec<FindingActor> = agg
            .actors
            .iter()
            .map(|&a| crate::explain::finding_actor(corpus, a, Some("pusher".to_owned())))
            .collect();
        let evidence: Vec<Evidence> = agg
            .items
            .iter()
            .take(self.cfg.max_evidence)
            .map(|(i, url)| Evidence {
                // The link as it matched, not the item's first one.
                url: Some(url.clone()),
                text: corpus.texts.get(*i).and_then(|t| excerpt(t)),
                ..crate::explain::item_evidence(corpus, *i)
            })
            .collect();
        let mut disarm = vec![LOOKALIKE_DOMAIN.to_owned(), IMPERSONATED_PERSONA.to_owned()];
        if !agg.redirectors.is_empty() {
            disarm.push(REDIRECTING_DOMAIN.to_owned());
        }
        let ent_name = self
            .matcher
            .entry(&m.impersonates)
            .map(|e| e.name.clone())
            .unwrap_or_default();
        let unicode = idna::domain_to_unicode(domain).0;
        let shown = if unicode == domain {
            domain.to_owned()
        } else {
            format!("{domain} ({unicode})")
        };
        let who = if ent_name.is_empty() {
            String::new()
        } else {
            format!(" ({ent_name})")
        };
        let mut summary = format!(
            "{shown} imitates {}{who} by {}; linked in {} item{} by {} actor{}",
            m.impersonates,
            m.techniques.join(" + "),
            agg.items.len(),
            if agg.items.len() == 1 { "" } else { "s" },
            agg.actors.len(),
            if agg.actors.len() == 1 { "" } else { "s" },
        );
        if !agg.redirectors.is_empty() {
            let r: Vec<&str> = agg.redirectors.iter().map(String::as_str).collect();
            summary.push_str(&format!(", reached through {}", r.join(", ")));
        }
        // New in a stream watched for weeks: a clone registered for this week's push. Judged
        // against the data's own span, so that the same data always gives the same finding.
        let (start, end) = (
            corpus.items.first().map_or(0, |i| i.time),
            corpus.items.last().map_or(0, |i| i.time),
        );
        let new = end - start >= NEW_SPAN && agg.first >= end - NEW_WINDOW;
        let mut score = m.score;
        if new {
            score = raised(score, NEW_BONUS);
            summary.push_str("; first seen in the data's last 7 days");
        }
        let params = serde_json::json!({
            "brand": m.brand,
            "country": m.country,
            "kind": m.kind.as_str(),
            "name": ent_name,
            "explanation": m.explanation,
            "ruled_out": m.ruled_out,
            "redirectors": agg.redirectors,
            "hosts": agg.hosts,
            "domain_unicode": unicode,
            "items": agg.items.len(),
            "new": new,
            "min_score": self.cfg.min_score,
            "min_brand_len_combosquat": self.cfg.min_brand_len_combosquat,
        });
        Finding {
            id: finding_id(&KIND, &[domain]),
            kind: FindingKind::of(&KIND),
            score,
            disarm,
            first_seen: agg.first,
            last_seen: agg.last,
            summary,
            actors,
            evidence,
            signals: Default::default(),
            edges: Vec::new(),
            domain: Some(domain.to_owned()),
            impersonates: Some(m.impersonates.clone()),
            techniques: m.techniques.iter().map(|t| (*t).to_owned()).collect(),
            tlp: None,
            detector: "lookalike-domain".to_owned(),
            detector_version: crate::Detector::version(self).to_owned(),
            params,
        }
    }
}
