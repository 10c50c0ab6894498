//! `co-repost`: actors reposting, quoting or forwarding the same item.
//!
//! # What it finds
//! Retweets and quotes of the same post, and Telegram forwards of the same message. Telegram
//! exports name only the forward's source channel, not the message, so a forward's key is the
//! source together with the fingerprint of the forwarded text.
//!
//! # Why it matters
//! Amplification networks repost every post of a seeding account within seconds; channel
//! networks forward one source channel's messages in lockstep.
//!
//! # Evidence it reports
//! The repost target (`from:{source}` with a text excerpt for forwards) and, per actor pair,
//! the two items and their time gap.
//!
//! # DISARM techniques
//! T0049.003 (automated forwarding and reposting).
//!
//! # Known limits
//! Forwards without text (media only) cannot be told apart and are skipped. The source
//! channel's own post is not linked to its forwarders by this signal.

use rayon::prelude::*;
use skydas_model::{Corpus, ItemKind};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::text::{SEED, content_text, excerpt, fingerprint};
use super::{KeyEvent, Signal};

/// The `co-repost` signal.
#[derive(Debug, Default)]
pub struct CoRepost;

impl Signal for CoRepost {
    fn code(&self) -> &'static str {
        "co-repost"
    }

    fn events(&self, corpus: &Corpus) -> Vec<KeyEvent> {
        let from_ref: Vec<bool> = corpus
            .refs
            .iter()
            .map(|(_, r)| r.starts_with("from:"))
            .collect();
        corpus
            .items
            .par_iter()
            .enumerate()
            .filter_map(|(i, it)| {
                let target = it.repost_of.or(it.quote_of)?;
                let key = if from_ref[target as usize] || it.kind == ItemKind::Forward {
                    let content = content_text(&corpus.match_texts[i]);
                    if content.is_empty() {
                        return None;
                    }
                    let mut b = [0u8; 12];
                    b[..4].copy_from_slice(&target.to_le_bytes());
                    b[4..].copy_from_slice(&fingerprint(&content).to_le_bytes());
                    // Top bit set keeps forward keys apart from plain target ids.
                    xxh3_64_with_seed(&b, SEED) | (1 << 63)
                } else {
                    u64::from(target)
                };
                Some(KeyEvent {
                    key,
                    item: i as u32,
                })
            })
            .collect()
    }

    fn describe(&self, corpus: &Corpus, key: u64, item: u32) -> String {
        let it = &corpus.items[item as usize];
        let target = it
            .repost_of
            .or(it.quote_of)
            .map(|r| corpus.refs.resolve(r))
            .unwrap_or("");
        if key >> 63 == 1 {
            format!("{target} · {}", excerpt(&corpus.texts[item as usize], 60))
        } else {
            target.to_string()
        }
    }
}
