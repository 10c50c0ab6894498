//! The windowed join: from signal events to actor pairs that acted on the same key close in
//! time, and the per-stratum counts the null model needs.
//!
//! Events are sorted by `(signal, key, time)`. Keys of episodic signals are cut into bursts at
//! every gap longer than the slow window, and after `MAX_BURST_WINDOWS` slow windows of unbroken
//! use; each burst is a group of its own. Each group keeps one event per actor (its first),
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
use skydas_model::{Corpus, Platform};

use super::KeyEvent;

/// Number of key-popularity strata (distinct actors 2–3, 4–10, 11–50, 51–200, more).
pub(crate) const STRATA: usize = 5;

/// Number of key classes: the platform of the key's first act (X, Telegram, web, other) times
/// the signal's own class of the key ([`super::KeyEvent::class`], 0 or 1).
///
/// The null model rates each class apart because timing norms differ: retweet cascades run
/// within minutes, channel forwards and portal republishing take longer, and a mass outlet's
/// links are shared in long waves that a niche site's are not. One rate for all would let the
/// fast kind's organic timing hide the slow kind's coordination.
pub(crate) const CLASSES: usize = 8;

fn platform_class(p: Platform) -> u8 {
    match p {
        Platform::X => 0,
        Platform::Telegram => 1,
        Platform::Web => 2,
        _ => 3,
    }
}

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
    /// Key class, below [`CLASSES`].
    pub class: u8,
    pub key: u64,
    pub start: u32,
    pub len: u32,
}

impl Group {
    /// Index of the null-model cell (signal × class × stratum).
    pub fn cell(&self) -> usize {
        (self.signal as usize * CLASSES + self.class as usize) * STRATA + stratum(self.len as usize)
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
    /// Number of null-model cells (signals × classes × strata); the null model counts them.
    pub n_cells: usize,
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
    class: u8,
}

pub(crate) fn pair_key(a: u32, b: u32) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    (u64::from(lo) << 32) | u64::from(hi)
}

pub(crate) fn pair_actors(p: u64) -> (u32, u32) {
    ((p >> 32) as u32, p as u32)
}

/// Pairs `i < j` of a time-sorted slice with `t[j] − t[i] ≤ w`, counted exactly with two
/// pointers.
fn pairs_within(t: &[(i64, u32)], w: i64) -> f64 {
    let mut j = 0;
    let mut n = 0u64;
    for i in 0..t.len() {
        if j < i + 1 {
            j = i + 1;
        }
        while j < t.len() && t[j].0 - t[i].0 <= w {
            j += 1;
        }
        n += (j - i - 1) as u64;
    }
    n as f64
}

/// Pairs of a slice sorted by session that share a session.
fn pairs_in_sessions(t: &[(i64, u32)]) -> f64 {
    let mut n = 0u64;
    let mut s = 0;
    while s < t.len() {
        let mut e = s + 1;
        while e < t.len() && t[e].1 == t[s].1 {
            e += 1;
        }
        let c = (e - s) as u64;
        n += c * (c - 1) / 2;
        s = e;
    }
    n as f64
}

/// Null-model counts of one group (members by time), over the members whose actor `keep`
/// accepts: all pairs, pairs within the fast window, and pairs co-acting in the slow sense.
/// Sessions are cut on every member, kept or not, since the others' acts chain a session too.
/// `buf` is scratch space.
pub(crate) fn group_counts(
    m: &[Member],
    keep: &dyn Fn(u32) -> bool,
    episodic: bool,
    fast_s: i64,
    slow_s: i64,
    buf: &mut Vec<(i64, u32)>,
) -> CellCounts {
    buf.clear();
    let mut session = 0u32;
    for k in 0..m.len() {
        if k > 0 && m[k].time - m[k - 1].time > slow_s {
            session += 1;
        }
        if keep(m[k].actor) {
            buf.push((m[k].time, session));
        }
    }
    let n = buf.len() as f64;
    CellCounts {
        total: n * (n - 1.0) / 2.0,
        fast: pairs_within(buf, fast_s),
        slow: if episodic {
            pairs_within(buf, slow_s)
        } else {
            pairs_in_sessions(buf)
        },
    }
}

/// Null-model cell counts over the actors `keep` accepts.
pub(crate) fn cell_counts(
    j: &Joined,
    keep: &(dyn Fn(u32) -> bool + Sync),
    fast_s: i64,
    slow_s: i64,
    cells: usize,
) -> Vec<CellCounts> {
    let counts: Vec<(usize, CellCounts)> = j
        .groups
        .par_iter()
        .enumerate()
        .map_init(Vec::new, |buf, (g, grp)| {
            let m = j.members_of(g as u32);
            let c = group_counts(m, keep, grp.episodic, fast_s, slow_s, buf);
            (grp.cell(), c)
        })
        .collect();
    let mut out = vec![CellCounts::default(); cells];
    for (cell, c) in counts {
        if let Some(t) = out.get_mut(cell) {
            t.total += c.total;
            t.fast += c.fast;
            t.slow += c.slow;
        }
    }
    out
}

/// Longest burst of an episodic key, in slow windows: a key in unbroken use for longer (a
/// flood that never pauses, or a busy tag) is cut there, so that acting together in burst
/// after burst still counts as many co-actions. Long enough that a burst's pairs rarely fall
/// within the slow window by chance, which keeps the null model's background rate low.
const MAX_BURST_WINDOWS: i64 = 12;

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
                class: platform_class(it.platform) | ((e.class & 1) << 2),
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
            && !(split
                && (evs[e].time - evs[e - 1].time > p.slow_s
                    || evs[e].time - evs[s].time > MAX_BURST_WINDOWS * p.slow_s))
        {
            e += 1;
        }
        if e - s >= 2 {
            ranges.push((s, e));
        }
        s = e;
    }
    // (signal, class, key, members) of each kept key.
    type KeyMembers = (u8, u8, u64, Vec<Member>);
    let per_key: Vec<Option<KeyMembers>> = ranges
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
            Some((run[0].signal, run[0].class, run[0].key, m))
        })
        .collect();
    drop(evs);
    let mut out = Joined {
        ..Joined::default()
    };
    for (signal, class, key, m) in per_key.into_iter().flatten() {
        out.groups.push(Group {
            signal,
            episodic: episodic(signal, key),
            class,
            key,
            start: out.members.len() as u32,
            len: m.len() as u32,
        });
        out.weights
            .push(signal_weights[signal as usize] * key_weight(m.len()));
        out.members.extend(m);
    }
    out.n_cells = events.len() * CLASSES * STRATA;
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

    fn counts(t: &[i64], keep: &[u32], episodic: bool) -> (f64, f64, f64) {
        let c = group_counts(
            &members(t),
            &|a| keep.contains(&a),
            episodic,
            60,
            1800,
            &mut Vec::new(),
        );
        (c.total, c.fast, c.slow)
    }

    #[test]
    fn group_counts_are_exact() {
        let check = |t: &[i64], keep: &[u32], episodic: bool, e: (f64, f64, f64)| {
            assert_eq!(counts(t, keep, episodic), e, "{t:?} {keep:?}");
        };
        let all = [0, 1, 2, 3];
        // A relay: every step within 30 min, the ends far apart: one session.
        check(&[0, 1000, 2000, 3000], &all, false, (6.0, 0.0, 6.0));
        // Pairwise within 30 min for bursts of episodic signals.
        check(&[0, 1000, 2000, 3000], &all, true, (6.0, 0.0, 3.0));
        check(&[0, 30, 5000, 5040], &all, false, (6.0, 2.0, 2.0));
        check(&[5, 5, 5, 5], &all, false, (6.0, 6.0, 6.0));
        // Left-out actors still chain the session, but their pairs are not counted.
        check(&[0, 1000, 2000, 3000], &[0, 3], false, (1.0, 0.0, 1.0));
        check(&[0, 1000, 2000, 3000], &[0, 3], true, (1.0, 0.0, 0.0));
        check(&[], &all, false, (0.0, 0.0, 0.0));
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
