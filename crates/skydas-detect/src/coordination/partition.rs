//! Coordination split by co-action key, for running the windowed join on many workers.
//!
//! A key's events only ever pair with events on the same key, so the join is exact per key
//! partition: each worker joins the keys of one partition ([`join_partition`]), and
//! [`findings_from_parts`] merges the partitions back into the join the whole corpus would have
//! given (groups in `(signal, key, time)` order, cell counts summed, hits re-sorted) before the
//! null model and the community step. The findings are therefore the same as
//! [`super::Coordination`]'s on the same corpus, whatever the number of partitions.
//!
//! Every worker and the merging side must load the same corpus (same items in the same order):
//! results carry item and actor indices into it.

use serde::{Deserialize, Serialize};
use skydas_model::{Corpus, Finding};

use super::join::{self, Group, Hit, Joined, Member};
use super::{Coordination, KeyEvent, Params, excluded_actors, findings_of_join, join_events};

/// The partition (of `parts`) that joins key `key` of signal `signal`.
pub fn partition_of(signal: u8, key: u64, parts: u32) -> u32 {
    if parts <= 1 {
        return 0;
    }
    // Keys are hashes already, but some signals' keys are small integers (interned ids):
    // mixing spreads them evenly.
    let mut z = key ^ (u64::from(signal) << 56) ^ 0x9e37_79b9_7f4a_7c15;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z % u64::from(parts)) as u32
}

/// One key's group: `(time, actor, item)` of each member, by time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartGroup {
    pub signal: u8,
    /// A burst of an episodic signal's key.
    pub episodic: bool,
    /// Null-model key class (see `join.rs`).
    pub class: u8,
    pub key: u64,
    pub weight: f64,
    pub members: Vec<(i64, u32, u32)>,
}

/// The join of one key partition: its groups and the hits `(pair, group index in this part,
/// gap)`. The null model counts its cells over the merged groups.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PartJoin {
    pub groups: Vec<PartGroup>,
    pub hits: Vec<(u64, u32, u32)>,
}

impl PartJoin {
    /// Co-occurring actor pairs (hits) in this partition.
    pub fn pairs(&self) -> usize {
        self.hits.len()
    }
}

/// Joins the keys of partition `part` of `parts`.
pub fn join_partition(corpus: &Corpus, p: &Params, part: u32, parts: u32) -> PartJoin {
    if corpus.is_empty() {
        return PartJoin::default();
    }
    let excluded = excluded_actors(corpus, p);
    let signals = Coordination::new(p.clone()).signals();
    let events: Vec<Vec<KeyEvent>> = signals
        .iter()
        .enumerate()
        .map(|(s, sig)| {
            let mut ev = sig.events(corpus);
            ev.retain(|e| partition_of(s as u8, e.key, parts) == part);
            ev
        })
        .collect();
    let j = join_events(corpus, &signals, &events, &excluded, p);
    PartJoin {
        groups: j
            .groups
            .iter()
            .enumerate()
            .map(|(g, grp)| PartGroup {
                signal: grp.signal,
                episodic: grp.episodic,
                class: grp.class,
                key: grp.key,
                weight: j.weights[g],
                members: j
                    .members_of(g as u32)
                    .iter()
                    .map(|m| (m.time, m.actor, m.item))
                    .collect(),
            })
            .collect(),
        hits: j.hits.iter().map(|h| (h.pair, h.group, h.gap)).collect(),
    }
}

/// Merges partition joins into the whole corpus's join.
fn merge(parts: &[PartJoin], signals: usize) -> Joined {
    // (part, group in part), in the whole join's order.
    let mut order: Vec<(usize, usize)> = parts
        .iter()
        .enumerate()
        .flat_map(|(p, pj)| (0..pj.groups.len()).map(move |g| (p, g)))
        .collect();
    order.sort_by_key(|&(p, g)| {
        let grp = &parts[p].groups[g];
        (
            grp.signal,
            grp.key,
            grp.members.first().map_or(i64::MIN, |m| m.0),
        )
    });
    let mut new_index: Vec<Vec<u32>> = parts.iter().map(|pj| vec![0; pj.groups.len()]).collect();
    let mut out = Joined {
        n_cells: signals * join::CLASSES * join::STRATA,
        ..Joined::default()
    };
    for (i, &(p, g)) in order.iter().enumerate() {
        new_index[p][g] = i as u32;
        let grp = &parts[p].groups[g];
        out.groups.push(Group {
            signal: grp.signal,
            episodic: grp.episodic,
            class: grp.class,
            key: grp.key,
            start: out.members.len() as u32,
            len: grp.members.len() as u32,
        });
        out.weights.push(grp.weight);
        out.members
            .extend(
                grp.members
                    .iter()
                    .map(|&(time, actor, item)| Member { time, actor, item }),
            );
    }
    for (p, pj) in parts.iter().enumerate() {
        for &(pair, group, gap) in &pj.hits {
            if let Some(&g) = new_index[p].get(group as usize) {
                out.hits.push(Hit {
                    pair,
                    group: g,
                    gap,
                });
            }
        }
    }
    out.hits.sort_unstable_by_key(|h| (h.pair, h.group));
    out
}

/// The coordination findings of the whole corpus from the joins of all its key partitions.
pub fn findings_from_parts(corpus: &Corpus, p: &Params, parts: &[PartJoin]) -> Vec<Finding> {
    if corpus.is_empty() {
        return Vec::new();
    }
    let signals = Coordination::new(p.clone()).signals();
    let joined = merge(parts, signals.len());
    findings_of_join(corpus, &signals, &joined, p, |_| {})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Detector;

    #[test]
    fn partitions_spread_and_stay_in_range() {
        let mut seen = [0u32; 4];
        for k in 0..4000u64 {
            let p = partition_of(0, k, 4);
            seen[p as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 800), "{seen:?}");
        assert_eq!(partition_of(3, 12345, 1), 0);
        assert_eq!(partition_of(3, 12345, 0), 0);
    }

    /// Background users sharing popular links at random, a network of six posting the same
    /// rare links within seconds, and copypasta by a second network.
    fn corpus() -> Corpus {
        use crate::testkit::{self, provenance};
        use skydas_model::{Actor, CorpusBuilder, Item, Platform};
        let mut b = CorpusBuilder::new();
        let mut n = 0u64;
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % m
        };
        let mut post =
            |b: &mut CorpusBuilder, actor: &str, t: i64, text: &str, link: Option<&str>| {
                n += 1;
                let prov = provenance("test", n);
                let a = Actor {
                    platform_id: actor.into(),
                    ..Actor::default()
                };
                let mut it = Item::new(Platform::X, format!("i{n}"), a, t, text, prov);
                it.match_text = text.to_lowercase();
                if let Some(u) = link {
                    it.urls.push(testkit::link(u, "x.lt", "x.lt"));
                }
                b.push(&it);
            };
        let t0 = 1_700_000_000;
        let mut plan = Vec::new();
        for u in 0..60 {
            for k in 0..15 {
                let t = t0 + next(7 * 86_400) as i64;
                let a = next(40) * next(40) / 40;
                let link = (k % 2 == 0).then(|| format!("https://news.lt/a/{a}"));
                plan.push((
                    format!("user{u}"),
                    t,
                    format!("post {u} {k} {}", next(1000)),
                    link,
                ));
            }
        }
        for k in 0..8 {
            let base = t0 + 40_000 + k * 17 * 3600;
            for bot in 0..6 {
                let t = base + next(20) as i64;
                plan.push((
                    format!("bot{bot}"),
                    t,
                    format!("look {k}"),
                    Some(format!("https://clone.ltd/{k}")),
                ));
            }
        }
        let copy =
            "the elections were stolen by foreign agents say the people of the country today";
        for k in 0..6 {
            let base = t0 + 90_000 + k * 23 * 3600;
            for c in 0..4 {
                plan.push((
                    format!("copy{c}"),
                    base + next(30) as i64,
                    format!("{copy} {k}"),
                    None,
                ));
            }
        }
        plan.sort_by_key(|p| p.1);
        for (a, t, text, link) in &plan {
            post(&mut b, a, *t, text, link.as_deref());
        }
        b.finish()
    }

    fn actor_sets(f: &[Finding]) -> Vec<Vec<String>> {
        let mut v: Vec<Vec<String>> = f
            .iter()
            .map(|f| {
                let mut a: Vec<String> = f.actors.iter().map(|a| a.id.clone()).collect();
                a.sort();
                a
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn partitioned_join_gives_the_whole_corpus_findings() {
        let c = corpus();
        let p = Params::default();
        let whole = Coordination::new(p.clone()).run(&c);
        assert!(
            actor_sets(&whole)
                .iter()
                .any(|a| a.iter().all(|x| x.starts_with("bot")) && a.len() == 6),
            "the scenario has a network: {:?}",
            actor_sets(&whole)
        );
        for parts in [1u32, 2, 3, 7] {
            let joins: Vec<PartJoin> = (0..parts)
                .map(|i| join_partition(&c, &p, i, parts))
                .collect();
            // Through JSON, as the workers ship them.
            let joins: Vec<PartJoin> = joins
                .iter()
                .map(|j| serde_json::from_str(&serde_json::to_string(j).unwrap()).unwrap())
                .collect();
            let got = findings_from_parts(&c, &p, &joins);
            assert_eq!(
                serde_json::to_value(&got).unwrap(),
                serde_json::to_value(&whole).unwrap(),
                "{parts} partitions"
            );
        }
    }

    #[test]
    fn empty_corpus_gives_nothing() {
        let c = skydas_model::CorpusBuilder::with_capacity(0).finish();
        assert_eq!(
            join_partition(&c, &Params::default(), 0, 2),
            PartJoin::default()
        );
        assert!(findings_from_parts(&c, &Params::default(), &[]).is_empty());
        assert!(Coordination::new(Params::default()).run(&c).is_empty());
    }
}
