//! The windowed join: from signal events to actor pairs that acted on the same key close in
//! time, and the per-stratum counts the null model needs.
//!
//! Events are sorted by `(signal, key, time)`. Keys of episodic signals are cut into bursts at
//! every gap longer than the slow window; each burst is a group of its own. Each group keeps one
//! event per actor (its first),
//! because what matters is how many distinct keys a pair shares, not how often one actor
//! repeats itself. Keys acted on by one actor, or by more than `max_key_actors`, are dropped:
//! the former link nobody, the latter would weigh almost nothing and cost quadratic work.
//!
//! Two actors co-act on a key in the fast sense when their events are at most the fast window
//! apart, and in the slow sense when they fall in the same *session* of the key: the key's
//! events, in time order, cut wherever two consecutive events are more than the slow window
//! apart (single linkage). Sessions rather than pairwise gaps because slow operations relay: each
//! member posts 10–30 minutes after the previous one, so the first and the last of a chain are
//! hours apart although nobody waited longer than the window. For episodic signals a group is a
//! burst, which already is a session, so their slow sense stays the pairwise gap within the
//! slow window.
//!
//! Within a key, each event is paired with at most `fanout` following events of its session,
//! so a burst of thousands costs `fanout` pairs per event, never a square.

use rayon::prelude::*;
use skydas_model::Corpus;

use super::KeyEvent;

/// Number of key-popularity strata (distinct actors 2–3, 4–10, 11–50, 51–200, more).
pub(crate) const STRATA: usize = 5;

/// The stratum of a key acted on by `n` distinct actors.
pub(crate) fn stratum(n: usize) -> usize {
    match n {
        0..=3 => 0,
        4..=10 => 1,
        11..=50 => 2,
        51..=200 => 3,
        _ => 4,
    }
}

/// How much a key acted on by `n` distinct actors says about any pair of them:
/// `1 / ln(e + n − 2)`, which is 1 for a key only the pair shares and falls slowly (0.42 at
/// 10 actors, 0.22 at 100, 0.13 at 2,000). Unlike an IDF it does not depend on corpus size, so
/// the same network weighs the same in a small export and in a large one.
pub(crate) fn key_weight(n: usize) -> f64 {
    1.0 / (std::f64::consts::E + n as f64 - 2.0).ln()
}

/// Settings of the join.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JoinParams {
    pub fast_s: i64,
    pub slow_s: i64,
    pub max_key_actors: usize,
    pub fanout: usize,
}

/// One actor's first event on a key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member {
    pub time: i64,
    pub actor: u32,
    pub item: u32,
}

/// One key with at least two actors; its members are `members[start..start + len]`, by time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Group {
    pub signal: u8,
    /// Whether the group is a burst of an episodic signal (slow co-action is then pairwise).
    pub episodic: bool,
    pub key: u64,
    pub start: u32,
    pub len: u32,
}

impl Group {
    /// Index of the null-model cell (signal × stratum).
    pub fn cell(&self) -> usize {
        self.signal as usize * STRATA + stratum(self.len as usize)
    }
}

/// Two actors on one key in the same session (or, for episodic groups, within the slow
/// window). `pair` is `low actor << 32 | high actor`; `gap` is their time difference, seconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub pair: u64,
    pub group: u32,
    pub gap: u32,
}

/// Pair counts of one null-model cell: all actor pairs sharing a key of the cell, those within
/// the fast window, and those co-acting in the slow sense (same session, or within the slow
/// window for episodic groups).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CellCounts {
    pub total: f64,
    pub fast: f64,
    pub slow: f64,
}

/// What the join returns.
#[derive(Debug, Default)]
pub(crate) struct Joined {
    pub groups: Vec<Group>,
    pub members: Vec<Member>,
    /// Sorted by `(pair, group)`; each `(pair, group)` once.
    pub hits: Vec<Hit>,
    pub cells: Vec<CellCounts>,
    pub weights: Vec<f64>,
}

impl Joined {
    pub fn members_of(&self, g: u32) -> &[Member] {
        let g = &self.groups[g as usize];
        &self.members[g.start as usize..(g.start + g.len) as usize]
    }
}

#[derive(Debug, Clone, Copy)]
struct Ev {
    key: u64,
    time: i64,
    actor: u32,
    item: u32,
    signal: u8,
}

pub(crate) fn pair_key(a: u32, b: u32) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    (u64::from(lo) << 32) | u64::from(hi)
}

pub(crate) fn pair_actors(p: u64) -> (u32, u32) {
    ((p >> 32) as u32, p as u32)
}

/// Pairs of positions `i < j` in a time-sorted slice with `t[j] − t[i] ≤ w`, counted exactly
/// with two pointers.
fn pairs_within(m: &[Member], w: i64) -> f64 {
    let mut j = 0;
    let mut n = 0u64;
    for i in 0..m.len() {
        if j < i + 1 {
            j = i + 1;
        }
        while j < m.len() && m[j].time - m[i].time <= w {
            j += 1;
        }
        n += (j - i - 1) as u64;
    }
    n as f64
}

/// Pairs of positions in the same session of a time-sorted slice, sessions cut at consecutive
/// gaps longer than `w`.
fn pairs_in_sessions(m: &[Member], w: i64) -> f64 {
    let mut n = 0u64;
    let mut run = 1u64;
    for k in 1..m.len() {
        if m[k].time - m[k - 1].time > w {
            n += run * (run - 1) / 2;
            run = 1;
        } else {
            run += 1;
        }
    }
    if !m.is_empty() {
        n += run * (run - 1) / 2;
    }
    n as f64
}

/// Joins the events of every signal (index-aligned with `signal_weights`), leaving out the
/// actors marked in `excluded`.
pub(crate) fn join(
    corpus: &Corpus,
    events: &[Vec<KeyEvent>],
    signal_weights: &[f64],
    episodic: &(dyn Fn(u8, u64) -> bool + Sync),
    excluded: &[bool],
    p: &JoinParams,
) -> Joined {
    let mut evs: Vec<Ev> = Vec::with_capacity(events.iter().map(Vec::len).sum());
    for (s, list) in events.iter().enumerate() {
        for e in list {
            let Some(it) = corpus.items.get(e.item as usize) else {
                continue;
            };
            if excluded.get(it.actor as usize).copied().unwrap_or(false) {
                continue;
            }
            evs.push(Ev {
                key: e.key,
                time: it.time,
                actor: it.actor,
                item: e.item,
                signal: s as u8,
            });
        }
    }
    evs.par_sort_unstable_by_key(|e| (e.signal, e.key, e.time, e.actor, e.item));
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut s = 0;
    while s < evs.len() {
        let mut e = s + 1;
        let split = episodic(evs[s].signal, evs[s].key);
        while e < evs.len()
            && evs[e].key == evs[s].key
            && evs[e].signal == evs[s].signal
            && !(split && evs[e].time - evs[e - 1].time > p.slow_s)
        {
            e += 1;
        }
        if e - s >= 2 {
            ranges.push((s, e));
        }
        s = e;
    }
    let per_key: Vec<Option<(u8, u64, Vec<Member>)>> = ranges
        .par_iter()
        .map(|&(s, e)| {
            let run = &evs[s..e];
            let mut m: Vec<Member> = run
                .iter()
                .map(|e| Member {
                    time: e.time,
                    actor: e.actor,
                    item: e.item,
                })
                .collect();
            // Keep each actor's first event (ties broken by item, which is time order too).
            m.sort_unstable_by_key(|x| (x.actor, x.time, x.item));
            m.dedup_by_key(|x| x.actor);
            if m.len() < 2 || m.len() > p.max_key_actors {
                return None;
            }
            m.sort_unstable_by_key(|x| (x.time, x.item));
            Some((run[0].signal, run[0].key, m))
        })
        .collect();
    drop(evs);
    let mut out = Joined {
        cells: vec![CellCounts::default(); events.len() * STRATA],
        ..Joined::default()
    };
    for (signal, key, m) in per_key.into_iter().flatten() {
        out.groups.push(Group {
            signal,
            episodic: episodic(signal, key),
            key,
            start: out.members.len() as u32,
            len: m.len() as u32,
        });
        out.weights
            .push(signal_weights[signal as usize] * key_weight(m.len()));
        out.members.extend(m);
    }
    let counts: Vec<(usize, CellCounts)> = out
        .groups
        .par_iter()
        .enumerate()
        .map(|(g, grp)| {
            let m = out.members_of(g as u32);
            let n = m.len() as f64;
            let c = CellCounts {
                total: n * (n - 1.0) / 2.0,
                fast: pairs_within(m, p.fast_s),
                slow: if grp.episodic {
                    pairs_within(m, p.slow_s)
                } else {
                    pairs_in_sessions(m, p.slow_s)
                },
            };
            (grp.cell(), c)
        })
        .collect();
    for (cell, c) in counts {
        let t = &mut out.cells[cell];
        t.total += c.total;
        t.fast += c.fast;
        t.slow += c.slow;
    }
    let mut hits: Vec<Hit> = (0..out.groups.len() as u32)
        .into_par_iter()
        .flat_map_iter(|g| {
            let m = out.members_of(g);
            let pairwise = out.groups[g as usize].episodic;
            let mut v = Vec::new();
            for i in 0..m.len() {
                let mut prev = m[i].time;
                for b in m[i + 1..].iter().take(p.fanout) {
                    let gap = b.time - m[i].time;
                    // Episodic groups pair within the window; others within the session.
                    let step = if pairwise { gap } else { b.time - prev };
                    if step > p.slow_s {
                        break;
                    }
                    prev = b.time;
                    v.push(Hit {
                        pair: pair_key(m[i].actor, b.actor),
                        group: g,
                        gap: gap as u32,
                    });
                }
            }
            v
        })
        .collect();
    hits.par_sort_unstable_by_key(|h| (h.pair, h.group));
    out.hits = hits;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(times: &[i64]) -> Vec<Member> {
        times
            .iter()
            .enumerate()
            .map(|(i, &t)| Member {
                time: t,
                actor: i as u32,
                item: i as u32,
            })
            .collect()
    }

    #[test]
    fn pairs_within_counts_exactly() {
        let check =
            |t: &[i64], w: i64, e: f64| assert_eq!(pairs_within(&members(t), w), e, "{t:?}");
        check(&[0, 10, 20], 10, 2.0);
        check(&[0, 10, 20], 20, 3.0);
        check(&[0, 100, 200], 10, 0.0);
        check(&[5, 5, 5, 5], 0, 6.0);
    }

    #[test]
    fn sessions_chain_consecutive_gaps() {
        let check = |t: &[i64], w: i64, e: f64| {
            assert_eq!(pairs_in_sessions(&members(t), w), e, "{t:?}");
        };
        // A relay: every step within the window, the ends far apart: one session.
        check(&[0, 1000, 2000, 3000], 1800, 6.0);
        check(&[0, 1000, 5000, 6000], 1800, 2.0);
        check(&[0, 5000, 10_000], 1800, 0.0);
        check(&[], 1800, 0.0);
    }

    #[test]
    fn weights_and_strata() {
        assert!((key_weight(2) - 1.0).abs() < 1e-12);
        assert!(key_weight(10) < key_weight(3));
        assert_eq!(
            [2, 3, 4, 10, 11, 50, 51, 200, 201].map(stratum),
            [0, 0, 1, 1, 2, 2, 3, 3, 4]
        );
        assert_eq!(pair_actors(pair_key(9, 4)), (4, 9));
    }
}
