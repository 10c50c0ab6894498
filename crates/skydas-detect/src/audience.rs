//! Features of the whole corpus that more than one detector reads.

use rayon::prelude::*;
use skydas_model::Corpus;

/// Distinct actors linking each domain, and the most a domain may have to count as rare: 20
/// actors or 1 % of all actors, whichever is more.
///
/// A link to a rare domain is a key of its own class for the null model (see `join.rs`):
/// a mass outlet's article reaches its readers all at once and is shared in one long wave, so
/// sharing it in the same session as others says little; a niche site's article is found by
/// few, at their own pace, and the same few passing it on one after another is what a relay
/// looks like.
pub(crate) fn domain_audience(corpus: &Corpus) -> (Vec<u32>, u32) {
    let pairs = corpus
        .items
        .iter()
        .flat_map(|it| it.urls.iter().map(move |u| (u.domain, it.actor)))
        .collect();
    let actors_per_domain = distinct_actors(pairs, corpus.domains.len());
    let limit = (corpus.actors.len() / 100).max(20) as u32;
    (actors_per_domain, limit)
}

/// Distinct actors per key `0..keys`, from `(key, actor)` pairs (in any order, repeats
/// allowed); a key out of range is not counted.
pub(crate) fn distinct_actors(mut pairs: Vec<(u32, u32)>, keys: usize) -> Vec<u32> {
    pairs.par_sort_unstable();
    pairs.dedup();
    let mut n = vec![0u32; keys];
    for &(k, _) in &pairs {
        if let Some(c) = n.get_mut(k as usize) {
            *c += 1;
        }
    }
    n
}
