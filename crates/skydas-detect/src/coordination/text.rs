//! Stable text hashes and helpers shared by the text-based signals.
//!
//! The content text itself (the words of a post without URLs, mentions, hashtags, emoji and
//! punctuation) is the normaliser's [`skydas_normalise::text::content_text`], so that what
//! co-text compares is what the rest of the product calls a post's content.

use xxhash_rust::xxh3::xxh3_64_with_seed;

pub(crate) use skydas_normalise::text::{content_text, for_each_content_char};

/// Seed of every text hash; fixed so fingerprints are stable across runs and machines.
pub(crate) const SEED: u64 = 0x5eed_5c1d_a5c0_de01;

/// Whether a content text is long enough to say something when shared: at least 4 words or
/// 20 characters. Shorter texts ("да", "+1", "слава україні") are said independently by many.
pub(crate) fn is_substantial(content: &str) -> bool {
    content.split(' ').count() >= 4 || content.chars().count() >= 20
}

/// Stable 64-bit fingerprint of a content text.
pub(crate) fn fingerprint(content: &str) -> u64 {
    xxh3_64_with_seed(content.as_bytes(), SEED)
}

/// A short excerpt (at most `max` characters) of a display text, on one line.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for word in text.split_whitespace() {
        let need = word.chars().count() + usize::from(!out.is_empty());
        if n + need > max {
            if out.is_empty() {
                out.extend(word.chars().take(max.saturating_sub(1)));
            }
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        n += need;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(content_text(input), expected, "input: {input:?}");
    }

    /// What co-text relies on: copies with other tags, mentions, links or emoji read the same.
    #[test]
    fn content_text_drops_urls_tags_emoji_and_punctuation() {
        check(
            "привет, мир! 🚀 https://x.example/a #tag @who",
            "привет мир",
        );
        check("  labas   rytas—lietuva ", "labas rytas lietuva");
        check("#only @tags", "");
        check("t.me/chan/5 ąčę, žodis!!", "ąčę žodis");
        check("don't 2024-02-24", "don't 2024-02-24");
    }

    #[test]
    fn substantial_and_excerpt() {
        assert!(is_substantial("one two three four"));
        assert!(!is_substantial("слава україні"));
        assert!(is_substantial("abcdefghijklmnopqrstu"));
        assert_eq!(excerpt("a bb ccc dddd", 6), "a bb…");
        assert_eq!(excerpt("short", 80), "short");
        assert_eq!(excerpt("abcdefghij", 4), "abc…");
    }
}
