//! `co-hashtag`: actors pushing the same rare hashtag in the same burst.
//!
//! # What it finds
//! Posts that carry the same hashtag within one burst of its use. Each post counts by its
//! rarest hashtag (fewest distinct actors in the corpus), so a campaign tag keeps its key when
//! bots shuffle the order or add a popular tag (`#nato`, `#news`) to some copies, and a single
//! campaign tag is enough.
//!
//! # Why it matters
//! Hashtag-flooding networks push the same tags burst after burst. The tag stays the same, so
//! the burst is what tells one co-action from the next: the join splits a hashtag's uses into
//! bursts wherever it goes unused for longer than the slow window (and after twelve slow
//! windows of unbroken use, so a flood that never pauses is still burst after burst), and each burst is a
//! key of its own. A pair that turns up together in burst after burst of a rare tag is what floods
//! look like; a popular tag in constant use forms one huge burst that weighs almost nothing.
//!
//! # Evidence it reports
//! The hashtag (`#tag`) and, per actor pair, the two items and their time gap.
//!
//! # DISARM techniques
//! T0049.002 (flood existing hashtag).
//!
//! # Known limits
//! A flood whose posts share no tag with each other (every post a different rare tag) is not
//! found. Reposts and forwards carry their source's tags and are left to `co-repost`. Bursts
//! of a tag used by more than `max_key_actors` actors are not compared.

use rayon::prelude::*;
use skydas_model::{Corpus, ItemKind};

use super::{KeyEvent, Signal};

/// The `co-hashtag` signal.
#[derive(Debug, Default)]
pub struct CoHashtag;

/// Distinct actors per hashtag.
fn actors_per_tag(corpus: &Corpus) -> Vec<u32> {
    let pairs = corpus
        .items
        .iter()
        .flat_map(|it| it.hashtags.iter().map(move |&t| (t, it.actor)))
        .collect();
    crate::audience::distinct_actors(pairs, corpus.tags.len())
}

impl Signal for CoHashtag {
    fn code(&self) -> &'static str {
        "co-hashtag"
    }

    fn episodic(&self) -> bool {
        true
    }

    fn events(&self, corpus: &Corpus) -> Vec<KeyEvent> {
        let popularity = actors_per_tag(corpus);
        corpus
            .items
            .par_iter()
            .enumerate()
            .filter_map(|(i, it)| {
                if matches!(it.kind, ItemKind::Repost | ItemKind::Forward) {
                    return None;
                }
                // Rarest first, ties by tag id, so every copy of a post picks the same tag.
                let tag = it
                    .hashtags
                    .iter()
                    .min_by_key(|&&t| (popularity.get(t as usize).copied().unwrap_or(0), t))?;
                Some(KeyEvent {
                    key: u64::from(*tag),
                    item: i as u32,
                    class: 0,
                })
            })
            .collect()
    }

    fn describe(&self, corpus: &Corpus, key: u64, _item: u32) -> String {
        format!("#{}", corpus.tags.resolve(key as u32))
    }
}
