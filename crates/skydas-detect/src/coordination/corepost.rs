//! `co-repost`: actors reposting, quoting or forwarding the same item.
//!
//! # What it finds
//! Retweets and quotes of the same post, and Telegram forwards of the same message together
//! with the source channel's own post of it. Telegram exports name only the forward's source,
//! not the message, and name the source by id in some messages and by title only in others, so
//! a forward's key is its content: the fingerprint of a substantial forwarded text alone (it
//! identifies the message whatever the source is called), or the source (resolved to a channel
//! of the corpus where its id or unique title matches) with the fingerprint of a short text.
//! A forward without any text (media only) has the key "media of this source", and such keys
//! are episodic: they are split into bursts like hashtags, so forwarding each media post of a
//! source within minutes still counts once per post.
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
//! Media-only forwards of one source that overlap in time (two photos forwarded within the same
//! half hour) are one burst. A source's own post joins its forwarders only when the source is
//! in the corpus and the forward names it by id or by a title no other channel has. Timing is
//! all that separates a lockstep network from a popular channel's organic forwarders: those
//! forward hours later, not minutes.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use skydas_model::{Corpus, ItemKind, Platform};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::text::{SEED, content_text, excerpt, fingerprint, is_substantial};
use super::{KeyEvent, Signal};

/// The `co-repost` signal.
#[derive(Debug, Default)]
pub struct CoRepost;

/// Top bit of a key: a forward key (the rest is a hash), not a plain repost target id.
const FORWARD: u64 = 1 << 63;
/// Second bit of a forward key: a media-only forward, whose key is episodic.
const MEDIA: u64 = 1 << 62;

/// Who a forward's source is: a corpus actor when it can be told, else the ref itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    Actor(u32),
    Ref(u32),
}

impl Source {
    fn bytes(self) -> [u8; 5] {
        let (tag, v) = match self {
            Source::Actor(a) => (0u8, a),
            Source::Ref(r) => (1u8, r),
        };
        let mut b = [tag; 5];
        b[1..].copy_from_slice(&v.to_le_bytes());
        b
    }
}

/// The forward key of a content text from `source`.
fn forward_key(source: Source, content: &str) -> u64 {
    if content.is_empty() {
        return xxh3_64_with_seed(&source.bytes(), SEED ^ 1) | FORWARD | MEDIA;
    }
    let fp = fingerprint(content);
    if is_substantial(content) {
        return xxh3_64_with_seed(&fp.to_le_bytes(), SEED) & !MEDIA | FORWARD;
    }
    let mut b = [0u8; 13];
    b[..5].copy_from_slice(&source.bytes());
    b[5..].copy_from_slice(&fp.to_le_bytes());
    xxh3_64_with_seed(&b, SEED) & !MEDIA | FORWARD
}

/// Telegram actors by id and by unique title, to resolve `from:channel123` and
/// `from:name:Title` refs to the channel that posted the original.
fn source_resolver(corpus: &Corpus) -> Vec<Option<u32>> {
    let mut by_id: HashMap<&str, u32> = HashMap::new();
    let mut by_name: HashMap<&str, Option<u32>> = HashMap::new();
    for (a, ca) in corpus.actors.iter().enumerate() {
        if ca.platform != Platform::Telegram {
            continue;
        }
        by_id.insert(ca.actor.platform_id.as_str(), a as u32);
        if let Some(n) = ca.actor.name.as_deref().filter(|n| !n.is_empty()) {
            by_name
                .entry(n)
                .and_modify(|v| *v = None)
                .or_insert(Some(a as u32));
        }
    }
    corpus
        .refs
        .iter()
        .map(|(_, r)| {
            let from = r.strip_prefix("from:")?;
            if let Some(name) = from.strip_prefix("name:") {
                return by_name.get(name).copied().flatten();
            }
            let id = ["channel", "user", "chat", "peer"]
                .iter()
                .find_map(|p| from.strip_prefix(p))
                .unwrap_or(from);
            by_id.get(id).copied()
        })
        .collect()
}

impl Signal for CoRepost {
    fn code(&self) -> &'static str {
        "co-repost"
    }

    fn episodic_key(&self, key: u64) -> bool {
        key & (FORWARD | MEDIA) == FORWARD | MEDIA
    }

    fn events(&self, corpus: &Corpus) -> Vec<KeyEvent> {
        let from_ref: Vec<bool> = corpus
            .refs
            .iter()
            .map(|(_, r)| r.starts_with("from:"))
            .collect();
        let resolved = source_resolver(corpus);
        // (event, resolved source actor) per repost or forward.
        let reposts: Vec<(KeyEvent, Option<u32>)> = corpus
            .items
            .par_iter()
            .enumerate()
            .filter_map(|(i, it)| {
                let target = it.repost_of.or(it.quote_of)?;
                let t = target as usize;
                let (key, src) =
                    if from_ref.get(t).copied().unwrap_or(false) || it.kind == ItemKind::Forward {
                        let src = resolved.get(t).copied().flatten();
                        let source = src.map_or(Source::Ref(target), Source::Actor);
                        (
                            forward_key(source, &content_text(&corpus.match_texts[i])),
                            src,
                        )
                    } else {
                        (u64::from(target), None)
                    };
                let event = KeyEvent {
                    key,
                    item: i as u32,
                    class: 0,
                };
                Some((event, src))
            })
            .collect();
        // The sources' own posts of what was forwarded from them.
        let forwarded: HashSet<(u32, u64)> = reposts
            .iter()
            .filter_map(|(e, s)| s.map(|s| (s, e.key)))
            .collect();
        let sources: HashSet<u32> = forwarded.iter().map(|&(s, _)| s).collect();
        let originals: Vec<KeyEvent> = corpus
            .items
            .par_iter()
            .enumerate()
            .filter_map(|(i, it)| {
                if it.platform != Platform::Telegram
                    || it.repost_of.is_some()
                    || !sources.contains(&it.actor)
                {
                    return None;
                }
                let key = forward_key(
                    Source::Actor(it.actor),
                    &content_text(&corpus.match_texts[i]),
                );
                forwarded.contains(&(it.actor, key)).then_some(KeyEvent {
                    key,
                    item: i as u32,
                    class: 0,
                })
            })
            .collect();
        let mut out: Vec<KeyEvent> = reposts.into_iter().map(|(e, _)| e).collect();
        out.extend(originals);
        out
    }

    fn describe(&self, corpus: &Corpus, key: u64, item: u32) -> String {
        let it = &corpus.items[item as usize];
        let target = match it.repost_of.or(it.quote_of) {
            Some(r) => corpus.refs.resolve(r).to_string(),
            // The source's own post of a forwarded message.
            None => format!("from:{}", corpus.actor(it.actor).actor.platform_id),
        };
        if key & FORWARD != 0 {
            let text = excerpt(&corpus.texts[item as usize], 60);
            if text.is_empty() {
                format!("{target} · (media)")
            } else {
                format!("{target} · {text}")
            }
        } else {
            target
        }
    }
}
