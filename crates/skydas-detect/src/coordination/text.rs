//! Content text and stable text hashes shared by the text-based signals.
//!
//! `content_text` mirrors the normaliser's definition (the words of a post without URLs,
//! mentions, hashtags, emoji and punctuation); it lives here so that detection does not depend
//! on a normaliser build, and works on the already folded `match_text`.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Seed of every text hash; fixed so fingerprints are stable across runs and machines.
pub(crate) const SEED: u64 = 0x5eed_5c1d_a5c0_de01;

/// Writes the content words of `match_text` into `out` (cleared first), one space between
/// words. URLs, `@mentions`, `#hashtags`, emoji and punctuation are dropped, so a copy with
/// added hashtags or emoji keeps the same content.
pub(crate) fn content_text_into(match_text: &str, out: &mut String) {
    out.clear();
    for tok in match_text.split_whitespace() {
        if tok.starts_with('@')
            || tok.starts_with('#')
            || tok.contains("://")
            || tok.starts_with("www.")
            || tok.starts_with("t.me/")
        {
            continue;
        }
        let mut pending_space = !out.is_empty();
        for c in tok.chars() {
            if c.is_alphanumeric() {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(c);
            } else if !out.is_empty() {
                pending_space = true;
            }
        }
    }
}

/// [`content_text_into`] into a new string.
#[cfg(test)]
pub(crate) fn content_text(match_text: &str) -> String {
    let mut s = String::new();
    content_text_into(match_text, &mut s);
    s
}

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

    #[test]
    fn content_text_drops_urls_tags_emoji_and_punctuation() {
        check(
            "привет, мир! 🚀 https://x.example/a #tag @who",
            "привет мир",
        );
        check("  labas   rytas—lietuva ", "labas rytas lietuva");
        check("#only @tags", "");
        check("t.me/chan/5 ąčę, žodis!!", "ąčę žodis");
        check("don't 2024-02-24", "don t 2024 02 24");
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
