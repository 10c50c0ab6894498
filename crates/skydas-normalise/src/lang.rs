//! Language identification for short posts, tuned for the languages of the Baltic and Nordic
//! information space.
//!
//! The detector scores three kinds of cheap evidence per language: letters that only some
//! languages use (Ukrainian `ї є ґ і`, Belarusian `ў`, Lithuanian `ė į ų`, Latvian long vowels,
//! Estonian `õ`, Polish `ł ś ź ż`…), hand-written lists of frequent words (one file per language
//! under `lang/words/`), and a few word-ending and letter-group cues. URLs, mentions, hashtags,
//! digits and emoji are skipped. The scores of the languages of the text's script go through a
//! softmax; the result is `und` when evidence is thin, the top two are close, or the text mixes
//! Latin and Cyrillic words in similar measure.
//!
//! Ukrainian and Belarusian are never folded into Russian: their letters count against Russian,
//! and a Russian result over Ukrainian- or Belarusian-only letters needs a large margin.
//!
//! The hot path allocates nothing: words are lowercased into a stack buffer and looked up in one
//! hash table built on first use.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// Declares the supported languages once, in score-vector order: their codes ([`LANGS`]) and,
/// position for position, the frequent-word list of each, read from `lang/words/{code}.txt`.
macro_rules! languages {
    ($($code:literal),* $(,)?) => {
        /// Supported languages, ISO 639-1, in score-vector order.
        pub const LANGS: [&str; N] = [$($code),*];

        /// Each language's frequent-word file, in the order of [`LANGS`].
        const WORD_FILES: [&str; N] = [$(include_str!(concat!("lang/words/", $code, ".txt"))),*];
    };
}

languages!(
    "ru", "uk", "be", "lt", "lv", "et", "pl", "fi", "en", "de", "fr", "es", "sv",
);
const N: usize = 13;
const RU: usize = 0;
const UK: usize = 1;
const BE: usize = 2;
const LT: usize = 3;
const LV: usize = 4;
const ET: usize = 5;
const PL: usize = 6;
const FI: usize = 7;
const EN: usize = 8;
const DE: usize = 9;
const FR: usize = 10;
const ES: usize = 11;
const SV: usize = 12;
/// Languages written in Cyrillic occupy `0..CYR_END`, Latin ones the rest.
const CYR_END: usize = 3;

/// FNV-1a: short keys, no DoS concern (the table is fixed), and much faster than SipHash here.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type WordTable = HashMap<&'static str, u16, BuildHasherDefault<Fnv>>;

fn words() -> &'static WordTable {
    static TABLE: OnceLock<WordTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = WordTable::default();
        for (lang, file) in WORD_FILES.into_iter().enumerate() {
            for line in file.lines().filter(|l| !l.starts_with('#')) {
                for w in line.split_whitespace() {
                    *t.entry(w).or_insert(0) |= 1 << lang;
                }
            }
        }
        t
    })
}

/// Builds the word table now, so the first detection on a hot path does not pay for it.
pub fn warm_up() {
    let _ = words();
}

/// Detects the language of `text`: an ISO 639-1 code from [`LANGS`] or `und`, with a
/// confidence in 0..=1 (0 for `und`).
pub fn detect(text: &str) -> (&'static str, f32) {
    detect_with_hint(text, None)
}

/// Like [`detect`], with the platform's declared language as a weak prior. Hints that mean
/// nothing (`und`, `qme`, `zxx`, `qht`, …) and unsupported codes are ignored.
pub fn detect_with_hint(text: &str, hint: Option<&str>) -> (&'static str, f32) {
    let mut st = State::default();
    scan(text, &mut st);
    decide(&st, hint)
}

#[derive(Default)]
struct State {
    scores: [f32; N],
    cyr: u32,
    lat: u32,
    other: u32,
    /// Letters only Ukrainian (ї є ґ) or Belarusian (ў) use: Russian must not win over them
    /// without a large margin.
    uk_only: u32,
    be_only: u32,
}

fn scan(text: &str, st: &mut State) {
    let table = words();
    for tok in text.split_whitespace() {
        if tok.starts_with(['@', '#']) || has(tok, "://") || starts_with_www(tok) {
            continue;
        }
        let mut buf = [0u8; 64];
        let mut len = 0usize;
        let mut overflow = false;
        let mut prev_letter = false;
        let mut chars = tok.chars().peekable();
        while let Some(c) = chars.next() {
            if is_letter(c) {
                let l = lower(c);
                letter(l, st);
                if !overflow {
                    let n = l.len_utf8();
                    if len + n <= buf.len() {
                        l.encode_utf8(&mut buf[len..len + n]);
                        len += n;
                    } else {
                        overflow = true;
                    }
                }
                prev_letter = true;
                continue;
            }
            if matches!(c, '\'' | '’' | 'ʼ')
                && prev_letter
                && chars.peek().is_some_and(|&n| is_letter(n))
            {
                // Ukrainian and Belarusian write an apostrophe inside words (п'ять, сям'я)
                // where Russian uses ъ; in Latin words it is English or French elision.
                let next = chars.peek().copied().unwrap_or(' ');
                if is_cyrillic(next) {
                    st.scores[UK] += 1.5;
                    st.scores[BE] += 1.5;
                    st.scores[RU] -= 1.0;
                }
                if len < buf.len() {
                    buf[len] = b'\'';
                    len += 1;
                }
                continue;
            }
            if matches!(c, '¿' | '¡') {
                st.scores[ES] += 3.0;
            }
            end_word(&buf[..len], overflow, table, st);
            len = 0;
            overflow = false;
            prev_letter = false;
        }
        end_word(&buf[..len], overflow, table, st);
    }
}

/// `char::is_alphabetic` with fast paths for the ranges nearly all text here is in; the
/// general lookup is a binary search over Unicode tables.
#[inline]
fn is_letter(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '\u{0400}'..='\u{045F}' => true,
        '\u{0000}'..='\u{007F}' => false,
        '\u{00C0}'..='\u{024F}' => c != '×' && c != '÷',
        _ => c.is_alphabetic(),
    }
}

fn starts_with_www(tok: &str) -> bool {
    tok.len() > 4 && tok.as_bytes()[..4].eq_ignore_ascii_case(b"www.")
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{052F}')
}

/// Lowercase one letter, with fast paths for ASCII and basic Cyrillic.
fn lower(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        'a'..='z' | '\u{0430}'..='\u{045F}' => c,
        // А..Я → а..я, Ѐ..Џ → ѐ..џ
        '\u{0410}'..='\u{042F}' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
        '\u{0400}'..='\u{040F}' => char::from_u32(c as u32 + 0x50).unwrap_or(c),
        _ => c.to_lowercase().next().unwrap_or(c),
    }
}

fn add(st: &mut State, cues: &[(usize, f32)]) {
    for &(l, w) in cues {
        st.scores[l] += w;
    }
}

/// Per-letter evidence. Weights are per occurrence; negative weights mark letters a language
/// does not have.
fn letter(c: char, st: &mut State) {
    match c {
        'a'..='z' => {
            st.lat += 1;
            match c {
                'w' => add(
                    st,
                    &[
                        (PL, 0.3),
                        (DE, 0.3),
                        (EN, 0.3),
                        (LT, -0.5),
                        (LV, -0.5),
                        (ET, -0.5),
                        (FI, -0.5),
                        (ES, -0.3),
                        (FR, -0.2),
                    ],
                ),
                'q' => add(
                    st,
                    &[
                        (EN, 0.2),
                        (FR, 0.4),
                        (ES, 0.4),
                        (LT, -0.5),
                        (LV, -0.5),
                        (ET, -0.5),
                        (FI, -0.5),
                        (PL, -0.5),
                    ],
                ),
                'x' => add(
                    st,
                    &[
                        (EN, 0.2),
                        (FR, 0.2),
                        (LT, -0.4),
                        (LV, -0.4),
                        (ET, -0.4),
                        (FI, -0.4),
                        (PL, -0.4),
                    ],
                ),
                'y' => add(
                    st,
                    &[(LV, -0.5), (ET, -0.4), (FI, 0.2), (PL, 0.1), (EN, 0.1)],
                ),
                'c' => add(st, &[(FI, -0.3), (ET, -0.3)]),
                'f' => add(
                    st,
                    &[(LT, -0.1), (LV, -0.1), (PL, -0.1), (FI, -0.2), (ET, -0.1)],
                ),
                _ => {}
            }
        }
        '\u{0400}'..='\u{052F}' => {
            st.cyr += 1;
            match c {
                'і' => add(st, &[(UK, 1.5), (BE, 1.5), (RU, -2.0)]),
                'ї' | 'є' => {
                    st.uk_only += 1;
                    add(st, &[(UK, 3.0), (RU, -2.0), (BE, -2.0)]);
                }
                'ґ' => {
                    st.uk_only += 1;
                    add(st, &[(UK, 3.0), (RU, -2.0), (BE, 0.5)]);
                }
                'ў' => {
                    st.be_only += 1;
                    add(st, &[(BE, 4.0), (RU, -2.0), (UK, -2.0)]);
                }
                'ы' | 'э' => add(st, &[(RU, 1.0), (BE, 1.0), (UK, -2.0)]),
                'ё' => add(st, &[(RU, 0.7), (BE, 1.0), (UK, -1.0)]),
                'ъ' => add(st, &[(RU, 2.0), (UK, -2.0), (BE, -2.0)]),
                'и' => add(st, &[(RU, 0.3), (UK, 0.3), (BE, -1.5)]),
                'щ' => add(st, &[(RU, 0.5), (UK, 0.5), (BE, -2.0)]),
                _ => {}
            }
        }
        _ => {
            let cues: &[(usize, f32)] = match c {
                'ą' | 'ę' => &[(LT, 1.5), (PL, 1.5)],
                'č' => &[(LT, 1.5), (LV, 1.5)],
                'ė' | 'į' | 'ų' => &[(LT, 3.0)],
                'ū' => &[(LT, 1.5), (LV, 1.5)],
                'š' | 'ž' => &[(LT, 1.2), (LV, 1.2), (ET, 0.5)],
                'ā' | 'ē' | 'ī' | 'ģ' | 'ķ' | 'ļ' | 'ņ' => &[(LV, 3.0)],
                'õ' => &[(ET, 3.0)],
                'ä' | 'ö' => &[(ET, 1.0), (FI, 1.2), (DE, 1.0), (SV, 1.0)],
                'ü' => &[(ET, 1.2), (DE, 1.5)],
                'ß' => &[(DE, 4.0)],
                'å' => &[(SV, 3.0), (FI, 0.3)],
                'ć' | 'ń' | 'ś' | 'ź' | 'ż' | 'ł' => &[(PL, 3.0)],
                'ó' => &[(PL, 1.5), (ES, 1.0)],
                'é' => &[(FR, 1.5), (ES, 0.8)],
                'è' | 'ê' | 'à' | 'ç' | 'ù' | 'â' | 'î' | 'ô' | 'û' | 'ë' | 'ï' | 'œ' => {
                    &[(FR, 2.0)]
                }
                'á' | 'í' | 'ú' => &[(ES, 2.0)],
                'ñ' => &[(ES, 3.0)],
                _ => &[],
            };
            if matches!(c, '\u{00C0}'..='\u{024F}') {
                st.lat += 1;
            } else {
                st.other += 1;
            }
            add(st, cues);
        }
    }
}

/// Per-word evidence: the word tables and a few endings and letter groups.
fn end_word(word: &[u8], overflow: bool, table: &WordTable, st: &mut State) {
    if word.is_empty() || overflow {
        return;
    }
    let Ok(w) = std::str::from_utf8(word) else {
        return;
    };
    if let Some(&mask) = table.get(w) {
        let count = mask.count_ones();
        let weight = match count {
            1 => 2.0,
            2 => 1.2,
            3 => 0.9,
            _ => 0.6,
        };
        for (l, s) in st.scores.iter_mut().enumerate() {
            if mask & (1 << l) != 0 {
                *s += weight;
            }
        }
    }
    if w.len() < 4 {
        return;
    }
    let first = w.chars().next().unwrap_or(' ');
    if is_cyrillic(first) {
        cyrillic_word_cues(w, st);
    } else if first.is_ascii_lowercase() || matches!(first, '\u{00C0}'..='\u{024F}') {
        latin_word_cues(w, st);
    }
}

fn cyrillic_word_cues(w: &str, st: &mut State) {
    if w.ends_with("ів") {
        add(st, &[(UK, 1.5)]);
    }
    if w.ends_with("ння") {
        add(st, &[(UK, 1.0)]);
    }
    if w.ends_with("ти") {
        add(st, &[(UK, 0.4)]);
    }
    if w.ends_with("ние") || w.ends_with("ия") || w.ends_with("ая") || w.ends_with("ать")
    {
        add(st, &[(RU, 0.6)]);
    }
    if w.ends_with("цца") || w.ends_with("нне") || has(w, "шч") {
        add(st, &[(BE, 1.5)]);
    }
    if has(w, "дз") {
        add(st, &[(BE, 0.6)]);
    }
}

fn latin_word_cues(w: &str, st: &mut State) {
    const FI_ENDINGS: [&str; 10] = [
        "ssa", "ssä", "sta", "stä", "lla", "llä", "lta", "ltä", "ksi", "nen",
    ];
    if FI_ENDINGS.iter().any(|e| w.ends_with(e)) {
        add(st, &[(FI, 1.0)]);
    }
    if w.ends_with("mme") || w.ends_with("vät") || w.ends_with("nsa") || w.ends_with("nsä") {
        add(st, &[(FI, 0.8)]);
    }
    if w.as_bytes().contains(&b'y') && (has(w, "ä") || has(w, "ö")) {
        // Finnish vowel harmony words; Estonian has no y.
        add(st, &[(FI, 1.0), (ET, -0.5)]);
    }
    if has_double_vowel(w) {
        add(st, &[(FI, 0.4), (ET, 0.4)]);
    }
    if has(w, "sch") || w.ends_with("ung") || w.ends_with("keit") || has(w, "tz") {
        add(st, &[(DE, 1.2)]);
    }
    if has(w, "th") || has(w, "wh") {
        add(st, &[(EN, 0.8)]);
    }
    if w.ends_with("ing") || w.ends_with("ly") {
        add(st, &[(EN, 0.8)]);
    }
    if has(w, "sz") || has(w, "cz") || has(w, "rz") {
        add(st, &[(PL, 0.8)]);
    }
    if w.ends_with("ów") || has(w, "prz") {
        add(st, &[(PL, 1.5)]);
    }
    if w.ends_with("oje") || w.ends_with("ių") || w.ends_with("ės") {
        add(st, &[(LT, 1.0)]);
    }
    if w.ends_with("as") || w.ends_with("ai") || w.ends_with("ams") || w.ends_with("uose") {
        add(st, &[(LT, 0.4)]);
    }
    // Finnish words end in a vowel or n, s, t (r and l in a few); Estonian and the Baltic
    // languages end freely.
    if w.ends_with(|c: char| c.is_ascii_lowercase() && !b"aeiouynstrl".contains(&(c as u8))) {
        add(st, &[(FI, -0.6)]);
    }
    if w.ends_with("iem") || w.ends_with("ām") || w.ends_with("ās") {
        add(st, &[(LV, 1.0)]);
    }
    if w.ends_with("ción") || w.ends_with("mente") {
        add(st, &[(ES, 1.5)]);
    }
    if has(w, "eau") || w.ends_with("aux") || w.ends_with("eux") {
        add(st, &[(FR, 1.5)]);
    }
}

/// Whether `w` contains `needle`. Words are short and needles two to four bytes: a window
/// scan with fixed-size compares is several times faster here than the general substring
/// search, which is built for long haystacks.
#[inline]
fn has(w: &str, needle: &str) -> bool {
    let (w, n) = (w.as_bytes(), needle.as_bytes());
    match n.len() {
        2 => w.windows(2).any(|x| x[0] == n[0] && x[1] == n[1]),
        3 => w
            .windows(3)
            .any(|x| x[0] == n[0] && x[1] == n[1] && x[2] == n[2]),
        4 => w
            .windows(4)
            .any(|x| x[0] == n[0] && x[1] == n[1] && x[2] == n[2] && x[3] == n[3]),
        _ => w.windows(n.len().max(1)).any(|x| x == n),
    }
}

/// Finnish and Estonian long vowels: `aa ee ii uu yy ää öö`.
fn has_double_vowel(w: &str) -> bool {
    let b = w.as_bytes();
    b.windows(2)
        .any(|x| x[0] == x[1] && matches!(x[0], b'a' | b'e' | b'i' | b'u' | b'y'))
        || has(w, "ää")
        || has(w, "öö")
}

fn hint_index(hint: Option<&str>) -> Option<usize> {
    let h = hint?.trim();
    let h = h
        .get(..2)
        .filter(|_| h.len() == 2 || h.as_bytes().get(2) == Some(&b'-'))?;
    LANGS.iter().position(|l| l.eq_ignore_ascii_case(h))
}

fn decide(st: &State, hint: Option<&str>) -> (&'static str, f32) {
    const UND: (&str, f32) = ("und", 0.0);
    let letters = st.cyr + st.lat + st.other;
    if letters < 2 || st.other > st.cyr.max(st.lat) {
        return UND;
    }
    // Mixed Latin and Cyrillic in similar measure: no single language.
    let (major, minor) = (st.cyr.max(st.lat), st.cyr.min(st.lat));
    if minor >= 4 && minor * 10 >= (major + minor) * 3 {
        return UND;
    }
    let range = if st.cyr > st.lat {
        0..CYR_END
    } else {
        CYR_END..N
    };
    let mut scores = st.scores;
    if let Some(h) = hint_index(hint)
        && range.contains(&h)
    {
        scores[h] += 0.75;
    }
    let mut best = range.start;
    let mut second = f32::NEG_INFINITY;
    for l in range.clone() {
        if scores[l] > scores[best] {
            best = l;
        }
    }
    for l in range.clone() {
        if l != best && scores[l] > second {
            second = scores[l];
        }
    }
    let top = scores[best];
    if top < 1.2 || top - second < 0.5 {
        return UND;
    }
    // Russian over letters Russian does not have: only with overwhelming evidence.
    if best == RU && (st.uk_only + st.be_only) > 0 && top - second < 6.0 {
        return UND;
    }
    let sum: f32 = range.map(|l| (scores[l].max(0.0) - top).exp()).sum();
    let conf = 1.0 / sum; // exp(top - top) / sum
    if conf < 0.4 {
        return UND;
    }
    (LANGS[best], conf)
}

#[cfg(test)]
mod tests;

/// Raw per-language scores, for tuning.
#[doc(hidden)]
pub fn debug_scores(text: &str) -> Vec<(&'static str, f32)> {
    let mut st = State::default();
    scan(text, &mut st);
    LANGS.iter().copied().zip(st.scores).collect()
}
