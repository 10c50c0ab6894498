//! Finding files, hashing originals, opening compressed input and picking the importer.
//!
//! Also home of the small reading helpers every line-oriented importer shares
//! ([`for_each_line`]), so that limits on line length and UTF-8 handling are the same everywhere.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use sha2::{Digest, Sha256};
use skydas_model::Locator;

use crate::{Event, FileContext, FileError, Importer, RecordError};

/// A mapping from model fields to the columns (CSV) or keys (JSONL, dotted paths allowed) of a
/// generic input. Unset fields are guessed from common names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// Model field (`id`, `actor_id`, `handle`, `name`, `time`, `text`, `urls`, `repost_of`,
    /// `reply_to`, `quote_of`, `platform`, `hashtags`, `lang`, `domains`, `images`) → column
    /// or key.
    pub fields: BTreeMap<String, String>,
    /// Platform to record when the input has no platform column.
    pub platform: Option<String>,
}

impl ColumnMap {
    /// A map from `FIELD=COLUMN` pairs, as the command line gives them, for inputs of
    /// `platform` (`None`: the input says). The error names the pair that is not one.
    pub fn from_pairs(pairs: &[String], platform: Option<&str>) -> Result<ColumnMap, String> {
        let mut map = ColumnMap {
            platform: platform.map(str::to_string),
            ..ColumnMap::default()
        };
        for m in pairs {
            let Some((k, v)) = m.split_once('=') else {
                return Err(format!("--map takes FIELD=COLUMN, got {m:?}"));
            };
            let fields = crate::formats::generic::FIELDS;
            if !fields.contains(&k.trim()) {
                return Err(format!(
                    "--map: unknown field {:?} (fields: {})",
                    k.trim(),
                    fields.join(", ")
                ));
            }
            map.fields
                .insert(k.trim().to_string(), v.trim().to_string());
        }
        if let Some(p) = platform
            && skydas_model::Platform::parse(p).is_none()
        {
            return Err(format!("unknown platform {p:?}"));
        }
        Ok(map)
    }
}

/// Options for one import run.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Importer name that overrides content detection.
    pub format: Option<String>,
    pub column_map: ColumnMap,
    /// Most bytes a compressed file may expand to (zip-bomb guard).
    pub max_decompressed: u64,
    /// Largest single field or line accepted, in bytes; longer records are refused.
    pub max_record: usize,
    /// The zone of local times without an offset, and the meaning of ambiguous zone
    /// abbreviations (`--tz`). Without it such times are read as UTC and reported.
    pub tz: Option<skydas_model::zone::Tz>,
    /// Hash the photos exports carry beside their messages (Telegram's `photos/`).
    pub image_hashes: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            format: None,
            column_map: ColumnMap::default(),
            max_decompressed: 64 << 30,
            max_record: 16 << 20,
            tz: None,
            image_hashes: true,
        }
    }
}

/// What importing one file gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSummary {
    pub importer: String,
    pub importer_version: u32,
    pub items: u64,
    pub errors: u64,
    pub warnings: u64,
}

/// How many bytes of (decompressed) content the sniffers see.
pub const HEAD_LEN: usize = 64 << 10;

/// Read buffer size for files and decompressed streams.
const BUF_LEN: usize = 256 << 10;

// ---------------------------------------------------------------------------------------------
// Line reading shared by JSONL/NDJSON importers
// ---------------------------------------------------------------------------------------------

/// Why a line was not handed over as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// The line is longer than the limit; it was skipped without being buffered. `len` is its
    /// length in bytes (without the line end).
    #[error("line too long")]
    TooLong { len: u64 },
    /// The line is not valid UTF-8.
    #[error("invalid utf-8")]
    InvalidUtf8,
}

impl LineError {
    /// The record error for this line, with a stable reason (`line too long`, `invalid utf-8`).
    pub fn to_record_error(&self, path: &Path, line: u64, max: usize) -> RecordError {
        let detail = match self {
            LineError::TooLong { len } => format!("{len} bytes, limit {max}"),
            LineError::InvalidUtf8 => String::new(),
        };
        RecordError {
            path: path.to_path_buf(),
            locator: Locator::Line(line),
            reason: self.to_string(),
            detail,
        }
    }
}

/// Calls `f` for every non-blank line of `input` with its 1-based line number.
///
/// Lines end at `\n`; a trailing `\r` is dropped, and a UTF-8 byte-order mark on the first line
/// is ignored. Lines longer than `max` bytes are skipped up to their newline without being
/// held in memory and reported as [`LineError::TooLong`]; lines that are not UTF-8 are reported
/// as [`LineError::InvalidUtf8`]. Lines of only whitespace are skipped silently (but counted, so
/// line numbers match an editor's). Memory use is bounded by `max` plus the reader's buffer.
/// Returns the first I/O error of the reader.
pub fn for_each_line(
    input: &mut dyn BufRead,
    max: usize,
    f: &mut dyn FnMut(u64, Result<&str, LineError>),
) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    let mut line_no: u64 = 1;
    // Length of the current line so far, and whether it already passed the limit.
    let mut len: u64 = 0;
    let mut too_long = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            if len > 0 {
                emit_line(&buf, line_no, len, too_long, max, f);
            }
            return Ok(());
        }
        let (take, complete) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        len += take as u64;
        if !too_long {
            if len > max as u64 + 4 {
                // Slack for a `\r` and a byte-order mark, dropped before the exact check.
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
        }
        input.consume(if complete { take + 1 } else { take });
        if complete {
            emit_line(&buf, line_no, len, too_long, max, f);
            buf.clear();
            len = 0;
            too_long = false;
            line_no += 1;
        }
    }
}

fn emit_line(
    buf: &[u8],
    line_no: u64,
    len: u64,
    too_long: bool,
    max: usize,
    f: &mut dyn FnMut(u64, Result<&str, LineError>),
) {
    if too_long {
        f(line_no, Err(LineError::TooLong { len }));
        return;
    }
    let mut bytes = buf.strip_suffix(b"\r").unwrap_or(buf);
    if line_no == 1 {
        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    }
    if bytes.len() > max {
        f(line_no, Err(LineError::TooLong { len }));
        return;
    }
    match std::str::from_utf8(bytes) {
        Ok(s) if s.trim().is_empty() => {}
        Ok(s) => f(line_no, Ok(s)),
        Err(_) => f(line_no, Err(LineError::InvalidUtf8)),
    }
}

/// A reader for `serde_json::Deserializer::from_reader` over a `&mut dyn BufRead`.
///
/// serde_json pulls one byte per `read` call; through a trait object that is a virtual call
/// per byte. This adapter keeps its own buffer so the per-byte path is a static, inlined copy.
pub struct JsonReader<'a> {
    inner: &'a mut dyn BufRead,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
}

impl<'a> JsonReader<'a> {
    pub fn new(inner: &'a mut dyn BufRead) -> Self {
        Self {
            inner,
            buf: vec![0u8; 64 << 10].into_boxed_slice(),
            pos: 0,
            len: 0,
        }
    }
}

impl Read for JsonReader<'_> {
    #[inline]
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.len {
            self.len = self.inner.read(&mut self.buf)?;
            self.pos = 0;
        }
        if let [one] = out
            && self.pos < self.len
        {
            // The per-byte path serde_json takes: no call into `memcpy`.
            *one = self.buf[self.pos];
            self.pos += 1;
            return Ok(1);
        }
        let n = out.len().min(self.len - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A JSON id that may be a string or a number (exports disagree), kept as text. Borrows from
/// the input when it can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonId<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for JsonId<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = JsonId<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or integer id")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(JsonId(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(JsonId(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(JsonId(Cow::Owned(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(JsonId(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(JsonId(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------

/// Every importer, in sniffing priority order.
pub fn registry() -> Vec<Box<dyn Importer>> {
    crate::formats::all()
}

/// The importer called `name` (`telegram`, `x-v2`, …); `_` and `-` are interchangeable and case
/// does not matter.
pub fn importer_by_name(name: &str) -> Option<Box<dyn Importer>> {
    let want = name.trim().to_ascii_lowercase().replace('_', "-");
    registry()
        .into_iter()
        .find(|i| i.name().replace('_', "-") == want)
}

/// The importer most confident about `head` (the first bytes of the decompressed content). A
/// tie goes to the earlier importer in [`registry`] order; `Confidence::No` never wins.
pub fn sniff_format(head: &[u8]) -> Option<Box<dyn Importer>> {
    let head = strip_bom(head);
    let mut best: Option<(crate::Confidence, Box<dyn Importer>)> = None;
    for imp in registry() {
        let c = imp.sniff(head);
        if c == crate::Confidence::No {
            continue;
        }
        if best.as_ref().is_none_or(|(b, _)| c > *b) {
            best = Some((c, imp));
        }
    }
    best.map(|(_, i)| i)
}

fn known_names() -> String {
    registry()
        .iter()
        .map(|i| i.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

// ---------------------------------------------------------------------------------------------
// Discovery
// ---------------------------------------------------------------------------------------------

/// Folders of a Telegram Desktop export (and of similar dumps) that only hold media or page
/// assets.
const SKIP_DIRS: &[&str] = &[
    "photos",
    "files",
    "video_files",
    "voice_messages",
    "round_video_messages",
    "stickers",
    "animations",
    "contacts",
    "profile_pictures",
    "css",
    "js",
    "images",
    "node_modules",
    "__pycache__",
];

/// What a folder holds that is not imported, and why; named in the import report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: &'static str,
}

/// The files to import, what was passed over and what could not be read.
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<PathBuf>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<FileError>,
}

/// Expands `paths` into the files to import, in a deterministic order.
///
/// Files named explicitly are always kept. Folders are walked recursively in byte order of
/// names, and what a file is, is decided by its content as for a file named explicitly:
/// media, archives and databases (by magic number) and HTML pages are passed over, and so are
/// hidden folders (`.git`) and the media folders of Telegram exports (`photos/`, `stickers/`,
/// …); each is reported in [`Discovered::skipped`] with its reason. Every other file, hidden
/// or not and whatever its name, is a candidate, so that one no importer recognises is
/// reported, never passed over in silence. Symbolic links to folders are not followed, so a
/// link loop cannot recurse. Paths that cannot be read give [`FileError::Io`].
pub fn discover(paths: &[PathBuf]) -> Discovered {
    let mut d = Discovered::default();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut d),
            Ok(_) => d.files.push(p.clone()),
            Err(source) => d.errors.push(FileError::Io {
                path: p.clone(),
                source,
            }),
        }
    }
    d
}

fn walk(dir: &Path, d: &mut Discovered) {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(source) => {
            d.errors.push(FileError::Io {
                path: dir.to_path_buf(),
                source,
            });
            return;
        }
    };
    let mut entries = Vec::new();
    for e in rd {
        match e {
            Ok(e) => entries.push(e),
            Err(source) => d.errors.push(FileError::Io {
                path: dir.to_path_buf(),
                source,
            }),
        }
    }
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let path = e.path();
        let ft = match e.file_type() {
            Ok(ft) => ft,
            Err(source) => {
                d.errors.push(FileError::Io { path, source });
                continue;
            }
        };
        let skip =
            |d: &mut Discovered, path: PathBuf, reason| d.skipped.push(Skipped { path, reason });
        if ft.is_dir() {
            if name.starts_with('.') {
                skip(d, path, "hidden folder");
            } else if SKIP_DIRS.contains(&name.to_ascii_lowercase().as_str()) {
                skip(d, path, "media or page assets of an export");
            } else {
                walk(&path, d);
            }
            continue;
        }
        if ft.is_symlink() && std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            skip(d, path, "link to a folder (not followed)");
            continue;
        }
        match not_data(&path) {
            Ok(Some(reason)) => skip(d, path, reason),
            Ok(None) => d.files.push(path),
            Err(source) => d.errors.push(FileError::Io { path, source }),
        }
    }
}

/// Why a file is no data any importer reads, from its first bytes: media, archives, databases
/// and executables by magic number, and HTML pages; `None` for a candidate.
fn not_data(path: &Path) -> io::Result<Option<&'static str>> {
    let mut head = [0u8; 512];
    let mut f = File::open(path)?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(not_data_head(&head[..n]))
}

fn not_data_head(head: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG", "PNG image"),
        (b"\xFF\xD8\xFF", "JPEG image"),
        (b"GIF8", "GIF image"),
        (b"%PDF", "PDF document"),
        (b"PK\x03\x04", "zip archive (unpack it first)"),
        (b"OggS", "audio or video (Ogg)"),
        (b"RIFF", "audio, video or image (RIFF)"),
        (b"\x1A\x45\xDF\xA3", "video (Matroska/WebM)"),
        (b"SQLite format", "SQLite database"),
        (b"\x7FELF", "executable"),
        (b"PAR1", "Parquet file"),
        (b"7z\xBC\xAF\x27\x1C", "7-zip archive (unpack it first)"),
        (b"Rar!", "RAR archive (unpack it first)"),
        (b"ID3", "audio (MP3)"),
    ];
    for (m, why) in MAGIC {
        if head.starts_with(m) {
            return Some(why);
        }
    }
    // MP4/MOV: a box size then `ftyp`.
    if head.get(4..8) == Some(b"ftyp") {
        return Some("audio or video (MP4)");
    }
    let text = strip_bom(head).trim_ascii_start();
    let lower: Vec<u8> = text.iter().take(14).map(u8::to_ascii_lowercase).collect();
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        return Some("HTML page (Telegram exports are read as JSON: export again as JSON)");
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Hashing
// ---------------------------------------------------------------------------------------------

/// SHA-256 (lowercase hex) and size in bytes of a file, read in 1 MiB chunks.
pub fn hash_file(path: &Path) -> io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
        size += n as u64;
    }
    Ok((to_hex(&h.finalize()), size))
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Opening and importing
// ---------------------------------------------------------------------------------------------

/// A reader that fails once more than `limit` bytes came through, and remembers that it did so
/// that the failure can be reported as [`FileError::TooLarge`] whatever the importer made of it.
struct Limited<R> {
    inner: R,
    remaining: u64,
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.exceeded.get() {
            return Err(io::Error::other("decompressed size limit exceeded"));
        }
        // Ask for one byte more than allowed so that reaching the limit exactly is not an error.
        let want = buf
            .len()
            .min(usize::try_from(self.remaining.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.remaining {
            self.exceeded.set(true);
            return Err(io::Error::other("decompressed size limit exceeded"));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Reads up to `HEAD_LEN` bytes (fewer only at end of input).
fn read_head(r: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut head = vec![0u8; HEAD_LEN];
    let mut n = 0;
    while n < HEAD_LEN {
        match r.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(n);
    Ok(head)
}

/// Imports one file: opens it (gzip is recognised by its magic bytes and decompressed up to
/// `options.max_decompressed`), strips a UTF-8 byte-order mark, picks the importer (by
/// `options.format`, else by sniffing the first 64 KiB) and streams its events to `sink`,
/// counting items and record errors.
///
/// Events emitted before a [`FileError`] stay emitted. A decompression limit hit at any point
/// gives [`FileError::TooLarge`].
pub fn import_file(
    path: &Path,
    sha256: &str,
    options: &ImportOptions,
    sink: &mut dyn FnMut(Event),
) -> Result<FileSummary, FileError> {
    let io_err = |source| FileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let mut file = BufReader::with_capacity(BUF_LEN, file);
    let is_gz = file.fill_buf().map_err(io_err)?.starts_with(&[0x1f, 0x8b]);
    let exceeded = Rc::new(Cell::new(false));
    let mut raw: Box<dyn Read> = if is_gz {
        Box::new(Limited {
            inner: flate2::bufread::MultiGzDecoder::new(file),
            remaining: options.max_decompressed,
            exceeded: Rc::clone(&exceeded),
        })
    } else {
        Box::new(file)
    };
    let too_large = || FileError::TooLarge {
        path: path.to_path_buf(),
        limit: options.max_decompressed,
    };

    let mut head = match read_head(&mut raw) {
        Ok(h) => h,
        Err(_) if exceeded.get() => return Err(too_large()),
        Err(e) => return Err(io_err(e)),
    };
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    if head.iter().all(u8::is_ascii_whitespace) && options.format.is_none() {
        return Err(FileError::Empty {
            path: path.to_path_buf(),
        });
    }

    let importer = match &options.format {
        Some(name) => importer_by_name(name).ok_or_else(|| FileError::NoSuchImporter {
            path: path.to_path_buf(),
            name: name.clone(),
        })?,
        None => sniff_format(&head).ok_or_else(|| FileError::UnknownFormat {
            path: path.to_path_buf(),
            known: known_names(),
        })?,
    };

    let mut input = BufReader::with_capacity(BUF_LEN, io::Cursor::new(head).chain(raw));
    let file_time = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok());
    let ctx = FileContext {
        path,
        sha256,
        options,
        file_time,
    };
    let mut summary = FileSummary {
        importer: importer.name().to_string(),
        importer_version: importer.version(),
        ..FileSummary::default()
    };
    let result = importer.import(&mut input, &ctx, &mut |ev| {
        match &ev {
            Event::Item(_) => summary.items += 1,
            Event::Error(_) => summary.errors += 1,
            Event::Warning(_) => summary.warnings += 1,
        }
        sink(ev);
    });
    if exceeded.get() {
        return Err(too_large());
    }
    result.map(|()| summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<(u64, Result<String, LineError>)> {
        let mut out = Vec::new();
        // A tiny buffer makes lines straddle buffer boundaries.
        let mut r = BufReader::with_capacity(3, input);
        for_each_line(&mut r, max, &mut |n, l| {
            out.push((n, l.map(str::to_string)))
        })
        .expect("reading a slice cannot fail");
        out
    }

    fn ok(n: u64, s: &str) -> (u64, Result<String, LineError>) {
        (n, Ok(s.to_string()))
    }

    #[test]
    fn lines_are_numbered_trimmed_and_bounded() {
        assert_eq!(lines(b"", 10), vec![]);
        assert_eq!(lines(b"a\nb", 10), vec![ok(1, "a"), ok(2, "b")]);
        assert_eq!(
            lines(b"a\r\n\r\n  \nb\r\n", 10),
            vec![ok(1, "a"), ok(4, "b")]
        );
        assert_eq!(lines(b"\xEF\xBB\xBF{}\n", 10), vec![ok(1, "{}")]);
        assert_eq!(lines(b"0123456789\n", 10), vec![ok(1, "0123456789")]);
        assert_eq!(lines(b"0123456789\r\n", 10), vec![ok(1, "0123456789")]);
        assert_eq!(
            lines(b"0123456789A\nok\n", 10),
            vec![(1, Err(LineError::TooLong { len: 11 })), ok(2, "ok")]
        );
        assert_eq!(
            lines(b"x\n0123456789ABCDEFGHIJ", 10),
            vec![ok(1, "x"), (2, Err(LineError::TooLong { len: 20 }))]
        );
        assert_eq!(
            lines(b"\xff\xfe\nok", 10),
            vec![(1, Err(LineError::InvalidUtf8)), ok(2, "ok")]
        );
    }

    #[test]
    fn an_over_long_line_is_not_buffered() {
        // 50 MB of one line with a limit of 1 KiB: only the limit is ever held.
        let big = vec![b'a'; 50 << 20];
        let mut r = BufReader::new(io::Cursor::new(big).chain(&b"\n{}\n"[..]));
        let mut seen = Vec::new();
        for_each_line(&mut r, 1024, &mut |n, l| seen.push((n, l.is_ok()))).expect("in memory");
        assert_eq!(seen, vec![(1, false), (2, true)]);
    }

    #[test]
    fn media_and_pages_are_told_from_data_and_garbage() {
        for (head, media) in [
            (&b"{\"a\":1}"[..], false),
            (b"id,text\n1,x", false),
            (b"<?xml version", false),
            (b"\x1f\x8b\x08\x00", false),
            (b"\x89PNG\r\n", true),
            (b"\xFF\xD8\xFF\xE0", true),
            (b"%PDF-1.4", true),
            (b"\0\0\0\x18ftypmp42", true),
            (b"SQLite format 3\0", true),
            (b"\xEF\xBB\xBF \n<!DOCTYPE HTML>", true),
            (b"<html lang=lt>", true),
            // A feed is data whatever its name.
            (b"<rss version=\"2.0\">", false),
            (b"<!DOCTYPE rss>", false),
            // Unknown binary is not media: it is imported, and named when nothing reads it.
            (b"abc\0def", false),
        ] {
            assert_eq!(not_data_head(head).is_some(), media, "{head:?}");
        }
    }

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(to_hex(&[0x00, 0xab, 0x7f]), "00ab7f");
    }
}
