//! `co-text`: actors posting the same or nearly the same text (copypasta).
//!
//! # What it finds
//! Posts whose content (words without URLs, mentions, hashtags, emoji and punctuation) is
//! identical or a light edit of each other. Near-duplicates are clustered and the cluster is
//! the co-action key.
//!
//! # Why it matters
//! Copypasta is the cheapest way to make one message look like many voices; the same text also
//! ties a Telegram channel to the X accounts and portals that cross-post it.
//!
//! # Evidence it reports
//! An excerpt of the shared text and, per actor pair, the two items and their time gap.
//!
//! # DISARM techniques
//! T0084.001 (copypasta); T0119 / T0119.002 when the text crosses platforms.
//!
//! # Known limits
//! Similarity is lexical: character 4-grams of the content text, compared by one-permutation
//! MinHash (64 bins, densified by rotation, xxh3 with a fixed seed) and LSH with 16 bands of 4
//! rows; candidates are kept at an estimated Jaccard of 0.6 or more. Character 4-grams rather
//! than word shingles because posts are short and our languages inflect: a changed case ending
//! in Lithuanian or Russian breaks a two-word shingle but only a few 4-grams. Translations and
//! paraphrases are not found. Texts under 4 words and 20 characters are skipped, and only the
//! first 2,000 characters of long articles are read. Reposts and forwards are left to
//! `co-repost`. Buckets are checked against their first member and their previous member only,
//! so the work stays linear even for boilerplate shared by thousands; a chain of edits that
//! drifts far from both can split into two clusters. Before two signatures are read, a 16-byte
//! digest (two bits of each bin) rules out pairs that differ in too many bins to be similar;
//! it never rules out a similar pair, and it spares most of the random reads that made the
//! bucket scan the slowest step on text written from a small vocabulary.

use rayon::prelude::*;
use skydas_model::{Corpus, ItemKind};

use super::text::{SEED, excerpt, for_each_content_char};
#[cfg(test)]
use super::text::{content_text, is_substantial};
use super::{KeyEvent, Signal};

const BINS: usize = 64;
const BANDS: usize = 16;
const ROWS: usize = BINS / BANDS;
const MAX_CHARS: usize = 2000;

/// A MinHash signature, truncated to 16 bits a bin (a false bin match is 1 in 65,536).
pub(crate) type Sig = [u16; BINS];

/// The `co-text` signal.
#[derive(Debug)]
pub struct CoText {
    /// Estimated Jaccard similarity of character 4-grams at which two texts are the same text.
    pub jaccard: f64,
}

impl Default for CoText {
    fn default() -> Self {
        Self { jaccard: 0.6 }
    }
}

/// One-permutation MinHash of the character 4-grams of a content text; `None` when it is too
/// short to compare.
#[cfg(test)]
pub(crate) fn signature(content: &str) -> Option<Sig> {
    let mut b = SigBuilder::new();
    content.chars().take(MAX_CHARS).for_each(|c| b.push(c));
    b.finish()
}

/// The signature of a match text's content, read straight from the match text (no content
/// string is built); `None` when the content is too short to compare or not substantial.
fn content_signature(match_text: &str) -> Option<Sig> {
    let mut b = SigBuilder::new();
    let (mut chars, mut words) = (0usize, 1usize);
    for_each_content_char(match_text, |c| {
        chars += 1;
        words += usize::from(c == ' ');
        if chars <= MAX_CHARS {
            b.push(c);
        }
    });
    // `is_substantial` of the content text, from its counts.
    if words < 4 && chars < 20 {
        return None;
    }
    b.finish()
}

/// Builds a signature one code point at a time.
struct SigBuilder {
    mins: [u64; BINS],
    /// The last three code points, oldest first, so no per-text buffer is needed.
    win: [u32; 3],
    n: usize,
}

impl SigBuilder {
    fn new() -> Self {
        Self {
            mins: [u64::MAX; BINS],
            win: [0; 3],
            n: 0,
        }
    }

    #[inline]
    fn push(&mut self, c: char) {
        let c = u32::from(c);
        let win = self.win;
        self.n += 1;
        if self.n >= 4 {
            // Four code points (21 bits each): the first three spread by an odd multiplier
            // (a bijection), the fourth xored in, then one SplitMix64 finaliser. Fixed,
            // portable and several times faster than a general hash on such short input;
            // two different 4-grams collide with probability about 2^-43.
            let lo = u64::from(win[0]) | (u64::from(win[1]) << 21) | (u64::from(win[2]) << 42);
            let h = mix((lo ^ SEED).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(c));
            let bin = (h >> 58) as usize;
            let v = h & ((1 << 58) - 1);
            if v < self.mins[bin] {
                self.mins[bin] = v;
            }
        }
        self.win = [win[1], win[2], c];
    }

    fn finish(self) -> Option<Sig> {
        if self.n < 4 {
            return None;
        }
        let mins = self.mins;
        // Rotation densification: an empty bin borrows the next filled bin's value, offset by
        // the distance, so short texts still get 64 comparable values.
        let mut sig = [0u16; BINS];
        for b in 0..BINS {
            let mut d = 0;
            while mins[(b + d) % BINS] == u64::MAX {
                d += 1;
            }
            let v =
                mins[(b + d) % BINS].wrapping_add((d as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            sig[b] = (v ^ (v >> 29)) as u16;
        }
        Some(sig)
    }
}

/// The SplitMix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Estimated Jaccard similarity of two signatures.
pub(crate) fn similarity(a: &Sig, b: &Sig) -> f64 {
    // Written as a sum of 0/1 so that it compiles to vector compares.
    let same: u32 = a.iter().zip(b).map(|(x, y)| u32::from(x == y)).sum();
    f64::from(same) / BINS as f64
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

/// Union by smaller index, so a cluster's root is its earliest item whatever the merge order.
fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[hi as usize] = lo;
    }
}

/// The band key of a signature: its four 16-bit rows packed into one `u64`, so buckets are
/// found by sorting integers, with no hashing and no hash map.
fn band_key(s: &Sig, band: usize) -> u64 {
    s[band * ROWS..(band + 1) * ROWS]
        .iter()
        .fold(0u64, |k, &v| (k << 16) | u64::from(v))
}

/// Whether a match text can hold a substantial content text at all (four words take at least
/// seven bytes); a cheap test that spares the content-text pass for the many one-word replies.
fn may_be_substantial(match_text: &str) -> bool {
    match_text.len() >= 7
}

/// Two low bits of every bin of a signature, packed: a 16-byte digest kept apart from the
/// signatures so the bucket scan reads it from cache.
type Digest = [u64; 2];

fn digest(s: &Sig) -> Digest {
    let mut d = [0u64; 2];
    for (b, &v) in s.iter().enumerate() {
        d[b / 32] |= u64::from(v & 3) << (2 * (b % 32));
    }
    d
}

/// Bins whose digests differ. Equal bins have equal digests, so this never exceeds the bins
/// where the signatures differ: a pair with more differing digests than `BINS × (1 − J)`
/// cannot reach similarity `J`, and is rejected without reading the signatures.
fn digest_distance(a: &Digest, b: &Digest) -> u32 {
    const LOW: u64 = 0x5555_5555_5555_5555;
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let d = x ^ y;
            ((d | (d >> 1)) & LOW).count_ones()
        })
        .sum()
}

/// Clusters of near-duplicate texts: for each item, the cluster's root item, or `None` when the
/// item has no comparable text.
pub(crate) fn clusters(corpus: &Corpus, jaccard: f64) -> Vec<Option<u32>> {
    let sigs: Vec<(u32, Sig)> = corpus
        .items
        .par_iter()
        .zip(corpus.match_texts.par_iter())
        .enumerate()
        .filter_map(|(i, (it, mt))| {
            if matches!(it.kind, ItemKind::Repost | ItemKind::Forward) || !may_be_substantial(mt) {
                return None;
            }
            Some((i as u32, content_signature(mt)?))
        })
        .collect();
    let digests: Vec<Digest> = sigs.par_iter().map(|(_, s)| digest(s)).collect();
    // Most bins may differ in a pair that is still similar enough.
    let max_differing = ((1.0 - jaccard).max(0.0) * BINS as f64).floor() as u32;
    let similar = |a: u32, b: u32| {
        digest_distance(&digests[a as usize], &digests[b as usize]) <= max_differing
            && similarity(&sigs[a as usize].1, &sigs[b as usize].1) >= jaccard
    };
    let mut parent: Vec<u32> = (0..sigs.len() as u32).collect();
    // Each position's cluster root as of the previous band: pairs already joined are not
    // compared again.
    let mut roots: Vec<u32> = parent.clone();
    let mut buckets: Vec<(u64, u32)> = Vec::with_capacity(sigs.len());
    for band in 0..BANDS {
        buckets.clear();
        buckets.par_extend(
            sigs.par_iter()
                .enumerate()
                .map(|(k, (_, s))| (band_key(s, band), k as u32)),
        );
        buckets.par_sort_unstable();
        let runs: Vec<(usize, usize)> = runs_of(&buckets);
        let pairs: Vec<(u32, u32)> = runs
            .par_iter()
            .flat_map_iter(|&(s, e)| {
                let run = &buckets[s..e];
                let lead = run[0].1;
                let mut v = Vec::new();
                for w in 1..run.len() {
                    let (m, prev) = (run[w].1, run[w - 1].1);
                    if roots[m as usize] == roots[lead as usize] {
                        continue;
                    }
                    if similar(lead, m) {
                        v.push((lead, m));
                    } else if prev != lead
                        && roots[m as usize] != roots[prev as usize]
                        && similar(prev, m)
                    {
                        v.push((prev, m));
                    }
                }
                v
            })
            .collect();
        if pairs.is_empty() {
            continue;
        }
        for (a, b) in pairs {
            union(&mut parent, a, b);
        }
        for k in 0..parent.len() as u32 {
            roots[k as usize] = find(&mut parent, k);
        }
    }
    // Positions in `sigs` follow item order, so the smallest position is the earliest item.
    let mut out = vec![None; corpus.items.len()];
    for k in 0..sigs.len() as u32 {
        let root = find(&mut parent, k);
        out[sigs[k as usize].0 as usize] = Some(sigs[root as usize].0);
    }
    out
}

/// Ranges of equal keys with at least two members.
fn runs_of(v: &[(u64, u32)]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = 0;
    while s < v.len() {
        let mut e = s + 1;
        while e < v.len() && v[e].0 == v[s].0 {
            e += 1;
        }
        if e - s >= 2 {
            out.push((s, e));
        }
        s = e;
    }
    out
}

impl Signal for CoText {
    fn code(&self) -> &'static str {
        "co-text"
    }

    fn events(&self, corpus: &Corpus) -> Vec<KeyEvent> {
        clusters(corpus, self.jaccard)
            .into_iter()
            .enumerate()
            .filter_map(|(i, c)| {
                c.map(|root| KeyEvent {
                    class: 0,
                    key: u64::from(root),
                    item: i as u32,
                })
            })
            .collect()
    }

    fn describe(&self, corpus: &Corpus, key: u64, _item: u32) -> String {
        // The key is the cluster's earliest item: its text stands for the cluster.
        corpus
            .texts
            .get(key as usize)
            .map(|t| excerpt(t, 80))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(a: &str, b: &str) -> f64 {
        let (Some(x), Some(y)) = (signature(&content_text(a)), signature(&content_text(b))) else {
            return 0.0;
        };
        similarity(&x, &y)
    }

    #[test]
    fn the_signature_read_from_the_match_text_is_the_content_texts() {
        let long = "слово ".repeat(500);
        for mt in [
            "нато готовит провокацию у границы беларуси 🔥 #правда https://t.co/x @rt",
            "#only #tags 🙂",
            "one two three",
            "one two three four",
            "abcdefghijklmnopqrst",
            "don't panic: п'ять по-русски e-mail www.fake.ltd/x",
            long.as_str(),
            "",
        ] {
            let content = content_text(mt);
            let expected = is_substantial(&content)
                .then(|| signature(&content))
                .flatten();
            assert_eq!(content_signature(mt), expected, "{mt:?}");
        }
    }

    #[test]
    fn light_edits_stay_similar_and_other_texts_do_not() {
        let base = "НАТО готовит провокацию у границы Беларуси, говорят источники в Минске";
        let cases = [
            (
                "НАТО готовит провокацию у границы Беларуси, говорят источники в Минске!!! 🔥🔥 #правда",
                true,
            ),
            (
                "нато готовит провокацию у границы беларуси говорят источники в минске @rt_russian",
                true,
            ),
            (
                "НАТО готовит провокации у границы Беларуси, говорят наши источники в Минске",
                true,
            ),
            (
                "Lietuvos kariuomenė šiandien pradėjo pratybas prie sienos su Baltarusija",
                false,
            ),
            ("НАТО проводит учения в Польше, сообщает агентство", false),
        ];
        for (other, same) in cases {
            let s = sim(base, other);
            assert_eq!(s >= 0.6, same, "{other}: {s}");
        }
    }

    #[test]
    fn digest_never_rejects_a_similar_pair() {
        let texts = [
            "НАТО готовит провокацию у границы Беларуси, говорят источники в Минске",
            "НАТО готовит провокации у границы Беларуси, говорят наши источники в Минске",
            "Lietuvos kariuomenė šiandien pradėjo pratybas prie sienos su Baltarusija",
            "Lietuvos kariuomenė šiandien pradėjo pratybas prie sienos",
            "НАТО проводит учения в Польше, сообщает агентство",
        ];
        let sigs: Vec<Sig> = texts
            .iter()
            .filter_map(|t| signature(&content_text(t)))
            .collect();
        for a in &sigs {
            for b in &sigs {
                let differing = BINS as u32 - (similarity(a, b) * BINS as f64).round() as u32;
                assert!(digest_distance(&digest(a), &digest(b)) <= differing);
            }
        }
        assert_eq!(digest_distance(&digest(&sigs[0]), &digest(&sigs[0])), 0);
    }

    #[test]
    fn signatures_are_stable() {
        let s = signature("labas rytas lietuva").map(|s| s[..4].to_vec());
        let again = signature("labas rytas lietuva").map(|s| s[..4].to_vec());
        assert_eq!(s, again);
        assert!(signature("abc").is_none());
    }
}
