//! Writers of the real input formats: X API v2 JSONL (flattened lines and page lines),
//! Telegram Desktop exports (single chat and full account) and RSS 2.0 / Atom feeds.
//! Everything is written by hand into reused buffers: this is the simulator's hot path.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use skydas_model::markup::escape_into;
use skydas_model::time::{civil_from_days, format_rfc3339, format_rfc3339_millis};

use crate::SimError;
use crate::truth::Truth;

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SimError + '_ {
    move |source| SimError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub(crate) fn create(path: &Path) -> Result<BufWriter<File>, SimError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    let f = File::create(path).map_err(io_err(path))?;
    Ok(BufWriter::with_capacity(32 * 1024, f))
}

/// Appends `s` as a quoted JSON string.
pub fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `Tue, 20 Feb 2024 12:00:00 +0200`: RFC 2822 in the site's zone.
pub fn rfc2822(t: i64, tz_hours: i64) -> String {
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MO: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let l = t + tz_hours * 3600;
    let days = l.div_euclid(86_400);
    let rem = l.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let zone = if tz_hours == 0 {
        "GMT".to_string()
    } else {
        format!(
            "{}{:02}00",
            if tz_hours < 0 { '-' } else { '+' },
            tz_hours.abs()
        )
    };
    format!(
        "{}, {d:02} {} {y} {:02}:{:02}:{:02} {zone}",
        WD[days.rem_euclid(7) as usize],
        MO[(m as usize).saturating_sub(1).min(11)],
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Local naive time as Telegram Desktop writes it (`2024-02-20T12:00:00`).
pub fn tg_local(t: i64, tz_hours: i64) -> String {
    let s = format_rfc3339(t + tz_hours * 3600);
    s.trim_end_matches('Z').to_string()
}

/// A JSONL output that rotates to a new numbered file every `per_file` lines.
pub struct Rotating {
    dir: PathBuf,
    prefix: &'static str,
    per_file: u64,
    lines: u64,
    index: u32,
    w: Option<BufWriter<File>>,
    pub files: u32,
}

impl Rotating {
    pub fn new(dir: PathBuf, prefix: &'static str, per_file: u64) -> Rotating {
        Rotating {
            dir,
            prefix,
            per_file,
            lines: 0,
            index: 0,
            w: None,
            files: 0,
        }
    }

    pub fn line(&mut self, s: &str) -> Result<(), SimError> {
        if self.w.is_none() || self.lines >= self.per_file {
            self.finish()?;
            let path = self
                .dir
                .join(format!("{}-{:03}.jsonl", self.prefix, self.index));
            self.index += 1;
            self.files += 1;
            self.lines = 0;
            self.w = Some(create(&path)?);
        }
        self.lines += 1;
        let path = self.dir.clone();
        if let Some(w) = self.w.as_mut() {
            w.write_all(s.as_bytes()).map_err(io_err(&path))?;
            w.write_all(b"\n").map_err(io_err(&path))?;
        }
        Ok(())
    }

    pub fn finish(&mut self) -> Result<(), SimError> {
        if let Some(mut w) = self.w.take() {
            w.flush().map_err(io_err(&self.dir))?;
        }
        Ok(())
    }
}

/// X output: flattened lines and page lines (up to `PAGE` tweets a page).
pub struct XSink {
    pub flat: Rotating,
    pub pages: Rotating,
    page: Vec<(u64, String)>,
    users: BTreeMap<u64, String>,
    incl: BTreeMap<u64, String>,
    buf: String,
}

const PAGE: usize = 100;

impl XSink {
    pub fn new(dir: PathBuf) -> XSink {
        XSink {
            flat: Rotating::new(dir.clone(), "tweets", 100_000),
            pages: Rotating::new(dir, "pages", 500),
            page: Vec::new(),
            users: BTreeMap::new(),
            incl: BTreeMap::new(),
            buf: String::new(),
        }
    }

    /// Writes one tweet. `tweet` is the tweet object without its closing brace.
    #[allow(clippy::too_many_arguments)]
    pub fn write(
        &mut self,
        id: u64,
        tweet: &str,
        author_id: u64,
        user: &str,
        orig: Option<(u64, &str, u64, &str)>,
        as_page: bool,
    ) -> Result<(), SimError> {
        if as_page {
            let mut s = String::with_capacity(tweet.len() + 1);
            s.push_str(tweet);
            s.push('}');
            self.page.push((id, s));
            self.users
                .entry(author_id)
                .or_insert_with(|| user.to_string());
            if let Some((oid, ojson, oauthor, ouser)) = orig {
                self.incl.entry(oid).or_insert_with(|| format!("{ojson}}}"));
                self.users
                    .entry(oauthor)
                    .or_insert_with(|| ouser.to_string());
            }
            if self.page.len() >= PAGE {
                self.flush_page()?;
            }
            Ok(())
        } else {
            self.buf.clear();
            self.buf.push_str(tweet);
            self.buf.push_str(",\"author\":");
            self.buf.push_str(user);
            self.buf.push('}');
            let line = std::mem::take(&mut self.buf);
            let r = self.flat.line(&line);
            self.buf = line;
            r
        }
    }

    fn flush_page(&mut self) -> Result<(), SimError> {
        if self.page.is_empty() {
            return Ok(());
        }
        // The API returns newest first.
        self.page.reverse();
        let mut s =
            String::with_capacity(self.page.iter().map(|p| p.1.len() + 1).sum::<usize>() + 4096);
        s.push_str("{\"data\":[");
        push_commas(&mut s, self.page.iter(), |s, (_, t)| s.push_str(t));
        s.push_str("],\"includes\":{\"users\":[");
        push_commas(&mut s, self.users.values(), |s, u| s.push_str(u));
        s.push(']');
        if !self.incl.is_empty() {
            s.push_str(",\"tweets\":[");
            push_commas(&mut s, self.incl.values(), |s, t| s.push_str(t));
            s.push(']');
        }
        let newest = self.page.first().map(|p| p.0).unwrap_or(0);
        let oldest = self.page.last().map(|p| p.0).unwrap_or(0);
        let _ = write!(
            s,
            "}},\"meta\":{{\"result_count\":{},\"newest_id\":\"{newest}\",\"oldest_id\":\"{oldest}\"}}}}",
            self.page.len()
        );
        self.page.clear();
        self.users.clear();
        self.incl.clear();
        self.pages.line(&s)
    }

    pub fn finish(&mut self) -> Result<u32, SimError> {
        self.flush_page()?;
        self.flat.finish()?;
        self.pages.finish()?;
        Ok(self.flat.files + self.pages.files)
    }
}

/// A URL entity of a tweet: character offsets of its t.co link in the text and where it leads.
pub struct UrlEnt {
    pub s: usize,
    pub e: usize,
    pub tco: String,
    pub expanded: String,
    pub unwound: Option<String>,
}

/// Length in characters: X API entity offsets count characters, not bytes.
pub fn chars(s: &str) -> usize {
    s.chars().count()
}

/// One X API v2 tweet object, as [`TweetJson::write`] writes it.
pub struct TweetJson<'a> {
    pub id: u64,
    pub text: &'a str,
    pub author: u64,
    pub t: i64,
    pub lang: &'a str,
    pub conv: u64,
    pub urls: &'a [UrlEnt],
    /// `(start, end, tag)` without the `#`.
    pub tags: &'a [(usize, usize, String)],
    /// `(start, end, username, user id)`.
    pub mentions: &'a [(usize, usize, String, u64)],
    /// `(type, tweet id)`: `replied_to`, `retweeted`.
    pub refs: &'a [(&'a str, u64)],
    /// Retweets, replies, likes and quotes.
    pub metrics: [u64; 4],
}

impl TweetJson<'_> {
    /// Writes the tweet into `buf` (cleared first).
    pub fn write(&self, buf: &mut String) {
        let TweetJson {
            id,
            text,
            author,
            t,
            lang,
            conv,
            urls,
            tags,
            mentions,
            refs,
            metrics,
        } = *self;
        buf.clear();
        let _ = write!(buf, "{{\"id\":\"{id}\",\"text\":");
        json_str(buf, text);
        let _ = write!(
            buf,
            ",\"author_id\":\"{author}\",\"created_at\":\"{}\",\"lang\":\"{lang}\",\"conversation_id\":\"{conv}\"",
            format_rfc3339_millis(t)
        );
        if !(urls.is_empty() && tags.is_empty() && mentions.is_empty()) {
            buf.push_str(",\"entities\":{");
            let mut sep = false;
            json_array(buf, "urls", urls, &mut sep, url_entity);
            json_array(buf, "hashtags", tags, &mut sep, |buf, (s, e, tag)| {
                let _ = write!(buf, "{{\"start\":{s},\"end\":{e},\"tag\":");
                json_str(buf, tag);
                buf.push('}');
            });
            json_array(
                buf,
                "mentions",
                mentions,
                &mut sep,
                |buf, (s, e, u, uid)| {
                    let _ = write!(buf, "{{\"start\":{s},\"end\":{e},\"username\":");
                    json_str(buf, u);
                    let _ = write!(buf, ",\"id\":\"{uid}\"}}");
                },
            );
            buf.push('}');
        }
        let mut sep = true;
        json_array(buf, "referenced_tweets", refs, &mut sep, |buf, (k, rid)| {
            let _ = write!(buf, "{{\"type\":\"{k}\",\"id\":\"{rid}\"}}");
        });
        let [rt, rep, like, q] = metrics;
        let _ = write!(
            buf,
            ",\"public_metrics\":{{\"retweet_count\":{rt},\"reply_count\":{rep},\"like_count\":{like},\"quote_count\":{q},\"impression_count\":{}}},\"edit_history_tweet_ids\":[\"{id}\"]",
            (like + 1) * 37
        );
    }
}

/// Appends `"key":[…]`, one element per item written by `item`, or nothing for no items. `sep`
/// says whether a member came before (so a comma goes first) and is set once one has.
fn json_array<T>(
    buf: &mut String,
    key: &str,
    items: &[T],
    sep: &mut bool,
    item: impl Fn(&mut String, &T),
) {
    if items.is_empty() {
        return;
    }
    if *sep {
        buf.push(',');
    }
    *sep = true;
    let _ = write!(buf, "\"{key}\":[");
    push_commas(buf, items, item);
    buf.push(']');
}

/// Appends `items`, each written by `each`, with a comma between two.
fn push_commas<T>(
    out: &mut String,
    items: impl IntoIterator<Item = T>,
    mut each: impl FnMut(&mut String, T),
) {
    for (i, x) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        each(out, x);
    }
}

/// One URL entity; a `display_url` longer than 26 characters is cut to 25 and `…`.
fn url_entity(buf: &mut String, u: &UrlEnt) {
    let display = u
        .expanded
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let display: String = if chars(display) > 26 {
        display.chars().take(25).chain(['…']).collect()
    } else {
        display.to_string()
    };
    let _ = write!(
        buf,
        "{{\"start\":{},\"end\":{},\"url\":\"{}\",\"expanded_url\":",
        u.s, u.e, u.tco
    );
    json_str(buf, &u.expanded);
    buf.push_str(",\"display_url\":");
    json_str(buf, &display);
    if let Some(w) = &u.unwound {
        buf.push_str(",\"unwound_url\":");
        json_str(buf, w);
    }
    buf.push('}');
}

/// A part of a Telegram message text.
#[derive(Debug, Clone)]
pub enum Part {
    Plain(String),
    /// A bare URL (`link` entity).
    Link(String),
    /// Display text with an `href`.
    TextLink(String, String),
    /// `#tag` including the `#`.
    Hashtag(String),
    Bold(String),
}

/// Appends one Telegram message object.
#[allow(clippy::too_many_arguments)]
pub fn tg_message(
    out: &mut String,
    id: u64,
    t: i64,
    from: &str,
    from_id: u64,
    forwarded: Option<(&str, Option<u64>)>,
    photo: bool,
    parts: &[Part],
) {
    let _ = write!(
        out,
        "{{\"id\":{id},\"type\":\"message\",\"date\":\"{}\",\"date_unixtime\":\"{t}\",\"from\":",
        tg_local(t, 2)
    );
    json_str(out, from);
    let _ = write!(out, ",\"from_id\":\"channel{from_id}\"");
    if let Some((name, fid)) = forwarded {
        out.push_str(",\"forwarded_from\":");
        json_str(out, name);
        if let Some(fid) = fid {
            let _ = write!(out, ",\"forwarded_from_id\":\"channel{fid}\"");
        }
    }
    if photo {
        out.push_str(",\"photo\":\"(File not included. Change data exporting settings to download.)\",\"width\":1280,\"height\":720");
    }
    let plain_only = parts.iter().all(|p| matches!(p, Part::Plain(_)));
    out.push_str(",\"text\":");
    if plain_only {
        let s: String = parts
            .iter()
            .map(|p| match p {
                Part::Plain(s) => s.as_str(),
                _ => "",
            })
            .collect();
        json_str(out, &s);
        out.push_str(",\"text_entities\":[");
        if !s.is_empty() {
            out.push_str("{\"type\":\"plain\",\"text\":");
            json_str(out, &s);
            out.push('}');
        }
        out.push_str("]}");
        return;
    }
    let entity = |out: &mut String, p: &Part, as_text_field: bool| match p {
        Part::Plain(s) => {
            if as_text_field {
                json_str(out, s);
            } else {
                out.push_str("{\"type\":\"plain\",\"text\":");
                json_str(out, s);
                out.push('}');
            }
        }
        Part::Link(u) => {
            out.push_str("{\"type\":\"link\",\"text\":");
            json_str(out, u);
            out.push('}');
        }
        Part::TextLink(text, href) => {
            out.push_str("{\"type\":\"text_link\",\"text\":");
            json_str(out, text);
            out.push_str(",\"href\":");
            json_str(out, href);
            out.push('}');
        }
        Part::Hashtag(h) => {
            out.push_str("{\"type\":\"hashtag\",\"text\":");
            json_str(out, h);
            out.push('}');
        }
        Part::Bold(b) => {
            out.push_str("{\"type\":\"bold\",\"text\":");
            json_str(out, b);
            out.push('}');
        }
    };
    out.push('[');
    push_commas(out, parts, |out, p| entity(out, p, true));
    out.push_str("],\"text_entities\":[");
    push_commas(out, parts, |out, p| entity(out, p, false));
    out.push_str("]}");
}

/// Where one Telegram chat's export goes.
pub enum TgTarget {
    /// `telegram/<username>/result.json`, streamed.
    File {
        w: BufWriter<File>,
        path: PathBuf,
        first: bool,
    },
    /// Buffered for the full-account export.
    Account { messages: Vec<String> },
}

/// Header of a single-chat export.
pub fn tg_header(name: &str, id: u64) -> String {
    let mut s = String::from("{\n \"name\": ");
    json_str(&mut s, name);
    let _ = write!(
        s,
        ",\n \"type\": \"public_channel\",\n \"id\": {id},\n \"messages\": [\n"
    );
    s
}

/// Writes the full-account export with the buffered chats.
pub fn write_full_account(
    path: &Path,
    chats: &[(String, u64, Vec<String>)],
) -> Result<(), SimError> {
    let mut w = create(path)?;
    let mut s = String::from(
        "{\n \"about\": \"Here is the data you requested. Remember: Telegram is ad free, it doesn't collect your data for advertising.\",\n \"personal_information\": {\"user_id\": 5123987345, \"first_name\": \"Analyst\", \"last_name\": \"\", \"phone_number\": \"+370 600 00000\", \"username\": \"\", \"bio\": \"\"},\n \"chats\": {\"about\": \"This page lists all chats from this export.\", \"list\": [\n",
    );
    for (i, (name, id, msgs)) in chats.iter().enumerate() {
        if i > 0 {
            s.push_str(",\n");
        }
        s.push_str("{\"name\": ");
        json_str(&mut s, name);
        let _ = writeln!(
            s,
            ", \"type\": \"public_channel\", \"id\": {id}, \"messages\": ["
        );
        for (j, m) in msgs.iter().enumerate() {
            if j > 0 {
                s.push_str(",\n");
            }
            s.push_str(m);
        }
        s.push_str("\n]}");
    }
    s.push_str("\n]}\n}\n");
    w.write_all(s.as_bytes()).map_err(io_err(path))?;
    w.flush().map_err(io_err(path))
}

/// Writes `truth.json`, pretty-printed with a final newline.
pub(crate) fn write_truth(path: &Path, truth: &Truth) -> Result<(), SimError> {
    let mut w = create(path)?;
    serde_json::to_writer_pretty(&mut w, truth).map_err(|e| SimError::Io {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    w.write_all(b"\n").map_err(io_err(path))?;
    w.flush().map_err(io_err(path))
}

/// One feed file.
pub struct FeedSink {
    pub w: BufWriter<File>,
    pub path: PathBuf,
    pub atom: bool,
}

impl FeedSink {
    pub fn open(
        path: PathBuf,
        atom: bool,
        title: &str,
        host: &str,
        lang: &str,
        t0: i64,
    ) -> Result<FeedSink, SimError> {
        let mut w = create(&path)?;
        let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        if atom {
            s.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"");
            s.push_str(lang);
            s.push_str("\">\n<title>");
            escape_into(&mut s, title);
            let _ = write!(
                s,
                "</title>\n<link href=\"https://{host}/\" rel=\"alternate\"/>\n<id>https://{host}/</id>\n<updated>{}</updated>\n",
                format_rfc3339(t0)
            );
        } else {
            s.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n<title>");
            escape_into(&mut s, title);
            let _ = write!(
                s,
                "</title>\n<link>https://{host}/</link>\n<description>Naujienos / News / Новости</description>\n<language>{lang}</language>\n<atom:link href=\"https://{host}/rss\" rel=\"self\" type=\"application/rss+xml\"/>\n"
            );
        }
        w.write_all(s.as_bytes()).map_err(io_err(&path))?;
        Ok(FeedSink { w, path, atom })
    }

    /// Writes one article.
    #[allow(clippy::too_many_arguments)]
    pub fn item(
        &mut self,
        buf: &mut String,
        guid: &str,
        permalink: bool,
        link: &str,
        title: &str,
        html: &str,
        t: i64,
        tz: i64,
        cdata: bool,
    ) -> Result<(), SimError> {
        buf.clear();
        if self.atom {
            buf.push_str("<entry>\n<title>");
            escape_into(buf, title);
            buf.push_str("</title>\n<link rel=\"alternate\" href=\"");
            escape_into(buf, link);
            buf.push_str("\"/>\n<id>");
            escape_into(buf, guid);
            let ts = format_rfc3339(t);
            let _ = write!(
                buf,
                "</id>\n<published>{ts}</published>\n<updated>{ts}</updated>\n<summary type=\"html\">"
            );
            escape_into(buf, html);
            buf.push_str("</summary>\n</entry>\n");
        } else {
            buf.push_str("<item>\n<title>");
            escape_into(buf, title);
            buf.push_str("</title>\n<link>");
            escape_into(buf, link);
            let _ = write!(buf, "</link>\n<guid isPermaLink=\"{permalink}\">");
            escape_into(buf, guid);
            let _ = write!(
                buf,
                "</guid>\n<pubDate>{}</pubDate>\n<description>",
                rfc2822(t, tz)
            );
            if cdata {
                buf.push_str("<![CDATA[");
                buf.push_str(html);
                buf.push_str("]]>");
            } else {
                escape_into(buf, html);
            }
            buf.push_str("</description>\n</item>\n");
        }
        self.w.write_all(buf.as_bytes()).map_err(io_err(&self.path))
    }

    pub fn finish(mut self) -> Result<(), SimError> {
        let tail: &[u8] = if self.atom {
            b"</feed>\n"
        } else {
            b"</channel>\n</rss>\n"
        };
        self.w.write_all(tail).map_err(io_err(&self.path))?;
        self.w.flush().map_err(io_err(&self.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates_as_sources_do() {
        let t = 1_708_423_200; // 2024-02-20T10:00:00Z, a Tuesday
        assert_eq!(rfc2822(t, 2), "Tue, 20 Feb 2024 12:00:00 +0200");
        assert_eq!(rfc2822(t, 0), "Tue, 20 Feb 2024 10:00:00 GMT");
        assert_eq!(skydas_model::time::parse_rfc2822(&rfc2822(t, 2)), Some(t));
        assert_eq!(tg_local(t, 2), "2024-02-20T12:00:00");
    }

    #[test]
    fn escapes_json() {
        let mut s = String::new();
        json_str(&mut s, "a\"b\\c\nd\u{1}");
        assert_eq!(s, r#""a\"b\\c\nd\u0001""#);
    }

    #[test]
    fn telegram_text_is_a_string_or_an_array() {
        let mut s = String::new();
        tg_message(
            &mut s,
            5,
            1_708_423_200,
            "Chan",
            42,
            None,
            false,
            &[Part::Plain("hi".into())],
        );
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["text"], "hi");
        assert_eq!(v["date"], "2024-02-20T12:00:00");
        let mut s = String::new();
        let parts = [
            Part::Plain("see ".into()),
            Part::Link("https://a.lt/x".into()),
            Part::TextLink("more".into(), "https://b.lt".into()),
        ];
        tg_message(
            &mut s,
            6,
            1_708_423_200,
            "Chan",
            42,
            Some(("Src", Some(7))),
            true,
            &parts,
        );
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["text"][0], "see ");
        assert_eq!(v["text"][1]["type"], "link");
        assert_eq!(v["text_entities"][2]["href"], "https://b.lt");
        assert_eq!(v["forwarded_from_id"], "channel7");
    }
}
