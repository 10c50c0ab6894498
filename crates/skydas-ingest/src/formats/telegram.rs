//! Telegram Desktop exports (`result.json`): one chat, or a full account with `chats.list[]`.
//!
//! The export is one JSON document that can reach gigabytes, so it is never held whole: a
//! serde visitor walks the top-level object, the `chats.list` / `left_chats.list` arrays and
//! each chat's `messages` array, and converts and emits every message as soon as it is read.
//! Each message is first taken as raw JSON and then parsed into typed fields, so that one
//! message of the wrong shape becomes a record error beside its good neighbours.
//!
//! Mapping:
//! - `platform_id` is `{chat_id}/{message_id}` (message ids are per chat).
//! - The actor of a channel message (`public_channel`, `private_channel`) is the channel:
//!   platform id = the chat id (`"1234567890"`), kind `Channel`, name = chat name. In groups and
//!   personal chats the actor is the sender `from_id`, with its `user`/`channel` prefix removed
//!   (`user123` → `"123"` kind `Account`, `channel987` → `"987"` kind `Channel`, so that a
//!   channel posting in a group is the same actor as that channel's own export), name = `from`.
//!   A group message without `from_id` is credited to the chat (kind `Group`).
//! - Time is `date_unixtime`; `date` is local time without an offset and is read as UTC only
//!   when `date_unixtime` is missing.
//! - Forwards are `Forward` items with `repost_of` = `from:{forwarded_from_id}` or, in older
//!   exports without it, `from:name:{forwarded_from}`. Replies set `reply_to` =
//!   `{chat_id}/{reply_to_message_id}`.
//! - `service` messages (joins, pins, …) are skipped silently. A message's `photo` is read from
//!   the export folder and kept as its perceptual hash ([`crate::photo`]) for co-image; other
//!   media fields are not read, and the placeholder text of media that were not exported never
//!   reaches `text`. A photo path that leaves the export folder is refused.
//! - Locators are `Record(i)`: the index of the message among all `messages` arrays of the file.

use std::borrow::Cow;
use std::fmt;
use std::path::{Component, Path};

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use skydas_model::{
    Actor, ActorKind, Item, ItemKind, ItemUrl, Locator, Platform, TimeBasis, UrlSource,
};

use crate::kit::{contains, importer_identity, json_fatal, provenance, record_error, warning};
use crate::source::{JsonId, JsonReader};
use crate::{Confidence, Event, FileContext, FileError, Importer};

/// Importer of Telegram Desktop JSON exports.
pub struct Telegram;

const VERSION: u32 = 1;

impl Importer for Telegram {
    importer_identity!("telegram", VERSION);

    fn sniff(&self, head: &[u8]) -> Confidence {
        sniff(head)
    }

    fn import(
        &self,
        input: &mut dyn std::io::BufRead,
        ctx: &FileContext<'_>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<(), FileError> {
        let mut st = State {
            ctx,
            sink,
            index: 0,
            warned: Default::default(),
        };
        let mut de = serde_json::Deserializer::from_reader(JsonReader::new(input));
        ChatSeed { st: &mut st }
            .deserialize(&mut de)
            .map_err(|e| json_fatal(ctx, &e))?;
        de.end().map_err(|e| json_fatal(ctx, &e))
    }
}

fn sniff(head: &[u8]) -> Confidence {
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Confidence::No;
    }
    let has = |k| contains(head, k);
    if has("\"messages\"") && has("\"date_unixtime\"") {
        return Confidence::Certain;
    }
    if has("\"chats\"") && has("\"list\"") && (has("\"personal_information\"") || has("\"about\""))
    {
        return Confidence::Certain;
    }
    // A chat with no messages still names its Telegram chat type.
    const CHAT_TYPES: [&str; 8] = [
        "\"public_channel\"",
        "\"private_channel\"",
        "\"personal_chat\"",
        "\"private_group\"",
        "\"public_supergroup\"",
        "\"private_supergroup\"",
        "\"saved_messages\"",
        "\"bot_chat\"",
    ];
    if has("\"messages\"") && CHAT_TYPES.iter().any(|t| has(t)) {
        return Confidence::Certain;
    }
    // Older exports, before `date_unixtime`.
    if has("\"messages\"") && (has("\"from_id\"") || has("\"text_entities\"")) {
        return Confidence::Likely;
    }
    Confidence::No
}

/// What the visitors share while walking the document.
struct State<'c, 'k> {
    ctx: &'c FileContext<'c>,
    sink: &'k mut dyn FnMut(Event),
    /// Index of the next message among all `messages` arrays of the file.
    index: u64,
    /// `(reason, chat)` of the warnings already given: each is said once per chat.
    warned: std::collections::HashSet<(&'static str, String)>,
}

/// The chat a message belongs to, from the keys before `messages`.
#[derive(Default)]
struct ChatInfo {
    id: Option<String>,
    name: Option<String>,
    kind: Option<String>,
}

impl ChatInfo {
    /// What the chat's messages are keyed by: its id; a trimmed export without one by its name,
    /// and one without a name either by the file it came in.
    fn key(&self, ctx: &FileContext<'_>) -> String {
        match (&self.id, &self.name) {
            (Some(id), _) => id.clone(),
            (None, Some(name)) => format!("name:{name}"),
            (None, None) => format!(
                "file:{}",
                ctx.path.file_name().map_or_else(
                    || ctx.path.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            ),
        }
    }

    fn is_channel(&self) -> bool {
        matches!(
            self.kind.as_deref(),
            Some("public_channel" | "private_channel" | "channel")
        )
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum ChatKey {
    Name,
    Type,
    Id,
    Messages,
    Chats,
    LeftChats,
    #[serde(other)]
    Other,
}

/// The [`DeserializeSeed`] of a seed that is its own [`Visitor`]: it asks the deserializer for
/// what it visits (`deserialize_map` or `deserialize_seq`) and visits it itself.
macro_rules! self_visiting_seed {
    ($seed:ty, $what:ident) => {
        impl<'de> DeserializeSeed<'de> for $seed {
            type Value = ();
            fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.$what(self)
            }
        }
    };
}

/// A chat object, or the root of the document (a single chat, or a full account whose
/// `chats` / `left_chats` hold `list`s of chats).
struct ChatSeed<'s, 'c, 'k> {
    st: &'s mut State<'c, 'k>,
}

self_visiting_seed!(ChatSeed<'_, '_, '_>, deserialize_map);

impl<'de> Visitor<'de> for ChatSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a telegram export object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let st = self.st;
        let mut chat = ChatInfo::default();
        while let Some(key) = map.next_key::<ChatKey>()? {
            match key {
                ChatKey::Name => chat.name = map.next_value::<Option<String>>()?,
                ChatKey::Type => chat.kind = map.next_value::<Option<String>>()?,
                ChatKey::Id => {
                    chat.id = map
                        .next_value::<Option<JsonId<'_>>>()?
                        .map(|i| i.0.into_owned());
                }
                ChatKey::Messages => map.next_value_seed(MessagesSeed {
                    st: &mut *st,
                    chat: &chat,
                })?,
                ChatKey::Chats | ChatKey::LeftChats => {
                    map.next_value_seed(ListHolderSeed { st: &mut *st })?
                }
                ChatKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `{"about": ..., "list": [chat, ...]}`.
struct ListHolderSeed<'s, 'c, 'k> {
    st: &'s mut State<'c, 'k>,
}

self_visiting_seed!(ListHolderSeed<'_, '_, '_>, deserialize_map);

impl<'de> Visitor<'de> for ListHolderSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with a chat list")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let st = self.st;
        while let Some(key) = map.next_key::<Cow<'_, str>>()? {
            if key == "list" {
                map.next_value_seed(ChatListSeed { st: &mut *st })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct ChatListSeed<'s, 'c, 'k> {
    st: &'s mut State<'c, 'k>,
}

self_visiting_seed!(ChatListSeed<'_, '_, '_>, deserialize_seq);

impl<'de> Visitor<'de> for ChatListSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of chats")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let st = self.st;
        while seq.next_element_seed(ChatSeed { st: &mut *st })?.is_some() {}
        Ok(())
    }
}

struct MessagesSeed<'s, 'c, 'k, 'i> {
    st: &'s mut State<'c, 'k>,
    chat: &'i ChatInfo,
}

self_visiting_seed!(MessagesSeed<'_, '_, '_, '_>, deserialize_seq);

impl<'de> Visitor<'de> for MessagesSeed<'_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of messages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let st = self.st;
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            let index = st.index;
            st.index += 1;
            let loc = Locator::Record(index);
            let ev = match serde_json::from_str::<Message<'_>>(raw.get()) {
                Ok(msg) => match convert(&msg, self.chat, st.ctx, loc) {
                    Ok(Some((item, notes))) => {
                        for (reason, detail) in notes {
                            if st.warned.insert((reason, self.chat.key(st.ctx))) {
                                (st.sink)(warning(st.ctx, loc, reason, detail));
                            }
                        }
                        Event::Item(Box::new(item))
                    }
                    Ok(None) => continue,
                    Err((reason, detail)) => record_error(st.ctx, loc, reason, detail),
                },
                Err(e) => record_error(st.ctx, loc, "malformed message", e.to_string()),
            };
            (st.sink)(ev);
        }
        Ok(())
    }
}

/// The fields of a message that Skydas reads; everything else is skipped.
#[derive(Deserialize)]
struct Message<'a> {
    #[serde(default, borrow)]
    id: Option<JsonId<'a>>,
    #[serde(rename = "type", default, borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    date: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    date_unixtime: Option<JsonId<'a>>,
    #[serde(default, borrow)]
    from: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    from_id: Option<JsonId<'a>>,
    #[serde(default, borrow)]
    forwarded_from: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    forwarded_from_id: Option<JsonId<'a>>,
    #[serde(default, borrow)]
    reply_to_message_id: Option<JsonId<'a>>,
    #[serde(default, borrow)]
    text: Option<Text<'a>>,
    #[serde(default, borrow)]
    text_entities: Option<Vec<Entity<'a>>>,
    /// The photo's path in the export folder, or a placeholder when media were not exported.
    #[serde(default, borrow)]
    photo: Option<Cow<'a, str>>,
}

/// One formatting entity: `{"type": "link", "text": "...", "href": "..."}`.
#[derive(Deserialize)]
struct Entity<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    href: Option<Cow<'a, str>>,
}

/// `text`: a string, or an array mixing strings and entities.
struct Text<'a>(Vec<Part<'a>>);

enum Part<'a> {
    Plain(Cow<'a, str>),
    Entity(Entity<'a>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings and entities")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(vec![Part::Plain(Cow::Borrowed(v))]))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(vec![Part::Plain(Cow::Owned(v.to_string()))]))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(vec![Part::Plain(Cow::Owned(v))]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut parts = Vec::new();
                while let Some(p) = seq.next_element::<Part<'de>>()? {
                    parts.push(p);
                }
                Ok(Text(parts))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Part<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Part<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an entity object")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Part::Plain(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Part::Plain(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Part::Plain(Cow::Owned(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Entity::deserialize(de::value::MapAccessDeserializer::new(map)).map(Part::Entity)
            }
        }
        d.deserialize_any(V)
    }
}

/// Text Telegram Desktop writes in place of media it did not export.
const MEDIA_PLACEHOLDER: &str = "(File not included. Change data exporting settings to download.)";

/// Removes a `user` / `channel` / `chat` prefix from an export's `from_id`, giving the numeric id
/// and whether it names a channel.
fn split_peer(id: &str) -> (&str, bool) {
    if let Some(n) = id.strip_prefix("channel") {
        return (n, true);
    }
    (
        id.strip_prefix("user")
            .or_else(|| id.strip_prefix("chat"))
            .unwrap_or(id),
        false,
    )
}

type Refusal = (&'static str, String);

/// What a message's conversion tells the import report (said once per chat).
type Notes = Vec<(&'static str, String)>;

fn convert(
    msg: &Message<'_>,
    chat: &ChatInfo,
    ctx: &FileContext<'_>,
    loc: Locator,
) -> Result<Option<(Item, Notes)>, Refusal> {
    if msg.kind.as_deref().is_some_and(|k| k != "message") {
        return Ok(None);
    }
    let mut notes = Notes::new();
    let chat_key = chat.key(ctx);
    let chat_id = chat_key.as_str();
    if chat.id.is_none() {
        notes.push((
            "missing chat id",
            format!("a trimmed export: messages are keyed by {chat_id:?}"),
        ));
    }
    let index_id;
    let id = match msg.id.as_ref().map(|i| i.0.as_ref()) {
        Some(id) => id,
        None => {
            let Locator::Record(n) = loc else {
                return Err(("missing id", String::new()));
            };
            index_id = format!("#{n}");
            notes.push((
                "missing message id",
                "messages are keyed by their place in the file".into(),
            ));
            index_id.as_str()
        }
    };
    let (time, basis) = match (&msg.date_unixtime, &msg.date) {
        (Some(t), _) => (
            skydas_model::time::parse_epoch(&t.0)
                .ok_or_else(|| ("bad date_unixtime", t.0.to_string()))?,
            TimeBasis::Exact,
        ),
        (None, Some(d)) => {
            // Older exports: `date` is the exporting machine's local time, without an offset.
            let p =
                skydas_model::time::parse_lenient(d).ok_or_else(|| ("bad date", d.to_string()))?;
            let r = p.resolve(ctx.options.tz.as_ref());
            if let Some(n) = r.note {
                notes.push(("local time", format!("no date_unixtime: {n}")));
            }
            (r.utc, r.basis)
        }
        (None, None) => return Err(("missing date", String::new())),
    };
    let actor = if chat.is_channel() {
        Actor {
            platform_id: chat_id.to_string(),
            name: chat.name.clone(),
            kind: ActorKind::Channel,
            ..Actor::default()
        }
    } else if let Some(from_id) = &msg.from_id {
        let (pid, is_channel) = split_peer(&from_id.0);
        Actor {
            platform_id: pid.to_string(),
            name: msg.from.as_deref().map(str::to_string),
            kind: if is_channel {
                ActorKind::Channel
            } else {
                ActorKind::Account
            },
            ..Actor::default()
        }
    } else if let Some(from) = msg.from.as_deref().filter(|f| !f.is_empty()) {
        // A trimmed export names the sender only.
        Actor {
            platform_id: format!("name:{from}"),
            name: Some(from.to_string()),
            kind: ActorKind::Account,
            ..Actor::default()
        }
    } else {
        Actor {
            platform_id: chat_id.to_string(),
            name: chat.name.clone(),
            kind: ActorKind::Group,
            ..Actor::default()
        }
    };

    let mut text = String::new();
    let mut item_entities: Vec<&Entity<'_>> = Vec::new();
    if let Some(Text(parts)) = &msg.text {
        for p in parts {
            match p {
                Part::Plain(s) => text.push_str(s),
                Part::Entity(e) => {
                    if let Some(t) = &e.text {
                        text.push_str(t);
                    }
                    item_entities.push(e);
                }
            }
        }
    }
    // Newer exports repeat the entities in `text_entities`; older ones only have `text`. Use
    // one source so nothing is counted twice.
    if let Some(te) = &msg.text_entities {
        item_entities = te.iter().collect();
        if msg.text.is_none() {
            text = te.iter().filter_map(|e| e.text.as_deref()).collect();
        }
    }
    if text.contains(MEDIA_PLACEHOLDER) {
        text = text.replace(MEDIA_PLACEHOLDER, "");
    }

    let mut item = Item::new(
        Platform::Telegram,
        format!("{chat_id}/{id}"),
        actor,
        time,
        text,
        provenance(ctx, &Telegram, loc),
    );
    item.time_basis = basis;
    for e in item_entities {
        let t = e.text.as_deref().unwrap_or("");
        match e.kind.as_deref() {
            Some("link") if !t.is_empty() => {
                item.urls.push(ItemUrl {
                    raw: t.to_string(),
                    source: UrlSource::Entity,
                    ..ItemUrl::default()
                });
            }
            Some("text_link") => {
                if let Some(href) = e.href.as_deref().filter(|h| !h.is_empty()) {
                    item.urls.push(ItemUrl {
                        raw: href.to_string(),
                        source: UrlSource::TextLink,
                        ..ItemUrl::default()
                    });
                }
            }
            Some("hashtag") => {
                let tag = t.trim_start_matches('#');
                if !tag.is_empty() {
                    item.hashtags.push(tag.to_string());
                }
            }
            Some("mention") => {
                let m = t.trim_start_matches('@');
                if !m.is_empty() {
                    item.mentions.push(m.to_string());
                }
            }
            _ => {}
        }
    }
    let fwd = match (&msg.forwarded_from_id, &msg.forwarded_from) {
        (Some(fid), _) => Some(format!("from:{}", fid.0)),
        (None, Some(name)) => Some(format!("from:name:{name}")),
        (None, None) => None,
    };
    if let Some(r) = &msg.reply_to_message_id {
        item.reply_to = Some(format!("{chat_id}/{}", r.0));
        item.kind = ItemKind::Reply;
    }
    if let Some(f) = fwd {
        item.repost_of = Some(f);
        item.kind = ItemKind::Forward;
    }
    if let Some(photo) = msg.photo.as_deref() {
        photo_hash(&mut item, photo, ctx, &mut notes);
    }
    Ok(Some((item, notes)))
}

/// The perceptual hash of a message's photo, from the file beside the export (`photos/…`);
/// a photo that was not exported, or cannot be read, is said once per chat.
fn photo_hash(item: &mut Item, photo: &str, ctx: &FileContext<'_>, notes: &mut Notes) {
    if !ctx.options.image_hashes || photo.starts_with('(') {
        return;
    }
    let rel = Path::new(photo);
    if rel.is_absolute() || rel.components().any(|c| matches!(c, Component::ParentDir)) {
        notes.push((
            "photo outside the export",
            photo.chars().take(120).collect(),
        ));
        return;
    }
    let path = ctx.path.parent().unwrap_or(Path::new("")).join(rel);
    match crate::photo::dhash_file(&path) {
        Ok(h) => item.images.push(h),
        Err(e) => notes.push(("photo not hashed", format!("{photo}: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::generic::testutil::{bare_context, said};
    use super::*;
    use crate::ImportOptions;

    fn run(json: &str) -> (Vec<Item>, Vec<String>, Option<String>) {
        let opts = ImportOptions::default();
        let ctx = bare_context(Path::new("r.json"), &opts);
        let (items, errs, res) = said(&Telegram, json.as_bytes(), &ctx);
        (items, errs, res.err().map(|e| e.to_string()))
    }

    #[test]
    fn photos_are_hashed_from_the_export_folder_and_unreadable_ones_said_once() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/telegram");
        let json = chat(
            "public_channel",
            r#"{"id":1,"type":"message","date_unixtime":"1700000000","text":"a","photo":"photos/photo_1.jpg"},
               {"id":2,"type":"message","date_unixtime":"1700000001","text":"b","photo":"photos/photo_1_small_q40.jpg"},
               {"id":3,"type":"message","date_unixtime":"1700000002","text":"c","photo":"photos/missing.jpg"},
               {"id":4,"type":"message","date_unixtime":"1700000003","text":"d","photo":"photos/missing2.jpg"},
               {"id":5,"type":"message","date_unixtime":"1700000004","text":"e","photo":"../../../Cargo.toml"},
               {"id":6,"type":"message","date_unixtime":"1700000005","text":"f","photo":"(File not included. Change data exporting settings to download.)"}"#,
        );
        let opts = ImportOptions::default();
        let path = dir.join("result.json");
        let ctx = bare_context(&path, &opts);
        let (mut items, mut warns) = (Vec::new(), Vec::new());
        Telegram
            .import(&mut json.as_bytes(), &ctx, &mut |ev| match ev {
                Event::Item(i) => items.push(*i),
                Event::Warning(w) => warns.push(w.reason.clone()),
                Event::Error(e) => panic!("{e}"),
            })
            .unwrap();
        assert_eq!(items.len(), 6, "a photo never costs its message");
        let bits = |i: usize| {
            u64::from_str_radix(items[i].images[0].strip_prefix("dhash:").unwrap(), 16).unwrap()
        };
        assert!((bits(0) ^ bits(1)).count_ones() <= 6);
        assert!(items[2..].iter().all(|i| i.images.is_empty()));
        assert_eq!(warns, ["photo not hashed", "photo outside the export"]);
        let off = ImportOptions {
            image_hashes: false,
            ..ImportOptions::default()
        };
        let ctx = FileContext {
            options: &off,
            ..ctx
        };
        let mut n = 0;
        Telegram
            .import(&mut json.as_bytes(), &ctx, &mut |ev| {
                if let Event::Item(i) = ev {
                    n += i.images.len();
                }
            })
            .unwrap();
        assert_eq!(n, 0);
    }

    fn chat(kind: &str, messages: &str) -> String {
        format!(r#"{{"name":"Chan","type":"{kind}","id":77,"messages":[{messages}]}}"#)
    }

    #[test]
    fn text_arrays_flatten_and_yield_entities() {
        let m = r##"{"id":1,"type":"message","date":"2024-02-24T08:00:00","date_unixtime":"1708754400",
            "from":"Chan","from_id":"channel77",
            "text":["Read ",{"type":"link","text":"https://a.lt/x"}," and ",{"type":"text_link","text":"this","href":"https://b.lv/y"},
                    " ",{"type":"hashtag","text":"#Tag"}," ",{"type":"mention","text":"@who"},{"type":"bold","text":"!"}],
            "photo":"(File not included. Change data exporting settings to download.)"}"##;
        let (items, errs, fatal) = run(&chat("public_channel", m));
        assert_eq!((errs.len(), fatal), (0, None));
        let it = &items[0];
        assert_eq!(it.platform_id, "77/1");
        assert_eq!(it.time, 1_708_754_400);
        assert_eq!(it.text, "Read https://a.lt/x and this #Tag @who!");
        let urls: Vec<(&str, UrlSource)> =
            it.urls.iter().map(|u| (u.raw.as_str(), u.source)).collect();
        assert_eq!(
            urls,
            vec![
                ("https://a.lt/x", UrlSource::Entity),
                ("https://b.lv/y", UrlSource::TextLink)
            ]
        );
        assert_eq!(it.hashtags, vec!["Tag"]);
        assert_eq!(it.mentions, vec!["who"]);
        assert_eq!(
            (it.actor.platform_id.as_str(), it.actor.kind),
            ("77", ActorKind::Channel)
        );
        assert_eq!(it.provenance.locator, Locator::Record(0));
    }

    #[test]
    fn kinds_and_actors_follow_the_chat() {
        let msgs = r#"{"id":1,"type":"service","date_unixtime":"1","action":"pin_message"},
            {"id":2,"type":"message","date_unixtime":"10","from":"Ann","from_id":"user5","text":"hi","reply_to_message_id":1},
            {"id":3,"type":"message","date_unixtime":"11","from":"Ann","from_id":"user5","text":"","forwarded_from":"Src"},
            {"id":4,"type":"message","date_unixtime":"12","from":"Ch","from_id":"channel9","text":"x","forwarded_from":"Src","forwarded_from_id":"channel3"},
            {"id":5,"type":"message","date":"2024-02-24T06:00:00","text":"no sender"}"#;
        let (items, errs, fatal) = run(&chat("private_supergroup", msgs));
        assert_eq!(fatal, None);
        // The one message with only a local `date` is read as UTC and said so, once.
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].starts_with("warning: ") && errs[0].contains("local time"),
            "{errs:?}"
        );
        assert_eq!(items[3].time_basis, TimeBasis::LocalUtc);
        // id kind actor actor-kind repost_of reply_to
        let got: Vec<String> = items
            .iter()
            .map(|i| {
                format!(
                    "{} {} {} {} {} {}",
                    i.platform_id,
                    i.kind.as_str(),
                    i.actor.platform_id,
                    i.actor.kind.as_str(),
                    i.repost_of.as_deref().unwrap_or("-"),
                    i.reply_to.as_deref().unwrap_or("-"),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                "77/2 reply 5 account - 77/1",
                "77/3 forward 5 account from:name:Src -",
                "77/4 forward 9 channel from:channel3 -",
                "77/5 post 77 group - -",
            ]
        );
        assert_eq!(
            items[3].time, 1_708_754_400,
            "`date` is read as UTC only as a fallback"
        );
        assert_eq!(
            items[0].provenance.locator,
            Locator::Record(1),
            "service messages keep their index"
        );
    }

    #[test]
    fn bad_messages_are_record_errors_beside_good_ones() {
        let msgs = r#"{"id":1,"type":"message","date_unixtime":"10","text":"ok"},
            {"id":2,"type":"message","date_unixtime":"10","text":5},
            {"id":3,"type":"message","text":"no date"},
            "not an object",
            {"id":4,"type":"message","date_unixtime":"nope","text":"x"},
            {"id":5,"type":"message","date_unixtime":"11","text":"ok"}"#;
        let (items, errs, fatal) = run(&chat("public_channel", msgs));
        assert_eq!(fatal, None);
        assert_eq!(items.len(), 2);
        let reasons: Vec<&str> = errs
            .iter()
            .map(|e| e.split(": ").nth(1).unwrap_or(""))
            .collect();
        assert_eq!(
            reasons,
            vec![
                "malformed message",
                "missing date",
                "malformed message",
                "bad date_unixtime"
            ]
        );
        assert!(errs[0].starts_with("r.json:#1: "), "{}", errs[0]);
    }

    #[test]
    fn a_truncated_file_keeps_what_was_read() {
        let full = chat(
            "public_channel",
            "{\"id\":1,\"type\":\"message\",\"date_unixtime\":\"10\",\"text\":\"a\"},\n{\"id\":2,\"type\":\"message\",\"date_unixtime\":\"10\",\"text\":\"b\"}",
        );
        let cut = &full[..full.len() - 20];
        let (items, _, fatal) = run(cut);
        assert_eq!(items.len(), 1);
        let fatal = fatal.expect("a truncated file is fatal");
        assert!(
            fatal.starts_with("r.json:2: truncated json at column"),
            "{fatal}"
        );
    }

    #[test]
    fn sniffs_exports_only() {
        for (head, want) in [
            (
                r#"{"name":"a","type":"public_channel","id":1,"messages":[{"id":1,"date_unixtime":"1"}"#,
                Confidence::Certain,
            ),
            (
                r#"{"about":"x","personal_information":{},"chats":{"about":"y","list":[]}}"#,
                Confidence::Certain,
            ),
            (
                r#"{"name":"a","messages":[{"id":1,"from_id":"user1"}"#,
                Confidence::Likely,
            ),
            (r#"{"data":[{"id":"1","author_id":"2"}]}"#, Confidence::No),
            (r#"[{"messages":1,"date_unixtime":2}]"#, Confidence::No),
        ] {
            assert_eq!(sniff(head.as_bytes()), want, "{head}");
        }
    }

    #[test]
    fn a_trimmed_export_imports_with_what_it_has_and_says_what_is_missing() {
        // No chat id, no message ids, no date_unixtime (chat-miner's fixtures are like this).
        let doc = r#"{"name":"Club","type":"private_group","messages":[
            {"type":"message","date":"2024-02-24T08:00:00","from":"Author 1","text":"one"},
            {"type":"message","date":"2024-02-24T08:01:00","from":"Author 2","text":[{"type":"link","text":"https://telegram.org/"}]}]}"#;
        let (items, errs, fatal) = run(doc);
        assert_eq!(fatal, None);
        let ids: Vec<&str> = items.iter().map(|i| i.platform_id.as_str()).collect();
        assert_eq!(ids, ["name:Club/#0", "name:Club/#1"]);
        assert_eq!(items[0].actor.platform_id, "name:Author 1");
        let said: Vec<&str> = errs
            .iter()
            .map(|e| e.split(": ").nth(2).unwrap_or(""))
            .collect();
        assert_eq!(
            said,
            ["missing chat id", "missing message id", "local time"],
            "{errs:?}"
        );
        // `--tz` converts the local times.
        let opts = ImportOptions {
            tz: Some(skydas_model::zone::Tz::parse("Europe/Vilnius").unwrap()),
            ..ImportOptions::default()
        };
        let ctx = bare_context(Path::new("t.json"), &opts);
        let mut times = Vec::new();
        Telegram
            .import(&mut doc.as_bytes(), &ctx, &mut |ev| {
                if let Event::Item(i) = ev {
                    times.push(skydas_model::time::format_rfc3339(i.time));
                }
            })
            .unwrap();
        assert_eq!(times, ["2024-02-24T06:00:00Z", "2024-02-24T06:01:00Z"]);
    }
}
