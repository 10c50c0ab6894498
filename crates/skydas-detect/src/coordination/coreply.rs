//! `co-reply`: actors replying to the same post.
//!
//! # What it finds
//! Replies to the same post by different actors within the window, repeated across posts.
//!
//! # Why it matters
//! Reply storms ("swarming") bury a target's post or a journalist's thread under the same
//! accounts again and again.
//!
//! # Evidence it reports
//! The post replied to and, per actor pair, the two replies and their time gap.
//!
//! # DISARM techniques
//! T0049.005 (conduct swarming).
//!
//! # Known limits
//! Replies to a very popular post are down-weighted like any popular key; conversations
//! between the same friends also repeat, which is why the null model compares timing, not mere
//! co-occurrence.

use rayon::prelude::*;
use skydas_model::Corpus;

use super::{KeyEvent, Signal};

/// The `co-reply` signal.
#[derive(Debug, Default)]
pub struct CoReply;

impl Signal for CoReply {
    fn code(&self) -> &'static str {
        "co-reply"
    }

    fn events(&self, corpus: &Corpus) -> Vec<KeyEvent> {
        corpus
            .items
            .par_iter()
            .enumerate()
            .filter_map(|(i, it)| {
                it.reply_to.map(|r| KeyEvent {
                    class: 0,
                    key: u64::from(r),
                    item: i as u32,
                })
            })
            .collect()
    }

    fn describe(&self, corpus: &Corpus, key: u64, _item: u32) -> String {
        corpus.refs.resolve(key as u32).to_string()
    }
}
