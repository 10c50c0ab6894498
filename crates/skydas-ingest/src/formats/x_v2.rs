//! X (Twitter) API v2 responses: page objects, JSONL of pages, and twarc2 flattened JSONL.
//!
//! The shape is decided per file: when the first non-blank line is a whole JSON value (or the
//! first line does not fit the read buffer) the file is JSONL, read line by line with
//! [`crate::source::for_each_line`], and each line is a page (it has `data`) or a flattened
//! tweet. Otherwise the file is one page document (pretty-printed, say), read whole: a page must
//! be held in memory anyway because the authors in `includes.users` follow the tweets in
//! `data`. The API caps a page at a few hundred tweets.
//!
//! Mapping:
//! - Only the tweets of `data` (or of a flattened line) become items; `includes.tweets` and
//!   inlined `referenced_tweets[].tweet` are context, used to complete retweets. A tweet both
//!   in `data` and referenced is still one item.
//! - The actor is the author from `includes.users` or the inlined `author` (platform id =
//!   author id, handle = username, followers from `public_metrics.followers_count`).
//! - URLs come from `entities.urls`: `raw` = the t.co `url`, `expanded` = `unwound_url` or
//!   `expanded_url`, and `expanded_url` a redirect hop when it differs from `unwound_url`.
//! - A retweet is a `Repost` with `repost_of` = the original id. Its text is cut short by the
//!   API, so when the original is at hand its full text replaces it, and the original's URLs,
//!   hashtags and mentions are added to the retweet's own.
//! - Quotes are `Quote` (`quote_of`), replies are `Reply` (`reply_to`); a tweet that both
//!   quotes and replies keeps both ids and is a `Quote`.
//! - `note_tweet.text` (long posts) is preferred over the truncated `text`.
//! - Locators: `Line(n)` in JSONL, `Record(i)` (index in `data`) in a page document.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;
use skydas_model::{Actor, ActorKind, Item, ItemKind, ItemUrl, Locator, Platform, UrlSource};

use crate::kit::{contains, importer_identity, json_fatal, provenance, record_error};
use crate::source::{JsonId, JsonReader, for_each_line};
use crate::{Confidence, Event, FileContext, FileError, Importer};

/// Importer of X API v2 JSON (page objects, JSONL of pages, twarc2 flattened lines).
pub struct XV2;

const VERSION: u32 = 1;

impl Importer for XV2 {
    importer_identity!("x-v2", VERSION);

    fn sniff(&self, head: &[u8]) -> Confidence {
        if not_tweets(head).is_some() {
            // X's, and refused by name below rather than left "unrecognised".
            return Confidence::Likely;
        }
        sniff(head)
    }

    fn import(
        &self,
        input: &mut dyn std::io::BufRead,
        ctx: &FileContext<'_>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<(), FileError> {
        let io_err = |source| FileError::Io {
            path: ctx.path.to_path_buf(),
            source,
        };
        let head = input.fill_buf().map_err(io_err)?;
        if let Some(kind) = not_tweets(head)
            && sniff(head) == Confidence::No
        {
            return Err(FileError::Fatal {
                path: ctx.path.to_path_buf(),
                locator: Locator::Line(1),
                reason: format!("an X API {kind} holds no tweets to import"),
            });
        }
        let jsonl = is_jsonl(head);
        if jsonl {
            let max = ctx.options.max_record;
            for_each_line(input, max, &mut |n, line| {
                let loc = Locator::Line(n);
                match line {
                    Ok(s) => import_line(s, ctx, loc, sink),
                    Err(e) => sink(Event::Error(e.to_record_error(ctx.path, n, max))),
                }
            })
            .map_err(io_err)
        } else {
            let mut de = serde_json::Deserializer::from_reader(JsonReader::new(input));
            let doc = Box::<RawValue>::deserialize(&mut de).map_err(|e| json_fatal(ctx, &e))?;
            de.end().map_err(|e| json_fatal(ctx, &e))?;
            import_document(doc.get(), ctx, sink);
            Ok(())
        }
    }
}

/// The X API responses that hold no tweets: tweet counts, lists, user lookups, compliance
/// jobs' results.
fn not_tweets(head: &[u8]) -> Option<&'static str> {
    let has = |k| contains(head, k);
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    if !matches!(first, Some(b'{')) || has("\"text\"") {
        return None;
    }
    if has("\"data\"") && has("\"username\"") && has("\"public_metrics\"") {
        Some("users response")
    } else if has("\"tweet_count\"") && has("\"start\"") && has("\"end\"") {
        Some("tweet counts response")
    } else if has("\"owner_id\"") && has("\"follower_count\"") {
        Some("lists response")
    } else if has("\"action\"") && has("\"reason\"") && has("\"created_at\"") {
        Some("compliance result")
    } else {
        None
    }
}

fn sniff(head: &[u8]) -> Confidence {
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    if !matches!(first, Some(b'{' | b'[')) {
        return Confidence::No;
    }
    let has = |k| contains(head, k);
    // 4CAT / Zeeschuimer wrap platform data in their own envelope; theirs to read.
    if has("\"source_platform\"") || has("\"__import_meta\"") {
        return Confidence::No;
    }
    if has("\"__twarc\"") && has("\"author_id\"") {
        return Confidence::Certain;
    }
    if has("\"data\"") && (has("\"author_id\"") || (has("\"includes\"") && has("\"username\""))) {
        return Confidence::Certain;
    }
    if has("\"author_id\"") && has("\"created_at\"") && has("\"text\"") {
        return Confidence::Likely;
    }
    // A response with only the default fields: tweets of an id and a text. It is X's (and
    // will be refused with the fields to request), not a generic JSON file.
    if has("\"data\"")
        && has("\"text\"")
        && (has("\"edit_history_tweet_ids\"") || has("\"newest_id\""))
    {
        return Confidence::Likely;
    }
    Confidence::No
}

/// Whether the buffered start of a file is JSONL: no line ends within the buffer (one long
/// line), or the first non-blank line is a whole JSON value, or the first line is broken and
/// parsing on from it fails before the buffer ends (a truncated line followed by more lines).
/// A pretty-printed page parses on across lines, to its end or to the end of the buffer.
fn is_jsonl(buf: &[u8]) -> bool {
    if !buf.contains(&b'\n') {
        return true;
    }
    let buf = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf);
    let whole = |l: &[u8]| serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok();
    let Some(first) = buf
        .split(|&b| b == b'\n')
        .find(|l| !l.trim_ascii().is_empty())
    else {
        return true;
    };
    if whole(first) {
        return true;
    }
    let mut stream = serde_json::Deserializer::from_slice(buf).into_iter::<serde::de::IgnoredAny>();
    match stream.next() {
        Some(Ok(_)) => false,
        Some(Err(e)) => !e.is_eof(),
        None => true,
    }
}

/// A tweet (and, on a JSONL line, possibly a whole page: `data` and `includes` are read too so
/// that each line is parsed once).
#[derive(Deserialize, Default)]
struct Tweet<'a> {
    #[serde(default, borrow)]
    id: Option<JsonId<'a>>,
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    author_id: Option<JsonId<'a>>,
    #[serde(default, borrow)]
    created_at: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    lang: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    referenced_tweets: Option<Vec<Reference<'a>>>,
    #[serde(default, borrow)]
    entities: Option<Entities<'a>>,
    #[serde(default, borrow)]
    note_tweet: Option<NoteTweet<'a>>,
    /// twarc2 flattened: the author inlined.
    #[serde(default, borrow)]
    author: Option<User<'a>>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
    #[serde(default, borrow)]
    includes: Option<Includes<'a>>,
}

#[derive(Deserialize)]
struct Reference<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    id: Option<JsonId<'a>>,
    /// The referenced tweet inlined under `tweet`.
    #[serde(default, borrow)]
    tweet: Option<Box<Tweet<'a>>>,
    /// twarc2 flattened lines inline the referenced tweet's own fields in the reference.
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    entities: Option<Entities<'a>>,
    #[serde(default, borrow)]
    note_tweet: Option<NoteTweet<'a>>,
}

#[derive(Deserialize, Default)]
struct Entities<'a> {
    #[serde(default, borrow)]
    urls: Option<Vec<UrlEntity<'a>>>,
    #[serde(default, borrow)]
    hashtags: Option<Vec<Tag<'a>>>,
    #[serde(default, borrow)]
    mentions: Option<Vec<Mention<'a>>>,
}

#[derive(Deserialize)]
struct NoteTweet<'a> {
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    entities: Option<Entities<'a>>,
}

#[derive(Deserialize)]
struct UrlEntity<'a> {
    #[serde(default, borrow)]
    url: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    expanded_url: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    unwound_url: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Tag<'a> {
    #[serde(default, borrow)]
    tag: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Mention<'a> {
    #[serde(default, borrow)]
    username: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Clone)]
struct User<'a> {
    #[serde(default, borrow)]
    id: Option<JsonId<'a>>,
    #[serde(default, borrow)]
    username: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    created_at: Option<Cow<'a, str>>,
    #[serde(default)]
    public_metrics: Option<UserMetrics>,
}

#[derive(Deserialize, Clone, Copy)]
struct UserMetrics {
    #[serde(default)]
    followers_count: Option<u64>,
}

/// `includes`, each entry kept raw so that one bad user or tweet only loses itself.
#[derive(Deserialize, Default)]
struct Includes<'a> {
    #[serde(default, borrow)]
    users: Option<Vec<&'a RawValue>>,
    #[serde(default, borrow)]
    tweets: Option<Vec<&'a RawValue>>,
}

/// The context a page gives its tweets.
#[derive(Default)]
struct Context<'a> {
    users: HashMap<&'a str, User<'a>>,
    tweets: HashMap<&'a str, Tweet<'a>>,
}

impl<'a> Context<'a> {
    fn new(inc: Option<&Includes<'a>>) -> Self {
        let mut c = Context::default();
        let Some(inc) = inc else { return c };
        for raw in inc.users.iter().flatten() {
            if let Ok(u) = serde_json::from_str::<User<'a>>(raw.get())
                && let Some(JsonId(Cow::Borrowed(id))) = u.id
            {
                c.users.insert(id, u);
            }
        }
        for raw in inc.tweets.iter().flatten() {
            if let Ok(t) = serde_json::from_str::<Tweet<'a>>(raw.get())
                && let Some(JsonId(Cow::Borrowed(id))) = t.id
            {
                c.tweets.insert(id, t);
            }
        }
        c
    }
}

fn import_line(line: &str, ctx: &FileContext<'_>, loc: Locator, sink: &mut dyn FnMut(Event)) {
    let tweet = match serde_json::from_str::<Tweet<'_>>(line) {
        Ok(t) => t,
        Err(e) => {
            let reason = if e.is_eof() {
                "truncated json"
            } else {
                "malformed tweet"
            };
            sink(record_error(ctx, loc, reason, e.to_string()));
            return;
        }
    };
    if let Some(data) = tweet.data {
        import_page(data, tweet.includes.as_ref(), ctx, &|_| loc, sink);
    } else {
        emit(&tweet, &Context::default(), ctx, loc, sink);
    }
}

/// A page document: an object with `data` (a page), a lone tweet object, or an array of either.
fn import_document(doc: &str, ctx: &FileContext<'_>, sink: &mut dyn FnMut(Event)) {
    if doc.trim_start().starts_with('[') {
        let Ok(elems) = serde_json::from_str::<Vec<&RawValue>>(doc) else {
            return;
        };
        let mut base = 0u64;
        for raw in elems {
            match serde_json::from_str::<Tweet<'_>>(raw.get()) {
                Ok(Tweet {
                    data: Some(data),
                    includes,
                    ..
                }) => {
                    let n = import_page(
                        data,
                        includes.as_ref(),
                        ctx,
                        &|i| Locator::Record(base + i),
                        sink,
                    );
                    base += n;
                }
                Ok(t) => {
                    emit(&t, &Context::default(), ctx, Locator::Record(base), sink);
                    base += 1;
                }
                Err(e) => {
                    sink(record_error(
                        ctx,
                        Locator::Record(base),
                        "malformed tweet",
                        e.to_string(),
                    ));
                    base += 1;
                }
            }
        }
        return;
    }
    match serde_json::from_str::<Tweet<'_>>(doc) {
        Ok(Tweet {
            data: Some(data),
            includes,
            ..
        }) => {
            import_page(data, includes.as_ref(), ctx, &Locator::Record, sink);
        }
        Ok(Tweet { id: None, .. }) => {}
        Ok(t) => emit(&t, &Context::default(), ctx, Locator::Record(0), sink),
        Err(e) => sink(record_error(
            ctx,
            Locator::Record(0),
            "malformed page",
            e.to_string(),
        )),
    }
}

/// Emits the tweets of one page; returns how many records `data` held.
fn import_page<'a>(
    data: &'a RawValue,
    includes: Option<&Includes<'a>>,
    ctx: &FileContext<'_>,
    loc: &dyn Fn(u64) -> Locator,
    sink: &mut dyn FnMut(Event),
) -> u64 {
    let context = Context::new(includes);
    let raws: Vec<&RawValue> = if data.get().trim_start().starts_with('[') {
        match serde_json::from_str(data.get()) {
            Ok(v) => v,
            Err(e) => {
                sink(record_error(ctx, loc(0), "malformed page", e.to_string()));
                return 1;
            }
        }
    } else {
        // A single-tweet lookup answers with `data` as one object.
        vec![data]
    };
    for (i, raw) in raws.iter().enumerate() {
        match serde_json::from_str::<Tweet<'_>>(raw.get()) {
            Ok(t) => emit(&t, &context, ctx, loc(i as u64), sink),
            Err(e) => sink(record_error(
                ctx,
                loc(i as u64),
                "malformed tweet",
                e.to_string(),
            )),
        }
    }
    raws.len() as u64
}

fn emit(
    t: &Tweet<'_>,
    c: &Context<'_>,
    ctx: &FileContext<'_>,
    loc: Locator,
    sink: &mut dyn FnMut(Event),
) {
    let ev = match convert(t, c, ctx, loc) {
        Ok(item) => Event::Item(Box::new(item)),
        Err((reason, detail)) => record_error(ctx, loc, reason, detail),
    };
    sink(ev);
}

fn full_text<'t>(t: &'t Tweet<'_>) -> Option<&'t str> {
    t.note_tweet
        .as_ref()
        .and_then(|n| n.text.as_deref())
        .or(t.text.as_deref())
}

fn add_entities(item: &mut Item, e: Option<&Entities<'_>>) {
    let Some(e) = e else { return };
    for u in e.urls.iter().flatten() {
        let expanded = u
            .unwound_url
            .as_deref()
            .or(u.expanded_url.as_deref())
            .filter(|s| !s.is_empty());
        let Some(raw) = u.url.as_deref().filter(|s| !s.is_empty()).or(expanded) else {
            continue;
        };
        if item.urls.iter().any(|x| x.raw == raw) {
            continue;
        }
        // `expanded_url` is a hop when the API unwound the link further (a redirector).
        let hop = u
            .expanded_url
            .as_deref()
            .filter(|h| !h.is_empty() && Some(*h) != expanded && *h != raw);
        item.urls.push(ItemUrl {
            raw: raw.to_string(),
            expanded: expanded.map(str::to_string),
            hops: hop.map(str::to_string).into_iter().collect(),
            source: UrlSource::Entity,
            ..ItemUrl::default()
        });
    }
    for h in e.hashtags.iter().flatten() {
        if let Some(tag) = h.tag.as_deref().filter(|s| !s.is_empty())
            && !item.hashtags.iter().any(|x| x == tag)
        {
            item.hashtags.push(tag.to_string());
        }
    }
    for m in e.mentions.iter().flatten() {
        if let Some(name) = m.username.as_deref().filter(|s| !s.is_empty())
            && !item.mentions.iter().any(|x| x == name)
        {
            item.mentions.push(name.to_string());
        }
    }
}

/// The entities of a retweet's original: its links replace those of the cut text (a link cut
/// to `https://t.co/2…`); its tags and mentions join the retweet's own (`RT @author`).
fn replace_entities(item: &mut Item, e: Option<&Entities<'_>>) {
    if e.is_some_and(|e| e.urls.is_some()) {
        item.urls.clear();
    }
    add_entities(item, e);
}

fn entities<'t, 'a>(t: &'t Tweet<'a>) -> Option<&'t Entities<'a>> {
    t.note_tweet
        .as_ref()
        .and_then(|n| n.entities.as_ref())
        .or(t.entities.as_ref())
}

type Refusal = (&'static str, String);

fn convert(
    t: &Tweet<'_>,
    c: &Context<'_>,
    ctx: &FileContext<'_>,
    loc: Locator,
) -> Result<Item, Refusal> {
    let id =
        t.id.as_ref()
            .map(|i| i.0.as_ref())
            .filter(|s| !s.is_empty())
            .ok_or(("missing id", String::new()))?;
    let author_id = t
        .author_id
        .as_ref()
        .or_else(|| t.author.as_ref().and_then(|a| a.id.as_ref()))
        .map(|i| i.0.as_ref())
        .filter(|s| !s.is_empty())
        .ok_or((
            "missing author_id",
            format!(
                "tweet {id}: the response has only the default fields; request \
                 tweet.fields=created_at,author_id and expansions=author_id"
            ),
        ))?;
    let created = t.created_at.as_deref().ok_or((
        "missing created_at",
        format!("tweet {id}: request tweet.fields=created_at"),
    ))?;
    let time = skydas_model::time::parse_datetime(created)
        .ok_or(("bad created_at", created.to_string()))?;

    let user = c.users.get(author_id).or(t.author.as_ref());
    let actor = Actor {
        platform_id: author_id.to_string(),
        handle: user.and_then(|u| u.username.as_deref()).map(str::to_string),
        name: user.and_then(|u| u.name.as_deref()).map(str::to_string),
        kind: ActorKind::Account,
        created_at: user
            .and_then(|u| u.created_at.as_deref())
            .and_then(skydas_model::time::parse_datetime),
        followers: user
            .and_then(|u| u.public_metrics)
            .and_then(|m| m.followers_count),
    };
    let mut item = Item::new(
        Platform::X,
        id,
        actor,
        time,
        full_text(t).unwrap_or(""),
        provenance(ctx, &XV2, loc),
    );
    item.lang_hint = t
        .lang
        .as_deref()
        .filter(|l| !l.is_empty())
        .map(str::to_string);
    add_entities(&mut item, entities(t));

    let (mut retweet, mut quote, mut reply) = (None, None, None);
    for r in t.referenced_tweets.iter().flatten() {
        let Some(rid) =
            r.id.as_ref()
                .map(|i| i.0.as_ref())
                .filter(|s| !s.is_empty())
        else {
            continue;
        };
        match r.kind.as_deref() {
            Some("retweeted") => retweet = Some((rid, r)),
            Some("quoted") => quote = Some(rid),
            Some("replied_to") => reply = Some(rid),
            _ => {}
        }
    }
    if let Some(rid) = reply {
        item.reply_to = Some(rid.to_string());
        item.kind = ItemKind::Reply;
    }
    if let Some(qid) = quote {
        item.quote_of = Some(qid.to_string());
        item.kind = ItemKind::Quote;
    }
    if let Some((rid, r)) = retweet {
        item.repost_of = Some(rid.to_string());
        item.kind = ItemKind::Repost;
        // A retweet's own text is cut at 140 characters: the original's is whole, inlined
        // in the reference (twarc2 flattened) or among the page's included tweets.
        if let Some(orig) = r.tweet.as_deref().or_else(|| c.tweets.get(rid)) {
            if let Some(text) = full_text(orig) {
                item.text = text.to_string();
            }
            replace_entities(&mut item, entities(orig));
        } else if let Some(text) = r
            .note_tweet
            .as_ref()
            .and_then(|n| n.text.as_deref())
            .or(r.text.as_deref())
        {
            item.text = text.to_string();
            let e = r
                .note_tweet
                .as_ref()
                .and_then(|n| n.entities.as_ref())
                .or(r.entities.as_ref());
            replace_entities(&mut item, e);
        }
    }
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::super::generic::testutil::{bare_context, said};
    use super::*;
    use crate::ImportOptions;

    fn run(input: &str) -> (Vec<Item>, Vec<String>) {
        let opts = ImportOptions::default();
        let ctx = bare_context(std::path::Path::new("x.jsonl"), &opts);
        let (items, errs, res) = said(&XV2, input.as_bytes(), &ctx);
        res.expect("not fatal");
        (items, errs)
    }

    const PAGE: &str = r#"{"data":[
      {"id":"10","text":"RT @orig: Full text cut sh…","author_id":"2","created_at":"2024-02-24T06:00:00.000Z","lang":"lt",
       "referenced_tweets":[{"type":"retweeted","id":"9"}],
       "entities":{"mentions":[{"username":"orig","id":"1"}]}},
      {"id":"11","text":"look https://t.co/a","author_id":"2","created_at":"2024-02-24T06:00:01.000Z",
       "referenced_tweets":[{"type":"quoted","id":"9"}],
       "entities":{"urls":[{"url":"https://t.co/a","expanded_url":"https://bit.ly/a","unwound_url":"https://lrt.lt/a","start":5,"end":24}],
                   "hashtags":[{"tag":"Vilnius","start":0,"end":8}]}},
      {"id":"12","text":"no author","created_at":"2024-02-24T06:00:02.000Z"}],
     "includes":{"users":[{"id":"2","username":"amp","name":"Amp","created_at":"2024-01-01T00:00:00.000Z","public_metrics":{"followers_count":7}}],
       "tweets":[{"id":"9","text":"Full text cut short by the API https://t.co/b","author_id":"1","created_at":"2024-02-23T00:00:00.000Z",
         "entities":{"urls":[{"url":"https://t.co/b","expanded_url":"https://lrt.lt/b"}],"hashtags":[{"tag":"News"}]}}]},
     "meta":{"result_count":3}}"#;

    #[test]
    fn a_page_document_completes_retweets_from_includes() {
        let (items, errs) = run(PAGE);
        assert_eq!(
            errs,
            vec![
                "x.jsonl:#2: missing author_id: tweet 12: the response has only the default fields; request tweet.fields=created_at,author_id and expansions=author_id"
            ]
        );
        let rt = &items[0];
        assert_eq!(
            (rt.kind, rt.repost_of.as_deref()),
            (ItemKind::Repost, Some("9"))
        );
        assert_eq!(rt.text, "Full text cut short by the API https://t.co/b");
        assert_eq!(rt.urls[0].expanded.as_deref(), Some("https://lrt.lt/b"));
        assert_eq!(rt.hashtags, vec!["News"]);
        assert_eq!(rt.mentions, vec!["orig"]);
        assert_eq!(rt.lang_hint.as_deref(), Some("lt"));
        assert_eq!(rt.actor.handle.as_deref(), Some("amp"));
        assert_eq!(rt.actor.followers, Some(7));
        assert_eq!(rt.actor.created_at, Some(1_704_067_200));
        assert_eq!(rt.time, 1_708_754_400);
        let q = &items[1];
        assert_eq!(
            (q.kind, q.quote_of.as_deref()),
            (ItemKind::Quote, Some("9"))
        );
        assert_eq!(q.urls[0].raw, "https://t.co/a");
        assert_eq!(
            q.urls[0].expanded.as_deref(),
            Some("https://lrt.lt/a"),
            "unwound_url wins"
        );
        assert_eq!(
            q.urls[0].hops,
            ["https://bit.ly/a"],
            "the redirector is kept"
        );
        assert!(rt.urls[0].hops.is_empty());
        assert_eq!(q.provenance.locator, Locator::Record(1));
    }

    #[test]
    fn flattened_lines_use_inlined_authors_and_references() {
        let lines = concat!(
            r#"{"id":"1","text":"RT @a: x","author_id":"5","created_at":"2024-02-24T06:00:00.000Z","author":{"id":"5","username":"bot"},"referenced_tweets":[{"type":"retweeted","id":"0","tweet":{"id":"0","text":"the whole original","author_id":"6","created_at":"2024-02-24T05:00:00.000Z"}}],"__twarc":{"url":"u"}}"#,
            "\n",
            r#"{"id":"2","text":"cut off"#,
            "\n\n",
            r#"{"id":"3","text":"re","author_id":"5","created_at":"2024-02-24T06:00:00Z","referenced_tweets":[{"type":"replied_to","id":"1"}]}"#,
            "\n"
        );
        let (items, errs) = run(lines);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].text, "the whole original");
        assert_eq!(items[0].actor.handle.as_deref(), Some("bot"));
        assert_eq!(
            (items[1].kind, items[1].reply_to.as_deref()),
            (ItemKind::Reply, Some("1"))
        );
        assert_eq!(items[1].provenance.locator, Locator::Line(4));
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0].starts_with("x.jsonl:2: truncated json"),
            "{}",
            errs[0]
        );
    }

    #[test]
    fn shapes_are_told_apart() {
        for (buf, want) in [
            ("{\"data\":[]}\n{\"data\":[]}\n", true),
            ("{\n  \"data\": [\n", false),
            ("{\"data\": [\n {\"id\":\"1\"}\n]}\n", false),
            ("{\"id\":\"1\",\"text\":\"cut", true),
            ("{\"id\":\"1\",\"text\":\"cut\n{\"id\":\"2\"}\n", true),
            ("", true),
        ] {
            assert_eq!(is_jsonl(buf.as_bytes()), want, "{buf:?}");
        }
    }

    #[test]
    fn sniffs_x_shapes() {
        for (head, want) in [
            (PAGE, Confidence::Certain),
            (
                r#"{"id":"1","author_id":"2","created_at":"x","text":"t"}"#,
                Confidence::Likely,
            ),
            (
                r#"{"id":"1","author_id":"2","__twarc":{}}"#,
                Confidence::Certain,
            ),
            (
                r#"{"source_platform":"twitter.com","data":{"author_id":"2"}}"#,
                Confidence::No,
            ),
            (r#"{"name":"c","messages":[]}"#, Confidence::No),
            ("id,author_id\n", Confidence::No),
        ] {
            assert_eq!(sniff(head.as_bytes()), want, "{head}");
        }
    }

    #[test]
    fn a_default_field_response_is_recognised_and_names_the_fields_to_request() {
        let page = r#"{"data":[{"edit_history_tweet_ids":["1"],"id":"1","text":"hello"}],"meta":{"newest_id":"1","oldest_id":"1","result_count":1}}"#;
        assert_eq!(sniff(page.as_bytes()), Confidence::Likely);
        let (items, errs) = run(page);
        assert!(items.is_empty());
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0].contains("tweet.fields=created_at,author_id"),
            "{errs:?}"
        );
        assert!(errs[0].contains("expansions=author_id"), "{errs:?}");
    }

    #[test]
    fn a_flattened_retweet_takes_the_whole_original_and_its_links() {
        let line = r#"{"id":"2","author_id":"9","created_at":"2024-02-24T06:00:00.000Z","text":"RT @a: Long text cut here https://t.co/2…","entities":{"urls":[{"url":"https://t.co/2","expanded_url":"https://t.co/2"}]},"referenced_tweets":[{"type":"retweeted","id":"1","text":"Long text cut here and the rest of it https://t.co/abc","entities":{"urls":[{"url":"https://t.co/abc","expanded_url":"https://lrt.lt/x"}]}}],"__twarc":{}}"#;
        let (items, errs) = run(line);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(
            items[0].text,
            "Long text cut here and the rest of it https://t.co/abc"
        );
        let urls: Vec<Option<&str>> = items[0]
            .urls
            .iter()
            .map(|u| u.expanded.as_deref())
            .collect();
        assert_eq!(urls, [Some("https://lrt.lt/x")]);
        assert_eq!(items[0].repost_of.as_deref(), Some("1"));
    }
}
