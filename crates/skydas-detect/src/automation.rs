//! Automation: single actors whose posting behaviour is automated.
//!
//! # What it finds
//! Accounts and channels with machine behaviour, each reason a stable code:
//! - `fixed-cadence`: inter-post gaps vary little (coefficient of variation ≤ 0.35);
//! - `fixed-second`: most posts fall on the same second of the minute (only when the data has
//!   second precision);
//! - `24-7`: posts in at least 20 distinct hours of the day with no quiet stretch (even the
//!   quietest six hours hold 12 % of the posts; people sleep);
//! - `pure-repost`: at least 95 % reposts or forwards;
//! - `feed-mirror`: at least 80 % of its link posts repeat a link a web feed in the corpus
//!   published shortly before (30 min);
//! - `link-only`: at least 90 % of posts carry a link (reported with the others, never alone);
//! - `high-volume`: at least 24 link posts a day on average over the actor's active span, more
//!   than a person curates by hand (reported with the others, never alone).
//!
//! Every reason needs at least `min_posts` posts. Web sites (feeds) are not assessed: a feed
//! is automated by nature.
//!
//! # Why it matters
//! Automated accounts amplify at a scale no person can; aggregators that mirror feeds are also
//! the main source of false coordination, which is why the coordination detector leaves the
//! aggregators this detector finds out of its graph.
//!
//! # Evidence it reports
//! The reasons with their counts, a summary with the measured figures, and up to 20 items.
//!
//! # DISARM techniques
//! T0146.007 (automated account asset); T0049.003 when the account reposts or forwards.
//!
//! # Known limits
//! Scheduled posting by a person (a social-media manager's queue) looks automated. The score
//! is a strength of evidence (`1 − Π(1 − sᵣ)` over reasons with fixed strengths), not a
//! calibrated probability. Bulk account creation and templated names are not yet checked.

use rayon::prelude::*;
use skydas_model::{
    Corpus, Finding, FindingKind, ItemKind, KindSpec, Platform, ShareAs, disarm, finding_id,
};
use std::collections::BTreeMap;

/// Parameters of the automation detector.
#[derive(Debug, Clone)]
pub struct Params {
    /// Posts an actor needs before any reason is considered.
    pub min_posts: usize,
    /// Largest coefficient of variation of inter-post gaps that counts as a fixed cadence.
    pub max_cadence_cv: f64,
    /// Share of posts on one second of the minute that counts as fixed seconds.
    pub fixed_second_share: f64,
    /// Distinct hours of the day for round-the-clock activity.
    pub min_hours: usize,
    /// Share of posts the quietest six hours must still hold for round-the-clock activity.
    pub min_quiet_share: f64,
    /// Share of reposts/forwards for pure reposting.
    pub repost_share: f64,
    /// Share of link posts that follow a feed for a feed mirror.
    pub feed_share: f64,
    /// How long after a feed published a link a post still follows the feed, seconds.
    pub feed_lag_s: i64,
    /// Share of posts with a link for link-only posting.
    pub link_share: f64,
    /// Link posts per day (over the actor's active span, at least a day) for high volume.
    pub daily_links: f64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            min_posts: 50,
            max_cadence_cv: 0.35,
            fixed_second_share: 0.8,
            min_hours: 20,
            min_quiet_share: 0.12,
            repost_share: 0.95,
            feed_share: 0.8,
            feed_lag_s: 1800,
            link_share: 0.9,
            daily_links: 24.0,
        }
    }
}

/// Measured behaviour of one actor.
#[derive(Debug, Clone, Default)]
struct Stats {
    posts: usize,
    cadence_cv: f64,
    mean_gap_s: f64,
    top_second_share: f64,
    hours: usize,
    quiet_share: f64,
    reposts: usize,
    links: usize,
    feed_links: usize,
    /// Link posts per day over the active span (at least one day).
    links_per_day: f64,
    /// Link posts whose links all go to rare domains (see [`is_aggregator`]).
    rare_links: usize,
}

/// Strength of each reason, for the score.
fn strength(reason: &str) -> f64 {
    match reason {
        "feed-mirror" => 0.8,
        "fixed-cadence" | "fixed-second" => 0.7,
        "24-7" => 0.6,
        "high-volume" => 0.3,
        "pure-repost" => 0.5,
        _ => 0.2,
    }
}

/// Whether an actor with these reasons is an aggregator: it mirrors a feed, or posts links only,
/// at a volume no person curates, with a machine cadence or round the clock. The coordination
/// detector leaves these out.
///
/// Volume is required because link-pushing bots of a network also post links only and round
/// the clock, but at a few dozen posts a week; leaving them out would hide the network. Even at
/// volume, an account whose links mostly go to rare domains (`rare-domains`: linked by at most
/// 20 actors or 1 % of all actors) is not an aggregator: aggregators relay what outlets publish,
/// domains many others link too, while a network's bots push the campaign's own few sites.
pub fn is_aggregator(reasons: &[&str]) -> bool {
    let has = |r: &str| reasons.contains(&r);
    has("feed-mirror")
        || (has("link-only")
            && has("high-volume")
            && !has("rare-domains")
            && (has("24-7") || has("fixed-cadence") || has("fixed-second")))
}

/// Items of each actor, in time order.
fn items_by_actor(corpus: &Corpus) -> (Vec<usize>, Vec<u32>) {
    let mut offsets = vec![0usize; corpus.actors.len() + 1];
    for it in &corpus.items {
        offsets[it.actor as usize + 1] += 1;
    }
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    let mut fill = offsets.clone();
    let mut order = vec![0u32; corpus.items.len()];
    for (i, it) in corpus.items.iter().enumerate() {
        order[fill[it.actor as usize]] = i as u32;
        fill[it.actor as usize] += 1;
    }
    (offsets, order)
}

/// What `measure` reads besides the actor's items.
struct Context {
    /// Earliest web item of each URL.
    web_first: Vec<i64>,
    /// Distinct actors per domain, and the most a rare domain has.
    audience: Vec<u32>,
    rare_limit: u32,
}

fn measure(corpus: &Corpus, items: &[u32], ctx: &Context, p: &Params) -> Stats {
    let web_first = &ctx.web_first;
    let c = corpus;
    let n = items.len();
    let times: Vec<i64> = items.iter().map(|&i| c.items[i as usize].time).collect();
    let gaps: Vec<f64> = times.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len().max(1) as f64;
    let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len().max(1) as f64;
    let cadence_cv = if mean > 0.0 {
        var.sqrt() / mean
    } else {
        f64::INFINITY
    };
    let mut secs = [0usize; 60];
    let mut hours = [0usize; 24];
    for &t in &times {
        secs[t.rem_euclid(60) as usize] += 1;
        hours[(t.rem_euclid(86_400) / 3600) as usize] += 1;
    }
    let quiet = (0..24)
        .map(|h| (0..6).map(|d| hours[(h + d) % 24]).sum::<usize>())
        .min()
        .unwrap_or(0);
    let mut s = Stats {
        posts: n,
        cadence_cv,
        mean_gap_s: mean,
        top_second_share: secs.iter().max().copied().unwrap_or(0) as f64 / n.max(1) as f64,
        hours: hours.iter().filter(|&&h| h > 0).count(),
        quiet_share: quiet as f64 / n.max(1) as f64,
        ..Stats::default()
    };
    let span_days = (times.last().copied().unwrap_or(0) - times.first().copied().unwrap_or(0))
        as f64
        / 86_400.0;
    for &i in items {
        let it = &c.items[i as usize];
        if matches!(it.kind, ItemKind::Repost | ItemKind::Forward) || it.repost_of.is_some() {
            s.reposts += 1;
        }
        if !it.urls.is_empty() {
            s.links += 1;
            let follows = it.urls.iter().any(|u| {
                let f = web_first[u.canonical as usize];
                f <= it.time && it.time - f <= p.feed_lag_s
            });
            if follows {
                s.feed_links += 1;
            }
            let rare = it.urls.iter().all(|u| {
                ctx.audience
                    .get(u.domain as usize)
                    .is_some_and(|&n| n <= ctx.rare_limit)
            });
            if rare {
                s.rare_links += 1;
            }
        }
    }
    s.links_per_day = s.links as f64 / span_days.max(1.0);
    s
}

fn reasons(s: &Stats, p: &Params, second_precision: bool) -> Vec<&'static str> {
    let mut r = Vec::new();
    if s.posts < p.min_posts.max(2) {
        return r;
    }
    let share = |k: usize| k as f64 / s.posts as f64;
    if s.cadence_cv <= p.max_cadence_cv {
        r.push("fixed-cadence");
    }
    if second_precision && s.top_second_share >= p.fixed_second_share {
        r.push("fixed-second");
    }
    if s.hours >= p.min_hours && s.quiet_share >= p.min_quiet_share {
        r.push("24-7");
    }
    if share(s.reposts) >= p.repost_share {
        r.push("pure-repost");
    }
    if s.links >= p.min_posts && s.feed_links as f64 >= p.feed_share * s.links as f64 {
        r.push("feed-mirror");
    }
    if r.is_empty() {
        return r;
    }
    if share(s.links) >= p.link_share {
        r.push("link-only");
    }
    if s.links_per_day >= p.daily_links {
        r.push("high-volume");
    }
    if s.links > 0 && 2 * s.rare_links >= s.links {
        r.push("rare-domains");
    }
    r
}

fn assess(corpus: &Corpus, p: &Params) -> Vec<(u32, Vec<&'static str>, Stats)> {
    let mut web_first = vec![i64::MAX; corpus.urls.len()];
    for it in corpus
        .items
        .iter()
        .filter(|it| it.platform == Platform::Web)
    {
        for u in &it.urls {
            let f = &mut web_first[u.canonical as usize];
            *f = (*f).min(it.time);
        }
    }
    let on_minute = corpus
        .items
        .iter()
        .filter(|it| it.time.rem_euclid(60) == 0)
        .count();
    let second_precision = on_minute * 2 < corpus.items.len();
    let (offsets, order) = items_by_actor(corpus);
    let (audience, rare_limit) = crate::audience::domain_audience(corpus);
    let ctx = Context {
        web_first,
        audience,
        rare_limit,
    };
    (0..corpus.actors.len() as u32)
        .into_par_iter()
        .filter_map(|a| {
            if corpus.actor(a).platform == Platform::Web {
                return None;
            }
            let items = &order[offsets[a as usize]..offsets[a as usize + 1]];
            if items.len() < p.min_posts.max(2) {
                return None;
            }
            let s = measure(corpus, items, &ctx, p);
            let r = reasons(&s, p, second_precision);
            (!r.is_empty()).then_some((a, r, s))
        })
        .collect()
}

/// Actors with automated behaviour and their reasons, by actor index. A pure function of the
/// corpus; linear in its size.
pub fn automated_actors(corpus: &Corpus, params: &Params) -> Vec<(u32, Vec<&'static str>)> {
    assess(corpus, params)
        .into_iter()
        .map(|(a, r, _)| (a, r))
        .collect()
}

/// The automation detector.
pub struct Automation {
    params: Params,
}

impl Automation {
    pub fn new(params: Params) -> Self {
        Self { params }
    }
}

fn describe(s: &Stats, reasons: &[&str]) -> String {
    let parts: Vec<String> = reasons
        .iter()
        .map(|&r| match r {
            "fixed-cadence" => format!(
                "posts every {:.0} s on average with gaps varying only {:.0} % (fixed cadence)",
                s.mean_gap_s,
                s.cadence_cv * 100.0
            ),
            "fixed-second" => format!(
                "{:.0} % of posts on the same second of the minute",
                s.top_second_share * 100.0
            ),
            "24-7" => format!(
                "active in {} hours of the day, {:.0} % of posts in its quietest six hours",
                s.hours,
                s.quiet_share * 100.0
            ),
            "pure-repost" => format!("{} of {} posts are reposts or forwards", s.reposts, s.posts),
            "feed-mirror" => format!(
                "{} of {} link posts repeat a feed's link within minutes",
                s.feed_links, s.links
            ),
            "link-only" => format!("{} of {} posts carry a link", s.links, s.posts),
            "rare-domains" => format!(
                "{} of {} link posts link only domains few others link",
                s.rare_links, s.links
            ),
            "high-volume" => format!("{:.0} link posts a day", s.links_per_day),
            other => other.to_string(),
        })
        .collect();
    parts.join("; ")
}

/// Findings of this detector: one actor whose behaviour is automated.
pub static KIND: KindSpec = KindSpec {
    name: "automation",
    id_prefix: "au",
    noun: "automated account",
    plural: "automated accounts",
    disarm: &[disarm::AUTOMATED_ACCOUNT, disarm::AUTOMATED_REPOSTING],
    share: ShareAs::Actors {
        sdo: "intrusion-set",
    },
};

/// The detector's line in [`crate::REGISTRY`].
pub const REGISTRATION: crate::Registration = crate::Registration {
    code: "automation",
    version: "1",
    kinds: &[&KIND],
    build: |cfg| Box::new(Automation::new(cfg.automation.clone())),
};

impl crate::Detector for Automation {
    fn registration(&self) -> &'static crate::Registration {
        &REGISTRATION
    }

    fn run(&self, corpus: &Corpus) -> Vec<Finding> {
        let p = &self.params;
        let (offsets, order) = items_by_actor(corpus);
        let mut out: Vec<Finding> = assess(corpus, p)
            .into_iter()
            .map(|(a, reasons, s)| {
                let ca = corpus.actor(a);
                let items = &order[offsets[a as usize]..offsets[a as usize + 1]];
                let score = 1.0 - reasons.iter().map(|r| 1.0 - strength(r)).product::<f64>();
                let mut disarm_ids = vec![disarm::AUTOMATED_ACCOUNT.to_string()];
                if reasons.contains(&"pure-repost") {
                    disarm_ids.push(disarm::AUTOMATED_REPOSTING.to_string());
                }
                disarm_ids.sort();
                let signals: BTreeMap<String, u64> = reasons
                    .iter()
                    .map(|&r| {
                        let k = match r {
                            "pure-repost" => s.reposts,
                            "feed-mirror" => s.feed_links,
                            "link-only" => s.links,
                            "rare-domains" => s.rare_links,
                            "24-7" => s.hours,
                            _ => s.posts,
                        };
                        (r.to_string(), k as u64)
                    })
                    .collect();
                let pick: Vec<u32> = if items.len() <= 20 {
                    items.to_vec()
                } else {
                    items[..10]
                        .iter()
                        .chain(&items[items.len() - 10..])
                        .copied()
                        .collect()
                };
                let evidence = pick
                    .iter()
                    .map(|&i| crate::explain::item_evidence(corpus, i as usize))
                    .collect();
                let who = ca
                    .actor
                    .handle
                    .as_deref()
                    .map_or_else(|| ca.actor.platform_id.clone(), |h| format!("@{h}"));
                let first = items.first().map_or(0, |&i| corpus.items[i as usize].time);
                let last = items.last().map_or(0, |&i| corpus.items[i as usize].time);
                Finding {
                    id: finding_id(
                        &KIND,
                        &[&format!("{}:{}", ca.platform, ca.actor.platform_id)],
                    ),
                    kind: FindingKind::of(&KIND),
                    score: (score * 1e4).round() / 1e4,
                    disarm: disarm_ids,
                    first_seen: first,
                    last_seen: last,
                    summary: format!(
                        "{} actor {who} posted {} items: {}.",
                        ca.platform,
                        s.posts,
                        describe(&s, &reasons)
                    ),
                    actors: vec![crate::explain::finding_actor(
                        corpus,
                        a,
                        is_aggregator(&reasons).then(|| "aggregator".to_string()),
                    )],
                    evidence,
                    signals,
                    edges: Vec::new(),
                    domain: None,
                    impersonates: None,
                    techniques: Vec::new(),
                    tlp: None,
                    detector: "automation".into(),
                    detector_version: "1".into(),
                    params: serde_json::json!({
                        "min_posts": p.min_posts,
                        "max_cadence_cv": p.max_cadence_cv,
                        "fixed_second_share": p.fixed_second_share,
                        "min_hours": p.min_hours,
                        "min_quiet_share": p.min_quiet_share,
                        "repost_share": p.repost_share,
                        "feed_share": p.feed_share,
                        "feed_lag_s": p.feed_lag_s,
                        "link_share": p.link_share,
                    }),
                }
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skydas_model::{Actor, CorpusBuilder, Item};

    use crate::testkit::{self, provenance};

    const T0: i64 = 1_700_000_000;

    /// One actor's posts at `times`; `repost` makes them reposts, `link` gives each a link.
    fn corpus(times: &[i64], repost: bool, link: bool) -> Corpus {
        let mut b = CorpusBuilder::new();
        for (i, &t) in times.iter().enumerate() {
            let prov = provenance("test", i as u64);
            let a = Actor {
                platform_id: "acct".into(),
                ..Actor::default()
            };
            let mut it = Item::new(Platform::X, format!("i{i}"), a, t, "text", prov);
            if repost {
                it.kind = ItemKind::Repost;
                it.repost_of = Some(format!("r{i}"));
            }
            if link {
                let u = format!("https://e.example/{i}");
                it.urls.push(testkit::link(&u, "e.example", "e.example"));
            }
            b.push(&it);
        }
        b.finish()
    }

    /// A deterministic pseudo-random jitter in `0..m` (SplitMix64 of `i`).
    fn jitter(i: i64, m: i64) -> i64 {
        let mut z = (i as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % m as u64) as i64
    }

    fn check(c: &Corpus, expected: &[&str]) {
        let got = automated_actors(c, &Params::default());
        let reasons: Vec<&str> = got.first().map(|(_, r)| r.clone()).unwrap_or_default();
        assert_eq!(reasons, expected);
    }

    #[test]
    fn reasons_of_typical_actors() {
        // Every 600 s, at a varying second: a fixed cadence, and round the clock.
        let cadence: Vec<i64> = (0..300).map(|i| T0 + 7 + i * 600 + jitter(i, 30)).collect();
        check(&corpus(&cadence, false, false), &["fixed-cadence", "24-7"]);
        // Random times around the clock, always on the same second of the minute.
        let same_second: Vec<i64> = (0..200)
            .map(|i| T0 + jitter(i, 5 * 86_400) / 60 * 60)
            .collect();
        check(
            &corpus(&same_second, false, false),
            &["fixed-second", "24-7"],
        );
        // A person: daytime only, irregular; reposting now and then.
        let human: Vec<i64> = (0..120)
            .map(|i| T0 + (i / 10) * 86_400 + 8 * 3600 + jitter(i, 12 * 3600))
            .collect();
        check(&corpus(&human, false, true), &[]);
        // Daytime, irregular, but nothing but reposts.
        check(&corpus(&human, true, false), &["pure-repost"]);
        // Too few posts to say anything.
        check(&corpus(&cadence[..20], true, true), &[]);
    }

    #[test]
    fn aggregator_rule() {
        assert!(is_aggregator(&["feed-mirror"]));
        assert!(is_aggregator(&[
            "fixed-cadence",
            "link-only",
            "high-volume"
        ]));
        assert!(!is_aggregator(&["24-7", "link-only"]));
        assert!(!is_aggregator(&["fixed-cadence"]));
        assert!(!is_aggregator(&["pure-repost", "link-only"]));
        assert!(!is_aggregator(&[
            "24-7",
            "link-only",
            "high-volume",
            "rare-domains"
        ]));
        assert!(is_aggregator(&["feed-mirror", "rare-domains"]));
    }
}
