//! RSS 2.0, RSS 1.0 (RDF) and Atom feeds: the site is the actor, each entry an article.
//!
//! The XML is read as a stream of events, never as a tree, so a large feed archive costs one
//! entry of memory. The site is the host of the feed's own link (RSS `<channel><link>`, Atom
//! `<link rel="alternate">`), else the feed title, else the host of the entry's link. The text is
//! the title and the body (full content when the feed has it, else the description or summary)
//! with HTML tags stripped and entities decoded; the links inside the body are kept as URLs after
//! the article's own link. `<category>` values are editorial labels, not hashtags, and are
//! skipped. Text is read as UTF-8, or as windows-1251, KOI8-R, windows-1252 or ISO-8859-1 when
//! the XML declaration says so.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event as Xml};
use skydas_model::time::{parse_any, parse_datetime, parse_rfc2822};
use skydas_model::{Actor, ActorKind, Item, ItemKind, ItemUrl, Locator, Platform, UrlSource};

use super::generic::Capped;
use crate::kit::{Refusal, fatal, provenance};
use crate::{Confidence, Event, FileContext, FileError, Importer};

/// RSS / Atom importer (name `feed`).
pub struct Feed;

const NAME: &str = "feed";
const VERSION: u32 = 1;

/// Most links (or dates) kept per entry, so that a hostile entry cannot grow them without bound.
const MAX_LIST: usize = 1000;

impl Importer for Feed {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn sniff(&self, head: &[u8]) -> Confidence {
        let root = skip_prolog(head);
        let atom = memchr::memmem::find(head, b"http://www.w3.org/2005/Atom").is_some();
        if root.starts_with(b"<rss") || (root.starts_with(b"<feed") && atom) {
            Confidence::Certain
        } else if root.starts_with(b"<feed") || root.starts_with(b"<rdf:RDF") {
            Confidence::Likely
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
        let max = ctx.options.max_record;
        // The reader counts offsets after a byte order mark; skip it here so that locators are
        // offsets into the file as it is.
        let head = input.fill_buf().map_err(|e| crate::kit::io_error(ctx, e))?;
        let base: u64 = if head.starts_with(b"\xEF\xBB\xBF") {
            input.consume(3);
            3
        } else {
            0
        };
        let mut reader = quick_xml::Reader::from_reader(Capped::new(input, max));
        let config = reader.config_mut();
        config.trim_text(false);
        // Feeds in the wild carry bare `&` in text; take it as text rather than give up.
        config.allow_dangling_amp = true;
        let mut st = State {
            max,
            ..State::default()
        };
        let mut buf = Vec::new();
        loop {
            let event = match reader.read_event_into(&mut buf) {
                Ok(e) => e,
                Err(e) => {
                    let (offset, reason) = if reader.get_ref().tripped() {
                        let at = st
                            .entry
                            .as_ref()
                            .map_or(reader.buffer_position() + base, |e| e.offset);
                        (at, "entry exceeds the size limit".to_string())
                    } else {
                        (
                            reader.error_position() + base,
                            format!("malformed xml: {e}"),
                        )
                    };
                    return Err(fatal(ctx, Locator::Offset(offset), reason));
                }
            };
            reader.get_mut().mark();
            let end = reader.buffer_position() + base;
            match event {
                Xml::Start(e) => {
                    // `e` is the tag without `<` and `>`.
                    let offset = end.saturating_sub(e.len() as u64 + 2);
                    st.open(&e, offset);
                }
                Xml::Empty(e) => {
                    let offset = end.saturating_sub(e.len() as u64 + 3);
                    st.open(&e, offset);
                    if let Some(ev) = st.close(ctx) {
                        sink(ev);
                    }
                }
                Xml::End(_) => {
                    if let Some(ev) = st.close(ctx) {
                        sink(ev);
                    }
                }
                Xml::Text(t) => {
                    let text = st.decode(&t);
                    st.push_text(&text);
                }
                Xml::CData(t) => {
                    let text = st.decode(&t);
                    st.push_text(&text);
                }
                Xml::GeneralRef(r) => {
                    let name = String::from_utf8_lossy(&r);
                    match entity(&name) {
                        Some(s) => st.push_text(&s),
                        None => st.push_text(&format!("&{name};")),
                    }
                }
                Xml::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        st.charset = Charset::from_label(&String::from_utf8_lossy(&enc));
                    }
                }
                Xml::Eof => return Ok(()),
                Xml::Comment(_) | Xml::PI(_) | Xml::DocType(_) => {}
            }
            buf.clear();
        }
    }
}

/// What a captured element's text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    FeedTitle,
    FeedLink,
    Title,
    Link,
    Guid,
    PubDate,
    DcDate,
    Published,
    Updated,
    Description,
    Content,
}

/// Text being collected from one element (and its descendants).
struct Capture {
    target: Target,
    /// Stack depth of the element (stack length after pushing it).
    depth: usize,
    text: String,
    /// Links of elements nested inside (Atom `type="xhtml"` content).
    hrefs: Vec<String>,
}

#[derive(Default)]
struct Entry {
    offset: u64,
    /// Stack depth of the entry element (stack length after pushing it).
    depth: usize,
    title: String,
    link: Option<String>,
    guid: Option<String>,
    times: Vec<(Target, String)>,
    description: String,
    content: String,
    hrefs: Vec<String>,
    enclosures: Vec<String>,
    too_large: bool,
}

#[derive(Default)]
struct State {
    max: usize,
    charset: Charset,
    stack: Vec<String>,
    feed_title: Option<String>,
    feed_link: Option<String>,
    entry: Option<Entry>,
    capture: Option<Capture>,
}

impl State {
    fn decode(&self, raw: &[u8]) -> String {
        self.charset.decode(raw)
    }

    fn attr(&self, e: &BytesStart<'_>, name: &str) -> Option<String> {
        let a = e
            .attributes()
            .flatten()
            .find(|a| a.key.as_ref().eq_ignore_ascii_case(name.as_bytes()))?;
        let raw = self.decode(&a.value);
        let v = decode_entities(&raw);
        let v = v.trim();
        (!v.is_empty()).then(|| v.to_string())
    }

    fn push_text(&mut self, s: &str) {
        let max = self.max;
        if let Some(c) = &mut self.capture {
            if c.text.len() + s.len() > max {
                if let Some(e) = &mut self.entry {
                    e.too_large = true;
                }
                return;
            }
            c.text.push_str(s);
        }
    }

    fn open(&mut self, e: &BytesStart<'_>, offset: u64) {
        let name = String::from_utf8_lossy(e.name().as_ref()).to_ascii_lowercase();
        let parent = self.stack.last().map(String::as_str).unwrap_or("");
        let depth = self.stack.len() + 1;
        if self.capture.is_some() {
            // An element nested in captured text (XHTML content): keep its link, and a space so
            // that words in neighbouring elements do not run together.
            let href = self.attr(e, "href");
            self.push_text(" ");
            if let Some(c) = &mut self.capture
                && c.hrefs.len() < MAX_LIST
            {
                c.hrefs.extend(href);
            }
        } else if let Some(entry) = &self.entry {
            if depth == entry.depth + 1 {
                self.open_entry_field(&name, e, depth);
            }
        } else if name == "item" || name == "entry" {
            self.entry = Some(Entry {
                offset,
                depth,
                ..Entry::default()
            });
        } else if matches!(parent, "channel" | "feed") {
            match name.as_str() {
                "title" if self.feed_title.is_none() => self.start(Target::FeedTitle, depth),
                "link" if self.feed_link.is_none() => {
                    let rel = self.attr(e, "rel");
                    match self.attr(e, "href") {
                        Some(href) if rel.is_none_or(|r| r == "alternate") => {
                            self.feed_link = Some(href);
                        }
                        Some(_) => {}
                        None => self.start(Target::FeedLink, depth),
                    }
                }
                _ => {}
            }
        }
        self.stack.push(name);
    }

    fn open_entry_field(&mut self, name: &str, e: &BytesStart<'_>, depth: usize) {
        let target = match name {
            "title" => Target::Title,
            "guid" | "id" => Target::Guid,
            "pubdate" => Target::PubDate,
            "dc:date" => Target::DcDate,
            "published" | "issued" => Target::Published,
            "updated" | "modified" => Target::Updated,
            "description" | "summary" => Target::Description,
            "content" | "content:encoded" => Target::Content,
            "enclosure" => {
                let url = self.attr(e, "url");
                if let Some(entry) = &mut self.entry
                    && entry.enclosures.len() < MAX_LIST
                {
                    entry.enclosures.extend(url);
                }
                return;
            }
            "link" => {
                let rel = self.attr(e, "rel");
                let Some(href) = self.attr(e, "href") else {
                    // RSS: the link is the element's text.
                    self.start(Target::Link, depth);
                    return;
                };
                if let Some(entry) = &mut self.entry {
                    match rel.as_deref() {
                        None | Some("alternate") if entry.link.is_none() => entry.link = Some(href),
                        Some("enclosure") if entry.enclosures.len() < MAX_LIST => {
                            entry.enclosures.push(href);
                        }
                        _ => {}
                    }
                }
                return;
            }
            _ => return,
        };
        self.start(target, depth);
    }

    fn start(&mut self, target: Target, depth: usize) {
        self.capture = Some(Capture {
            target,
            depth,
            text: String::new(),
            hrefs: Vec::new(),
        });
    }

    /// Handles the end of the innermost open element; returns an event when an entry ends.
    fn close(&mut self, ctx: &FileContext<'_>) -> Option<Event> {
        let depth = self.stack.len();
        self.stack.pop();
        if self.capture.as_ref().is_some_and(|c| c.depth == depth) {
            let c = self.capture.take()?;
            self.store(c);
            return None;
        }
        if self.entry.as_ref().is_some_and(|e| e.depth == depth) {
            let entry = self.entry.take()?;
            let offset = entry.offset;
            return Some(match self.finish(entry, ctx) {
                Ok(item) => Event::Item(Box::new(item)),
                Err(r) => r.at(ctx, Locator::Offset(offset)),
            });
        }
        None
    }

    fn store(&mut self, c: Capture) {
        let text = c.text.trim().to_string();
        let value = (!text.is_empty()).then_some(text);
        match c.target {
            Target::FeedTitle => {
                self.feed_title = value.map(|t| strip_html(&t).0);
                return;
            }
            Target::FeedLink => {
                self.feed_link = value;
                return;
            }
            _ => {}
        }
        let Some(entry) = &mut self.entry else {
            return;
        };
        let Some(value) = value else {
            return;
        };
        match c.target {
            Target::Title => entry.title = value,
            Target::Link => entry.link = entry.link.take().or(Some(value)),
            Target::Guid => entry.guid = entry.guid.take().or(Some(value)),
            Target::PubDate | Target::DcDate | Target::Published | Target::Updated
                if entry.times.len() < MAX_LIST =>
            {
                entry.times.push((c.target, value));
            }
            Target::Description if entry.description.is_empty() => {
                entry.description = value;
                entry.hrefs.extend(c.hrefs);
            }
            Target::Content if entry.content.is_empty() => {
                entry.content = value;
                entry.hrefs.extend(c.hrefs);
            }
            _ => {}
        }
    }

    fn finish(&self, e: Entry, ctx: &FileContext<'_>) -> Result<Item, Refusal> {
        if e.too_large {
            return Err(Refusal::new(
                "text too large",
                format!("over {} bytes", self.max),
            ));
        }
        let id = e
            .guid
            .clone()
            .or_else(|| e.link.clone())
            .ok_or_else(|| Refusal::new("missing link and guid", ""))?;
        let time = entry_time(&e.times)?;
        let site = self
            .feed_link
            .as_deref()
            .and_then(host)
            .or_else(|| self.feed_title.clone())
            .or_else(|| e.link.as_deref().and_then(host))
            .ok_or_else(|| {
                Refusal::new("missing site", "no feed link, feed title or entry link")
            })?;
        let body = if e.content.is_empty() {
            &e.description
        } else {
            &e.content
        };
        let (title, _) = strip_html(&e.title);
        let (body_text, body_hrefs) = strip_html(body);
        let text = match (title.is_empty(), body_text.is_empty()) {
            (false, false) => format!("{title}\n{body_text}"),
            (false, true) => title,
            _ => body_text,
        };
        let actor = Actor {
            platform_id: site,
            name: self.feed_title.clone(),
            kind: ActorKind::Site,
            ..Actor::default()
        };
        let prov = provenance(ctx, &Feed, Locator::Offset(e.offset));
        let mut item = Item::new(Platform::Web, id, actor, time, text, prov);
        item.kind = ItemKind::Article;
        let mut push = |raw: String, source: UrlSource| {
            if !item.urls.iter().any(|u| u.raw == raw) {
                item.urls.push(ItemUrl {
                    raw,
                    source,
                    ..ItemUrl::default()
                });
            }
        };
        if let Some(link) = e.link {
            push(link, UrlSource::Link);
        }
        for url in e.enclosures {
            push(url, UrlSource::Field);
        }
        for href in body_hrefs.into_iter().chain(e.hrefs) {
            if let Some(url) = absolute(&href) {
                push(url, UrlSource::Field);
            }
        }
        Ok(item)
    }
}

/// The entry's publication time: `pubDate`, `published`, `dc:date`, then `updated`.
fn entry_time(times: &[(Target, String)]) -> Result<i64, Refusal> {
    let order = [
        Target::PubDate,
        Target::Published,
        Target::DcDate,
        Target::Updated,
    ];
    let Some((target, raw)) = order
        .iter()
        .find_map(|t| times.iter().find(|(x, _)| x == t))
    else {
        return Err(Refusal::new("missing date", ""));
    };
    let parsed = match target {
        Target::PubDate => parse_rfc2822(raw).or_else(|| parse_any(raw)),
        _ => parse_datetime(raw).or_else(|| parse_any(raw)),
    };
    parsed.ok_or_else(|| Refusal::new("bad date", raw.clone()))
}

/// The lowercase host of an absolute URL, without user info or port.
fn host(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => authority.split(':').next()?,
    };
    (!host.is_empty()).then(|| host.to_lowercase())
}

/// An `http(s)` URL from an `href`, with protocol-relative links made `https:`; others dropped.
fn absolute(href: &str) -> Option<String> {
    let h = href.trim();
    let lower = h.get(..8).unwrap_or(h).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Some(h.to_string())
    } else if h.starts_with("//") && h.len() > 2 {
        Some(format!("https:{h}"))
    } else {
        None
    }
}

/// The root element of an XML head: skips a BOM, whitespace, the declaration, comments,
/// processing instructions and a DOCTYPE.
fn skip_prolog(head: &[u8]) -> &[u8] {
    let mut h = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    loop {
        let start = h
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(h.len());
        h = &h[start..];
        let close: &[u8] = if h.starts_with(b"<?") {
            b"?>"
        } else if h.starts_with(b"<!--") {
            b"-->"
        } else if h.starts_with(b"<!") {
            b">"
        } else {
            return h;
        };
        match memchr::memmem::find(h, close) {
            Some(i) => h = &h[i + close.len()..],
            None => return &[],
        }
    }
}

/// Strips HTML tags (and `script`/`style` contents), decodes entities and collapses
/// whitespace, keeping paragraph breaks as newlines. Returns the text and the `href`s of links.
pub(crate) fn strip_html(s: &str) -> (String, Vec<String>) {
    let mut raw = String::with_capacity(s.len());
    let mut hrefs = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        raw.push_str(&decode_entities(&rest[..i]));
        let tag = &rest[i + 1..];
        let is_tag = tag
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        if !is_tag {
            raw.push('<');
            rest = tag;
            continue;
        }
        if tag.starts_with("!--") {
            rest = tag.find("-->").map_or("", |j| &tag[j + 3..]);
            continue;
        }
        let Some(j) = tag.find('>') else {
            // An unclosed `<` to the end: not markup after all.
            raw.push_str(&decode_entities(&rest[i..]));
            rest = "";
            break;
        };
        let inner = &tag[..j];
        rest = &tag[j + 1..];
        let name: String = inner
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if matches!(name.as_str(), "script" | "style") && !inner.starts_with('/') {
            let close = format!("</{name}");
            rest = find_ci(rest, &close).map_or("", |k| {
                let after = &rest[k..];
                after.find('>').map_or("", |m| &after[m + 1..])
            });
            continue;
        }
        if name == "a"
            && let Some(href) = attr_value(inner, "href")
        {
            hrefs.push(decode_entities(&href).into_owned());
        }
        let inline = matches!(
            name.as_str(),
            "a" | "b"
                | "i"
                | "em"
                | "strong"
                | "u"
                | "s"
                | "span"
                | "font"
                | "small"
                | "sup"
                | "sub"
                | "mark"
                | "abbr"
                | "code"
        );
        if inline {
            continue;
        }
        let block = matches!(
            name.as_str(),
            "p" | "br"
                | "div"
                | "li"
                | "ul"
                | "ol"
                | "tr"
                | "table"
                | "blockquote"
                | "section"
                | "article"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "hr"
                | "figure"
        );
        raw.push(if block { '\n' } else { ' ' });
    }
    raw.push_str(&decode_entities(rest));
    (collapse_whitespace(&raw), hrefs)
}

fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    hay.char_indices().map(|(i, _)| i).find(|&i| {
        hay.get(i..i + n)
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    })
}

/// The value of attribute `name` in the inside of a tag (`a href="…" class=x`).
fn attr_value(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(k) = lower[from..].find(name) {
        let at = from + k;
        from = at + name.len();
        let before_ok = at == 0 || lower[..at].ends_with(|c: char| c.is_whitespace());
        let after = lower[from..].trim_start();
        if !before_ok || !after.starts_with('=') {
            continue;
        }
        let value_start = tag.len() - after.len() + 1;
        let v = tag[value_start..].trim_start();
        let value = match v.chars().next() {
            Some(q @ ('"' | '\'')) => v[1..].split(q).next().unwrap_or(""),
            _ => v
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or(""),
        };
        let value = value.trim();
        return (!value.is_empty()).then(|| value.to_string());
    }
    None
}

/// Runs of whitespace become one space, or one newline when they contain a line break.
fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending: Option<char> = None;
    for c in s.chars() {
        if c.is_whitespace() {
            if c == '\n' || pending.is_none() {
                pending = Some(if c == '\n' { '\n' } else { ' ' });
            }
            continue;
        }
        if let Some(p) = pending.take()
            && !out.is_empty()
        {
            out.push(p);
        }
        out.push(c);
    }
    out
}

/// Decodes character references and the common HTML named entities; unknown ones stay as is.
pub(crate) fn decode_entities(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let semi = after
            .char_indices()
            .take(32)
            .find(|(_, c)| *c == ';')
            .map(|(k, _)| k);
        match semi.and_then(|k| entity(&after[..k]).map(|v| (k, v))) {
            Some((k, v)) => {
                out.push_str(&v);
                rest = &after[k + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The text of one entity name (without `&` and `;`): `#8217`, `#x2019`, `amp`, `nbsp`, ….
fn entity(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        let c = if code == 0 {
            char::REPLACEMENT_CHARACTER
        } else {
            char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
        };
        return Some(c.to_string());
    }
    let c = match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        "nbsp" => "\u{a0}",
        "shy" | "zwnj" | "zwj" => "",
        "ensp" | "emsp" | "thinsp" => " ",
        "ndash" => "–",
        "mdash" => "—",
        "hellip" => "…",
        "laquo" => "«",
        "raquo" => "»",
        "lsquo" => "‘",
        "rsquo" => "’",
        "sbquo" => "‚",
        "ldquo" => "“",
        "rdquo" => "”",
        "bdquo" => "„",
        "copy" => "©",
        "reg" => "®",
        "trade" => "™",
        "euro" => "€",
        "deg" => "°",
        "middot" => "·",
        "bull" => "•",
        "times" => "×",
        "prime" => "′",
        "sect" => "§",
        "para" => "¶",
        "numero" => "№",
        _ => return None,
    };
    Some(c.to_string())
}

/// Character sets declared by feeds of the region, decoded without an encoding library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Charset {
    #[default]
    Utf8,
    Windows1251,
    Koi8R,
    Windows1252,
    Latin1,
}

impl Charset {
    fn from_label(label: &str) -> Charset {
        match label.trim().to_ascii_lowercase().as_str() {
            "windows-1251" | "cp1251" | "x-cp1251" => Charset::Windows1251,
            "koi8-r" | "koi8r" => Charset::Koi8R,
            "windows-1252" | "cp1252" => Charset::Windows1252,
            "iso-8859-1" | "latin1" | "iso8859-1" => Charset::Latin1,
            _ => Charset::Utf8,
        }
    }

    fn decode(self, raw: &[u8]) -> String {
        let table: &[u16; 128] = match self {
            Charset::Utf8 => return String::from_utf8_lossy(raw).into_owned(),
            Charset::Latin1 => return raw.iter().map(|&b| char::from(b)).collect(),
            Charset::Windows1251 => &WINDOWS_1251,
            Charset::Koi8R => &KOI8_R,
            Charset::Windows1252 => &WINDOWS_1252,
        };
        raw.iter()
            .map(|&b| {
                if b < 0x80 {
                    char::from(b)
                } else {
                    char::from_u32(u32::from(table[usize::from(b - 0x80)]))
                        .unwrap_or(char::REPLACEMENT_CHARACTER)
                }
            })
            .collect()
    }
}

// Upper halves (0x80..=0xFF) of the single-byte code pages, as Unicode code points; 0xFFFD
// marks bytes the code page leaves undefined.
#[rustfmt::skip]
const WINDOWS_1251: [u16; 128] = [
    0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021, 0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
    0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0xFFFD, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
    0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7, 0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
    0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7, 0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
    0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417, 0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F,
    0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427, 0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F,
    0x0430, 0x0431, 0x0432, 0x0433, 0x0434, 0x0435, 0x0436, 0x0437, 0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,
    0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447, 0x0448, 0x0449, 0x044A, 0x044B, 0x044C, 0x044D, 0x044E, 0x044F,
];
#[rustfmt::skip]
const KOI8_R: [u16; 128] = [
    0x2500, 0x2502, 0x250C, 0x2510, 0x2514, 0x2518, 0x251C, 0x2524, 0x252C, 0x2534, 0x253C, 0x2580, 0x2584, 0x2588, 0x258C, 0x2590,
    0x2591, 0x2592, 0x2593, 0x2320, 0x25A0, 0x2219, 0x221A, 0x2248, 0x2264, 0x2265, 0x00A0, 0x2321, 0x00B0, 0x00B2, 0x00B7, 0x00F7,
    0x2550, 0x2551, 0x2552, 0x0451, 0x2553, 0x2554, 0x2555, 0x2556, 0x2557, 0x2558, 0x2559, 0x255A, 0x255B, 0x255C, 0x255D, 0x255E,
    0x255F, 0x2560, 0x2561, 0x0401, 0x2562, 0x2563, 0x2564, 0x2565, 0x2566, 0x2567, 0x2568, 0x2569, 0x256A, 0x256B, 0x256C, 0x00A9,
    0x044E, 0x0430, 0x0431, 0x0446, 0x0434, 0x0435, 0x0444, 0x0433, 0x0445, 0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E,
    0x043F, 0x044F, 0x0440, 0x0441, 0x0442, 0x0443, 0x0436, 0x0432, 0x044C, 0x044B, 0x0437, 0x0448, 0x044D, 0x0449, 0x0447, 0x044A,
    0x042E, 0x0410, 0x0411, 0x0426, 0x0414, 0x0415, 0x0424, 0x0413, 0x0425, 0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E,
    0x041F, 0x042F, 0x0420, 0x0421, 0x0422, 0x0423, 0x0416, 0x0412, 0x042C, 0x042B, 0x0417, 0x0428, 0x042D, 0x0429, 0x0427, 0x042A,
];
#[rustfmt::skip]
const WINDOWS_1252: [u16; 128] = [
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    0x00A0, 0x00A1, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x00A7, 0x00A8, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF,
    0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7, 0x00B8, 0x00B9, 0x00BA, 0x00BB, 0x00BC, 0x00BD, 0x00BE, 0x00BF,
    0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x00C4, 0x00C5, 0x00C6, 0x00C7, 0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x00CE, 0x00CF,
    0x00D0, 0x00D1, 0x00D2, 0x00D3, 0x00D4, 0x00D5, 0x00D6, 0x00D7, 0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x00DD, 0x00DE, 0x00DF,
    0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x00E4, 0x00E5, 0x00E6, 0x00E7, 0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x00EC, 0x00ED, 0x00EE, 0x00EF,
    0x00F0, 0x00F1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x00F6, 0x00F7, 0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x00FD, 0x00FE, 0x00FF,
];

#[cfg(test)]
mod tests {
    use super::super::generic::testutil::*;
    use super::*;
    use crate::ImportOptions;

    fn summary(i: &Item) -> String {
        let urls: Vec<String> = i
            .urls
            .iter()
            .map(|u| format!("{}:{}", u.source.as_str(), u.raw))
            .collect();
        format!(
            "{} {} {} {} {}/{}/{} {} [{}] | {}",
            i.platform,
            i.kind.as_str(),
            i.platform_id,
            i.time,
            i.actor.platform_id,
            i.actor.name.as_deref().unwrap_or("-"),
            i.actor.kind.as_str(),
            i.provenance.locator,
            urls.join(" "),
            i.text
        )
    }

    /// Byte offsets of each `needle` in the fixture, for asserting locators.
    fn offsets(bytes: &[u8], needle: &str) -> Vec<u64> {
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(i) = memchr::memmem::find(&bytes[from..], needle.as_bytes()) {
            out.push((from + i) as u64);
            from += i + 1;
        }
        out
    }

    #[test]
    fn maps_rss() {
        let bytes = fixture("feed/rss.xml");
        let run = run(&Feed, &bytes);
        assert!(run.result.is_ok(), "{:?}", run.result);
        let at = offsets(&bytes, "<item>");
        let got: Vec<String> = run.items.iter().map(summary).collect();
        let site = "lt.pravda-news.example/Pravda LT & Co/site";
        assert_eq!(
            got,
            [
                format!(
                    "web article pravda-lt-1001 1708754400 {site} @{} [link:https://lt.pravda-news.example/2024/02/24/a.html field:https://lt.pravda-news.example/img/a.jpg field:https://lrt-lt.example/x?a=1&b=2] | Lithuania\u{2019}s \"news\" & more\nPirmas sakinys.\nŽr. čia",
                    at[0]
                ),
                format!(
                    "web article https://lt.pravda-news.example/2024/02/24/b.html 1708754700 {site} @{} [link:https://lt.pravda-news.example/2024/02/24/b.html field:https://cdn.example/y] | Antras & straipsnis\nTekstas su nuoroda ir santykine",
                    at[1]
                ),
                format!(
                    "web article https://lt.pravda-news.example/c 1708755000 {site} @{} [field:https://t.me/s/channel] | Full content\nThe full text.\nSecond paragraph with a channel.",
                    at[4]
                ),
            ]
        );
        assert_eq!(
            reasons(&run),
            [
                (format!("@{}", at[2]), "missing link and guid".to_string()),
                (format!("@{}", at[3]), "bad date".to_string()),
            ]
        );
    }

    #[test]
    fn maps_atom() {
        let bytes = fixture("feed/atom.xml");
        let run = run(&Feed, &bytes);
        assert!(
            run.result.is_ok() && run.errors.is_empty(),
            "{:?} {:?}",
            run.result,
            run.errors
        );
        let at = offsets(&bytes, "<entry>");
        let got: Vec<String> = run.items.iter().map(summary).collect();
        assert_eq!(
            got,
            [
                format!(
                    "web article tag:lsm-lv.example,2024:1 1708754400 lsm-lv.example/LSM klons/site @{} [link:https://lsm-lv.example/zina-1 field:https://lsm-lv.example/a.mp3 field:https://delfi-lv.example/z] | Ziņa viens\nPilns teksts",
                    at[0]
                ),
                format!(
                    "web article tag:lsm-lv.example,2024:2 1708754400 lsm-lv.example/LSM klons/site @{} [link:https://lsm-lv.example/zina-2] | Ziņa divi\nTikai kopsavilkums",
                    at[1]
                ),
            ]
        );
    }

    #[test]
    fn maps_rss_1_0() {
        let run = run(&Feed, &fixture("feed/rdf.xml"));
        let got: Vec<String> = run
            .items
            .iter()
            .map(|i| {
                let mut s = summary(i);
                s.replace_range(s.find(" @").unwrap_or(0)..s.find(" [").unwrap_or(0), "");
                s
            })
            .collect();
        assert_eq!(
            got,
            [
                "web article https://err-ee.example/1 1708754400 err-ee.example/ERR peegel/site [link:https://err-ee.example/1] | Uudis\nTekst"
            ]
        );
    }

    #[test]
    fn malformed_xml_keeps_what_came_before() {
        let bytes = fixture("feed/broken.xml");
        let run = run(&Feed, &bytes);
        let ids: Vec<&str> = run.items.iter().map(|i| i.platform_id.as_str()).collect();
        assert_eq!(ids, ["1", "2"]);
        let three = offsets(&bytes, "<item><title>Three")[0];
        let four = offsets(&bytes, "<item><title>Four")[0];
        match run.result {
            Err(FileError::Fatal {
                locator: Locator::Offset(at),
                reason,
                ..
            }) => {
                assert!((three..four).contains(&at), "{at} not in {three}..{four}");
                assert!(reason.starts_with("malformed xml"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn guards_memory() {
        let big = "x".repeat(5000);
        let feed = format!(
            "<rss><channel><title>T</title><item><guid>1</guid><pubDate>24 Feb 2024 06:00 GMT</pubDate><description>{big}</description></item><item><guid>2</guid><pubDate>24 Feb 2024 06:00 GMT</pubDate></item></channel></rss>"
        );
        let options = ImportOptions {
            max_record: 1000,
            ..ImportOptions::default()
        };
        // A text node over the limit refuses its entry.
        let run = run_with(&Feed, feed.as_bytes(), &options);
        assert_eq!(run.errors.len(), 1, "{:?}", run.errors);
        assert_eq!(run.errors[0].reason, "text too large");
        assert!(run.result.is_ok());
        // A single unbroken text node far over the limit stops the file before buffering it.
        let huge = format!("<rss><channel><item><description>{}", "y".repeat(300_000));
        let run = run_with(&Feed, huge.as_bytes(), &options);
        assert!(
            matches!(run.result, Err(FileError::Fatal { ref reason, .. }) if reason == "entry exceeds the size limit"),
            "{:?}",
            run.result
        );
    }

    #[test]
    fn decodes_declared_code_pages() {
        let mut feed =
            b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss><channel><title>".to_vec();
        feed.extend_from_slice(&[0xcd, 0xee, 0xe2, 0xee, 0xf1, 0xf2, 0xe8]); // Новости
        feed.extend_from_slice(
            b"</title><item><guid>1</guid><pubDate>24 Feb 2024 06:00 GMT</pubDate><title>",
        );
        feed.extend_from_slice(&[0xc0, 0xe1, 0xe2, 0xb3]); // Абві
        feed.extend_from_slice(b"</title></item></channel></rss>");
        let run = run(&Feed, &feed);
        assert_eq!(run.items.len(), 1, "{:?} {:?}", run.errors, run.result);
        assert_eq!(run.items[0].text, "Абві");
        assert_eq!(run.items[0].actor.platform_id, "Новости");
    }

    #[test]
    fn strips_html() {
        let cases = [
            ("a &lt; b", "a < b", vec![]),
            ("<p>one</p><p>two<br/>three</p>", "one\ntwo\nthree", vec![]),
            (
                "x <a HREF=\"https://a.example/?q=1&amp;r=2\">y</a>",
                "x y",
                vec!["https://a.example/?q=1&r=2"],
            ),
            (
                "<a href=https://b.example>b</a>",
                "b",
                vec!["https://b.example"],
            ),
            (
                "<style>p{}</style><!-- c -->t&#x41;&#66;&bogus;",
                "tAB&bogus;",
                vec![],
            ),
            ("3 < 4 and <unclosed", "3 < 4 and <unclosed", vec![]),
        ];
        for (html, text, hrefs) in cases {
            let (t, h) = strip_html(html);
            assert_eq!(
                (t.as_str(), h),
                (
                    text,
                    hrefs.iter().map(|s| s.to_string()).collect::<Vec<_>>()
                ),
                "{html}"
            );
        }
    }

    #[test]
    fn finds_hosts() {
        let cases = [
            (
                "https://User@WWW.Example.LT:8443/a?b",
                Some("www.example.lt"),
            ),
            ("http://[::1]:80/", Some("::1")),
            ("example.lt", None),
            ("https:///x", None),
        ];
        for (url, want) in cases {
            assert_eq!(host(url).as_deref(), want, "{url}");
        }
    }

    #[test]
    fn sniffs_feeds() {
        let cases: &[(&[u8], Confidence)] = &[
            (
                b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c --><rss version=\"2.0\">",
                Confidence::Certain,
            ),
            (
                b"<?xml version=\"1.0\"?><!DOCTYPE x><feed xmlns=\"http://www.w3.org/2005/Atom\">",
                Confidence::Certain,
            ),
            (b"<feed>", Confidence::Likely),
            (
                b"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">",
                Confidence::Likely,
            ),
            (b"<html><body>rss</body></html>", Confidence::No),
            (b"<?xml version=\"1.0\"", Confidence::No),
        ];
        for (head, want) in cases {
            assert_eq!(Feed.sniff(head), *want, "{}", String::from_utf8_lossy(head));
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = Feed.sniff(&bytes);
            let _ = run(&Feed, &bytes);
        }

        #[test]
        fn never_panics_on_xmlish_text(s in "(<item>|</item>|<entry>|<title>|</title>|<link href=\"h\"/>|<guid>|</guid>|<pubDate>|</pubDate>|&amp;|&#x;|&#99999999;|<!\\[CDATA\\[|\\]\\]>|<a href=x>|[a-z ]){0,40}") {
            let doc = format!("<rss><channel>{s}</channel></rss>");
            let _ = run(&Feed, doc.as_bytes());
            let _ = strip_html(&s);
        }
    }
}
