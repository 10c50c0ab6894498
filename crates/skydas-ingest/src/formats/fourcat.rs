//! 4CAT exports (NDJSON and CSV of 4CAT's mapped items) and Zeeschuimer NDJSON.
//!
//! 4CAT's CSV columns differ per data source, so the platform is read from a `datasource` or
//! `source_platform` column when there is one, else guessed from the columns (`chat` and
//! `author_username` mean Telegram, `is_retweet` means X, …), else the column map's platform.
//! Telegram rows get the id `{chat}/{message}` and forwards `from:{source}`, as in the Telegram
//! Desktop importer. Zeeschuimer lines carry the platform's own object under `data`; TikTok,
//! Instagram and X objects are mapped field by field and others by common key names. Instagram
//! posts take their shortcode as id, as the post URLs (and so CrowdTangle) name them.

use std::io::BufRead;

use serde_json::Value;
use skydas_model::time::{parse_any, parse_epoch, parse_rfc2822};
use skydas_model::{Actor, ActorKind, Item, ItemKind, ItemUrl, Locator, Platform, UrlSource};

use super::generic::{
    Header, Row, default_platform, first_line, first_non_space, for_each_json_line, json_list,
    json_path, json_str, json_time, read_csv, sniffed_header,
};
use crate::kit::{Refusal, field_url, importer_identity, provenance, split_list};
use crate::{Confidence, Event, FileContext, FileError, Importer};

/// 4CAT / Zeeschuimer importer (name `4cat`).
pub struct FourCat;

const NAME: &str = "4cat";
const VERSION: u32 = 1;

impl Importer for FourCat {
    importer_identity!(NAME, VERSION);

    fn sniff(&self, head: &[u8]) -> Confidence {
        if first_non_space(head) == Some(b'{') {
            // The first line may be cut off by the 64 KiB head: look for the keys as text.
            let line = first_line(head);
            let has = |k: &str| memchr::memmem::find(line, format!("\"{k}\"").as_bytes()).is_some();
            return if has("nav_index") && has("source_platform") {
                Confidence::Certain
            } else if has("thread_id") && has("body") {
                Confidence::Likely
            } else {
                Confidence::No
            };
        }
        let Some(h) = sniffed_header(head) else {
            return Confidence::No;
        };
        let timed = h.has("timestamp") || h.has("unix_timestamp");
        if h.has("thread_id") && h.has("body") && h.has("author") && timed {
            Confidence::Certain
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
        let head = input.fill_buf().map_err(|e| crate::kit::io_error(ctx, e))?;
        let fallback = default_platform(&ctx.options.column_map, Platform::Other);
        if first_non_space(head) == Some(b'{') {
            return for_each_json_line(input, ctx, sink, |v, line| {
                let prov = provenance(ctx, &FourCat, Locator::Line(line));
                if v.get("source_platform").is_some() && v.get("data").is_some() {
                    zeeschuimer(v, prov)
                } else {
                    mapped(&JsonRec(v), fallback, prov)
                }
            });
        }
        let setup = |h: &Header| -> Result<Header, String> {
            if !h.has("id") {
                return Err("missing column id".to_string());
            }
            Ok(h.clone())
        };
        read_csv(input, ctx, b',', setup, sink, |h, row| {
            let prov = provenance(ctx, &FourCat, Locator::Line(row.line));
            mapped(&CsvRec { h, row }, fallback, prov)
        })
    }
}

/// Read access to one mapped 4CAT item, whether a CSV row or a JSON object.
trait Record {
    /// The trimmed, non-empty value of `key`.
    fn get(&self, key: &str) -> Option<String>;
    /// Whether the record has the key at all.
    fn has(&self, key: &str) -> bool;

    fn first(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.get(k))
    }

    /// A list field: a JSON array or a comma/space separated cell.
    fn list(&self, key: &str) -> Vec<String> {
        self.get(key).map(|s| split_list(&s)).unwrap_or_default()
    }
}

struct CsvRec<'a> {
    h: &'a Header,
    row: &'a Row<'a>,
}

impl Record for CsvRec<'_> {
    fn get(&self, key: &str) -> Option<String> {
        self.row.get(self.h.find(key)).map(str::to_string)
    }

    fn has(&self, key: &str) -> bool {
        self.h.has(key)
    }
}

struct JsonRec<'a>(&'a Value);

impl Record for JsonRec<'_> {
    fn get(&self, key: &str) -> Option<String> {
        json_str(self.0, key)
    }

    fn has(&self, key: &str) -> bool {
        self.0.get(key).is_some()
    }

    fn list(&self, key: &str) -> Vec<String> {
        self.0.get(key).map(json_list).unwrap_or_default()
    }
}

/// The platform a 4CAT data source or Zeeschuimer `source_platform` names.
fn platform_from_name(name: &str) -> Option<Platform> {
    let n = name.to_ascii_lowercase();
    let table = [
        ("telegram", Platform::Telegram),
        ("twitter", Platform::X),
        ("x.com", Platform::X),
        ("tiktok", Platform::Tiktok),
        ("douyin", Platform::Tiktok),
        ("instagram", Platform::Instagram),
        ("reddit", Platform::Reddit),
        ("facebook", Platform::Facebook),
        ("youtube", Platform::Youtube),
        ("vk", Platform::Vk),
    ];
    table
        .iter()
        .find(|(k, _)| n.contains(k))
        .map(|(_, p)| *p)
        .or_else(|| Platform::parse(&n))
}

fn detect_platform(rec: &dyn Record, fallback: Platform) -> Platform {
    if let Some(p) = rec
        .first(&["datasource", "source_platform", "platform"])
        .and_then(|n| platform_from_name(&n))
    {
        return p;
    }
    if rec.has("chat") && (rec.has("author_username") || rec.has("author_forwarded_from_name")) {
        Platform::Telegram
    } else if rec.has("is_retweet") || rec.has("retweeted_user") {
        Platform::X
    } else if rec.has("subreddit") {
        Platform::Reddit
    } else if rec.has("tiktok_url") {
        Platform::Tiktok
    } else {
        fallback
    }
}

/// Maps one item of 4CAT's mapped form (its CSV columns, or the same keys in NDJSON).
fn mapped(
    rec: &dyn Record,
    fallback: Platform,
    prov: skydas_model::Provenance,
) -> Result<Item, Refusal> {
    let platform = detect_platform(rec, fallback);
    let id = rec
        .get("id")
        .ok_or_else(|| Refusal::new("missing id", ""))?;
    let time = match (rec.get("unix_timestamp"), rec.get("timestamp")) {
        (Some(t), _) => parse_epoch(&t).ok_or_else(|| Refusal::new("bad timestamp", t))?,
        (None, Some(t)) => parse_any(&t).ok_or_else(|| Refusal::new("bad timestamp", t))?,
        (None, None) => return Err(Refusal::new("missing timestamp", "")),
    };
    let body = rec.get("body").unwrap_or_default();
    let text = match rec.get("subject") {
        Some(s) if !body.starts_with(&s) => format!("{s}\n{body}"),
        _ => body,
    };
    let mut urls: Vec<ItemUrl> = Vec::new();
    for key in ["urls", "link_attached", "link_url"] {
        for u in rec.list(key) {
            if !urls.iter().any(|x| x.raw == u) {
                urls.push(field_url(u));
            }
        }
    }
    let hashtags = rec.list("hashtags");
    let mentions = rec.list("mentions");

    if platform == Platform::Telegram {
        let chat = rec.first(&["chat", "thread_id"]);
        let actor_id = author_id(rec.get("author"), || chat.clone())?;
        let actor = Actor {
            platform_id: actor_id,
            handle: rec.get("author_username").or_else(|| chat.clone()),
            name: rec.first(&["author_name", "author_fullname"]),
            kind: if rec.get("author").is_none() {
                ActorKind::Channel
            } else {
                ActorKind::Account
            },
            ..Actor::default()
        };
        // 4CAT ids are `{chat}-{message}`; the model's Telegram ids are `{chat}/{message}`.
        let item_id = match &chat {
            Some(c) => match id
                .strip_prefix(c.as_str())
                .and_then(|r| r.strip_prefix('-'))
            {
                Some(msg) => format!("{c}/{msg}"),
                None => format!("{c}/{id}"),
            },
            None => id,
        };
        let mut item = Item::new(platform, item_id, actor, time, text, prov);
        item.urls = urls;
        item.mentions = rec.list("entities_mentioned");
        if let (Some(c), Some(r)) = (&chat, rec.get("reply_to")) {
            item.reply_to = Some(format!("{c}/{r}"));
            item.kind = ItemKind::Reply;
        }
        if let Some(from) = rec.first(&[
            "author_forwarded_from_id",
            "author_forwarded_from_username",
            "author_forwarded_from_name",
            "forwarded_from_username",
        ]) {
            item.repost_of = Some(format!("from:{from}"));
            item.kind = ItemKind::Forward;
        }
        return Ok(item);
    }

    let handle = rec.first(&["author", "author_username"]);
    let actor_id = author_id(rec.get("author_id"), || handle.clone())?;
    let actor = Actor {
        platform_id: actor_id,
        handle,
        name: rec.first(&["author_fullname", "author_name"]),
        followers: rec.get("author_followers").and_then(|f| f.parse().ok()),
        ..Actor::default()
    };
    let mut item = Item::new(platform, id, actor, time, text, prov);
    item.urls = urls;
    item.hashtags = hashtags;
    item.mentions = mentions;
    let yes = |k: &str| {
        rec.get(k)
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "yes" | "true" | "1"))
    };
    if yes("is_retweet") {
        item.kind = ItemKind::Repost;
    } else if yes("is_quote_tweet") {
        item.kind = ItemKind::Quote;
    } else if yes("is_reply") {
        item.kind = ItemKind::Reply;
    }
    Ok(item)
}

/// Maps one Zeeschuimer line: `{nav_index, item_id, source_platform, data: {…}}`.
fn zeeschuimer(v: &Value, prov: skydas_model::Provenance) -> Result<Item, Refusal> {
    let source = json_str(v, "source_platform").unwrap_or_default();
    let data = v
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| Refusal::new("missing data", ""))?;
    let platform = platform_from_name(&source).unwrap_or(Platform::Other);
    let fallback_id = json_str(v, "item_id");
    match platform {
        Platform::X => return tweet(data, prov),
        Platform::Tiktok => {
            return native(
                data,
                Keys {
                    platform,
                    id: &["id"],
                    actor_id: &["author.id", "authorId"],
                    handle: &["author.uniqueId", "author"],
                    name: &["author.nickname"],
                    followers: &["authorStats.followerCount"],
                    time: &["createTime"],
                    text: &["desc"],
                    hashtags: &["challenges", "textExtra"],
                },
                fallback_id,
                prov,
            );
        }
        Platform::Instagram => {
            return native(
                data,
                Keys {
                    platform,
                    id: &["code", "shortcode", "id", "pk"],
                    actor_id: &["user.pk", "user.id", "owner.id"],
                    handle: &["user.username", "owner.username"],
                    name: &["user.full_name", "owner.full_name"],
                    followers: &[],
                    time: &["taken_at", "taken_at_timestamp"],
                    text: &["caption.text", "edge_media_to_caption.edges.0.node.text"],
                    hashtags: &[],
                },
                fallback_id,
                prov,
            );
        }
        _ => {}
    }
    native(
        data,
        Keys {
            platform,
            id: &["id", "urn", "post_id"],
            actor_id: &["author.id", "user.id", "actor.urn", "author_id", "user_id"],
            handle: &[
                "author.username",
                "user.username",
                "author.uniqueId",
                "username",
                "author",
            ],
            name: &[
                "author.name",
                "user.name",
                "author.nickname",
                "actor.name.text",
            ],
            followers: &[],
            time: &[
                "createTime",
                "created_at",
                "timestamp",
                "taken_at",
                "date",
                "time",
            ],
            text: &[
                "text",
                "desc",
                "body",
                "commentary.text.text",
                "caption.text",
                "caption",
            ],
            hashtags: &["hashtags"],
        },
        fallback_id,
        prov,
    )
}

/// Where the fields of a platform-native object are, first match wins.
struct Keys {
    platform: Platform,
    id: &'static [&'static str],
    actor_id: &'static [&'static str],
    handle: &'static [&'static str],
    name: &'static [&'static str],
    followers: &'static [&'static str],
    time: &'static [&'static str],
    text: &'static [&'static str],
    /// Arrays of tags: strings, or objects with `title`/`hashtagName`/`name`.
    hashtags: &'static [&'static str],
}

fn first_str(data: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| json_str(data, k))
}

fn native(
    data: &Value,
    k: Keys,
    fallback_id: Option<String>,
    prov: skydas_model::Provenance,
) -> Result<Item, Refusal> {
    let id = first_str(data, k.id)
        .or(fallback_id)
        .ok_or_else(|| Refusal::new("missing id", ""))?;
    let handle = first_str(data, k.handle);
    let actor_id = author_id(first_str(data, k.actor_id), || handle.clone())?;
    let raw_time = k
        .time
        .iter()
        .find_map(|key| json_path(data, key).filter(|t| !t.is_null()))
        .ok_or_else(|| Refusal::new("missing timestamp", ""))?;
    let time =
        json_time(raw_time).ok_or_else(|| Refusal::new("bad timestamp", raw_time.to_string()))?;
    let text = first_str(data, k.text).unwrap_or_default();
    let actor = Actor {
        platform_id: actor_id,
        handle,
        name: first_str(data, k.name),
        followers: first_str(data, k.followers).and_then(|f| f.parse().ok()),
        ..Actor::default()
    };
    let mut item = Item::new(k.platform, id, actor, time, text, prov);
    for key in k.hashtags {
        if let Some(Value::Array(tags)) = json_path(data, key) {
            for t in tags {
                let tag = json_str(t, "title")
                    .or_else(|| json_str(t, "hashtagName"))
                    .or_else(|| json_str(t, "name"))
                    .or_else(|| t.as_str().map(str::to_string));
                if let Some(tag) = tag.filter(|t| !t.is_empty() && !item.hashtags.contains(t)) {
                    item.hashtags.push(tag);
                }
            }
        }
    }
    Ok(item)
}

/// Maps a tweet as X's web client receives it (GraphQL `rest_id`, `legacy`, `core`).
fn tweet(data: &Value, prov: skydas_model::Provenance) -> Result<Item, Refusal> {
    // Tweets with visibility notes wrap the tweet one level down.
    let data = data.get("tweet").filter(|t| t.is_object()).unwrap_or(data);
    let legacy = data.get("legacy").unwrap_or(&Value::Null);
    let id = first_str(data, &["rest_id", "legacy.id_str", "id_str", "id"])
        .ok_or_else(|| Refusal::new("missing id", ""))?;
    let user = json_path(data, "core.user_results.result").unwrap_or(&Value::Null);
    let actor_id = author_id(first_str(user, &["rest_id"]), || {
        json_str(legacy, "user_id_str")
    })?;
    let raw_time =
        json_str(legacy, "created_at").ok_or_else(|| Refusal::new("missing timestamp", ""))?;
    let time = parse_twitter_date(&raw_time)
        .or_else(|| parse_any(&raw_time))
        .ok_or_else(|| Refusal::new("bad timestamp", raw_time))?;
    let text = first_str(data, &["note_tweet.note_tweet_results.result.text"])
        .or_else(|| json_str(legacy, "full_text"))
        .unwrap_or_default();
    let actor = Actor {
        platform_id: actor_id,
        handle: first_str(user, &["core.screen_name", "legacy.screen_name"]),
        name: first_str(user, &["core.name", "legacy.name"]),
        followers: first_str(user, &["legacy.followers_count"]).and_then(|f| f.parse().ok()),
        ..Actor::default()
    };
    let mut item = Item::new(Platform::X, id, actor, time, text, prov);
    if let Some(Value::Array(urls)) = json_path(legacy, "entities.urls") {
        for u in urls {
            let expanded = json_str(u, "expanded_url");
            if let Some(raw) = json_str(u, "url").or_else(|| expanded.clone()) {
                item.urls.push(ItemUrl {
                    raw,
                    expanded,
                    source: UrlSource::Entity,
                    ..ItemUrl::default()
                });
            }
        }
    }
    let names = |path: &str, key: &str| -> Vec<String> {
        match json_path(legacy, path) {
            Some(Value::Array(a)) => a.iter().filter_map(|x| json_str(x, key)).collect(),
            _ => Vec::new(),
        }
    };
    item.hashtags = names("entities.hashtags", "text");
    item.mentions = names("entities.user_mentions", "screen_name");
    item.lang_hint = json_str(legacy, "lang");
    let retweet = json_path(legacy, "retweeted_status_result.result")
        .or_else(|| json_path(data, "retweeted_status_result.result"));
    if let Some(rt) = retweet {
        let rt = rt.get("tweet").unwrap_or(rt);
        item.repost_of = first_str(rt, &["rest_id", "legacy.id_str"]);
        item.kind = ItemKind::Repost;
    } else if let Some(q) = json_str(legacy, "quoted_status_id_str") {
        item.quote_of = Some(q);
        item.kind = ItemKind::Quote;
    }
    if let Some(r) = json_str(legacy, "in_reply_to_status_id_str") {
        item.reply_to = Some(r);
        if item.kind == ItemKind::Post {
            item.kind = ItemKind::Reply;
        }
    }
    Ok(item)
}

/// X's `created_at` form: `Wed Oct 10 20:19:24 +0000 2018`.
fn parse_twitter_date(s: &str) -> Option<i64> {
    let p: Vec<&str> = s.split_whitespace().collect();
    if p.len() != 6 {
        return None;
    }
    parse_rfc2822(&format!("{} {} {} {} {}", p[2], p[1], p[5], p[3], p[4]))
}

/// The author's id: `id`, else what `fallback` gives (a handle or a chat that stands for the
/// author); a record with neither is refused.
fn author_id(
    id: Option<String>,
    fallback: impl FnOnce() -> Option<String>,
) -> Result<String, Refusal> {
    id.or_else(fallback)
        .ok_or_else(|| Refusal::new("missing author", ""))
}

#[cfg(test)]
mod tests {
    use super::super::generic::testutil::*;
    use super::*;

    fn summary(i: &Item) -> String {
        let urls: Vec<String> = i
            .urls
            .iter()
            .map(|u| match &u.expanded {
                Some(e) => format!("{}>{e}", u.raw),
                None => u.raw.clone(),
            })
            .collect();
        format!(
            "{} {} {}/{}/{} {} {} rp={} re={} [{}] #{} @{} | {}",
            i.platform,
            i.platform_id,
            i.actor.platform_id,
            i.actor.handle.as_deref().unwrap_or("-"),
            i.actor.name.as_deref().unwrap_or("-"),
            i.time,
            i.kind.as_str(),
            i.repost_of.as_deref().unwrap_or("-"),
            i.reply_to.as_deref().unwrap_or("-"),
            urls.join(" "),
            i.hashtags.join(","),
            i.mentions.join(","),
            i.text
        )
    }

    fn check(fixture_name: &str, items: &[&str], errors: &[(&str, &str)]) {
        let run = run(&FourCat, &fixture(fixture_name));
        assert_run(&run, summary, items, errors);
        assert!(run.items.iter().all(|i| i.provenance.importer == "4cat"));
    }

    #[test]
    fn maps_telegram_csv() {
        check(
            "4cat/telegram.csv",
            &[
                "telegram rusvesna/1201 -1001234/rusvesna/Русская Весна 1708754400 post rp=- re=- [https://ria-news.example/a] # @ | Срочно: новость",
                "telegram rusvesna/1202 -1001234/rusvesna/Русская Весна 1708754460 forward rp=from:-1009999 re=- [] # @ | Переслано",
                "telegram rusvesna/1204 -1001234/rusvesna/Русская Весна 1708754580 reply rp=- re=rusvesna/1201 [] # @ | Ответ",
            ],
            &[("4", "bad timestamp")],
        );
    }

    #[test]
    fn maps_twitter_csv() {
        check(
            "4cat/twitter.csv",
            &[
                "x 1760000000000000001 111/alice/Alice A 1708754400 post rp=- re=- [https://lrt-lt.example/a https://b.example/] #tag1,tag2 @bob | Look https://t.co/x",
                "x 1760000000000000002 222/bob/Bob B 1708754405 repost rp=- re=- [] # @alice | RT @alice: Look",
            ],
            &[("4", "missing id")],
        );
    }

    #[test]
    fn maps_zeeschuimer_and_mapped_ndjson() {
        check(
            "4cat/zeeschuimer.ndjson",
            &[
                "tiktok 7300000000000000001 6800000000000000001/newsbot/News Bot 1708754400 post rp=- re=- [] #news,war @ | Breaking #news #war",
                "instagram CLxYz123AbC 4455/ig.account/IG Account 1708754400 post rp=- re=- [] # @ | Caption text",
                "x 1760000000000000009 333/carol/Carol 1539202764 repost rp=1760000000000000001 re=- [https://t.co/abc>https://lrt-lt.example/a] #tag @alice | RT @alice: Look https://t.co/abc",
                "other urn:li:activity:1 urn:li:member:9/-/Li Person 1708754400 post rp=- re=- [] # @ | Post text",
                "other 42 someone/someone/- 1708754400 post rp=- re=- [https://x.example] #h @ | mapped body",
            ],
            &[("3", "bad json"), ("5", "missing timestamp")],
        );
    }

    #[test]
    fn sniffs_exports() {
        let cases: &[(&[u8], Confidence)] = &[
            (b"id,thread_id,chat,author,body,timestamp\n", Confidence::Certain),
            (b"id,thread_id,author,body,unix_timestamp\n", Confidence::Certain),
            (b"id,thread_id,author,body\n", Confidence::No),
            (b"{\"nav_index\": \"1:1:0\", \"item_id\": \"1\", \"source_platform\": \"tiktok.com\", \"data\": {", Confidence::Certain),
            (b"{\"id\": 1, \"thread_id\": 1, \"body\": \"x\"}\n", Confidence::Likely),
            (b"{\"id\": 1}\n", Confidence::No),
        ];
        for (head, want) in cases {
            assert_eq!(
                FourCat.sniff(head),
                *want,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
        assert_eq!(
            FourCat.sniff(&fixture("4cat/telegram.csv")),
            Confidence::Certain
        );
        assert_eq!(
            FourCat.sniff(&fixture("4cat/zeeschuimer.ndjson")),
            Confidence::Certain
        );
    }

    #[test]
    fn parses_twitter_dates() {
        assert_eq!(
            parse_twitter_date("Wed Oct 10 20:19:24 +0000 2018"),
            Some(1_539_202_764)
        );
        assert_eq!(parse_twitter_date("Wed Oct 10 20:19:24 2018"), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = FourCat.sniff(&bytes);
            let _ = run(&FourCat, &bytes);
            let mut input = b"id,thread_id,chat,author,author_username,body,unix_timestamp,reply_to\n".to_vec();
            input.extend_from_slice(&bytes);
            let _ = run(&FourCat, &input);
        }

        #[test]
        fn never_panics_on_json_shapes(s in "[a-z_0-9\":,{}\\[\\] .]{0,120}") {
            let line = format!("{{\"source_platform\":\"x.com\",\"data\":{{{s}}}}}\n{{\"source_platform\":\"tiktok.com\",\"data\":{s}}}\n{{\"id\":{s}}}");
            let _ = run(&FourCat, line.as_bytes());
        }
    }
}
