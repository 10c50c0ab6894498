//! How values are stored, the same in every backend, and read back: item lists (URLs as
//! compact JSON rows `[raw, expanded, source, canonical, host, domain]`, with the redirect hops
//! as a list before the domain when there are any; hashtags and mentions
//! as JSON string lists; browse queries of both backends rely on this form, the domain being a
//! row's last field), locators, provenance, actors, items, findings and reviews from their
//! columns, and the clamps between unsigned counts and signed database integers. Each backend
//! only reads its driver's columns into these.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use skydas_model::{
    Actor, ActorKind, Finding, Item, ItemKind, ItemUrl, Locator, Platform, Provenance, TimeBasis,
    Tlp, UrlSource,
};

use crate::{Result, Review, ReviewStatus, StoreError};

/// The SQL rank of a TLP column or parameter (clear 0 … red 4), the same in both backends, so
/// that a review's marking is kept at or above its finding's floor in one statement.
pub fn tlp_rank_sql(expr: &str) -> String {
    format!(
        "(CASE {expr} WHEN 'clear' THEN 0 WHEN 'green' THEN 1 WHEN 'amber' THEN 2 \
         WHEN 'amber+strict' THEN 3 ELSE 4 END)"
    )
}

/// The SQL of a marking `new` kept at or above the row's `tlp_floor`.
pub fn tlp_at_least_floor_sql(new: &str) -> String {
    format!(
        "CASE WHEN tlp_floor IS NOT NULL AND {} < {} THEN tlp_floor ELSE {new} END",
        tlp_rank_sql(new),
        tlp_rank_sql("tlp_floor")
    )
}

/// A finding's marking floor as stored.
pub fn tlp_floor(f: &Finding) -> Option<&'static str> {
    f.tlp.map(Tlp::as_str)
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A count or size as a signed database integer. Values beyond `i64::MAX` do not occur;
/// clamping keeps hostile input from failing a batch.
pub fn clamp_u64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A length or limit as a signed database integer (clamped like [`clamp_u64`]).
pub fn clamp_usize(v: usize) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A count read back: database integers are signed and counts are never negative.
pub fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// A locator as stored: `(loc_kind, loc)`, kind 0 a line, 1 a byte offset, 2 a record.
pub fn locator_to_db(l: Locator) -> (i16, i64) {
    match l {
        Locator::Line(n) => (0, clamp_u64(n)),
        Locator::Offset(n) => (1, clamp_u64(n)),
        Locator::Record(n) => (2, clamp_u64(n)),
    }
}

/// A locator read back from `(loc_kind, loc)`.
pub fn locator_from_db(kind: i64, n: i64) -> Result<Locator> {
    let n = u64::try_from(n).map_err(|_| StoreError::corrupt("locator", n))?;
    Ok(match kind {
        0 => Locator::Line(n),
        1 => Locator::Offset(n),
        2 => Locator::Record(n),
        _ => return Err(StoreError::corrupt("locator kind", kind)),
    })
}

/// A provenance read back from its columns: sha256, importer, importer_version, loc_kind, loc.
pub fn provenance_from_db(
    file_sha256: String,
    importer: String,
    importer_version: u32,
    loc_kind: i64,
    loc: i64,
) -> Result<Provenance> {
    Ok(Provenance {
        file_sha256,
        importer,
        importer_version,
        locator: locator_from_db(loc_kind, loc)?,
    })
}

/// The provenance of an item read without one (the corpus needs none).
pub fn placeholder_provenance() -> Provenance {
    Provenance {
        file_sha256: String::new(),
        importer: String::new(),
        importer_version: 0,
        locator: Locator::Record(0),
    }
}

/// An empty item to fill with [`fill_item`], reusing its allocations row after row.
pub fn empty_item() -> Item {
    Item::new(
        Platform::Other,
        "",
        Actor::default(),
        0,
        "",
        placeholder_provenance(),
    )
}

/// A platform read back.
pub fn platform_from_db(s: &str) -> Result<Platform> {
    Platform::parse(s).ok_or_else(|| StoreError::corrupt("platform", s))
}

/// An actor read back from its columns: platform_id, handle, name, kind, created_at,
/// followers.
pub fn actor_from_db(
    platform_id: String,
    handle: Option<String>,
    name: Option<String>,
    kind: &str,
    created_at: Option<i64>,
    followers: Option<i64>,
) -> Result<Actor> {
    Ok(Actor {
        platform_id,
        handle,
        name,
        kind: ActorKind::parse(kind).ok_or_else(|| StoreError::corrupt("actor kind", kind))?,
        created_at,
        followers: followers.map(count),
    })
}

/// The columns of an items row, borrowed from the driver's row.
#[derive(Debug, Clone, Copy)]
pub struct ItemCols<'a> {
    pub platform: &'a str,
    pub platform_id: &'a str,
    /// The store's own actor id, a key of the actors map [`fill_item`] takes.
    pub actor_id: i64,
    pub kind: &'a str,
    pub time: i64,
    pub text: &'a str,
    pub match_text: &'a str,
    pub lang: &'a str,
    pub lang_conf: f32,
    pub lang_hint: Option<&'a str>,
    pub repost_of: Option<&'a str>,
    pub reply_to: Option<&'a str>,
    pub quote_of: Option<&'a str>,
    pub urls: Option<&'a str>,
    pub hashtags: Option<&'a str>,
    pub mentions: Option<&'a str>,
    /// The item's [`meta_to_json`] object, `None` when it had none.
    pub meta: Option<&'a str>,
}

/// The fields of an item that most items leave at their defaults, kept as one JSON object.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Meta {
    #[serde(default, skip_serializing_if = "is_exact")]
    time_basis: TimeBasis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    images: Vec<String>,
}

fn is_exact(b: &TimeBasis) -> bool {
    *b == TimeBasis::Exact
}

/// An item's time basis, byline and image hashes as stored: `None` when all are defaults.
pub fn meta_to_json(item: &Item) -> Result<Option<String>> {
    if item.time_basis == TimeBasis::Exact && item.author.is_none() && item.images.is_empty() {
        return Ok(None);
    }
    let m = Meta {
        time_basis: item.time_basis,
        author: item.author.clone(),
        images: item.images.clone(),
    };
    serde_json::to_string(&m)
        .map(Some)
        .map_err(|e| StoreError::InvalidInput {
            what: "item meta",
            value: e.to_string(),
        })
}

fn meta_from_json(s: Option<&str>, item: &mut Item) -> Result<()> {
    let m: Meta = match s {
        Some(s) => serde_json::from_str(s).map_err(|_| StoreError::corrupt("item meta", s))?,
        None => Meta::default(),
    };
    item.time_basis = m.time_basis;
    item.author = m.author;
    item.images = m.images;
    Ok(())
}

/// Fills `item` (reusing its allocations) from an items row; its actor is `actors[actor_id]`.
/// The provenance is left as it was.
pub fn fill_item(item: &mut Item, c: &ItemCols<'_>, actors: &HashMap<i64, Actor>) -> Result<()> {
    item.platform = platform_from_db(c.platform)?;
    set_str(&mut item.platform_id, c.platform_id);
    let actor = actors
        .get(&c.actor_id)
        .ok_or_else(|| StoreError::corrupt("actor id", c.actor_id))?;
    item.actor.clone_from(actor);
    item.kind = ItemKind::parse(c.kind).ok_or_else(|| StoreError::corrupt("item kind", c.kind))?;
    item.time = c.time;
    set_str(&mut item.text, c.text);
    set_str(&mut item.match_text, c.match_text);
    set_str(&mut item.lang, c.lang);
    item.lang_conf = c.lang_conf;
    set_opt(&mut item.lang_hint, c.lang_hint);
    set_opt(&mut item.repost_of, c.repost_of);
    set_opt(&mut item.reply_to, c.reply_to);
    set_opt(&mut item.quote_of, c.quote_of);
    match c.urls {
        Some(s) => urls_from_json(s, &mut item.urls)?,
        None => item.urls.clear(),
    }
    list_from_json(c.hashtags, &mut item.hashtags)?;
    list_from_json(c.mentions, &mut item.mentions)?;
    meta_from_json(c.meta, item)
}

/// A language confidence as stored: one that is not a number is no confidence.
pub fn finite_or_zero(v: f32) -> f32 {
    if v.is_finite() { v } else { 0.0 }
}

/// A finding as stored: its JSON body. Refuses a score that is not a finite number (it would
/// not sort).
pub fn finding_to_json(f: &Finding) -> Result<String> {
    if !f.score.is_finite() {
        return Err(StoreError::InvalidInput {
            what: "finding score",
            value: format!("{} in {}", f.score, f.id),
        });
    }
    serde_json::to_string(f).map_err(|e| StoreError::InvalidInput {
        what: "finding",
        value: format!("{}: {e}", f.id),
    })
}

/// A finding read back from its JSON body.
pub fn finding_from_json(body: &str) -> Result<Finding> {
    serde_json::from_str(body).map_err(|e| StoreError::corrupt("finding", e))
}

/// A review read back from its columns: status, note, tlp.
pub fn review_from_db(status: &str, note: String, tlp: &str) -> Result<Review> {
    Ok(Review {
        status: ReviewStatus::parse(status)
            .ok_or_else(|| StoreError::corrupt("review status", status))?,
        note,
        tlp: Tlp::parse(tlp).ok_or_else(|| StoreError::corrupt("tlp", tlp))?,
    })
}

/// What a stored `urls` column contains when one of its URLs is on `domain`: the domain is the
/// last field of each URL row, `…,"domain"]`, and its JSON encoding makes the match exact.
pub fn domain_needle(domain: &str) -> Result<String> {
    let quoted = serde_json::to_string(domain).map_err(|e| StoreError::corrupt("domain", e))?;
    Ok(format!("{quoted}]"))
}

/// A URL row in the `urls` JSON column: `[raw, expanded, source, canonical, host, domain]`,
/// with `canonical` null when it equals the expanded (or raw) URL, the common case, and the
/// redirect hops (when there are any) as a list before the domain, which stays last.
#[derive(Serialize)]
#[serde(untagged)]
enum UrlRow<'a> {
    Plain(
        &'a str,
        Option<&'a str>,
        &'a str,
        Option<&'a str>,
        &'a str,
        &'a str,
    ),
    Hops(
        &'a str,
        Option<&'a str>,
        &'a str,
        Option<&'a str>,
        &'a str,
        &'a [String],
        &'a str,
    ),
}

pub fn urls_to_json(urls: &[ItemUrl]) -> Result<Option<String>> {
    if urls.is_empty() {
        return Ok(None);
    }
    let rows: Vec<UrlRow<'_>> = urls
        .iter()
        .map(|u| {
            let effective = u.expanded.as_deref().unwrap_or(&u.raw);
            let canonical = (u.canonical != effective).then_some(u.canonical.as_str());
            let (raw, exp, src, host) = (
                u.raw.as_str(),
                u.expanded.as_deref(),
                u.source.as_str(),
                u.host.as_str(),
            );
            if u.hops.is_empty() {
                UrlRow::Plain(raw, exp, src, canonical, host, &u.domain)
            } else {
                UrlRow::Hops(raw, exp, src, canonical, host, &u.hops, &u.domain)
            }
        })
        .collect();
    serde_json::to_string(&rows)
        .map(Some)
        .map_err(|e| StoreError::InvalidInput {
            what: "urls",
            value: e.to_string(),
        })
}

/// A URL row as read back: strings borrow from the JSON text unless it had escapes.
struct UrlRowIn<'a> {
    raw: Cow<'a, str>,
    expanded: Option<Cow<'a, str>>,
    source: Cow<'a, str>,
    canonical: Option<Cow<'a, str>>,
    host: Cow<'a, str>,
    hops: Vec<Cow<'a, str>>,
    domain: Cow<'a, str>,
}

/// The sixth field of a URL row: the domain, or the hops when the domain follows.
enum HopsOrDomain<'a> {
    Hops(Vec<Cow<'a, str>>),
    Domain(Cow<'a, str>),
}

impl<'de: 'a, 'a> Deserialize<'de> for HopsOrDomain<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = HopsOrDomain<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a domain or a list of redirect hops")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(HopsOrDomain::Domain(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(HopsOrDomain::Domain(Cow::Owned(v.to_string())))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut hops = Vec::new();
                while let Some(h) = seq.next_element::<Cow<'de, str>>()? {
                    hops.push(h);
                }
                Ok(HopsOrDomain::Hops(hops))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for UrlRowIn<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = UrlRowIn<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a URL row")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                use serde::de::Error;
                let missing = || A::Error::custom("a URL row is too short");
                let raw = seq.next_element()?.ok_or_else(missing)?;
                let expanded = seq.next_element()?.ok_or_else(missing)?;
                let source = seq.next_element()?.ok_or_else(missing)?;
                let canonical = seq.next_element()?.ok_or_else(missing)?;
                let host = seq.next_element()?.ok_or_else(missing)?;
                let (hops, domain) = match seq.next_element::<HopsOrDomain<'de>>()? {
                    Some(HopsOrDomain::Domain(d)) => (Vec::new(), d),
                    Some(HopsOrDomain::Hops(h)) => (h, seq.next_element()?.ok_or_else(missing)?),
                    None => return Err(missing()),
                };
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(A::Error::custom("a URL row is too long"));
                }
                Ok(UrlRowIn {
                    raw,
                    expanded,
                    source,
                    canonical,
                    host,
                    hops,
                    domain,
                })
            }
        }
        d.deserialize_seq(V)
    }
}

/// Decodes the `urls` column into `out`, reusing its allocations: the corpus load decodes a
/// million of these.
pub fn urls_from_json(s: &str, out: &mut Vec<ItemUrl>) -> Result<()> {
    let rows: Vec<UrlRowIn<'_>> =
        serde_json::from_str(s).map_err(|e| StoreError::corrupt("urls", e))?;
    out.truncate(rows.len());
    for (
        i,
        UrlRowIn {
            raw,
            expanded,
            source,
            canonical,
            host,
            hops,
            domain,
        },
    ) in rows.into_iter().enumerate()
    {
        let source =
            UrlSource::parse(&source).ok_or_else(|| StoreError::corrupt("url source", &source))?;
        if i == out.len() {
            out.push(ItemUrl::default());
        }
        let u = &mut out[i];
        set_str(&mut u.raw, &raw);
        set_opt(&mut u.expanded, expanded.as_deref());
        u.source = source;
        let canonical = canonical.as_deref().or(expanded.as_deref()).unwrap_or(&raw);
        set_str(&mut u.canonical, canonical);
        set_str(&mut u.host, &host);
        set_str(&mut u.domain, &domain);
        u.hops.clear();
        u.hops.extend(hops.iter().map(|h| h.to_string()));
    }
    Ok(())
}

pub fn list_to_json(list: &[String]) -> Result<Option<String>> {
    if list.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(list)
        .map(Some)
        .map_err(|e| StoreError::InvalidInput {
            what: "list",
            value: e.to_string(),
        })
}

/// A JSON list of strings, borrowed where it can be.
#[derive(serde::Deserialize)]
struct ListIn<'a>(#[serde(borrow)] Vec<Cow<'a, str>>);

/// Decodes a list column into `out`, reusing its allocations.
pub fn list_from_json(s: Option<&str>, out: &mut Vec<String>) -> Result<()> {
    let Some(s) = s else {
        out.clear();
        return Ok(());
    };
    let ListIn(list) = serde_json::from_str(s).map_err(|e| StoreError::corrupt("list", e))?;
    out.truncate(list.len());
    for (i, v) in list.iter().enumerate() {
        match out.get_mut(i) {
            Some(d) => set_str(d, v),
            None => out.push(v.to_string()),
        }
    }
    Ok(())
}

fn set_str(dst: &mut String, src: &str) {
    dst.clear();
    dst.push_str(src);
}

fn set_opt(dst: &mut Option<String>, src: Option<&str>) {
    match (dst.as_mut(), src) {
        (Some(d), Some(s)) => set_str(d, s),
        (_, s) => *dst = s.map(str::to_string),
    }
}
