//! From significant pairs to findings: the weighted actor graph, its communities, and the
//! evidence that explains each community down to the items.

use std::collections::{BTreeMap, BTreeSet};

use skydas_model::{
    Corpus, EdgeEvidence, Evidence, Finding, FindingActor, FindingKind, ItemPair, Platform, disarm,
    finding_id,
};

use super::join::{Hit, Joined};
use super::louvain::{CommunityDetection, Louvain};
use super::null::Edge;
use super::text::excerpt;
use super::{Params, Signal};

const MAX_EDGES: usize = 200;
const MAX_PAIRS: usize = 5;
const MAX_EVIDENCE: usize = 100;

/// Everything the findings are built from.
pub(crate) struct Ctx<'a> {
    pub corpus: &'a Corpus,
    pub signals: &'a [Box<dyn Signal>],
    pub joined: &'a Joined,
    pub params: &'a Params,
    pub version: &'static str,
}

impl Ctx<'_> {
    /// The hits that are evidence for an edge: within the fast window, or every hit (same
    /// session) when the slow test made the edge.
    fn evidence_hits<'e>(&'e self, e: &Edge) -> impl Iterator<Item = &'e Hit> + 'e {
        let (fast, slow_mode) = (self.params.window_s, e.slow_mode);
        self.joined.hits[e.hit_start..e.hit_end]
            .iter()
            .filter(move |h| slow_mode || i64::from(h.gap) <= fast)
    }

    /// The items of actors `a` and `b` on the key of a hit.
    fn items_of(&self, h: &Hit, a: u32, b: u32) -> Option<(u32, u32)> {
        let m = self.joined.members_of(h.group);
        let ia = m.iter().find(|x| x.actor == a)?.item;
        let ib = m.iter().find(|x| x.actor == b)?.item;
        Some((ia, ib))
    }
}

/// Communities of the significant edges, as findings.
pub(crate) fn findings(ctx: &Ctx<'_>, edges: &[Edge]) -> Vec<Finding> {
    let mut nodes: Vec<u32> = edges.iter().flat_map(|e| [e.a, e.b]).collect();
    nodes.sort_unstable();
    nodes.dedup();
    let idx = |a: u32| nodes.binary_search(&a).unwrap_or(0) as u32;
    let graph: Vec<(u32, u32, f64)> = edges
        .iter()
        .map(|e| (idx(e.a), idx(e.b), e.weight))
        .collect();
    let labels = Louvain::default().communities(nodes.len(), &graph);
    let k = labels.iter().max().map_or(0, |&m| m as usize + 1);
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); k];
    for (i, &l) in labels.iter().enumerate() {
        members[l as usize].push(nodes[i]);
    }
    let mut comm_edges: Vec<Vec<&Edge>> = vec![Vec::new(); k];
    for e in edges {
        let (la, lb) = (labels[idx(e.a) as usize], labels[idx(e.b) as usize]);
        if la == lb {
            comm_edges[la as usize].push(e);
        }
    }
    let mut out = Vec::new();
    for (actors, es) in members.iter().zip(comm_edges.iter_mut()) {
        let strong_pair = actors.len() == 2
            && es
                .iter()
                .any(|e| e.fast.max(e.slow) as usize >= ctx.params.pair_min_acts);
        if es.is_empty() || (actors.len() < ctx.params.min_community && !strong_pair) {
            continue;
        }
        es.sort_by(|x, y| {
            y.weight
                .total_cmp(&x.weight)
                .then((x.a, x.b).cmp(&(y.a, y.b)))
        });
        out.push(finding(ctx, actors, es));
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    out
}

fn signal_noun(code: &str) -> &'static str {
    match code {
        "co-link" => "links",
        "co-domain" => "rare domains",
        "co-text" => "texts",
        "co-repost" => "repost targets",
        "co-hashtag" => "hashtag sets",
        "co-reply" => "reply targets",
        "co-image" => "images",
        _ => "keys",
    }
}

fn finding(ctx: &Ctx<'_>, actors: &[u32], es: &[&Edge]) -> Finding {
    let c = ctx.corpus;
    let platforms: BTreeSet<Platform> = actors.iter().map(|&a| c.actor(a).platform).collect();
    let multi = platforms.len() > 1;
    let label = |a: u32| {
        let ca = c.actor(a);
        if multi {
            format!("{}:{}", ca.platform, ca.actor.platform_id)
        } else {
            ca.actor.platform_id.clone()
        }
    };
    // Distinct keys per signal over the whole community, and the time span of the evidence.
    let mut groups: Vec<u32> = Vec::new();
    let (mut first, mut last, mut coactions) = (i64::MAX, i64::MIN, 0u64);
    let mut any_slow = false;
    for e in es {
        any_slow |= e.slow_mode;
        coactions += u64::from(if e.slow_mode { e.slow } else { e.fast });
        for h in ctx.evidence_hits(e) {
            groups.push(h.group);
            if let Some((ia, ib)) = ctx.items_of(h, e.a, e.b) {
                for i in [ia, ib] {
                    let t = c.items[i as usize].time;
                    first = first.min(t);
                    last = last.max(t);
                }
            }
        }
    }
    groups.sort_unstable();
    groups.dedup();
    let code_of = |g: u32| ctx.signals[ctx.joined.groups[g as usize].signal as usize].code();
    let mut signals: BTreeMap<String, u64> = BTreeMap::new();
    for &g in &groups {
        *signals.entry(code_of(g).to_string()).or_default() += 1;
    }
    let mut edges_out = Vec::new();
    let mut evidence_items: Vec<u32> = Vec::new();
    for e in es.iter().take(MAX_EDGES) {
        let mut hits: Vec<&Hit> = ctx.evidence_hits(e).collect();
        let mut per_signal: BTreeMap<String, u64> = BTreeMap::new();
        for h in &hits {
            *per_signal.entry(code_of(h.group).to_string()).or_default() += 1;
        }
        hits.sort_by_key(|h| (h.gap, h.group));
        // Each act once, by its closest key: a pair of posts that share a link, its domain and
        // a hashtag is one act, shown once.
        let mut shown: Vec<(u32, u32)> = Vec::new();
        let mut pairs = Vec::new();
        for h in &hits {
            if pairs.len() == MAX_PAIRS {
                break;
            }
            let Some((ia, ib)) = ctx.items_of(h, e.a, e.b) else {
                continue;
            };
            if shown.contains(&(ia, ib)) {
                continue;
            }
            shown.push((ia, ib));
            let grp = &ctx.joined.groups[h.group as usize];
            let sig = &ctx.signals[grp.signal as usize];
            pairs.push(ItemPair {
                signal: sig.code().to_string(),
                key: excerpt(&sig.describe(c, grp.key, ia), 80),
                a: c.item_id(ia as usize).to_string(),
                b: c.item_id(ib as usize).to_string(),
                gap_s: c.items[ib as usize].time - c.items[ia as usize].time,
            });
            for i in [ia, ib] {
                if evidence_items.len() < MAX_EVIDENCE && !evidence_items.contains(&i) {
                    evidence_items.push(i);
                }
            }
        }
        edges_out.push(EdgeEvidence {
            a: label(e.a),
            b: label(e.b),
            weight: (e.weight * 1000.0).round() / 1000.0,
            signals: per_signal,
            acts: Some(u64::from(if e.slow_mode { e.slow } else { e.fast })),
            p_value: Some(e.p),
            pairs,
        });
    }
    evidence_items.sort_unstable();
    let evidence: Vec<Evidence> = evidence_items
        .iter()
        .map(|&i| crate::explain::item_evidence_with_text(c, i as usize))
        .collect();
    let mut keys: Vec<String> = actors.iter().map(|&a| label(a)).collect();
    if !multi {
        keys = actors
            .iter()
            .map(|&a| format!("{}:{}", c.actor(a).platform, c.actor(a).actor.platform_id))
            .collect();
    }
    keys.sort();
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let n = actors.len();
    let possible = (n * (n - 1) / 2).max(1) as f64;
    let density = (es.len() as f64 / possible).min(1.0);
    let mut qs: Vec<f64> = es.iter().map(|e| e.q).collect();
    qs.sort_by(f64::total_cmp);
    let q_med = qs.get(qs.len() / 2).copied().unwrap_or(1.0);
    let score = ((1.0 - q_med) * (0.5 + 0.5 * density)).clamp(0.0, 1.0);
    let finding_actors: Vec<FindingActor> = {
        let mut v: Vec<FindingActor> = actors
            .iter()
            .map(|&a| crate::explain::finding_actor(c, a, None))
            .collect();
        v.sort_by(|x, y| (x.platform, &x.id).cmp(&(y.platform, &y.id)));
        v
    };
    let disarm = techniques(&signals, &platforms);
    let window = if any_slow {
        format!(
            "in chains with at most {} min between consecutive acts",
            ctx.params.slow_window_s / 60
        )
    } else {
        format!("within {} s of each other", ctx.params.window_s)
    };
    let who: Vec<String> = platforms
        .iter()
        .map(|p| {
            format!(
                "{} {p}",
                actors
                    .iter()
                    .filter(|&&a| c.actor(a).platform == *p)
                    .count()
            )
        })
        .collect();
    let what: Vec<String> = signals
        .iter()
        .map(|(s, k)| format!("{k} shared {} ({s})", signal_noun(s)))
        .collect();
    let summary = format!(
        "{} actors ({}) repeatedly acted together {window}: {}; {coactions} \
         co-actions across {} of {} actor pairs significant at FDR {}.",
        n,
        who.join(", "),
        what.join(", "),
        es.len(),
        possible as u64,
        ctx.params.fdr
    );
    let p = ctx.params;
    Finding {
        id: finding_id(&super::KIND, &key_refs),
        kind: FindingKind::of(&super::KIND),
        score: (score * 1e4).round() / 1e4,
        disarm,
        first_seen: if first == i64::MAX { 0 } else { first },
        last_seen: if last == i64::MIN { 0 } else { last },
        summary,
        actors: finding_actors,
        evidence,
        signals,
        edges: edges_out,
        domain: None,
        impersonates: None,
        techniques: Vec::new(),
        tlp: None,
        detector: "coordination".into(),
        detector_version: ctx.version.into(),
        params: serde_json::json!({
            "window_s": p.window_s,
            "slow_window_s": p.slow_window_s,
            "mode": if any_slow { "slow" } else { "fast" },
            "min_acts": p.min_acts,
            "slow_min_acts": p.slow_min_acts,
            "fdr": p.fdr,
            "max_key_actors": p.max_key_actors,
            "fanout": p.fanout,
            "near_dup_jaccard": p.near_dup_jaccard,
            "min_community": p.min_community,
            "pair_min_acts": p.pair_min_acts,
        }),
    }
}

/// DISARM techniques a community evidences, from its signals and its platforms.
fn techniques(signals: &BTreeMap<String, u64>, platforms: &BTreeSet<Platform>) -> Vec<String> {
    let count = |s: &str| signals.get(s).copied().unwrap_or(0);
    let dominant = signals
        .iter()
        .max_by_key(|(_, k)| **k)
        .map(|(s, _)| s.as_str());
    let mut t: Vec<&str> = Vec::new();
    if dominant == Some("co-repost") || count("co-repost") >= 3 {
        t.push(disarm::AUTOMATED_REPOSTING);
    }
    if count("co-text") >= 2 {
        t.push(disarm::COPYPASTA);
    }
    if count("co-hashtag") >= 2 {
        t.push(disarm::HASHTAG_FLOODING);
    }
    if count("co-reply") >= 2 {
        t.push(disarm::SWARMING);
    }
    if platforms.len() > 1 {
        t.push(disarm::CROSS_POSTING);
        t.push(disarm::POST_ACROSS_PLATFORM);
    }
    if platforms.contains(&Platform::Web) {
        t.push(disarm::INAUTHENTIC_SITES_AMPLIFY);
    }
    if t.is_empty() {
        t.push(disarm::FLOOD_INFORMATION_SPACE);
    }
    t.sort_unstable();
    t.into_iter().map(String::from).collect()
}
