//! Items (posts, messages, articles, reposts), actors, URLs and provenance.

use serde::{Deserialize, Serialize};

/// Where an item was published. The string forms are part of the JSON contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    X,
    Telegram,
    /// Websites, portals and news sites seen through RSS/Atom feeds.
    Web,
    Facebook,
    Instagram,
    Reddit,
    Tiktok,
    Youtube,
    Vk,
    Other,
}

impl Platform {
    pub const ALL: [Platform; 10] = [
        Platform::X,
        Platform::Telegram,
        Platform::Web,
        Platform::Facebook,
        Platform::Instagram,
        Platform::Reddit,
        Platform::Tiktok,
        Platform::Youtube,
        Platform::Vk,
        Platform::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::X => "x",
            Platform::Telegram => "telegram",
            Platform::Web => "web",
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::Reddit => "reddit",
            Platform::Tiktok => "tiktok",
            Platform::Youtube => "youtube",
            Platform::Vk => "vk",
            Platform::Other => "other",
        }
    }

    /// Parses the string form, also accepting common aliases (`twitter`, `rss`, `atom`, `tg`).
    pub fn parse(s: &str) -> Option<Platform> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "x" | "twitter" | "tw" | "tweet" | "tweets" => Platform::X,
            "telegram" | "tg" => Platform::Telegram,
            "web" | "rss" | "atom" | "news" | "site" => Platform::Web,
            "facebook" | "fb" => Platform::Facebook,
            "instagram" | "ig" => Platform::Instagram,
            "reddit" => Platform::Reddit,
            "tiktok" => Platform::Tiktok,
            "youtube" | "yt" => Platform::Youtube,
            "vk" | "vkontakte" => Platform::Vk,
            "other" => Platform::Other,
            _ => return None,
        })
    }

    /// The post's own address on its platform, for citing it: `https://x.com/<user>/status/<id>`
    /// (`i` for the user when the handle is unknown), `https://t.me/<channel>/<message>` (or
    /// `t.me/c/<channel id>/<message>`, which opens for members). `None` where the platform has
    /// no such address or the id is not of its form; a feed entry's link is its own URL.
    pub fn post_url(self, item_id: &str, handle: Option<&str>) -> Option<String> {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let handle = handle
            .map(|h| h.trim_start_matches('@'))
            .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        match self {
            Platform::X if digits(item_id) => Some(format!(
                "https://x.com/{}/status/{item_id}",
                handle.unwrap_or("i")
            )),
            Platform::Telegram => {
                let (channel, msg) = item_id.rsplit_once('/')?;
                if !digits(msg) {
                    return None;
                }
                match handle {
                    Some(h) => Some(format!("https://t.me/{h}/{msg}")),
                    None if digits(channel) => Some(format!("https://t.me/c/{channel}/{msg}")),
                    None => None,
                }
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of act an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    #[default]
    Post,
    /// A retweet or share without own text.
    Repost,
    /// A Telegram forward.
    Forward,
    Reply,
    Quote,
    /// A web article from a feed.
    Article,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Post => "post",
            ItemKind::Repost => "repost",
            ItemKind::Forward => "forward",
            ItemKind::Reply => "reply",
            ItemKind::Quote => "quote",
            ItemKind::Article => "article",
        }
    }

    pub fn parse(s: &str) -> Option<ItemKind> {
        Some(match s {
            "post" => ItemKind::Post,
            "repost" => ItemKind::Repost,
            "forward" => ItemKind::Forward,
            "reply" => ItemKind::Reply,
            "quote" => ItemKind::Quote,
            "article" => ItemKind::Article,
            _ => return None,
        })
    }
}

/// What kind of actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    #[default]
    Account,
    Channel,
    Group,
    Site,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Account => "account",
            ActorKind::Channel => "channel",
            ActorKind::Group => "group",
            ActorKind::Site => "site",
        }
    }

    pub fn parse(s: &str) -> Option<ActorKind> {
        Some(match s {
            "account" => ActorKind::Account,
            "channel" => ActorKind::Channel,
            "group" => ActorKind::Group,
            "site" => ActorKind::Site,
            _ => return None,
        })
    }
}

/// An account, a channel or a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Actor {
    /// The platform's own id: the X author id, the Telegram channel or user id, the feed's site.
    pub platform_id: String,
    pub handle: Option<String>,
    pub name: Option<String>,
    pub kind: ActorKind,
    /// Account creation time, Unix seconds UTC, when the source says.
    pub created_at: Option<i64>,
    pub followers: Option<u64>,
}

impl Actor {
    /// Fills in what this record of the actor lacks from a later one, never overwriting: the
    /// first record that knows a field keeps it.
    pub fn fill_in(&mut self, from: &Actor) {
        if self.handle.is_none() {
            self.handle.clone_from(&from.handle);
        }
        if self.name.is_none() {
            self.name.clone_from(&from.name);
        }
        if self.created_at.is_none() {
            self.created_at = from.created_at;
        }
        if self.followers.is_none() {
            self.followers = from.followers;
        }
    }
}

/// Where in an item a URL was found. Kept so that redirector → target chains stay explainable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UrlSource {
    /// A platform entity (`entities.urls[]`, a Telegram `link` entity).
    #[default]
    Entity,
    /// A Telegram `text_link` entity: the href behind display text.
    TextLink,
    /// Found in the plain text by the normaliser.
    Text,
    /// A link preview / card / web page attachment.
    Preview,
    /// The article link of a feed entry.
    Link,
    /// Another field of the record (a CSV column, a media URL).
    Field,
    /// Only a domain is known (a domain column, a link preview's site): `raw` is the host, and
    /// `canonical` its front page. It counts for the domain, never as a link to that page.
    Domain,
}

impl UrlSource {
    pub fn as_str(self) -> &'static str {
        match self {
            UrlSource::Entity => "entity",
            UrlSource::TextLink => "text_link",
            UrlSource::Text => "text",
            UrlSource::Preview => "preview",
            UrlSource::Link => "link",
            UrlSource::Field => "field",
            UrlSource::Domain => "domain",
        }
    }

    pub fn parse(s: &str) -> Option<UrlSource> {
        Some(match s {
            "entity" => UrlSource::Entity,
            "text_link" => UrlSource::TextLink,
            "text" => UrlSource::Text,
            "preview" => UrlSource::Preview,
            "link" => UrlSource::Link,
            "field" => UrlSource::Field,
            "domain" => UrlSource::Domain,
            _ => return None,
        })
    }
}

/// One URL of an item. Importers fill `raw` (and `expanded` when the source has it); the
/// normaliser fills `canonical`, `host` and `domain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ItemUrl {
    /// The URL as it appears in the source (a t.co link, say).
    pub raw: String,
    /// The expanded target when the source gives one (`expanded_url`, `unwound_url`).
    pub expanded: Option<String>,
    /// Redirect hops between `raw` and `expanded`, in order (X's `expanded_url` when the API
    /// also unwound it further): kept so that a redirector is seen, not only where it led.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hops: Vec<String>,
    pub source: UrlSource,
    /// Canonical form of `expanded` (or of `raw`): lowercase host, punycode, no tracking
    /// parameters, no fragment. Empty until normalised, and empty when the URL is unparseable.
    pub canonical: String,
    /// Host of the canonical URL in Unicode form (IDN decoded).
    pub host: String,
    /// Registrable domain (eTLD+1 by the Public Suffix List, private suffixes included), ASCII.
    pub domain: String,
}

/// Where a parsed record came from inside its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Locator {
    /// 1-based line number (JSONL, CSV records start lines).
    Line(u64),
    /// Byte offset from the start of the (decompressed) file.
    Offset(u64),
    /// 0-based index of a record inside a single JSON document (e.g. `messages[i]`).
    Record(u64),
}

impl std::fmt::Display for Locator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Locator::Line(n) => write!(f, "{n}"),
            Locator::Offset(n) => write!(f, "@{n}"),
            Locator::Record(n) => write!(f, "#{n}"),
        }
    }
}

/// Provenance of one record: which original file, which importer, where in the file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Provenance {
    /// SHA-256 of the original file, lowercase hex.
    pub file_sha256: String,
    /// Importer name, e.g. `x-v2`.
    pub importer: String,
    pub importer_version: u32,
    pub locator: Locator,
}

/// How an item's time was known. Anything but `Exact` is flagged in the import report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TimeBasis {
    /// The source gave the instant (an offset, an unambiguous zone, epoch seconds).
    #[default]
    Exact,
    /// A local time without an offset, converted with the user's `--tz`.
    LocalTz,
    /// A local time without an offset and no `--tz`: read as UTC.
    LocalUtc,
    /// An ambiguous zone abbreviation read in its commonest meaning.
    AmbiguousZone,
    /// The entry had no date: the feed's (or channel's) date.
    FeedDate,
    /// Neither the entry nor the feed had a date: the file's modification time.
    FileTime,
}

impl TimeBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeBasis::Exact => "exact",
            TimeBasis::LocalTz => "local_tz",
            TimeBasis::LocalUtc => "local_utc",
            TimeBasis::AmbiguousZone => "ambiguous_zone",
            TimeBasis::FeedDate => "feed_date",
            TimeBasis::FileTime => "file_time",
        }
    }

    pub fn parse(s: &str) -> Option<TimeBasis> {
        Some(match s {
            "exact" => TimeBasis::Exact,
            "local_tz" => TimeBasis::LocalTz,
            "local_utc" => TimeBasis::LocalUtc,
            "ambiguous_zone" => TimeBasis::AmbiguousZone,
            "feed_date" => TimeBasis::FeedDate,
            "file_time" => TimeBasis::FileTime,
            _ => return None,
        })
    }

    fn is_exact(&self) -> bool {
        *self == TimeBasis::Exact
    }
}

/// One post, message, article or repost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub platform: Platform,
    /// The platform's own id of the item, unique per platform. Telegram messages use
    /// `{chat_id}/{message_id}` because message ids are per chat.
    pub platform_id: String,
    pub kind: ItemKind,
    pub actor: Actor,
    /// Publication time, Unix seconds UTC.
    pub time: i64,
    /// How the time was known.
    #[serde(default, skip_serializing_if = "TimeBasis::is_exact")]
    pub time_basis: TimeBasis,
    /// Display text as the source has it (entities flattened to their text).
    pub text: String,
    /// The byline of an article (a feed entry's author), when the source names one; the actor
    /// stays the site that published it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Perceptual hashes of the item's images (hex), when the source has them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    pub urls: Vec<ItemUrl>,
    /// Hashtags without `#`, lowercased by the normaliser.
    pub hashtags: Vec<String>,
    /// Mentions without `@`, lowercased by the normaliser.
    pub mentions: Vec<String>,
    /// The item this one reposts/forwards. For X: the original tweet id. For Telegram forwards,
    /// whose exports do not name the original message: `from:{forwarded_from_id or name}`.
    pub repost_of: Option<String>,
    pub reply_to: Option<String>,
    pub quote_of: Option<String>,
    /// Language code the platform declared, if any (`lang` on X); a hint, not the answer.
    pub lang_hint: Option<String>,
    /// ISO 639-1 code from language ID, or `und`. Filled by the normaliser.
    pub lang: String,
    /// Language ID confidence in 0..=1. Filled by the normaliser.
    pub lang_conf: f32,
    /// Matching text: NFKC, case folded, confusables folded, for comparisons only. Filled by the
    /// normaliser; never shown to users.
    pub match_text: String,
    pub provenance: Provenance,
}

impl Item {
    /// A new item with empty derived fields, as importers build them.
    pub fn new(
        platform: Platform,
        platform_id: impl Into<String>,
        actor: Actor,
        time: i64,
        text: impl Into<String>,
        provenance: Provenance,
    ) -> Item {
        Item {
            platform,
            platform_id: platform_id.into(),
            kind: ItemKind::Post,
            actor,
            time,
            time_basis: TimeBasis::Exact,
            text: text.into(),
            author: None,
            images: Vec::new(),
            urls: Vec::new(),
            hashtags: Vec::new(),
            mentions: Vec::new(),
            repost_of: None,
            reply_to: None,
            quote_of: None,
            lang_hint: None,
            lang: String::new(),
            lang_conf: 0.0,
            match_text: String::new(),
            provenance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Platform;

    #[test]
    fn post_urls_cite_the_original_where_the_platform_has_one() {
        let check = |p: Platform, id: &str, handle: Option<&str>, want: Option<&str>| {
            assert_eq!(
                p.post_url(id, handle).as_deref(),
                want,
                "{p} {id} {handle:?}"
            );
        };
        check(
            Platform::X,
            "1759916414229021470",
            Some("@balt_news"),
            Some("https://x.com/balt_news/status/1759916414229021470"),
        );
        check(
            Platform::X,
            "1759916414229021470",
            None,
            Some("https://x.com/i/status/1759916414229021470"),
        );
        check(Platform::X, "x:17", Some("a"), None);
        check(
            Platform::Telegram,
            "2020376481/4818",
            Some("nasha_news"),
            Some("https://t.me/nasha_news/4818"),
        );
        check(
            Platform::Telegram,
            "2020376481/4818",
            None,
            Some("https://t.me/c/2020376481/4818"),
        );
        check(Platform::Telegram, "from:abc/12", None, None);
        check(Platform::Telegram, "2020376481/x", Some("a"), None);
        // A handle that would not make a path of its own is not used.
        check(
            Platform::X,
            "17",
            Some("a/b"),
            Some("https://x.com/i/status/17"),
        );
        check(Platform::Web, "https://lrt.lt/a", None, None);
    }
}
