//! `co-image`: actors posting the same picture.
//!
//! # What it finds
//! Posts that carry the same image: the same perceptual hash, or for hashes this project
//! computes (`dhash:` and 16 hex digits, from the photos of Telegram exports) one within
//! [`NEAR_BITS`] bits, which survives recompression, resizing and a changed caption bar. Hashes
//! given by a data set (an image-hash column, an anonymised `phash_id`) match exactly.
//!
//! # Why it matters
//! Networks that push the same meme, screenshot or fake document post the same picture with
//! changed or no text, so neither `co-link` nor `co-text` sees them.
//!
//! # Evidence it reports
//! The image hash and, per actor pair, the two items and their time gap.
//!
//! # DISARM techniques
//! T0049 (flooding).
//!
//! # Known limits
//! A pair counts an image once, by each actor's first post of it: a meme reused for months
//! counts once. Reposts and forwards carry their source's media and are left to `co-repost`.
//! Near matches chain: three hashes each within the distance of the next are one image.

use std::collections::HashMap;

use rayon::prelude::*;
use skydas_model::{Corpus, ItemKind};

use super::{KeyEvent, Signal, item_events};

/// Hamming distance up to which two computed hashes are one image.
pub const NEAR_BITS: u32 = 6;

/// The `co-image` signal.
#[derive(Debug, Default)]
pub struct CoImage;

/// A computed hash's 64 bits.
fn bits(h: &str) -> Option<u64> {
    let hex = h.strip_prefix("dhash:")?;
    (hex.len() == 16)
        .then(|| u64::from_str_radix(hex, 16).ok())
        .flatten()
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

/// The image each hash stands for: its own symbol, or for near computed hashes the smallest
/// symbol of their cluster. Candidates come from bands: two hashes within [`NEAR_BITS`] bits
/// agree exactly on at least one of `NEAR_BITS + 1` disjoint bands of their bits (pigeonhole),
/// so no near pair is missed and no all-pairs comparison is made.
fn images(corpus: &Corpus) -> Vec<u32> {
    let n = corpus.images.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let computed: Vec<(u32, u64)> = (0..n as u32)
        .filter_map(|s| bits(corpus.images.resolve(s)).map(|b| (s, b)))
        .collect();
    let bands = NEAR_BITS + 1;
    let width = 64 / bands;
    for band in 0..bands {
        let shift = band * width;
        let mask = if band + 1 == bands {
            u64::MAX >> shift
        } else {
            ((1u64 << width) - 1) << shift
        };
        let mut buckets: HashMap<u64, Vec<(u32, u64)>> = HashMap::new();
        for &(s, b) in &computed {
            buckets.entry(b & mask).or_default().push((s, b));
        }
        for members in buckets.values() {
            // A bucket of one band's value is small unless the images are the same; compare
            // within it, capped so that a degenerate hash (all zero) cannot go quadratic.
            for (i, &(sa, ba)) in members.iter().enumerate().take(256) {
                for &(sb, bb) in members.iter().skip(i + 1).take(256) {
                    if (ba ^ bb).count_ones() <= NEAR_BITS {
                        let (ra, rb) = (find(&mut parent, sa), find(&mut parent, sb));
                        if ra != rb {
                            parent[ra.max(rb) as usize] = ra.min(rb);
                        }
                    }
                }
            }
        }
    }
    (0..n as u32).map(|s| find(&mut parent, s)).collect()
}

impl Signal for CoImage {
    fn code(&self) -> &'static str {
        "co-image"
    }

    fn events(&self, corpus: &Corpus) -> Vec<KeyEvent> {
        if corpus.images.is_empty() {
            return Vec::new();
        }
        let image = images(corpus);
        corpus
            .items
            .par_iter()
            .enumerate()
            .filter(|(_, it)| !matches!(it.kind, ItemKind::Repost | ItemKind::Forward))
            .flat_map_iter(|(i, it)| {
                item_events(
                    i,
                    it.images.iter().map(|&h| (u64::from(image[h as usize]), 0)),
                )
            })
            .collect()
    }

    fn describe(&self, corpus: &Corpus, key: u64, _item: u32) -> String {
        format!("image {}", corpus.images.resolve(key as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skydas_model::{Actor, CorpusBuilder, Item, Platform};

    use crate::testkit::provenance;

    fn corpus(hashes: &[&str]) -> Corpus {
        let mut b = CorpusBuilder::new();
        for (i, h) in hashes.iter().enumerate() {
            let actor = Actor {
                platform_id: format!("a{i}"),
                ..Actor::default()
            };
            let prov = provenance("test", i as u64 + 1);
            let mut it = Item::new(Platform::X, format!("{i}"), actor, i as i64, "", prov);
            it.images = vec![(*h).to_string()];
            b.push(&it);
        }
        b.finish()
    }

    #[test]
    fn near_computed_hashes_are_one_image_and_data_set_hashes_match_exactly() {
        let c = corpus(&[
            "dhash:8f3c0011aa55e0f1",
            // Six bits apart from the first.
            "dhash:8f3c0011aa55e03e",
            // Far from both.
            "dhash:70c3ffee55aa1f0e",
            "9280",
            "9281",
            "9280",
        ]);
        let keys: Vec<u64> = {
            let mut e = CoImage.events(&c);
            e.sort_by_key(|e| e.item);
            e.iter().map(|e| e.key).collect()
        };
        assert_eq!(keys[0], keys[1], "six bits apart: one image");
        assert_ne!(keys[0], keys[2]);
        assert_eq!(keys[3], keys[5]);
        assert_ne!(keys[3], keys[4], "opaque hashes match exactly");
    }
}
