//! Generic CSV and JSONL with a column map, the fallback format, plus the CSV and line plumbing
//! that the other tabular importers (4CAT, CrowdTangle, the toolkit CSV) share.
//!
//! Each model field is read from the column (CSV) or key (JSONL, dotted paths such as `user.id`)
//! that [`ColumnMap`] names, or else from the first of a list of common names (`id`, `post_id`,
//! `tweet_id`, …). Required: an actor, a time and a text column. When the input has no id
//! column at all, the id is synthesised as `{first 12 hex digits of the file's SHA-256}:{line}`,
//! which is stable for the same original file. Times without an offset are local times, read
//! with `--tz` (else as UTC, with a warning), as the other importers read them.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead, Read};

use serde_json::Value;
use skydas_model::time::{parse_any, parse_epoch};

use skydas_model::{Actor, Item, ItemKind, ItemUrl, Locator, Platform, UrlSource};

use crate::kit::{
    Refusal, ZoneNote, fatal, field_url, importer_identity, io_error, provenance, record_time,
    split_list, warning,
};
use crate::{ColumnMap, Confidence, Event, FileContext, FileError, Importer};

/// Generic CSV / JSONL importer (name `generic`).
pub struct Generic;

const NAME: &str = "generic";
const VERSION: u32 = 1;

/// Model fields and the column names guessed for each when the column map leaves it unset.
const GUESSES: [(&str, &[&str]); 15] = [
    (
        "id",
        &["id", "post_id", "message_id", "tweet_id", "item_id"],
    ),
    (
        "actor_id",
        &[
            "author_id",
            "user_id",
            "account_id",
            "actor_id",
            "channel_id",
        ],
    ),
    (
        "handle",
        &["username", "handle", "screen_name", "user_name"],
    ),
    ("name", &["name", "display_name"]),
    (
        "time",
        &[
            "time",
            "timestamp",
            "created_at",
            "date",
            "datetime",
            "published",
        ],
    ),
    ("text", &["text", "body", "message", "content", "full_text"]),
    ("urls", &["urls", "links", "url"]),
    ("repost_of", &["repost_of", "retweet_id", "forward_from"]),
    ("reply_to", &["reply_to", "in_reply_to"]),
    ("quote_of", &["quote_of", "quoted_id"]),
    ("platform", &["platform"]),
    ("hashtags", &["hashtags"]),
    ("lang", &["lang", "language"]),
    ("domains", &["domains", "domain"]),
    ("images", &["images", "image_hashes", "phash"]),
];

/// The model fields a column map may name.
pub const FIELDS: [&str; 15] = {
    let mut f = [""; 15];
    let mut i = 0;
    while i < 15 {
        f[i] = GUESSES[i].0;
        i += 1;
    }
    f
};

// Indices into `GUESSES`, so that resolved columns can live in a plain array.
const F_ID: usize = 0;
const F_ACTOR: usize = 1;
const F_HANDLE: usize = 2;
const F_NAME: usize = 3;
const F_TIME: usize = 4;
const F_TEXT: usize = 5;
const F_URLS: usize = 6;
const F_REPOST: usize = 7;
const F_REPLY: usize = 8;
const F_QUOTE: usize = 9;
const F_PLATFORM: usize = 10;
const F_HASHTAGS: usize = 11;
const F_LANG: usize = 12;
const F_DOMAINS: usize = 13;
const F_IMAGES: usize = 14;

impl Importer for Generic {
    importer_identity!(NAME, VERSION);

    fn sniff(&self, head: &[u8]) -> Confidence {
        let keys: Vec<String> = if first_non_space(head) == Some(b'{') {
            let line = first_line(head);
            match serde_json::from_slice::<Value>(line) {
                Ok(Value::Object(m)) => m.keys().map(|k| k.to_ascii_lowercase()).collect(),
                _ => return Confidence::No,
            }
        } else {
            match header_names(head) {
                Some(h) => h,
                None => return Confidence::No,
            }
        };
        let has = |f: usize| GUESSES[f].1.iter().any(|g| keys.iter().any(|k| k == g));
        let content = [F_TEXT, F_URLS, F_HASHTAGS, F_DOMAINS, F_IMAGES];
        if has(F_ID) && has(F_TIME) && content.into_iter().any(has) {
            Confidence::Weak
        } else {
            Confidence::No
        }
    }

    fn import(
        &self,
        input: &mut dyn BufRead,
        ctx: &FileContext<'_>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<(), FileError> {
        let head = input.fill_buf().map_err(|e| io_error(ctx, e))?;
        if first_non_space(head) == Some(b'{') {
            import_jsonl(input, ctx, sink)
        } else {
            let delimiter = guess_delimiter(first_line(head));
            import_csv(input, ctx, delimiter, sink)
        }
    }
}

/// The values of one record, by model field, before validation.
#[derive(Default)]
struct Fields {
    id: Option<String>,
    /// Whether the input has an id column or key at all (else the id is synthesised).
    has_id: bool,
    actor_id: Option<String>,
    handle: Option<String>,
    name: Option<String>,
    time: Option<String>,
    /// `None` when the text column or key is absent; an empty text is allowed (reposts).
    text: Option<String>,
    /// Whether the input has a text column (a record without a text is then refused) or the
    /// text is absent altogether (a data set of shares: the text is empty).
    has_text: bool,
    urls: Vec<String>,
    hashtags: Vec<String>,
    domains: Vec<String>,
    images: Vec<String>,
    repost_of: Option<String>,
    reply_to: Option<String>,
    quote_of: Option<String>,
    platform: Option<String>,
    lang: Option<String>,
}

fn build(
    f: Fields,
    ctx: &FileContext<'_>,
    line: u64,
    zone_note: &mut ZoneNote,
) -> Result<Item, Refusal> {
    let id = match f.id {
        Some(id) => id,
        None if !f.has_id => format!("{}:{line}", ctx.sha256.get(..12).unwrap_or(ctx.sha256)),
        None => return Err(Refusal::new("missing id", "")),
    };
    let actor_id = f
        .actor_id
        .or_else(|| f.handle.clone())
        .ok_or_else(|| Refusal::new("missing actor", ""))?;
    let raw_time = f.time.ok_or_else(|| Refusal::new("missing time", ""))?;
    let when = record_time(&raw_time, ctx.options.tz.as_ref())?;
    zone_note.keep(Locator::Line(line), &raw_time, &when);
    // A data set of shares only (anonymised, or object lists) may have no text column.
    let text = match (f.text, f.has_text) {
        (Some(t), _) => t,
        (None, false) => String::new(),
        (None, true) => return Err(Refusal::new("missing text", "")),
    };
    let platform = match f.platform.as_deref() {
        Some(p) => platform_of(p),
        None => default_platform(&ctx.options.column_map, Platform::Other),
    };
    let actor = Actor {
        platform_id: actor_id,
        handle: f.handle,
        name: f.name,
        ..Actor::default()
    };
    let mut item = Item::new(
        platform,
        id,
        actor,
        when.utc,
        text,
        provenance(ctx, &Generic, Locator::Line(line)),
    );
    item.time_basis = when.basis;
    item.urls = object_urls(f.urls, &f.domains);
    item.images = f.images;
    item.hashtags = f
        .hashtags
        .into_iter()
        .map(|h| h.trim_start_matches('#').to_string())
        .filter(|h| !h.is_empty())
        .collect();
    item.kind = if f.repost_of.is_some() {
        ItemKind::Repost
    } else if f.reply_to.is_some() {
        ItemKind::Reply
    } else if f.quote_of.is_some() {
        ItemKind::Quote
    } else {
        ItemKind::Post
    };
    item.repost_of = f.repost_of;
    item.reply_to = f.reply_to;
    item.quote_of = f.quote_of;
    item.lang_hint = f.lang;
    Ok(item)
}

/// A platform cell: a platform's name, or an account id that starts with one (`fb_12670`,
/// `tw_881`, as anonymised multi-platform data sets write them).
fn platform_of(v: &str) -> Platform {
    Platform::parse(v)
        .or_else(|| {
            v.split_once(['_', ':', '-'])
                .and_then(|(p, _)| Platform::parse(p))
        })
        .unwrap_or(Platform::Other)
}

/// Whether a URL or domain cell is an anonymised object id (`23678`) rather than an address.
fn is_object_id(v: &str) -> bool {
    !v.is_empty() && !v.contains(['.', ':', '/'])
}

/// The item's links from its URL and domain cells. An anonymised URL id becomes an address
/// under the reserved `.invalid` suffix that keeps it apart from every other id, on its row's
/// domain when it has one (`url 23678, domain 5804` → `https://d5804.invalid/23678`), so that
/// co-link and co-domain see the data set's own objects and nothing can resolve them. A domain
/// without a URL is kept as a domain only ([`UrlSource::Domain`]).
fn object_urls(urls: Vec<String>, domains: &[String]) -> Vec<ItemUrl> {
    let host = |d: &str| {
        if is_object_id(d) {
            format!("d{d}.invalid")
        } else {
            d.trim_start_matches("www.").to_string()
        }
    };
    let one_domain = match domains {
        [d] => Some(host(d)),
        _ => None,
    };
    let mut out: Vec<ItemUrl> = urls
        .into_iter()
        .map(|u| {
            if is_object_id(&u) {
                let h = one_domain.clone().unwrap_or_else(|| "anon.invalid".into());
                field_url(format!("https://{h}/{u}"))
            } else {
                field_url(u)
            }
        })
        .collect();
    for d in domains {
        out.push(ItemUrl {
            raw: host(d),
            source: UrlSource::Domain,
            ..ItemUrl::default()
        });
    }
    out
}

/// The column map's platform, else `fallback`.
pub(crate) fn default_platform(map: &ColumnMap, fallback: Platform) -> Platform {
    map.platform
        .as_deref()
        .and_then(Platform::parse)
        .unwrap_or(fallback)
}

/// The columns to try for field `f`: the mapped one only, or the guesses.
fn candidates(map: &ColumnMap, f: usize) -> Vec<String> {
    match map.fields.get(GUESSES[f].0) {
        Some(col) => vec![col.clone()],
        None => GUESSES[f].1.iter().map(|s| (*s).to_string()).collect(),
    }
}

/// Ids of posts already handed on that [`Rows`] remembers, at most.
const REMEMBERED_POSTS: usize = 4_000_000;

/// Rows of one post made one item. Data sets of shares write one row per post and object
/// (a post with a link, its domain and three images is five rows): adjacent rows of the same
/// post are merged, their links, hashtags and images united. Exports write a post's rows
/// together; a row that comes back to a post already handed on is read as that post again,
/// which the store keeps once: an exact repeat silently, a row that adds objects with a
/// warning, since its objects are not added (posts are remembered up to
/// [`REMEMBERED_POSTS`]).
struct Rows {
    pending: Option<Item>,
    /// Per post handed on (by a hash of its id): hashes of the rows it was made of.
    seen: HashMap<u64, Vec<u64>>,
}

fn id_hash(it: &Item) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    (it.platform.as_str(), &it.platform_id).hash(&mut h);
    h.finish()
}

fn row_hash(it: &Item) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    it.time.hash(&mut h);
    it.text.hash(&mut h);
    for u in &it.urls {
        (&u.raw, u.source.as_str()).hash(&mut h);
    }
    (&it.hashtags, &it.images).hash(&mut h);
    h.finish()
}

impl Rows {
    fn new() -> Rows {
        Rows {
            pending: None,
            seen: HashMap::new(),
        }
    }

    fn item(&mut self, it: Item, ctx: &FileContext<'_>, sink: &mut dyn FnMut(Event)) {
        let (id, row) = (id_hash(&it), row_hash(&it));
        if let Some(p) = &mut self.pending
            && p.platform == it.platform
            && p.platform_id == it.platform_id
        {
            merge(p, it);
            if let Some(rows) = self.seen.get_mut(&id) {
                rows.push(row);
            }
            return;
        }
        if let Some(rows) = self.seen.get(&id)
            && !rows.contains(&row)
        {
            sink(warning(
                ctx,
                it.provenance.locator,
                "rows of one post apart",
                format!(
                    "post {}: only adjacent rows of a post are merged; this row's links, \
                     hashtags and images are not added",
                    it.platform_id
                ),
            ));
        }
        if self.seen.len() < REMEMBERED_POSTS {
            self.seen.entry(id).or_default().push(row);
        }
        if let Some(done) = self.pending.replace(it) {
            sink(Event::Item(Box::new(done)));
        }
    }

    fn finish(self, sink: &mut dyn FnMut(Event)) {
        if let Some(done) = self.pending {
            sink(Event::Item(Box::new(done)));
        }
    }
}

/// Unites a later row's objects into the post's item.
fn merge(into: &mut Item, row: Item) {
    for u in row.urls {
        if !into
            .urls
            .iter()
            .any(|x| x.raw == u.raw && x.source == u.source)
        {
            into.urls.push(u);
        }
    }
    for (to, from) in [
        (&mut into.hashtags, row.hashtags),
        (&mut into.images, row.images),
    ] {
        for v in from {
            if !to.contains(&v) {
                to.push(v);
            }
        }
    }
    if into.text.is_empty() {
        into.text = row.text;
    }
}

/// Runs `read` with a sink that merges adjacent rows of one post ([`Rows`]).
fn merging_rows(
    ctx: &FileContext<'_>,
    sink: &mut dyn FnMut(Event),
    read: impl FnOnce(&mut dyn FnMut(Event)) -> Result<(), FileError>,
) -> Result<(), FileError> {
    let mut rows = Rows::new();
    let res = read(&mut |e| match e {
        Event::Item(it) => rows.item(*it, ctx, sink),
        other => sink(other),
    });
    rows.finish(sink);
    res
}

fn import_csv(
    input: &mut dyn BufRead,
    ctx: &FileContext<'_>,
    delimiter: u8,
    sink: &mut dyn FnMut(Event),
) -> Result<(), FileError> {
    let map = &ctx.options.column_map;
    let setup = |h: &Header| -> Result<[Option<usize>; GUESSES.len()], String> {
        let mut cols = [None; GUESSES.len()];
        for (f, col) in cols.iter_mut().enumerate() {
            let cands = candidates(map, f);
            *col = cands.iter().find_map(|c| h.find(c));
            if col.is_none() && map.fields.contains_key(GUESSES[f].0) {
                return Err(format!("missing column {}", cands[0]));
            }
        }
        Ok(cols)
    };
    let mut zone_note = ZoneNote::default();
    let res = merging_rows(ctx, sink, |sink| {
        read_csv(input, ctx, delimiter, setup, sink, |cols, row| {
            // `NA` is how R (and the data sets written with it) leaves a cell empty.
            let cell = |f: usize| row.get(cols[f]).filter(|v| *v != "NA");
            let get = |f: usize| cell(f).map(str::to_string);
            let list = |f: usize| cell(f).map(split_list).unwrap_or_default();
            let fields = Fields {
                id: get(F_ID),
                has_id: cols[F_ID].is_some(),
                actor_id: get(F_ACTOR),
                handle: get(F_HANDLE),
                name: get(F_NAME),
                time: get(F_TIME),
                text: cols[F_TEXT].map(|i| row.raw(i).to_string()),
                has_text: cols[F_TEXT].is_some(),
                urls: list(F_URLS),
                hashtags: list(F_HASHTAGS),
                domains: list(F_DOMAINS),
                images: list(F_IMAGES),
                repost_of: get(F_REPOST),
                reply_to: get(F_REPLY),
                quote_of: get(F_QUOTE),
                platform: get(F_PLATFORM),
                lang: get(F_LANG),
            };
            build(fields, ctx, row.line, &mut zone_note)
        })
    });
    zone_note.emit(ctx, sink);
    res
}

fn import_jsonl(
    input: &mut dyn BufRead,
    ctx: &FileContext<'_>,
    sink: &mut dyn FnMut(Event),
) -> Result<(), FileError> {
    let map = &ctx.options.column_map;
    let cands: Vec<Vec<String>> = (0..GUESSES.len()).map(|f| candidates(map, f)).collect();
    let mut zone_note = ZoneNote::default();
    let res = merging_rows(ctx, sink, |sink| {
        for_each_json_line(input, ctx, sink, |v, line| {
            let find = |f: usize| cands[f].iter().find_map(|c| json_path(v, c));
            let get = |f: usize| find(f).and_then(json_scalar);
            let fields = Fields {
                id: get(F_ID),
                has_id: find(F_ID).is_some(),
                actor_id: get(F_ACTOR),
                handle: get(F_HANDLE),
                name: get(F_NAME),
                time: get(F_TIME),
                text: find(F_TEXT).map(|t| json_scalar(t).unwrap_or_default()),
                // Lines differ in their keys: only a mapped text key is required.
                has_text: map.fields.contains_key(GUESSES[F_TEXT].0),
                urls: find(F_URLS).map(json_list).unwrap_or_default(),
                hashtags: find(F_HASHTAGS).map(json_list).unwrap_or_default(),
                domains: find(F_DOMAINS).map(json_list).unwrap_or_default(),
                images: find(F_IMAGES).map(json_list).unwrap_or_default(),
                repost_of: get(F_REPOST),
                reply_to: get(F_REPLY),
                quote_of: get(F_QUOTE),
                platform: get(F_PLATFORM),
                lang: get(F_LANG),
            };
            build(fields, ctx, line, &mut zone_note)
        })
    });
    zone_note.emit(ctx, sink);
    res
}

// ---------------------------------------------------------------------------------------------
// Shared plumbing for the tabular and line-based importers.

/// A reader that refuses to hand out more than `limit` bytes after the last [`Capped::mark`].
/// The CSV and XML parsers buffer a whole record or text node before handing it over; this keeps
/// a runaway record (an unbalanced quote, a gigabyte text node) from exhausting memory.
pub(crate) struct Capped<R> {
    inner: R,
    read: u64,
    mark: u64,
    limit: u64,
    tripped: bool,
}

impl<R> Capped<R> {
    pub(crate) fn new(inner: R, max_record: usize) -> Capped<R> {
        // Slack for the parsers' own read-ahead buffers.
        let limit = (max_record as u64).saturating_add(64 * 1024);
        Capped {
            inner,
            read: 0,
            mark: 0,
            limit,
            tripped: false,
        }
    }

    /// Starts a new record at the current read position.
    pub(crate) fn mark(&mut self) {
        self.mark = self.read;
    }

    /// Whether the reader stopped because a record exceeded the limit.
    pub(crate) fn tripped(&self) -> bool {
        self.tripped
    }

    fn check(&mut self) -> io::Result<()> {
        if self.read - self.mark > self.limit {
            self.tripped = true;
            return Err(io::Error::other("record exceeds the size limit"));
        }
        Ok(())
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.check()?;
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Capped<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.check()?;
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.read += amt as u64;
        self.inner.consume(amt);
    }
}

/// The header of a CSV file: names trimmed, unquoted and lowercased for lookup.
#[derive(Clone)]
pub(crate) struct Header {
    names: Vec<String>,
}

impl Header {
    /// Builds a header from raw names.
    pub(crate) fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Header {
        Header {
            names: names
                .into_iter()
                .map(|n| {
                    n.trim_start_matches('\u{feff}')
                        .trim()
                        .trim_matches('"')
                        .trim()
                        .to_lowercase()
                })
                .collect(),
        }
    }

    /// Index of a column, case-insensitively.
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        let name = name.to_lowercase();
        self.names.iter().position(|n| *n == name)
    }

    /// Index of the first of `names` that exists.
    pub(crate) fn find_any(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.find(n))
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }
}

/// One CSV record with its starting line.
pub(crate) struct Row<'a> {
    pub line: u64,
    rec: &'a csv::StringRecord,
}

impl Row<'_> {
    /// The trimmed value of column `i`, `None` when the column is absent or the value empty.
    pub(crate) fn get(&self, i: Option<usize>) -> Option<&str> {
        let v = self.rec.get(i?)?.trim();
        (!v.is_empty()).then_some(v)
    }

    /// The value of column `i` as is (empty when absent).
    pub(crate) fn raw(&self, i: usize) -> &str {
        self.rec.get(i).unwrap_or("")
    }
}

/// The CSV header names from the first line of `head`, if it parses as CSV with 2+ columns.
pub(crate) fn header_names(head: &[u8]) -> Option<Vec<String>> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let line = first_line(head);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(guess_delimiter(line))
        .from_reader(line);
    let mut rec = csv::ByteRecord::new();
    if !rdr.read_byte_record(&mut rec).ok()? || rec.len() < 2 {
        return None;
    }
    let h = Header::new(rec.iter().map(|f| std::str::from_utf8(f).unwrap_or("")));
    Some(h.names)
}

/// The CSV header of `head` as the tabular sniffers judge it: [`header_names`], built into a
/// [`Header`] for its case-insensitive lookups.
pub(crate) fn sniffed_header(head: &[u8]) -> Option<Header> {
    let names = header_names(head)?;
    Some(Header::new(names.iter().map(String::as_str)))
}

/// Tab or semicolon when the header line has more of them than commas, else comma.
pub(crate) fn guess_delimiter(line: &[u8]) -> u8 {
    let count = |c: u8| line.iter().filter(|&&b| b == c).count();
    let commas = count(b',');
    if count(b'\t') > commas {
        b'\t'
    } else if count(b';') > commas {
        b';'
    } else {
        b','
    }
}

/// The first byte of `head` that is not whitespace (after a BOM).
pub(crate) fn first_non_space(head: &[u8]) -> Option<u8> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    head.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// The first line of `head` (without BOM, leading blank lines and line end).
pub(crate) fn first_line(head: &[u8]) -> &[u8] {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .unwrap_or(head.len());
    let head = &head[start..];
    let end = memchr::memchr(b'\n', head).unwrap_or(head.len());
    let line = &head[..end];
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Streams a CSV file: reads the header, lets `setup` resolve columns (an `Err` is fatal for the
/// file), then maps each record with `map`. A record with the wrong number of fields, invalid
/// UTF-8 or more than `max_record` bytes is refused with its starting line; the rest continue.
pub(crate) fn read_csv<S>(
    input: &mut dyn BufRead,
    ctx: &FileContext<'_>,
    delimiter: u8,
    setup: impl FnOnce(&Header) -> Result<S, String>,
    sink: &mut dyn FnMut(Event),
    mut map: impl FnMut(&mut S, &Row<'_>) -> Result<Item, Refusal>,
) -> Result<(), FileError> {
    let max = ctx.options.max_record;
    if input
        .fill_buf()
        .map_err(|e| io_error(ctx, e))?
        .starts_with(b"\xEF\xBB\xBF")
    {
        input.consume(3);
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(Capped::new(input, max));
    let mut rec = csv::ByteRecord::new();
    let csv_fail = |rdr: &mut csv::Reader<Capped<&mut dyn BufRead>>, e: csv::Error| {
        let line = rdr.position().line();
        if rdr.get_mut().tripped() {
            fatal(ctx, Locator::Line(line), "record exceeds the size limit")
        } else {
            match e.into_kind() {
                csv::ErrorKind::Io(source) => io_error(ctx, source),
                other => fatal(ctx, Locator::Line(line), format!("bad csv: {other:?}")),
            }
        }
    };
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => return Ok(()),
        Err(e) => return Err(csv_fail(&mut rdr, e)),
    }
    let header = Header::new(rec.iter().map(|f| std::str::from_utf8(f).unwrap_or("")));
    let mut state = setup(&header).map_err(|reason| fatal(ctx, Locator::Line(1), reason))?;
    loop {
        rdr.get_mut().mark();
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(csv_fail(&mut rdr, e)),
        }
        let line = rec.position().map_or(0, csv::Position::line);
        let refuse = |r: Refusal| r.at(ctx, Locator::Line(line));
        if rec.len() != header.len() {
            let detail = format!("expected {}, found {}", header.len(), rec.len());
            sink(refuse(Refusal::new("wrong number of fields", detail)));
            continue;
        }
        if rec.as_slice().len() > max {
            sink(refuse(Refusal::new(
                "record too large",
                format!("over {max} bytes"),
            )));
            continue;
        }
        let srec = match csv::StringRecord::from_byte_record(std::mem::take(&mut rec)) {
            Ok(s) => s,
            Err(e) => {
                rec = e.into_byte_record();
                sink(refuse(Refusal::new("invalid utf-8", "")));
                continue;
            }
        };
        let row = Row { line, rec: &srec };
        match map(&mut state, &row) {
            Ok(item) => sink(Event::Item(Box::new(item))),
            Err(r) => sink(refuse(r)),
        }
        rec = srec.into_byte_record();
    }
}

/// Streams a JSONL file: each non-blank line must be a JSON object, mapped by `map`.
pub(crate) fn for_each_json_line(
    input: &mut dyn BufRead,
    ctx: &FileContext<'_>,
    sink: &mut dyn FnMut(Event),
    mut map: impl FnMut(&Value, u64) -> Result<Item, Refusal>,
) -> Result<(), FileError> {
    let max = ctx.options.max_record;
    crate::source::for_each_line(input, max, &mut |line_no, line| {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                sink(Event::Error(e.to_record_error(ctx.path, line_no, max)));
                return;
            }
        };
        let result = match serde_json::from_str::<Value>(line) {
            Ok(v @ Value::Object(_)) => map(&v, line_no),
            Ok(_) => Err(Refusal::new("not a json object", "")),
            Err(e) => Err(Refusal::new("bad json", e.to_string())),
        };
        sink(match result {
            Ok(item) => Event::Item(Box::new(item)),
            Err(r) => r.at(ctx, Locator::Line(line_no)),
        });
    })
    .map_err(|e| io_error(ctx, e))
}

/// Follows a dotted path (`user.id`, `entities.urls.0`) through objects and arrays.
pub(crate) fn json_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(x) = v.get(path) {
        return Some(x);
    }
    path.split('.').try_fold(v, |cur, key| match cur {
        Value::Object(m) => m.get(key),
        Value::Array(a) => a.get(key.parse::<usize>().ok()?),
        _ => None,
    })
}

/// A scalar as a trimmed non-empty string (strings, numbers, booleans).
pub(crate) fn json_scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The string at `path`, if any.
pub(crate) fn json_str(v: &Value, path: &str) -> Option<String> {
    json_path(v, path).and_then(json_scalar)
}

/// A list value: a JSON array of scalars (or of objects with `url`/`expanded_url`/`text`), or a
/// delimited string.
pub(crate) fn json_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a
            .iter()
            .filter_map(|x| match x {
                Value::Object(_) => ["expanded_url", "url", "href", "tag", "text", "name"]
                    .iter()
                    .find_map(|k| json_str(x, k)),
                _ => json_scalar(x),
            })
            .collect(),
        Value::String(s) => split_list(s),
        _ => Vec::new(),
    }
}

/// Parses a time value: epoch numbers (seconds or milliseconds) or any supported string form.
pub(crate) fn json_time(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => parse_epoch(&n.to_string()),
        Value::String(s) => parse_any(s),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Runs an importer over bytes in memory.

    use super::*;
    use crate::RecordError;

    /// What one import gave.
    pub(crate) struct Run {
        pub items: Vec<Item>,
        pub errors: Vec<RecordError>,
        pub warnings: Vec<RecordError>,
        pub result: Result<(), FileError>,
    }

    /// The modification time the test runs give their "file": 2024-03-01T00:00:00Z.
    pub(crate) const FILE_TIME: i64 = 1_709_251_200;

    pub(crate) const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    pub(crate) fn run_with(
        imp: &dyn Importer,
        bytes: &[u8],
        options: &crate::ImportOptions,
    ) -> Run {
        let ctx = FileContext {
            path: std::path::Path::new("in"),
            sha256: SHA,
            options,
            file_time: Some(FILE_TIME),
        };
        let mut items = Vec::new();
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let mut input = bytes;
        let result = imp.import(&mut input, &ctx, &mut |e| match e {
            Event::Item(i) => items.push(*i),
            Event::Error(e) => errors.push(e),
            Event::Warning(w) => warnings.push(w),
        });
        Run {
            items,
            errors,
            warnings,
            result,
        }
    }

    /// The context of a test file at `path` without a modification time, its SHA-256 cut to
    /// `ab`.
    pub(crate) fn bare_context<'a>(
        path: &'a std::path::Path,
        options: &'a crate::ImportOptions,
    ) -> FileContext<'a> {
        FileContext {
            path,
            sha256: "ab",
            options,
            file_time: None,
        }
    }

    /// Runs `imp` over `bytes` in `ctx`: its items, its record errors and warnings as they
    /// display, in file order (warnings prefixed `warning: `), and how the file ended.
    pub(crate) fn said(
        imp: &dyn Importer,
        bytes: &[u8],
        ctx: &FileContext<'_>,
    ) -> (Vec<Item>, Vec<String>, Result<(), FileError>) {
        let (mut items, mut said) = (Vec::new(), Vec::new());
        let mut input = bytes;
        let result = imp.import(&mut input, ctx, &mut |ev| match ev {
            Event::Item(i) => items.push(*i),
            Event::Error(e) => said.push(e.to_string()),
            Event::Warning(w) => said.push(format!("warning: {w}")),
        });
        (items, said, result)
    }

    pub(crate) fn run(imp: &dyn Importer, bytes: &[u8]) -> Run {
        run_with(imp, bytes, &crate::ImportOptions::default())
    }

    /// `(line, reason)` of each record error.
    pub(crate) fn reasons(run: &Run) -> Vec<(String, String)> {
        run.errors
            .iter()
            .map(|e| (e.locator.to_string(), e.reason.clone()))
            .collect()
    }

    /// Checks that `run` read its file to the end and gave the items `items` (each as `summary`
    /// writes it) and the record errors `errors`, as `(line, reason)`.
    pub(crate) fn assert_run(
        run: &Run,
        summary: fn(&Item) -> String,
        items: &[&str],
        errors: &[(&str, &str)],
    ) {
        assert!(run.result.is_ok(), "{:?}", run.result);
        let got: Vec<String> = run.items.iter().map(summary).collect();
        assert_eq!(got, items);
        let want: Vec<(String, String)> = errors
            .iter()
            .map(|(l, r)| ((*l).to_string(), (*r).to_string()))
            .collect();
        assert_eq!(reasons(run), want);
    }

    /// Checks that `run` stopped on a fatal error for `reason`.
    pub(crate) fn assert_fatal(run: &Run, reason: &str) {
        assert!(
            matches!(&run.result, Err(FileError::Fatal { reason: r, .. }) if r == reason),
            "{:?}",
            run.result
        );
    }

    pub(crate) fn fixture(rel: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;
    use crate::ImportOptions;
    use skydas_model::TimeBasis;

    /// One-line summary of an item: `platform id actor time kind urls | text`.
    fn summary(i: &Item) -> String {
        let urls: Vec<&str> = i.urls.iter().map(|u| u.raw.as_str()).collect();
        format!(
            "{} {} {} {} {} [{}] r={} | {}",
            i.platform,
            i.platform_id,
            i.actor.platform_id,
            i.time,
            i.kind.as_str(),
            urls.join(" "),
            i.repost_of.as_deref().unwrap_or("-"),
            i.text
        )
    }

    /// Options whose column map reads each `(field, key)` of `fields`, for inputs of `platform`.
    fn mapped(fields: &[(&str, &str)], platform: Option<&str>) -> ImportOptions {
        let mut options = ImportOptions::default();
        for (field, key) in fields {
            options
                .column_map
                .fields
                .insert((*field).into(), (*key).into());
        }
        options.column_map.platform = platform.map(str::to_string);
        options
    }

    /// The run's items as [`summary`] writes them, then its record errors as `error L: reason`.
    fn outcome(run: &Run) -> Vec<String> {
        let mut got: Vec<String> = run.items.iter().map(summary).collect();
        got.extend(
            reasons(run)
                .into_iter()
                .map(|(l, r)| format!("error {l}: {r}")),
        );
        got
    }

    fn check(input: &str, expected: &[&str]) {
        let run = run(&Generic, input.as_bytes());
        assert!(run.result.is_ok(), "{:?}", run.result);
        assert_eq!(outcome(&run), expected);
    }

    #[test]
    fn maps_guessed_csv_columns() {
        check(
            "post_id,user_id,screen_name,created_at,text,links,platform\n\
             1,u1,alice,2024-02-24T06:00:00Z,hello,https://a.example/x|https://b.example,telegram\n\
             2,u2,bob,1708754400,\"multi\nline\",,\n",
            &[
                "telegram 1 u1 1708754400 post [https://a.example/x https://b.example] r=- | hello",
                "other 2 u2 1708754400 post [] r=- | multi\nline",
            ],
        );
    }

    #[test]
    fn maps_the_fixtures() {
        let run = run(&Generic, &fixture("generic/posts.csv"));
        assert_eq!(
            outcome(&run),
            [
                "vk vk-1 1001 1708754400 post [https://lrt-lt.example/a https://t.me/baltic_voice/1] r=- | Правда о Литве, часть 1",
                "vk vk-2 1002 1708754430 post [https://lrt-lt.example/a] r=- | Правда о Литве, часть 1",
                "vk vk-4 1003 1708754460 reply [] r=- | Ответ",
                "error 4: bad timestamp",
            ]
        );
        assert_eq!(run.items[0].actor.handle.as_deref(), Some("baltic_voice"));
        assert_eq!(run.items[0].actor.name.as_deref(), Some("Baltic Voice"));
        assert_eq!(run.items[2].reply_to.as_deref(), Some("vk-1"));

        let options = mapped(
            &[
                ("actor_id", "snippet.channelId"),
                ("name", "snippet.channelTitle"),
                ("time", "snippet.publishedAt"),
                ("text", "snippet.description"),
            ],
            Some("youtube"),
        );
        let run = run_with(&Generic, &fixture("generic/posts.jsonl"), &options);
        assert_eq!(
            outcome(&run),
            [
                "youtube yt-1 UC1 1708754400 post [https://lrt-lt.example/a] r=- | Žiūrėkite https://lrt-lt.example/a",
                "error 2: missing text",
            ]
        );
    }

    #[test]
    fn every_fixture_is_detected_as_its_format() {
        let cases = [
            ("generic/posts.csv", "generic"),
            ("generic/posts.jsonl", "No"),
            ("cnt-csv/messages.csv", "cnt-csv"),
            ("crowdtangle/facebook.csv", "crowdtangle"),
            ("crowdtangle/instagram.csv", "crowdtangle"),
            ("4cat/telegram.csv", "4cat"),
            ("4cat/twitter.csv", "4cat"),
            ("4cat/zeeschuimer.ndjson", "4cat"),
            ("feed/rss.xml", "feed"),
            ("feed/atom.xml", "feed"),
            ("feed/rdf.xml", "feed"),
        ];
        for (path, want) in cases {
            let bytes = fixture(path);
            let got = crate::sniff_format(&bytes).map_or("No", |i| i.name());
            assert_eq!(got, want, "{path}");
        }
    }

    #[test]
    fn maps_jsonl_with_nested_keys_and_arrays() {
        let options = mapped(&[("actor_id", "user.id")], Some("x"));
        let input = r#"{"id": 5, "user": {"id": 77}, "timestamp": 1708754400, "text": "hi", "urls": ["https://a.example"], "retweet_id": "4"}
{"id": "6", "user": {"id": "78"}, "date": "Sat, 24 Feb 2024 06:00:00 GMT", "body": null}
"#;
        let run = run_with(&Generic, input.as_bytes(), &options);
        assert_run(
            &run,
            summary,
            &[
                "x 5 77 1708754400 repost [https://a.example] r=4 | hi",
                "x 6 78 1708754400 post [] r=- | ",
            ],
            &[],
        );
    }

    #[test]
    fn synthesises_ids_when_there_is_no_id_column() {
        check(
            "author_id,time,text\na,2024-02-24 06:00:00,x\n",
            &["other 0123456789ab:2 a 1708754400 post [] r=- | x"],
        );
    }

    #[test]
    fn reads_local_times_with_the_users_zone_and_says_so_without_one() {
        let csv = b"id,author_id,time,text\n\
                    1,a,2024-07-01 12:00:00,summer\n\
                    2,a,2024-01-01 12:00:00,winter\n\
                    3,a,2024-07-01T12:00:00+03:00,offset\n";
        let plain = run(&Generic, csv);
        let times: Vec<(i64, TimeBasis)> =
            plain.items.iter().map(|i| (i.time, i.time_basis)).collect();
        assert_eq!(
            times,
            [
                (1_719_835_200, TimeBasis::LocalUtc),
                (1_704_110_400, TimeBasis::LocalUtc),
                (1_719_824_400, TimeBasis::Exact),
            ]
        );
        let w: Vec<(String, &str)> = plain
            .warnings
            .iter()
            .map(|w| (w.locator.to_string(), w.reason.as_str()))
            .collect();
        assert_eq!(w, [("2".to_string(), "time zone")], "once per file");
        let options = ImportOptions {
            tz: Some(skydas_model::zone::Tz::parse("Europe/Vilnius").unwrap()),
            ..ImportOptions::default()
        };
        let vilnius = run_with(&Generic, csv, &options);
        let times: Vec<(i64, TimeBasis)> = vilnius
            .items
            .iter()
            .map(|i| (i.time, i.time_basis))
            .collect();
        assert_eq!(
            times,
            [
                (1_719_824_400, TimeBasis::LocalTz),
                (1_704_103_200, TimeBasis::LocalTz),
                (1_719_824_400, TimeBasis::Exact),
            ],
            "EEST in July, EET in January"
        );
        assert!(vilnius.warnings.is_empty());
    }

    #[test]
    fn refuses_bad_records_and_keeps_the_rest() {
        check(
            "id,author_id,time,text\n\
             1,a,2024-02-24T06:00:00Z,ok\n\
             2,a,yesterday,bad time\n\
             3,,2024-02-24T06:00:00Z,no actor\n\
             4,a,2024-02-24T06:00:00Z\n\
             5,a,2024-02-24T06:00:00Z,ok again\n",
            &[
                "other 1 a 1708754400 post [] r=- | ok",
                "other 5 a 1708754400 post [] r=- | ok again",
                "error 3: bad timestamp",
                "error 4: missing actor",
                "error 5: wrong number of fields",
            ],
        );
        check(
            "{\"id\":1,\"author_id\":\"a\",\"time\":1,\"text\":\"t\"}\nnot json\n[1]\n{\"id\":2}\n",
            &[
                "other 1 a 1 post [] r=- | t",
                "error 2: bad json",
                "error 3: not a json object",
                "error 4: missing actor",
            ],
        );
    }

    #[test]
    fn refuses_invalid_utf8_and_oversized_records() {
        let mut input = b"id,author_id,time,text\n1,a,1,\xff\xfe\n".to_vec();
        input.extend_from_slice(b"2,a,1,");
        input.extend(std::iter::repeat_n(b'x', 200));
        input.extend_from_slice(b"\n3,a,1,ok\n");
        let options = ImportOptions {
            max_record: 100,
            ..ImportOptions::default()
        };
        let run = run_with(&Generic, &input, &options);
        assert_eq!(
            reasons(&run),
            [
                ("2".to_string(), "invalid utf-8".to_string()),
                ("3".to_string(), "record too large".to_string())
            ]
        );
        assert_eq!(run.items.len(), 1);
    }

    #[test]
    fn a_runaway_quoted_field_stops_the_file_instead_of_filling_memory() {
        let mut input = b"id,author_id,time,text\n1,a,1,ok\n2,a,1,\"".to_vec();
        input.extend(std::iter::repeat_n(b'x', 300_000));
        let options = ImportOptions {
            max_record: 1000,
            ..ImportOptions::default()
        };
        let run = run_with(&Generic, &input, &options);
        assert_eq!(run.items.len(), 1);
        match run.result {
            Err(FileError::Fatal {
                locator, reason, ..
            }) => {
                assert_eq!(
                    (locator, reason.as_str()),
                    (Locator::Line(3), "record exceeds the size limit")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_mapped_column_that_is_missing_is_fatal() {
        let options = mapped(&[("text", "caption")], None);
        let run = run_with(&Generic, b"id,author_id,time,text\n1,a,1,x\n", &options);
        assert_fatal(&run, "missing column caption");
    }

    #[test]
    fn sniffs_weakly() {
        let cases: &[(&str, Confidence)] = &[
            ("id,time,text\n", Confidence::Weak),
            ("\u{feff}tweet_id;created_at;full_text\n", Confidence::Weak),
            (
                "{\"post_id\":1,\"date\":2,\"body\":\"x\"}\n",
                Confidence::Weak,
            ),
            ("id,time\n", Confidence::No),
            ("<rss>", Confidence::No),
            ("", Confidence::No),
        ];
        for (head, want) in cases {
            assert_eq!(Generic.sniff(head.as_bytes()), *want, "{head}");
        }
    }

    #[test]
    fn splits_lists_and_refuses_bad_lines() {
        assert_eq!(split_list("a b,c|d; [\"e\"]"), ["a", "b", "c", "d", "e"]);
        let mut jsonl = b"{\"id\":1,\"author_id\":\"a\",\"time\":1,\"text\":\"".to_vec();
        jsonl.extend(std::iter::repeat_n(b'x', 300));
        jsonl.extend_from_slice(
            b"\"}\n\xff\n{\"id\":2,\"author_id\":\"a\",\"time\":1,\"text\":\"ok\"}\n",
        );
        let options = ImportOptions {
            max_record: 100,
            ..ImportOptions::default()
        };
        let run = run_with(&Generic, &jsonl, &options);
        assert_eq!(run.items.len(), 1);
        assert_eq!(
            reasons(&run),
            [
                ("1".to_string(), "line too long".to_string()),
                ("2".to_string(), "invalid utf-8".to_string())
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = Generic.sniff(&bytes);
            let _ = run(&Generic, &bytes);
        }

        #[test]
        fn never_panics_on_csvish_text(s in "[a-z0-9,\"\n{}:\\[\\]]{0,200}") {
            let input = format!("id,author_id,time,text\n{s}");
            let _ = run(&Generic, input.as_bytes());
            let input = format!("{{\"id\":{s}");
            let _ = run(&Generic, input.as_bytes());
        }
    }
}
