//! `co-hashtag`: actors using the same set of two or more hashtags.
//!
//! # What it finds
//! Posts that carry exactly the same set of at least two hashtags (order and case ignored).
//!
//! # Why it matters
//! Hashtag-flooding networks push a campaign's tag combination from many accounts at once; a
//! single big hashtag says little, a rare combination repeated in lockstep says a lot.
//!
//! # Evidence it reports
//! The hashtag set (`#a #b`) and, per actor pair, the two items and their time gap.
//!
//! # DISARM techniques
//! T0049.002 (flood existing hashtag).
//!
//! # Known limits
//! Sets differing by one tag are different keys. Popular sets are down-weighted by the join
//! like every key, and sets used by thousands of actors are not compared at all.

use rayon::prelude::*;
use skydas_model::Corpus;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::text::SEED;
use super::{KeyEvent, Signal};

/// The `co-hashtag` signal.
#[derive(Debug, Default)]
pub struct CoHashtag;

impl Signal for CoHashtag {
    fn code(&self) -> &'static str {
        "co-hashtag"
    }

    fn events(&self, corpus: &Corpus) -> Vec<KeyEvent> {
        corpus
            .items
            .par_iter()
            .enumerate()
            .filter_map(|(i, it)| {
                if it.hashtags.len() < 2 {
                    return None;
                }
                let mut tags = it.hashtags.clone();
                tags.sort_unstable();
                tags.dedup();
                if tags.len() < 2 {
                    return None;
                }
                let bytes: Vec<u8> = tags.iter().flat_map(|t| t.to_le_bytes()).collect();
                Some(KeyEvent {
                    key: xxh3_64_with_seed(&bytes, SEED),
                    item: i as u32,
                })
            })
            .collect()
    }

    fn describe(&self, corpus: &Corpus, _key: u64, item: u32) -> String {
        let mut tags: Vec<&str> = corpus.items[item as usize]
            .hashtags
            .iter()
            .map(|&t| corpus.tags.resolve(t))
            .collect();
        tags.sort_unstable();
        tags.dedup();
        tags.iter()
            .map(|t| format!("#{t}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}
