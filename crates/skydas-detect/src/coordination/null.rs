//! The null model: is a pair's co-action more often close in time than chance would make it?
//!
//! For each null-model cell (signal × key class × key-popularity stratum, see `join.rs`), `p0`
//! is the share of actor pairs sharing a key of that cell who co-acted on it (within the fast
//! window; in the same session for the slow test), estimated from the corpus itself. A pair
//! that shares `s` acts (at any time gap) and acted within the window in `c` of them is tested
//! against `Binomial(s, p̄)`, `p̄` the mean `p0` over the cells of its shared keys. An act is
//! one co-action whatever signals it shows: two posts that share a link, its domain and a
//! hashtag are one act, and a pair's acts are the fewer of the two actors' distinct items. The binomial
//! with the mean rate has at least the variance of the exact Poisson-binomial, so its upper tail
//! is on the conservative side. Fast and slow windows are tested separately and the smaller
//! p-value is Bonferroni-doubled. The false discovery rate is controlled with
//! Benjamini–Hochberg over every pair that co-acted at least once within the slow window.
//!
//! The coordinated actors themselves inflate `p0` in the cells they act in (in a small export
//! they may be all of a cell), and not only through the pairs that become candidates: a relay's
//! members who happen to share only a few keys are still in the same sessions. So `p0` is
//! estimated without any pair that involves a suspect actor: first every actor of a candidate
//! pair, then only the actors of pairs that tested significant, repeating until the
//! significant set settles. Suspects' acts still cut and chain sessions; only their pairs are
//! left out of the rate.
//! Each cell's estimate is smoothed towards a prior of keys living one day (`2W / 86400`) with
//! the weight of 20 pairs, so a cell with little data neither convicts nor acquits on its own.

use rayon::prelude::*;

use super::join::{CellCounts, Joined, cell_counts, pair_actors};

/// Settings of the test.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TestParams {
    pub fast_s: i64,
    pub slow_s: i64,
    pub min_acts: u32,
    pub slow_min_acts: u32,
    pub fdr: f64,
}

/// A significant actor pair.
#[derive(Debug, Clone)]
pub(crate) struct Edge {
    pub a: u32,
    pub b: u32,
    /// `hits[hit_start..hit_end]` of the join are this pair's.
    pub hit_start: usize,
    pub hit_end: usize,
    /// Distinct acts within the fast / slow window (one act is one co-action, whatever
    /// signals it shows).
    pub fast: u32,
    pub slow: u32,
    /// Whether the slow window made the pair significant (then slow hits are evidence).
    pub slow_mode: bool,
    pub p: f64,
    pub q: f64,
    pub weight: f64,
}

struct Candidate {
    pair: u64,
    hit_start: usize,
    hit_end: usize,
    /// Acts within the fast and the slow window.
    fast: u32,
    slow: u32,
    /// Acts the pair shares at any gap.
    shared: u32,
    /// Keys the pair shares at any gap (the weights of its background rate).
    keys: u32,
    /// `(cell, shared keys)` per null-model cell of the shared keys.
    cells: Vec<(u32, u32)>,
    weight: f64,
}

/// `P(X ≥ c)` for `X ~ Binomial(n, p)`.
pub(crate) fn binomial_tail(c: u32, n: u32, p: f64) -> f64 {
    if c == 0 || p >= 1.0 {
        return 1.0;
    }
    if c > n || p <= 0.0 {
        return 0.0;
    }
    let (nf, cf) = (f64::from(n), f64::from(c));
    let ln_choose: f64 = (1..=c)
        .map(|i| ((nf - cf + f64::from(i)) / f64::from(i)).ln())
        .sum();
    let mut term = (ln_choose + cf * p.ln() + (nf - cf) * (-p).ln_1p()).exp();
    let ratio = p / (1.0 - p);
    let mut sum = 0.0;
    for k in c..=n {
        sum += term;
        let next = term * f64::from(n - k) / f64::from(k + 1) * ratio;
        if next < sum * 1e-17 && f64::from(k) > nf * p {
            break;
        }
        term = next;
    }
    sum.min(1.0)
}

/// Benjamini–Hochberg q-values of `p` over a family of `m` tests (`m ≥ p.len()`; the tests not
/// listed have p = 1).
pub(crate) fn bh_qvalues(p: &[f64], m: usize) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let mut q = vec![1.0; p.len()];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        let v = p[i] * m as f64 / (rank + 1) as f64;
        running = running.min(v);
        q[i] = running.min(1.0);
    }
    q
}

fn p0(c: &CellCounts, within: f64, window_s: i64) -> f64 {
    const PRIOR_PAIRS: f64 = 20.0;
    let prior = (2.0 * window_s as f64 / 86_400.0).min(1.0);
    ((within.max(0.0) + prior * PRIOR_PAIRS) / (c.total.max(0.0) + PRIOR_PAIRS)).clamp(1e-9, 1.0)
}

/// Tests every pair with enough co-action and returns the significant ones, by pair.
pub(crate) fn significant_edges(j: &Joined, p: &TestParams) -> Vec<Edge> {
    // Pair ranges of the sorted hits.
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut s = 0;
    while s < j.hits.len() {
        let mut e = s + 1;
        while e < j.hits.len() && j.hits[e].pair == j.hits[s].pair {
            e += 1;
        }
        ranges.push((s, e));
        s = e;
    }
    let family = ranges.len();
    // Each actor's keys with its item on each, sorted, to count the keys and the acts a
    // candidate pair shares.
    let mut ag: Vec<(u32, u32, u32)> = Vec::with_capacity(j.members.len());
    for (g, grp) in j.groups.iter().enumerate() {
        for m in &j.members[grp.start as usize..(grp.start + grp.len) as usize] {
            ag.push((m.actor, g as u32, m.item));
        }
    }
    ag.par_sort_unstable();
    let keys_of = |a: u32| {
        let lo = ag.partition_point(|x| x.0 < a);
        let hi = ag.partition_point(|x| x.0 <= a);
        &ag[lo..hi]
    };
    let item_of = |a: u32, g: u32| {
        let k = keys_of(a);
        k.binary_search_by_key(&g, |x| x.1).ok().map(|i| k[i].2)
    };
    // One act is one co-action, whatever signals it shows: a post that carries a link, its
    // domain and a hashtag is one act, not three keys. A pair's co-actions are the fewer of
    // the two actors' distinct items among its shared keys.
    let acts = |a: u32, b: u32, groups: &mut dyn Iterator<Item = u32>| -> u32 {
        let (mut ia, mut ib): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        for g in groups {
            if let (Some(x), Some(y)) = (item_of(a, g), item_of(b, g)) {
                ia.push(x);
                ib.push(y);
            }
        }
        for v in [&mut ia, &mut ib] {
            v.sort_unstable();
            v.dedup();
        }
        ia.len().min(ib.len()) as u32
    };
    let cands: Vec<(u64, usize, usize, u32, u32, f64)> = ranges
        .par_iter()
        .filter_map(|&(s, e)| {
            let hits = &j.hits[s..e];
            // Keys first (cheap, and never fewer than acts), then acts.
            let fast_keys = hits.iter().filter(|h| i64::from(h.gap) <= p.fast_s).count() as u32;
            if fast_keys < p.min_acts && (hits.len() as u32) < p.slow_min_acts {
                return None;
            }
            let (a, b) = pair_actors(hits[0].pair);
            let fast = acts(
                a,
                b,
                &mut hits
                    .iter()
                    .filter(|h| i64::from(h.gap) <= p.fast_s)
                    .map(|h| h.group),
            );
            let slow = acts(a, b, &mut hits.iter().map(|h| h.group));
            if fast < p.min_acts && slow < p.slow_min_acts {
                return None;
            }
            let weight = hits
                .iter()
                .map(|h| {
                    let w = j.weights[h.group as usize];
                    if i64::from(h.gap) <= p.fast_s {
                        w
                    } else {
                        0.5 * w
                    }
                })
                .sum();
            Some((hits[0].pair, s, e, fast, slow, weight))
        })
        .collect();
    if cands.is_empty() {
        return Vec::new();
    }
    let cands: Vec<Candidate> = cands
        .into_par_iter()
        .map(|(pair, s, e, fast, slow, weight)| {
            let (a, b) = pair_actors(pair);
            let (ka, kb) = (keys_of(a), keys_of(b));
            // (cell, shared keys in it): the weights of the pair's background rate.
            let mut cells: Vec<(u32, u32)> = Vec::new();
            let mut bump = |cell: u32| {
                if let Some(c) = cells.iter_mut().find(|c| c.0 == cell) {
                    c.1 += 1;
                } else {
                    cells.push((cell, 1));
                }
            };
            let (mut x, mut y, mut keys) = (0, 0, 0u32);
            let (mut ia, mut ib): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
            while x < ka.len() && y < kb.len() {
                match ka[x].1.cmp(&kb[y].1) {
                    std::cmp::Ordering::Less => x += 1,
                    std::cmp::Ordering::Greater => y += 1,
                    std::cmp::Ordering::Equal => {
                        keys += 1;
                        ia.push(ka[x].2);
                        ib.push(kb[y].2);
                        bump(j.groups[ka[x].1 as usize].cell() as u32);
                        x += 1;
                        y += 1;
                    }
                }
            }
            for v in [&mut ia, &mut ib] {
                v.sort_unstable();
                v.dedup();
            }
            cells.sort_unstable();
            Candidate {
                pair,
                hit_start: s,
                hit_end: e,
                fast,
                slow,
                shared: ia.len().min(ib.len()) as u32,
                keys,
                cells,
                weight,
            }
        })
        .collect();

    // Start with every candidate's actors out of the estimate (they are the suspects), then
    // put back the ones that turn out not significant, until the significant set settles.
    let actors = j
        .members
        .iter()
        .map(|m| m.actor as usize + 1)
        .max()
        .unwrap_or(0);
    let mut significant: Vec<bool> = vec![true; cands.len()];
    let mut pq: (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    for _round in 0..8 {
        let mut suspect = vec![false; actors];
        for (c, _) in cands.iter().zip(&significant).filter(|(_, s)| **s) {
            let (a, b) = pair_actors(c.pair);
            for x in [a, b] {
                if let Some(s) = suspect.get_mut(x as usize) {
                    *s = true;
                }
            }
        }
        let keep = |a: u32| !suspect.get(a as usize).copied().unwrap_or(false);
        let left = cell_counts(j, &keep, p.fast_s, p.slow_s, j.n_cells);
        let rates: Vec<(f64, f64)> = left
            .iter()
            .map(|l| (p0(l, l.fast, p.fast_s), p0(l, l.slow, p.slow_s)))
            .collect();
        let pvals: Vec<f64> = cands
            .par_iter()
            .map(|c| {
                let n = c.shared.max(c.slow).max(1);
                let mean = |f: &dyn Fn(&(f64, f64)) -> f64| {
                    c.cells
                        .iter()
                        .map(|x| f64::from(x.1) * f(&rates[x.0 as usize]))
                        .sum::<f64>()
                        / f64::from(c.keys.max(1))
                };
                let pf = if c.fast >= p.min_acts {
                    binomial_tail(c.fast, n, mean(&|r| r.0))
                } else {
                    1.0
                };
                let ps = if c.slow >= p.slow_min_acts {
                    binomial_tail(c.slow, n, mean(&|r| r.1))
                } else {
                    1.0
                };
                (2.0 * pf.min(ps)).min(1.0)
            })
            .collect();
        let q = bh_qvalues(&pvals, family);
        let next: Vec<bool> = q.iter().map(|&q| q <= p.fdr).collect();
        let settled = next == significant;
        significant = next;
        pq = (pvals, q);
        if settled {
            break;
        }
    }
    cands
        .iter()
        .enumerate()
        .filter(|(i, _)| significant[*i])
        .map(|(i, c)| {
            let (a, b) = pair_actors(c.pair);
            let slow_mode = c.fast < p.min_acts || c.slow >= p.slow_min_acts && c.slow > c.fast;
            Edge {
                a,
                b,
                hit_start: c.hit_start,
                hit_end: c.hit_end,
                fast: c.fast,
                slow: c.slow,
                slow_mode,
                p: pq.0[i],
                q: pq.1[i],
                weight: c.weight,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_tail_matches_known_values() {
        let check = |c, n, p, e: f64| {
            let got = binomial_tail(c, n, p);
            assert!(
                (got - e).abs() < 1e-9 * e.max(1e-300),
                "P(X≥{c}|{n},{p}) = {got}, want {e}"
            );
        };
        check(0, 10, 0.3, 1.0);
        check(10, 10, 0.5, 0.5f64.powi(10));
        check(1, 10, 0.1, 1.0 - 0.9f64.powi(10));
        check(2, 3, 0.5, 0.5);
        check(8, 8, 0.0014, 0.0014f64.powi(8));
        assert_eq!(binomial_tail(5, 4, 0.5), 0.0);
    }

    #[test]
    fn bh_is_monotone_and_scaled_by_family() {
        let q = bh_qvalues(&[0.01, 0.04, 0.03], 3);
        assert_eq!(q, vec![0.03, 0.04, 0.04]);
        let q = bh_qvalues(&[0.001], 100);
        assert!((q[0] - 0.1).abs() < 1e-12);
    }
}
