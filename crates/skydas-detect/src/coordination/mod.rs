//! Coordination networks: groups of actors who repeatedly act together within short windows.
//!
//! # What it finds
//! Communities of accounts, channels and sites that share the same links, texts, repost targets,
//! hashtag sets, reply targets or images within seconds (fast mode, 60 s) or within half an hour (slow
//! mode, 30 min) of each other, over and over, more often than their own timing would make
//! likely by chance.
//!
//! # Why it matters
//! Coordinated inauthentic behaviour shows in lockstep: bot and troll networks push the same
//! clone-site links, copypasta and forwards within moments. One shared act proves nothing;
//! many distinct rare acts, each close in time, do.
//!
//! # Evidence it reports
//! Per community: the actors, the distinct keys per signal, a 0–1 score, the strongest edges
//! (up to 200) each with its binomial p-value and up to five item pairs (signal, key, both items,
//! time gap), and up to 100 evidence items.
//!
//! # DISARM techniques
//! T0049.003 when reposting dominates, T0084.001 for copypasta, T0049.002 for hashtag sets,
//! T0049.005 for reply storms, T0119 and T0119.002 when the community spans platforms,
//! T0049.007 when web portals are members; T0049 otherwise.
//!
//! # Method
//! 1. Each [`Signal`] maps items to co-action keys ([`KeyEvent`]).
//! 2. The windowed join (`join.rs`) pairs actors who acted on a key in the same session: the
//!    key's acts cut wherever two consecutive ones are more than the slow window apart, so a
//!    relay (each member 10–30 min after the previous one) is one session. Keys of episodic
//!    signals (hashtags, media-only forwards) are split into bursts first (at gaps longer than
//!    the slow window, and after 12 slow windows of unbroken use) and pair within the slow
//!    window. One event per actor and key, at most `fanout` partners per event, keys with
//!    more than `max_key_actors` actors skipped. Key weight: `1 / ln(e + n − 2)`.
//! 3. A pair becomes a candidate with `min_acts` distinct acts within 60 s or `slow_min_acts`
//!    in the same session, all signals together. One act is one co-action whatever signals it
//!    shows: two posts that share a link, its domain and a hashtag count once, so no finding
//!    rests on a single shared post. The null model (`null.rs`) tests it against
//!    the corpus's own rate of such co-action among pairs sharing keys of the same signal, class
//!    (platform; rare or common domain for links) and popularity, estimated without the
//!    suspected actors; Benjamini–Hochberg at `fdr` over every pair that co-acted at least
//!    once.
//! 4. Louvain on the significant edges. A community needs `min_community` actors; a lone pair
//!    is reported only when it shares at least `pair_min_acts` keys in the window.
//!
//! # Score
//! `(1 − median q-value of the community's edges) × (0.5 + 0.5 × edge density)`: above 0.5 means
//! the typical edge passed the FDR test; it nears 1 when every member pair co-acted
//! significantly. It is not the probability that the community is inauthentic: coordinated is
//! not inauthentic.
//!
//! # Known limits
//! - RSS and news aggregators post every link of the feeds they poll within seconds, so
//!   aggregators polling the same feeds co-share hundreds of links. Actors the automation
//!   detector marks as aggregators (see [`crate::automation::is_aggregator`]: most of their
//!   links follow a web feed's publication within minutes, or link-only posting with a machine
//!   cadence or round-the-clock activity, at volume) are left out of coordination and reported
//!   as automation instead. A bot network that itself mirrors a feed at volume is therefore
//!   reported as automated accounts, not as a network. Link-only accounts whose links mostly go
//!   to rare domains (campaign sites) are never taken for aggregators, however much they post.
//! - Timing is all the null model sees: friends who always retweet each other within a minute
//!   do coordinate by this definition.
//! - Co-action on keys shared by more than `max_key_actors` actors is not counted at all.
//! - A pair counts a key once, by each actor's first act on it, and an act once, whatever keys
//!   it carries: the pair's co-actions are the fewer of the two actors' distinct items.

mod cohashtag;
mod coimage;
mod colink;
mod coreply;
mod corepost;
mod cotext;
mod graph;
mod join;
pub mod louvain;
mod null;
pub mod partition;
#[cfg(test)]
mod tests;
pub(crate) mod text;

use rayon::prelude::*;
use skydas_model::{Corpus, Finding, KindSpec, ShareAs, disarm};

pub use cohashtag::CoHashtag;
pub use coimage::CoImage;
pub use colink::{CoDomain, CoLink};
pub use coreply::CoReply;
pub use corepost::CoRepost;
pub use cotext::CoText;

/// One co-action: `item` acted on `key`. Keys are compared within one signal only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyEvent {
    pub key: u64,
    /// Corpus index of the item.
    pub item: u32,
    /// A class of keys whose co-action the null model rates apart from the others (0 or 1),
    /// e.g. links to rare domains; see `join.rs`.
    pub class: u8,
}

/// The events of item `item` on `keys` (key, class): one per distinct key, a key the item
/// carries twice keeping the class of its first appearance.
fn item_events(item: usize, keys: impl IntoIterator<Item = (u64, u8)>) -> Vec<KeyEvent> {
    let mut v: Vec<KeyEvent> = Vec::new();
    for (key, class) in keys {
        if !v.iter().any(|e| e.key == key) {
            v.push(KeyEvent {
                key,
                item: item as u32,
                class,
            });
        }
    }
    v
}

/// A kind of co-action, one per file, with a stable code.
pub trait Signal: Send + Sync {
    /// Stable code, e.g. `co-link`.
    fn code(&self) -> &'static str;
    /// The co-action keys of the corpus's items.
    fn events(&self, corpus: &Corpus) -> Vec<KeyEvent>;
    /// How much one key of this signal counts next to a shared URL (1).
    fn weight_class(&self) -> f64 {
        1.0
    }
    /// Whether the signal's keys are reused over time (a hashtag, unlike a URL, is pushed again
    /// in every burst): the join then splits a key's events into bursts wherever it goes unused
    /// for longer than the slow window, and each burst counts as a key of its own.
    fn episodic(&self) -> bool {
        false
    }
    /// Whether one key of the signal is episodic (see [`Signal::episodic`]); by default every
    /// key is as the signal is.
    fn episodic_key(&self, key: u64) -> bool {
        let _ = key;
        self.episodic()
    }
    /// What a key is, for an analyst: the URL, a text excerpt, the repost target, `#a #b`.
    /// `item` is one item that acted on the key.
    fn describe(&self, corpus: &Corpus, key: u64, item: u32) -> String;
}

/// Parameters of the coordination detector.
#[derive(Debug, Clone)]
pub struct Params {
    /// Fast-mode window, seconds.
    pub window_s: i64,
    /// Slow-mode window, seconds.
    pub slow_window_s: i64,
    /// Distinct acts within the fast window a pair needs to be tested.
    pub min_acts: u32,
    /// Distinct acts within the slow window a pair needs to be tested in slow mode.
    pub slow_min_acts: u32,
    /// False discovery rate of significant pairs.
    pub fdr: f64,
    /// Keys acted on by more actors than this are not compared.
    pub max_key_actors: usize,
    /// Partners per event and key, at most.
    pub fanout: usize,
    /// Estimated Jaccard similarity at which two texts are near-duplicates.
    pub near_dup_jaccard: f64,
    /// Smallest community reported.
    pub min_community: usize,
    /// Distinct acts a lone pair needs to be reported.
    pub pair_min_acts: usize,
    /// Leave actors the automation detector calls aggregators out of the graph.
    pub exclude_aggregators: bool,
    /// Parameters of the automation check used for that.
    pub automation: crate::automation::Params,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            window_s: 60,
            slow_window_s: 1800,
            min_acts: 2,
            slow_min_acts: 5,
            fdr: 0.01,
            max_key_actors: 2000,
            fanout: 50,
            near_dup_jaccard: 0.6,
            min_community: 3,
            pair_min_acts: 10,
            exclude_aggregators: true,
            automation: crate::automation::Params::default(),
        }
    }
}

/// The settings of [`Params`] an analyst may change, from the command line or a config file
/// (`[coordination]`), to reproduce a study's settings; each is applied over the defaults, and
/// every finding records the settings it was made with.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tuning {
    /// Fast-mode window, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_s: Option<i64>,
    /// Slow-mode window (the longest gap in a chain), seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_window_s: Option<i64>,
    /// Distinct acts together within the fast window a pair needs (at least 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_acts: Option<u32>,
    /// Distinct acts together within the slow window a pair needs (at least 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_min_acts: Option<u32>,
    /// Distinct acts a pair that belongs to no community needs to be reported (at least 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair_min_acts: Option<usize>,
    /// False discovery rate of significant pairs (0 to 1, exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fdr: Option<f64>,
    /// Keys acted on by more actors than this are not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_key_actors: Option<usize>,
    /// Smallest community reported (at least 3; smaller groups are lone pairs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_community: Option<usize>,
}

impl Tuning {
    /// `other`'s settings over these (the command line over the config file).
    pub fn over(mut self, other: &Tuning) -> Tuning {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f; } )* };
        }
        take!(
            window_s,
            slow_window_s,
            min_acts,
            slow_min_acts,
            pair_min_acts,
            fdr,
            max_key_actors,
            min_community
        );
        self
    }

    /// Applies the settings to `p`; the error names the setting that is out of range.
    pub fn apply(&self, p: &mut Params) -> Result<(), String> {
        let bad = |name: &str, value: &dyn std::fmt::Display, why: &str| {
            Err(format!("coordination {name} = {value}: {why}"))
        };
        if let Some(w) = self.window_s {
            if !(1..=86_400).contains(&w) {
                return bad("window_s", &w, "must be 1 to 86400 seconds");
            }
            p.window_s = w;
        }
        if let Some(w) = self.slow_window_s {
            if !(1..=7 * 86_400).contains(&w) {
                return bad("slow_window_s", &w, "must be 1 to 604800 seconds");
            }
            p.slow_window_s = w;
        }
        // One act proves nothing: a pair is never reported on a single shared act.
        for (name, v, slot) in [
            ("min_acts", self.min_acts, &mut p.min_acts),
            ("slow_min_acts", self.slow_min_acts, &mut p.slow_min_acts),
        ] {
            if let Some(v) = v {
                if v < 2 {
                    return bad(
                        name,
                        &v,
                        "must be at least 2: one shared act proves nothing",
                    );
                }
                *slot = v;
            }
        }
        if let Some(v) = self.pair_min_acts {
            if v < 2 {
                return bad("pair_min_acts", &v, "must be at least 2");
            }
            p.pair_min_acts = v;
        }
        if let Some(f) = self.fdr {
            if !(f > 0.0 && f < 1.0) {
                return bad("fdr", &f, "must be between 0 and 1");
            }
            p.fdr = f;
        }
        if let Some(v) = self.max_key_actors {
            if v < 2 {
                return bad("max_key_actors", &v, "must be at least 2");
            }
            p.max_key_actors = v;
        }
        if let Some(v) = self.min_community {
            if v < 3 {
                return bad("min_community", &v, "must be at least 3");
            }
            p.min_community = v;
        }
        Ok(())
    }
}

/// The coordination detector.
pub struct Coordination {
    params: Params,
}

impl Coordination {
    pub fn new(params: Params) -> Self {
        Self { params }
    }

    /// The signals this detector runs, in a fixed order.
    pub fn signals(&self) -> Vec<Box<dyn Signal>> {
        vec![
            Box::new(CoLink),
            Box::new(CoDomain),
            Box::new(CoText {
                jaccard: self.params.near_dup_jaccard,
            }),
            Box::new(CoRepost),
            Box::new(CoHashtag),
            Box::new(CoReply),
            Box::new(CoImage),
        ]
    }
}

const VERSION: &str = "1";

/// Findings of this detector: a network of actors who act together.
pub static KIND: KindSpec = KindSpec {
    name: "coordination",
    id_prefix: "co",
    noun: "coordinated network",
    plural: "coordinated networks",
    disarm: &[
        disarm::AUTOMATED_REPOSTING,
        disarm::COPYPASTA,
        disarm::HASHTAG_FLOODING,
        disarm::SWARMING,
        disarm::CROSS_POSTING,
        disarm::POST_ACROSS_PLATFORM,
        disarm::INAUTHENTIC_SITES_AMPLIFY,
        disarm::FLOOD_INFORMATION_SPACE,
    ],
    share: ShareAs::Actors { sdo: "campaign" },
};

/// The detector's line in [`crate::REGISTRY`].
pub const REGISTRATION: crate::Registration = crate::Registration {
    code: "coordination",
    version: VERSION,
    kinds: &[&KIND],
    build: |cfg| Box::new(Coordination::new(cfg.coordination.clone())),
};

impl crate::Partitioned for Coordination {
    fn join_part(&self, corpus: &Corpus, part: u32, parts: u32) -> (serde_json::Value, u64) {
        let pj = partition::join_partition(corpus, &self.params, part, parts);
        let pairs = pj.pairs() as u64;
        // A struct of numbers and vectors always serialises.
        (serde_json::to_value(pj).unwrap_or_default(), pairs)
    }

    fn merge_parts(
        &self,
        corpus: &Corpus,
        parts: Vec<serde_json::Value>,
    ) -> Result<Vec<Finding>, serde_json::Error> {
        let parts: Vec<partition::PartJoin> = parts
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<_, _>>()?;
        Ok(partition::findings_from_parts(corpus, &self.params, &parts))
    }
}

impl crate::Detector for Coordination {
    fn registration(&self) -> &'static crate::Registration {
        &REGISTRATION
    }

    fn partitioned(&self) -> Option<&dyn crate::Partitioned> {
        Some(self)
    }

    fn run(&self, corpus: &Corpus) -> Vec<Finding> {
        let p = &self.params;
        if corpus.is_empty() {
            return Vec::new();
        }
        let excluded = excluded_actors(corpus, p);
        let signals = self.signals();
        let mut phase = Phase::start();
        let events: Vec<Vec<KeyEvent>> = signals
            .par_iter()
            .map(|s| {
                let (ev, secs) = crate::timed(|| s.events(corpus));
                tracing::debug!(
                    signal = s.code(),
                    events = ev.len(),
                    secs,
                    "co-action events"
                );
                ev
            })
            .collect();
        phase.done("events");
        let joined = join_events(corpus, &signals, &events, &excluded, p);
        drop(events);
        phase.done("windowed join");
        findings_of_join(corpus, &signals, &joined, p, |name| phase.done(name))
    }
}

/// Actors left out of coordination: aggregators, when `exclude_aggregators` is set (see the
/// module's known limits).
fn excluded_actors(corpus: &Corpus, p: &Params) -> Vec<bool> {
    let mut excluded = vec![false; corpus.actors.len()];
    if p.exclude_aggregators {
        for (a, reasons) in crate::automation::automated_actors(corpus, &p.automation) {
            if crate::automation::is_aggregator(&reasons) {
                excluded[a as usize] = true;
            }
        }
    }
    excluded
}

/// The windowed join's settings: the slow window is never shorter than the fast one.
fn join_params(p: &Params) -> join::JoinParams {
    join::JoinParams {
        fast_s: p.window_s,
        slow_s: p.slow_window_s.max(p.window_s),
        max_key_actors: p.max_key_actors,
        fanout: p.fanout,
    }
}

/// The windowed join of the signals' events (`events[s]` are those of `signals[s]`).
fn join_events(
    corpus: &Corpus,
    signals: &[Box<dyn Signal>],
    events: &[Vec<KeyEvent>],
    excluded: &[bool],
    p: &Params,
) -> join::Joined {
    let weights: Vec<f64> = signals.iter().map(|s| s.weight_class()).collect();
    let episodic = |signal: u8, key: u64| {
        signals
            .get(signal as usize)
            .is_some_and(|s| s.episodic_key(key))
    };
    join::join(
        corpus,
        events,
        &weights,
        &episodic,
        excluded,
        &join_params(p),
    )
}

/// The findings of the whole corpus's join: the null model's significant edges, then their
/// communities with evidence. `phase_done` is told the name of each step as it ends.
fn findings_of_join(
    corpus: &Corpus,
    signals: &[Box<dyn Signal>],
    joined: &join::Joined,
    p: &Params,
    mut phase_done: impl FnMut(&str),
) -> Vec<Finding> {
    let jp = join_params(p);
    let tp = null::TestParams {
        fast_s: jp.fast_s,
        slow_s: jp.slow_s,
        min_acts: p.min_acts.max(1),
        slow_min_acts: p.slow_min_acts.max(1),
        fdr: p.fdr,
    };
    let edges = null::significant_edges(joined, &tp);
    phase_done("null model");
    let ctx = graph::Ctx {
        corpus,
        signals,
        joined,
        params: p,
        version: VERSION,
    };
    let findings = graph::findings(&ctx, &edges);
    phase_done("communities and evidence");
    findings
}

/// Logs the time of each phase of a run (`-vv`).
struct Phase(std::time::Instant);

impl Phase {
    fn start() -> Self {
        Self(std::time::Instant::now())
    }

    fn done(&mut self, name: &str) {
        tracing::debug!(
            phase = name,
            secs = self.0.elapsed().as_secs_f64(),
            "coordination"
        );
        self.0 = std::time::Instant::now();
    }
}
