//! RSS and Atom feeds, as lenient as feedparser and as safe as a strict parser: RSS 0.9x, 1.0
//! (RDF, `rdf:about` ids) and 2.0, Atom 0.3 and 1.0, CDF; elements matched by namespace, not by
//! prefix (`<rss:item>`, a default namespace, `dc:creator` under any prefix); encodings by
//! byte-order mark, byte pattern and declaration ([`charset`]); internal DOCTYPE entities and
//! broken markup ([`xml`]); relative links resolved against `xml:base` and the feed's link.
//!
//! The actor is the site (the feed's link host, else its title); the item is the article. An
//! item's id is scoped to its site: `{site}#{guid or link}`, so that two sites that both number
//! their posts from 1 never overwrite each other. An entry's author is kept as its byline.
//!
//! Dates: the entry's own (`pubDate`, `published`, `dc:date`, `issued`, `created`, `updated`,
//! `modified`, CDF `lastmod`), read leniently; an entry without one takes the feed's date, and a
//! feed without one the file's time, each flagged on the item and reported as a warning.

mod charset;
mod html;
mod xml;

use std::io::BufRead;

use skydas_model::time::parse_lenient;
use skydas_model::{
    Actor, ActorKind, Item, ItemKind, ItemUrl, Locator, Platform, TimeBasis, UrlSource,
};

use self::charset::{Chars, detect, head_text};
use self::xml::{Token, Tokenizer};
use crate::kit::{Refusal, importer_identity, provenance, warning};
use crate::{Confidence, Event, FileContext, FileError, Importer};

pub(crate) use self::html::strip_html;

/// RSS / Atom importer (name `feed`).
pub struct Feed;

const NAME: &str = "feed";
/// 2: ids scoped to their site; undated entries take the feed's or the file's date.
const VERSION: u32 = 2;

/// Most links (or dates) kept per entry, so that a hostile entry cannot grow them without bound.
const MAX_LIST: usize = 1000;
/// Deepest element nesting followed; deeper elements are read as text.
const MAX_DEPTH: usize = 256;
/// Most undated entries held back until the feed's own date is known.
const MAX_HELD: usize = 10_000;

impl Importer for Feed {
    importer_identity!(NAME, VERSION);

    fn sniff(&self, head: &[u8]) -> Confidence {
        let text = head_text(head);
        let root = skip_prolog(&text);
        let name: String = root
            .trim_start_matches('<')
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, ':' | '_' | '-' | '.'))
            .collect::<String>()
            .to_ascii_lowercase();
        let local = name.rsplit(':').next().unwrap_or("");
        let atom = text.contains("http://www.w3.org/2005/Atom") || text.contains("purl.org/atom");
        let rss1 = text.contains("http://purl.org/rss/1.0/") || text.contains("rdf/simple/0.9");
        if !root.starts_with('<') {
            return Confidence::No;
        }
        match local {
            "rss" => Confidence::Certain,
            "feed" if atom => Confidence::Certain,
            "rdf" if rss1 => Confidence::Certain,
            "feed" | "rdf" => Confidence::Likely,
            // CDF: `<CHANNEL HREF=…>` with `<ITEM>`s.
            "channel" if text.to_ascii_lowercase().contains("<item") => Confidence::Likely,
            _ => Confidence::No,
        }
    }

    fn import(
        &self,
        input: &mut dyn BufRead,
        ctx: &FileContext<'_>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<(), FileError> {
        let head = input.fill_buf().map_err(|e| crate::kit::io_error(ctx, e))?;
        let found = detect(head);
        input.consume(found.bom);
        let chars = Chars::new(input, found.encoding, found.bom as u64);
        let mut tokens = Tokenizer::new(chars, ctx.options.max_record);
        if let Some(label) = &found.unsupported {
            sink(warning(
                ctx,
                Locator::Offset(0),
                "unsupported encoding",
                format!("{label}: read as UTF-8, text may be garbled"),
            ));
        }
        let mut st = State::new(ctx);
        loop {
            let token = tokens.token().map_err(|e| crate::kit::io_error(ctx, e))?;
            if token == Token::Eof {
                break;
            }
            st.token(token, sink);
        }
        let end = Locator::Offset(tokens.offset());
        let open_entry = st.entry.is_some();
        st.finish(sink);
        if tokens.truncated || open_entry {
            sink(warning(
                ctx,
                end,
                "truncated document",
                if open_entry {
                    "the file ends inside an entry: what it holds was imported"
                } else {
                    "the file ends inside markup"
                },
            ));
        }
        if tokens.repaired > 0 {
            sink(warning(
                ctx,
                end,
                "broken markup repaired",
                format!("{} places read leniently", tokens.repaired),
            ));
        }
        if tokens.invalid_bytes() > 0 {
            sink(warning(
                ctx,
                end,
                "invalid bytes",
                format!(
                    "{} bytes not valid in the document's encoding, read as windows-1252",
                    tokens.invalid_bytes()
                ),
            ));
        }
        if tokens.external_entities > 0 {
            sink(warning(
                ctx,
                end,
                "external entities ignored",
                format!(
                    "{} external entities or DTDs declared, not fetched",
                    tokens.external_entities
                ),
            ));
        }
        Ok(())
    }
}

/// The namespaces whose elements are the feed's own, and the prefixes module namespaces are
/// known by, whatever prefix a document binds them to.
fn known_prefix(uri: &str) -> Option<&'static str> {
    Some(match uri.trim() {
        "http://purl.org/rss/1.0/"
        | "http://backend.userland.com/rss2"
        | "http://backend.userland.com/rss"
        | "http://blogs.law.harvard.edu/tech/rss"
        | "http://my.netscape.com/rdf/simple/0.9/"
        | "http://channel.netscape.com/rdf/simple/0.9/"
        | "http://www.w3.org/2005/Atom"
        | "http://purl.org/atom/ns#" => "",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#" => "rdf",
        "http://purl.org/dc/elements/1.1/" => "dc",
        "http://purl.org/dc/terms/" => "dcterms",
        "http://purl.org/rss/1.0/modules/content/" => "content",
        "http://www.itunes.com/dtds/podcast-1.0.dtd" => "itunes",
        "http://search.yahoo.com/mrss/" => "media",
        "http://www.w3.org/XML/1998/namespace" => "xml",
        _ => return None,
    })
}

/// A warning about one entry: its reason and detail.
type Note = (&'static str, String);

/// What a captured element's text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    FeedTitle,
    FeedLink,
    FeedId,
    /// A feed-level date, with its priority.
    FeedDate(u8),
    Title,
    Link,
    Guid,
    Date(u8),
    Description,
    Content,
    Author,
}

/// Text being collected from one element (and its descendants).
struct Capture {
    target: Target,
    /// Stack depth of the element (stack length after pushing it).
    depth: usize,
    text: String,
    /// Text of direct child elements by name (an Atom author's `name` and `email`).
    parts: Vec<(String, String)>,
    /// The direct child being read, with its depth.
    child: Option<(String, usize)>,
    /// Links of elements nested inside (Atom `type="xhtml"` content).
    hrefs: Vec<String>,
    /// `xml:base` in force at the element.
    base: Option<String>,
}

#[derive(Default)]
struct Entry {
    offset: u64,
    /// Stack depth of the entry element (stack length after pushing it).
    depth: usize,
    base: Option<String>,
    title: String,
    /// The link, the `xml:base` in force where it was found, and whether it was `alternate`.
    link: Option<(String, Option<String>, bool)>,
    guid: Option<String>,
    /// `(priority, raw)`; lower priorities win.
    times: Vec<(u8, String)>,
    description: String,
    content: String,
    author: Option<String>,
    hrefs: Vec<(String, Option<String>)>,
    enclosures: Vec<(String, Option<String>)>,
    too_large: bool,
}

/// One open element.
struct Open {
    /// Canonical name: the feed's own elements without a prefix, modules by known prefix.
    name: String,
    /// Namespace declarations of this element: `(prefix, uri)`, `""` for the default.
    ns: Vec<(String, String)>,
    base: Option<String>,
}

struct State<'c> {
    ctx: &'c FileContext<'c>,
    stack: Vec<Open>,
    feed_title: Option<String>,
    feed_link: Option<String>,
    /// Atom's feed-level `<id>`.
    feed_id: Option<String>,
    /// The first `xml:base` of the document.
    doc_base: Option<String>,
    /// `(priority, raw)` of the feed-level dates.
    feed_times: Vec<(u8, String)>,
    entry: Option<Entry>,
    capture: Option<Capture>,
    /// Entries without their own date, waiting for the feed's.
    held: Vec<Entry>,
    /// Elements nested past [`MAX_DEPTH`], whose end tags are not pushed either.
    too_deep: usize,
}

/// Date elements by priority (entry and feed level alike).
fn date_priority(name: &str) -> Option<u8> {
    Some(match name {
        "pubdate" => 0,
        "published" => 1,
        "dc:date" => 2,
        "issued" | "dcterms:issued" => 3,
        "created" | "dcterms:created" => 4,
        "lastbuilddate" => 5,
        "updated" => 6,
        "modified" | "dcterms:modified" => 7,
        _ => return None,
    })
}

impl<'c> State<'c> {
    fn new(ctx: &'c FileContext<'c>) -> State<'c> {
        State {
            ctx,
            stack: Vec::new(),
            feed_title: None,
            feed_link: None,
            feed_id: None,
            doc_base: None,
            feed_times: Vec::new(),
            entry: None,
            capture: None,
            held: Vec::new(),
            too_deep: 0,
        }
    }

    fn max(&self) -> usize {
        self.ctx.options.max_record
    }

    fn lookup(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some("http://www.w3.org/XML/1998/namespace");
        }
        self.stack
            .iter()
            .rev()
            .flat_map(|o| o.ns.iter())
            .find(|(p, _)| p == prefix)
            .map(|(_, u)| u.as_str())
    }

    /// The canonical form of an element or attribute name. Attributes without a prefix are in
    /// no namespace.
    fn canonical(&self, raw: &str, attribute: bool) -> String {
        let (prefix, local) = raw.split_once(':').unwrap_or(("", raw));
        let local = local.to_ascii_lowercase();
        if attribute && prefix.is_empty() {
            return local;
        }
        match self.lookup(prefix).and_then(known_prefix) {
            Some("") => local,
            Some(p) => format!("{p}:{local}"),
            None if prefix.is_empty() => local,
            None => format!("{}:{local}", prefix.to_ascii_lowercase()),
        }
    }

    fn base(&self) -> Option<String> {
        self.stack.iter().rev().find_map(|o| o.base.clone())
    }

    fn token(&mut self, t: Token, sink: &mut dyn FnMut(Event)) {
        match t {
            Token::Text(s) => self.push_text(&s),
            Token::Start {
                name,
                attrs,
                empty,
                offset,
            } => {
                if self.stack.len() >= MAX_DEPTH {
                    if !empty {
                        self.too_deep += 1;
                    }
                    self.push_text(" ");
                    return;
                }
                self.open(&name, &attrs, offset);
                if empty {
                    self.close(sink);
                }
            }
            Token::End { name } => {
                if self.too_deep > 0 {
                    self.too_deep -= 1;
                    return;
                }
                // Close up to the nearest open element of that name; a stray end tag that
                // matches nothing open is ignored.
                let canon = self.canonical(&name, false);
                let Some(i) = self.stack.iter().rposition(|o| o.name == canon) else {
                    return;
                };
                while self.stack.len() > i {
                    self.close(sink);
                }
            }
            Token::Eof => {}
        }
    }

    fn push_text(&mut self, s: &str) {
        let max = self.max();
        let Some(c) = &mut self.capture else {
            return;
        };
        let target = match &c.child {
            Some((name, _)) => match c.parts.iter_mut().rev().find(|(n, _)| n == name) {
                Some((_, t)) => t,
                None => &mut c.text,
            },
            None => &mut c.text,
        };
        if target.len() + s.len() > max {
            // Past the limit the text is dropped, not buffered: the entry is refused and the
            // next ones still land.
            if let Some(e) = &mut self.entry {
                e.too_large = true;
            }
            return;
        }
        target.push_str(s);
    }

    fn attr<'a>(&self, attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
        attrs
            .iter()
            .find(|(k, _)| self.canonical(k, true) == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn open(&mut self, raw: &str, attrs: &[(String, String)], offset: u64) {
        let ns: Vec<(String, String)> = attrs
            .iter()
            .filter_map(|(k, v)| {
                let lower = k.to_ascii_lowercase();
                if lower == "xmlns" {
                    Some((String::new(), v.clone()))
                } else {
                    (lower.len() > 6 && lower.starts_with("xmlns:"))
                        .then(|| (k[6..].to_string(), v.clone()))
                }
            })
            .collect();
        // The element's own declarations apply to its name.
        self.stack.push(Open {
            name: String::new(),
            ns,
            base: None,
        });
        let name = self.canonical(raw, false);
        // CDF writes `base` on its channel.
        let base = self
            .attr(attrs, "xml:base")
            .or_else(|| {
                (name == "channel")
                    .then(|| self.attr(attrs, "base"))
                    .flatten()
            })
            .map(|b| resolve(b, self.base().as_deref()).unwrap_or_else(|| b.to_string()));
        if self.doc_base.is_none() {
            self.doc_base.clone_from(&base);
        }
        let depth = self.stack.len();
        let parent = self
            .stack
            .iter()
            .rev()
            .nth(1)
            .map(|o| o.name.clone())
            .unwrap_or_default();
        if let Some(top) = self.stack.last_mut() {
            top.name.clone_from(&name);
            top.base = base;
        }
        let here_base = self.base();
        if let Some(c) = &mut self.capture {
            // An element nested in captured text: keep its link, note an author's direct
            // children (`name`, `email`), and a space so that words do not run together.
            if c.target == Target::Author && c.child.is_none() && depth == c.depth + 1 {
                c.parts.push((name.clone(), String::new()));
                c.child = Some((name.clone(), depth));
            }
            let href = attrs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("href"))
                .map(|(_, v)| v.clone());
            if c.hrefs.len() < MAX_LIST {
                c.hrefs.extend(href);
            }
            self.push_text(" ");
            return;
        }
        if let Some(entry) = &self.entry {
            if depth == entry.depth + 1 {
                self.open_entry_field(&name, attrs, depth, here_base);
            }
            return;
        }
        let is_entry = matches!(name.as_str(), "item" | "entry");
        if is_entry {
            let mut entry = Entry {
                offset,
                depth,
                base: here_base.clone(),
                ..Entry::default()
            };
            // RSS 1.0 names the item by `rdf:about`; CDF by its `href`, dated by `lastmod`.
            if let Some(about) = self.attr(attrs, "rdf:about") {
                entry.guid = Some(about.to_string());
            }
            if let Some(href) = self.attr(attrs, "href") {
                entry.link = Some((href.to_string(), here_base, true));
            }
            if let Some(m) = self.attr(attrs, "lastmod") {
                entry.times.push((7, m.to_string()));
            }
            self.entry = Some(entry);
            return;
        }
        if matches!(name.as_str(), "channel" | "feed") {
            // CDF names its channel's site and date in attributes.
            if let Some(href) = self.attr(attrs, "href") {
                self.feed_link.get_or_insert_with(|| href.to_string());
            }
            if let Some(m) = self.attr(attrs, "lastmod") {
                self.feed_times.push((7, m.to_string()));
            }
            return;
        }
        if !matches!(parent.as_str(), "channel" | "feed") {
            return;
        }
        match name.as_str() {
            "title" if self.feed_title.is_none() => self.start(Target::FeedTitle, depth),
            "id" if self.feed_id.is_none() => self.start(Target::FeedId, depth),
            "link" if self.feed_link.is_none() => {
                let rel = self.attr(attrs, "rel");
                match self.attr(attrs, "href") {
                    Some(href) if rel.is_none_or(|r| r == "alternate") => {
                        let b = self.base();
                        self.feed_link =
                            Some(resolve(href, b.as_deref()).unwrap_or_else(|| href.into()));
                    }
                    Some(_) => {}
                    None => self.start(Target::FeedLink, depth),
                }
            }
            n => {
                if let Some(p) = date_priority(n) {
                    self.start(Target::FeedDate(p), depth);
                }
            }
        }
    }

    fn open_entry_field(
        &mut self,
        name: &str,
        attrs: &[(String, String)],
        depth: usize,
        base: Option<String>,
    ) {
        let target = match name {
            "title" => Target::Title,
            "guid" | "id" => Target::Guid,
            "description" | "summary" | "abstract" => Target::Description,
            "content" | "content:encoded" => Target::Content,
            "author" | "dc:creator" | "dc:author" | "itunes:author" => Target::Author,
            "enclosure" => {
                let url = self.attr(attrs, "url").map(str::to_string);
                if let Some(entry) = &mut self.entry
                    && entry.enclosures.len() < MAX_LIST
                {
                    entry.enclosures.extend(url.map(|u| (u, base)));
                }
                return;
            }
            "link" => {
                let rel = self.attr(attrs, "rel").map(str::to_ascii_lowercase);
                let Some(href) = self.attr(attrs, "href").map(str::to_string) else {
                    // RSS (and sloppy Atom): the link is the element's text.
                    self.start(Target::Link, depth);
                    return;
                };
                if let Some(entry) = &mut self.entry {
                    match rel.as_deref() {
                        None | Some("alternate") => {
                            let alternate = rel.is_some();
                            // An explicit `alternate` beats a link without `rel`.
                            let better = match &entry.link {
                                None => true,
                                Some((_, _, was_alt)) => alternate && !was_alt,
                            };
                            if better {
                                entry.link = Some((href, base, alternate));
                            }
                        }
                        Some("enclosure") if entry.enclosures.len() < MAX_LIST => {
                            entry.enclosures.push((href, base));
                        }
                        _ => {}
                    }
                }
                return;
            }
            n => match date_priority(n) {
                Some(p) => Target::Date(p),
                None => return,
            },
        };
        self.start(target, depth);
    }

    fn start(&mut self, target: Target, depth: usize) {
        let base = self.base();
        self.capture = Some(Capture {
            target,
            depth,
            text: String::new(),
            parts: Vec::new(),
            child: None,
            hrefs: Vec::new(),
            base,
        });
    }

    /// Handles the end of the innermost open element.
    fn close(&mut self, sink: &mut dyn FnMut(Event)) {
        let depth = self.stack.len();
        self.stack.pop();
        if let Some(c) = &mut self.capture
            && c.child.as_ref().is_some_and(|(_, d)| *d == depth)
        {
            c.child = None;
        }
        if self.capture.as_ref().is_some_and(|c| c.depth == depth) {
            if let Some(c) = self.capture.take() {
                self.store(c);
            }
            return;
        }
        if self.entry.as_ref().is_some_and(|e| e.depth == depth)
            && let Some(entry) = self.entry.take()
        {
            self.entry_done(entry, sink);
        }
    }

    fn store(&mut self, c: Capture) {
        let text = c.text.trim().to_string();
        let value = (!text.is_empty()).then_some(text);
        match c.target {
            Target::FeedTitle => {
                self.feed_title = value.map(|t| strip_html(&t).0).filter(|t| !t.is_empty());
                return;
            }
            Target::FeedLink => {
                self.feed_link = value.map(|v| resolve(&v, c.base.as_deref()).unwrap_or(v));
                return;
            }
            Target::FeedId => {
                self.feed_id = value;
                return;
            }
            Target::FeedDate(p) => {
                if let Some(v) = value
                    && self.feed_times.len() < MAX_LIST
                {
                    self.feed_times.push((p, v));
                }
                return;
            }
            _ => {}
        }
        let Some(entry) = &mut self.entry else {
            return;
        };
        if c.target == Target::Author {
            let part = |n: &str| {
                c.parts
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| v.trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            let author = part("name").or_else(|| part("email")).or_else(|| {
                value.as_deref().map(|v| {
                    // RSS: `me@example.com (Example editor)` names the editor in parentheses.
                    match (v.find('('), v.rfind(')')) {
                        (Some(a), Some(b)) if a < b && v[..a].contains('@') => {
                            v[a + 1..b].trim().to_string()
                        }
                        _ => v.to_string(),
                    }
                })
            });
            if entry.author.is_none() {
                entry.author = author.filter(|a| !a.is_empty());
            }
            return;
        }
        let Some(value) = value else {
            return;
        };
        match c.target {
            Target::Title if entry.title.is_empty() => entry.title = value,
            Target::Link if entry.link.is_none() => entry.link = Some((value, c.base, false)),
            Target::Guid if entry.guid.is_none() => entry.guid = Some(value),
            Target::Date(p) if entry.times.len() < MAX_LIST => entry.times.push((p, value)),
            Target::Description if entry.description.is_empty() => {
                entry.description = value;
                entry
                    .hrefs
                    .extend(c.hrefs.into_iter().map(|h| (h, c.base.clone())));
            }
            Target::Content if entry.content.is_empty() => {
                entry.content = value;
                entry
                    .hrefs
                    .extend(c.hrefs.into_iter().map(|h| (h, c.base.clone())));
            }
            _ => {}
        }
    }

    /// An entry ended: imported now when it has a date, else held for the feed's date.
    fn entry_done(&mut self, entry: Entry, sink: &mut dyn FnMut(Event)) {
        if entry.times.is_empty() && self.held.len() < MAX_HELD {
            self.held.push(entry);
            return;
        }
        self.emit(entry, sink);
    }

    /// The end of the document: an entry cut short is imported with what it has, and the held
    /// entries take the feed's date.
    fn finish(&mut self, sink: &mut dyn FnMut(Event)) {
        if let Some(c) = self.capture.take() {
            self.store(c);
        }
        if let Some(entry) = self.entry.take() {
            self.entry_done(entry, sink);
        }
        for entry in std::mem::take(&mut self.held) {
            self.emit(entry, sink);
        }
    }

    fn emit(&self, entry: Entry, sink: &mut dyn FnMut(Event)) {
        let offset = Locator::Offset(entry.offset);
        match self.item(entry) {
            Ok((item, note)) => {
                if let Some((reason, detail)) = note {
                    sink(warning(self.ctx, offset, reason, detail));
                }
                sink(Event::Item(Box::new(item)));
            }
            Err(r) => sink(r.at(self.ctx, offset)),
        }
    }

    /// The entry's time: its own date, else the feed's, else the file's; and what to report.
    fn time(&self, entry: &Entry) -> Result<(i64, TimeBasis, Option<Note>), Refusal> {
        let tz = self.ctx.options.tz.as_ref();
        let mut own: Vec<&(u8, String)> = entry.times.iter().collect();
        own.sort_by_key(|(p, _)| *p);
        let mut bad = None;
        for (_, raw) in &own {
            match parse_lenient(raw) {
                Some(p) => {
                    let r = p.resolve(tz);
                    let note = r.note.map(|n| ("time zone", format!("{raw}: {n}")));
                    return Ok((r.utc, r.basis, note));
                }
                None => bad = bad.or(Some(raw.clone())),
            }
        }
        let mut feed: Vec<&(u8, String)> = self.feed_times.iter().collect();
        feed.sort_by_key(|(p, _)| *p);
        if let Some(r) = feed
            .iter()
            .find_map(|(_, raw)| parse_lenient(raw))
            .map(|p| p.resolve(tz))
        {
            let why = match &bad {
                Some(b) => format!("unreadable date {b:?}: the feed's date was taken"),
                None => "the entry has no date: the feed's date was taken".to_string(),
            };
            return Ok((
                r.utc,
                TimeBasis::FeedDate,
                Some(("date from the feed", why)),
            ));
        }
        if let Some(t) = self.ctx.file_time {
            let why = match &bad {
                Some(b) => {
                    format!("unreadable date {b:?} and no feed date: the file's time was taken")
                }
                None => {
                    "neither the entry nor the feed has a date: the file's time was taken".into()
                }
            };
            return Ok((t, TimeBasis::FileTime, Some(("date from the file", why))));
        }
        Err(match bad {
            Some(b) => Refusal::new("bad date", b),
            None => Refusal::new("missing date", ""),
        })
    }

    /// The source an entry's id is scoped to: the feed's site by its link, its title, its
    /// `xml:base` or its Atom id, else the entry's own link or URL guid, and for a feed that
    /// names nothing at all, the file it came in.
    fn site(&self, link: Option<&str>, guid: Option<&str>) -> String {
        self.feed_link
            .as_deref()
            .and_then(host)
            .or_else(|| self.feed_title.clone())
            .or_else(|| self.doc_base.as_deref().and_then(host))
            .or_else(|| self.feed_id.clone())
            .or_else(|| link.and_then(host))
            .or_else(|| guid.and_then(host))
            .unwrap_or_else(|| {
                let name = self.ctx.path.file_name().map_or_else(
                    || self.ctx.path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                format!("file:{name}")
            })
    }

    fn item(&self, e: Entry) -> Result<(Item, Option<Note>), Refusal> {
        if e.too_large {
            return Err(Refusal::new(
                "text too large",
                format!("over {} bytes", self.max()),
            ));
        }
        let feed_base = self.feed_link.as_deref();
        let absolute = |(href, base): &(String, Option<String>)| -> Option<String> {
            resolve(href, base.as_deref().or(feed_base))
        };
        let link = e
            .link
            .as_ref()
            .and_then(|(l, b, _)| absolute(&(l.clone(), b.clone())));
        let key = e
            .guid
            .clone()
            .or_else(|| link.clone())
            .or_else(|| e.link.as_ref().map(|(l, _, _)| l.clone()))
            .ok_or_else(|| Refusal::new("missing link and guid", ""))?;
        let site = self.site(link.as_deref(), e.guid.as_deref());
        let (time, basis, note) = self.time(&e)?;
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
            platform_id: site.clone(),
            name: self.feed_title.clone(),
            kind: ActorKind::Site,
            ..Actor::default()
        };
        let prov = provenance(self.ctx, &Feed, Locator::Offset(e.offset));
        let mut item = Item::new(
            Platform::Web,
            format!("{site}#{key}"),
            actor,
            time,
            text,
            prov,
        );
        item.kind = ItemKind::Article;
        item.time_basis = basis;
        item.author = e.author.clone();
        let mut push = |raw: String, source: UrlSource| {
            if !item.urls.iter().any(|u| u.raw == raw) {
                item.urls.push(ItemUrl {
                    raw,
                    source,
                    ..ItemUrl::default()
                });
            }
        };
        if let Some(link) = link {
            push(link, UrlSource::Link);
        }
        for enc in &e.enclosures {
            if let Some(url) = absolute(enc) {
                push(url, UrlSource::Field);
            }
        }
        let body_base = e.base.clone();
        for href in body_hrefs
            .into_iter()
            .map(|h| (h, body_base.clone()))
            .chain(e.hrefs.iter().cloned())
        {
            if let Some(url) = absolute(&href) {
                push(url, UrlSource::Field);
            }
        }
        Ok((item, note))
    }
}

/// An absolute `http(s)` URL from a link: absolute ones as they are, protocol-relative ones as
/// `https:`, relative ones resolved against `base`; `None` when it cannot be made one.
fn resolve(href: &str, base: Option<&str>) -> Option<String> {
    let h = href.trim();
    let lower = h.get(..8).unwrap_or(h).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Some(h.to_string());
    }
    if h.starts_with("//") && h.len() > 2 {
        return Some(format!("https:{h}"));
    }
    if h.contains(':') && !h.starts_with('/') && !h.starts_with('.') {
        // Another scheme (`mailto:`, `tag:`, `javascript:`): not a web link.
        return None;
    }
    let base = url::Url::parse(base?).ok()?;
    if !matches!(base.scheme(), "http" | "https") {
        return None;
    }
    let joined = base.join(h).ok()?;
    matches!(joined.scheme(), "http" | "https").then(|| joined.to_string())
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

/// The root element of a document's head: skips whitespace, declarations, comments,
/// processing instructions and a DOCTYPE (with its internal subset).
fn skip_prolog(head: &str) -> &str {
    let mut h = head.trim_start_matches('\u{feff}');
    loop {
        h = h.trim_start();
        let close = if h.starts_with("<?") {
            "?>"
        } else if h.starts_with("<!--") {
            "-->"
        } else if h
            .get(..9)
            .is_some_and(|d| d.eq_ignore_ascii_case("<!DOCTYPE"))
        {
            match (h.find('['), h.find('>')) {
                (Some(a), Some(b)) if a < b => "]>",
                _ => ">",
            }
        } else if h.starts_with("<!") {
            ">"
        } else {
            return h;
        };
        match h.find(close) {
            Some(i) => h = &h[i + close.len()..],
            None => return "",
        }
    }
}

#[cfg(test)]
mod tests;
