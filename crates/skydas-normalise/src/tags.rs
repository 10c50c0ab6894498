//! Hashtags and mentions: extraction from text and normalisation of importer-given ones.
//!
//! Co-hashtag detection compares tag sets across accounts, so `#Ukraine`, `#ukraine` and
//! `#ｕｋｒａｉｎｅ` must be one tag. Tags are stored without their sigil, NFKC-normalised and
//! lowercased, deduplicated in first-seen order.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

/// Hashtags in `text` without the `#`, normalised. A hashtag is `#` followed by letters,
/// digits, combining marks or `_`, with at least one letter, not preceded by a letter or digit
/// (`C#` is not one), and outside the given URL spans (fragments are not hashtags).
pub fn extract_hashtags(text: &str, skip: &[Range<usize>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, body) in sigil_runs(text, '#', skip, is_tag_char) {
        if body.chars().any(char::is_alphabetic) {
            push_unique(&mut out, normalise_tag(body));
        }
    }
    out
}

/// Mentions in `text` without the `@`, lowercased: `@` + 1–32 of `[A-Za-z0-9_]` (X and
/// Telegram handle rules), not preceded by a word character (so e-mail addresses are not
/// mentions), outside the given URL spans.
pub fn extract_mentions(text: &str, skip: &[Range<usize>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (at, body) in sigil_runs(text, '@', skip, |c| c.is_ascii_alphanumeric() || c == '_') {
        // A longer run is not a valid handle; and "@name.domain" right after is an address.
        let after = &text[at + 1 + body.len()..];
        if body.len() > 32 || after.starts_with(|c: char| c.is_alphanumeric()) {
            continue;
        }
        push_unique(&mut out, body.to_ascii_lowercase());
    }
    out
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || is_combining_mark(c)
}

/// Combining marks keep decomposed diacritics (`e` + U+0301) inside a tag.
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Positions of `sigil` not preceded by a word character and not inside `skip`, with the run
/// of `body` characters after it (non-empty).
fn sigil_runs<'a>(
    text: &'a str,
    sigil: char,
    skip: &'a [Range<usize>],
    body: impl Fn(char) -> bool + 'a,
) -> impl Iterator<Item = (usize, &'a str)> + 'a {
    let sig = sigil as u8;
    memchr::memchr_iter(sig, text.as_bytes()).filter_map(move |at| {
        if skip.iter().any(|r| r.contains(&at)) {
            return None;
        }
        if let Some(prev) = text[..at].chars().next_back()
            && (prev.is_alphanumeric() || prev == '_' || is_combining_mark(prev))
        {
            return None;
        }
        let rest = &text[at + 1..];
        let len = rest
            .char_indices()
            .find(|&(_, c)| !body(c))
            .map_or(rest.len(), |(j, _)| j);
        (len > 0).then(|| (at, &rest[..len]))
    })
}

/// Normalises an importer-given hashtag or mention: leading sigils and whitespace stripped,
/// NFKC, lowercased. Returns an empty string when nothing is left.
pub fn normalise_tag(tag: &str) -> String {
    let t = tag.trim().trim_start_matches(['#', '@', '＃', '＠']).trim();
    if t.is_ascii() {
        return t.to_ascii_lowercase();
    }
    let nfkc: String = t.nfkc().collect();
    nfkc.to_lowercase()
}

/// Normalises a list in place: every entry through [`normalise_tag`], empties dropped,
/// duplicates dropped in first-seen order.
pub fn normalise_tags(tags: &mut Vec<String>) {
    let old = std::mem::take(tags);
    for t in old {
        let n = normalise_tag(&t);
        if !n.is_empty() {
            push_unique(tags, n);
        }
    }
}

fn push_unique(v: &mut Vec<String>, s: String) {
    // Lists are short (a handful of tags), so a linear scan beats hashing.
    if !v.contains(&s) {
        v.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks what `extract` (called `what` in the message) finds in `text` outside its URLs.
    fn check_with(
        extract: fn(&str, &[Range<usize>]) -> Vec<String>,
        what: &str,
        text: &str,
        expected: &[&str],
    ) {
        let skip = crate::url::url_spans(text);
        assert_eq!(extract(text, &skip), expected, "{what} of {text:?}");
    }

    fn check_tags(text: &str, expected: &[&str]) {
        check_with(extract_hashtags, "hashtags", text, expected);
    }

    fn check_mentions(text: &str, expected: &[&str]) {
        check_with(extract_mentions, "mentions", text, expected);
    }

    #[test]
    fn hashtags() {
        check_tags("#Ukraine #ukraine #UKRAINE", &["ukraine"]);
        check_tags("Слава #Україні та #Беларусь!", &["україні", "беларусь"]);
        check_tags("#Lietuvą #Łódź #Žinios", &["lietuvą", "łódź", "žinios"]);
        check_tags("I code C# and F#", &[]);
        check_tags("see https://lrt.lt/page#top and lrt.lt/x/#frag", &[]);
        check_tags("#2024 is not a tag but #2024vote is", &["2024vote"]);
        check_tags(
            "#tag_with_underscore, #end.",
            &["tag_with_underscore", "end"],
        );
        check_tags("##double", &["double"]);
        check_tags("price&#39;s", &[]);
        check_tags("#", &[]);
        check_tags("# space", &[]);
        check_tags("#ｆｕｌｌｗｉｄｔｈ", &["fullwidth"]);
        check_tags("a#b", &[]);
    }

    #[test]
    fn mentions() {
        check_mentions(
            "@Elon_Musk and @elon_musk, @nexta_tv!",
            &["elon_musk", "nexta_tv"],
        );
        check_mentions("mail me: someone@example.com", &[]);
        check_mentions("@a", &["a"]);
        check_mentions(&format!("@{}", "a".repeat(32)), &["a".repeat(32).as_str()]);
        check_mentions(&format!("@{}", "a".repeat(33)), &[]);
        check_mentions("(@rianru)", &["rianru"]);
        check_mentions("@пользователь", &[]);
        check_mentions("https://medium.com/@author/post", &[]);
        check_mentions("@", &[]);
    }

    #[test]
    fn importer_tags_are_normalised() {
        let mut v = vec![
            "#Ukraine".to_string(),
            "ukraine".to_string(),
            "  ".to_string(),
            "@NEXTA_TV".to_string(),
            "＃Україна".to_string(),
        ];
        normalise_tags(&mut v);
        assert_eq!(v, ["ukraine", "nexta_tv", "україна"]);
    }
}
