//! CrowdTangle CSV exports: the legacy Facebook (pages and groups) and Instagram archives.
//!
//! `Post Created` ends in a time-zone abbreviation (`2021-03-01 12:34:56 EST`); an abbreviation
//! we do not know refuses the record rather than guessing an offset. The post id is taken from
//! the post `URL`. `Link` is the URL as posted and `Final Link` where it led, so both are kept on
//! one [`ItemUrl`] to preserve the redirect chain.

use std::io::BufRead;

use skydas_model::{Actor, ActorKind, Item, ItemUrl, Locator, Platform, UrlSource};

use super::generic::{Header, read_csv, sniffed_header};
use crate::kit::{Refusal, ZoneNote, importer_identity, provenance, record_time};
use crate::{Confidence, Event, FileContext, FileError, Importer};

/// CrowdTangle CSV importer (name `crowdtangle`).
pub struct CrowdTangle;

const NAME: &str = "crowdtangle";
const VERSION: u32 = 1;

impl Importer for CrowdTangle {
    importer_identity!(NAME, VERSION);

    fn sniff(&self, head: &[u8]) -> Confidence {
        let Some(h) = sniffed_header(head) else {
            return Confidence::No;
        };
        let owner = h.has("page name") || h.has("account") || h.has("group name");
        if h.has("post created") && owner && (h.has("facebook id") || h.has("user name")) {
            Confidence::Certain
        } else if h.has("post created") && h.has("url") && owner {
            // A trimmed export that kept only some columns.
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
        let mut zone_note = ZoneNote::default();
        let tz = ctx.options.tz.as_ref();
        let res = read_csv(input, ctx, b',', Columns::resolve, sink, |c, row| {
            let get = |i: Option<usize>| row.get(i).map(str::to_string);
            let url = row
                .get(c.url)
                .ok_or_else(|| Refusal::new("missing url", ""))?;
            let raw_time = row
                .get(c.created)
                .ok_or_else(|| Refusal::new("missing post created", ""))?;
            // `Post Created` (`2021-03-01 12:34:56 BRT`) names its zone by abbreviation.
            let when = record_time(raw_time, tz)?;
            zone_note.keep(Locator::Line(row.line), raw_time, &when);
            // A trimmed export without the id columns: the page id is in every post URL.
            let actor_id = get(c.facebook_id)
                .or_else(|| get(c.user_name))
                .or_else(|| page_id(url))
                .or_else(|| get(c.owner_name).map(|n| format!("name:{n}")))
                .ok_or_else(|| Refusal::new("missing account", "no facebook id or user name"))?;
            let actor = Actor {
                platform_id: actor_id,
                handle: get(c.user_name),
                name: get(c.owner_name),
                kind: c.actor_kind,
                followers: row.get(c.followers).and_then(parse_count),
                ..Actor::default()
            };
            let text = [c.message, c.description, c.link_text]
                .iter()
                .find_map(|&i| row.get(i))
                .unwrap_or("");
            let prov = provenance(ctx, &CrowdTangle, Locator::Line(row.line));
            let mut item = Item::new(c.platform, post_id(url), actor, when.utc, text, prov);
            item.time_basis = when.basis;
            // The Instagram export repeats the post's own URL as its `Link`.
            let link = get(c.link).filter(|l| l != url);
            let final_link = get(c.final_link);
            if let Some(raw) = link.clone().or_else(|| final_link.clone()) {
                let expanded = final_link.filter(|f| Some(f) != link.as_ref());
                item.urls.push(ItemUrl {
                    raw,
                    expanded,
                    source: UrlSource::Entity,
                    ..ItemUrl::default()
                });
            }
            Ok(item)
        });
        zone_note.emit(ctx, sink);
        res
    }
}

/// Column positions of one export.
struct Columns {
    platform: Platform,
    actor_kind: ActorKind,
    url: Option<usize>,
    created: Option<usize>,
    facebook_id: Option<usize>,
    user_name: Option<usize>,
    owner_name: Option<usize>,
    followers: Option<usize>,
    message: Option<usize>,
    description: Option<usize>,
    link_text: Option<usize>,
    link: Option<usize>,
    final_link: Option<usize>,
}

impl Columns {
    fn resolve(h: &Header) -> Result<Columns, String> {
        for required in ["post created", "url"] {
            if !h.has(required) {
                return Err(format!("missing column {required}"));
            }
        }
        // The Instagram export names the owner `Account` and has no `Page Name`.
        let instagram = h.has("account") && !h.has("page name");
        let (actor_kind, owner) = if instagram {
            (ActorKind::Account, "account")
        } else if h.has("group name") && !h.has("page name") {
            (ActorKind::Group, "group name")
        } else {
            (ActorKind::Channel, "page name")
        };
        Ok(Columns {
            platform: if instagram {
                Platform::Instagram
            } else {
                Platform::Facebook
            },
            actor_kind,
            url: h.find("url"),
            created: h.find("post created"),
            facebook_id: h.find("facebook id"),
            user_name: h.find("user name"),
            owner_name: h.find(owner),
            followers: h.find_any(&["followers at posting", "likes at posting"]),
            message: h.find("message"),
            description: h.find("description"),
            link_text: h.find_any(&["link text", "title"]),
            link: h.find("link"),
            final_link: h.find("final link"),
        })
    }
}

/// The page id of a Facebook post URL (`facebook.com/{page id}/posts/{post id}`).
fn page_id(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let mut segs = rest
        .split(['/', '?', '#'])
        .skip(1)
        .filter(|s| !s.is_empty());
    let first = segs.next()?;
    (first.len() >= 5 && first.bytes().all(|b| b.is_ascii_digit())).then(|| first.to_string())
}

/// Counts as exported (`12345`, sometimes `12,345`).
fn parse_count(s: &str) -> Option<u64> {
    s.replace(',', "").trim().parse().ok()
}

/// The post id inside a post URL: the segment after `posts`/`videos`/`p`/`reel`/…, or the
/// `story_fbid`/`fbid` parameter, or the last plain path segment; else the URL itself.
fn post_id(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let query = query.split('#').next().unwrap_or("");
    for pair in query.split('&') {
        if let Some((k, v)) = pair.split_once('=')
            && matches!(k, "story_fbid" | "fbid" | "v")
            && !v.is_empty()
        {
            return v.to_string();
        }
    }
    let path = path.split('#').next().unwrap_or("");
    // Skip the host.
    let segments: Vec<&str> = path.split('/').skip(1).filter(|s| !s.is_empty()).collect();
    let plain = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            && !s.contains(".php")
    };
    for w in segments.windows(2) {
        if matches!(
            w[0],
            "posts" | "videos" | "p" | "reel" | "tv" | "permalink" | "photos"
        ) && plain(w[1])
        {
            // Photos are `/photos/a.{album}/{photo}/`: the id is the last segment.
            if w[0] == "photos" && w[1].starts_with("a.") {
                continue;
            }
            return w[1].to_string();
        }
    }
    match segments.last() {
        Some(last) if segments.len() >= 2 && plain(last) => (*last).to_string(),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::generic::testutil::*;
    use super::*;
    use skydas_model::TimeBasis;

    fn summary(i: &Item) -> String {
        let urls: Vec<String> = i
            .urls
            .iter()
            .map(|u| format!("{}>{}", u.raw, u.expanded.as_deref().unwrap_or("-")))
            .collect();
        format!(
            "{} {} {}/{}/{}/{} f={} {} [{}] | {}",
            i.platform,
            i.platform_id,
            i.actor.platform_id,
            i.actor.handle.as_deref().unwrap_or("-"),
            i.actor.name.as_deref().unwrap_or("-"),
            i.actor.kind.as_str(),
            i.actor.followers.map_or("-".to_string(), |f| f.to_string()),
            i.time,
            urls.join(" "),
            i.text
        )
    }

    #[test]
    fn maps_the_facebook_export() {
        let run = run(&CrowdTangle, &fixture("crowdtangle/facebook.csv"));
        assert_run(
            &run,
            summary,
            &[
                "facebook 3901234567890123 100064123456789/lrtnews/LRT naujienos/channel f=250100 1614620096 [https://bit.ly/3abc>https://www.lrt.lt/naujienos/1] | Svarbu: naujas straipsnis",
                "facebook 3907777777777777 100064999999999/baltic.truth/Baltic Truth/channel f=1200 1614600000 [https://lrt-lt.news/x>-] | Shared link description",
                "facebook 555 100064999999999/baltic.truth/Baltic Truth/channel f=1200 1614610000 [] | Video title",
            ],
            &[("4", "unknown time zone"), ("5", "bad timestamp")],
        );
    }

    #[test]
    fn maps_the_instagram_export() {
        let run = run(&CrowdTangle, &fixture("crowdtangle/instagram.csv"));
        assert_run(
            &run,
            summary,
            &[
                "instagram CLxYz123AbC ig.account/ig.account/IG Account/account f=5400 1614620096 [] | Caption #tag",
            ],
            &[],
        );
    }

    #[test]
    fn finds_post_ids_in_urls() {
        let cases = [
            (
                "https://www.facebook.com/100064123456789/posts/3901234567890123",
                "3901234567890123",
            ),
            ("https://www.facebook.com/lrtnews/videos/555/", "555"),
            (
                "https://www.facebook.com/permalink.php?story_fbid=42&id=7",
                "42",
            ),
            ("https://www.facebook.com/page/photos/a.123/456/", "456"),
            ("https://www.instagram.com/p/CLxYz123AbC/", "CLxYz123AbC"),
            ("https://www.facebook.com/", "https://www.facebook.com/"),
            ("garbage", "garbage"),
        ];
        for (url, want) in cases {
            assert_eq!(post_id(url), want, "{url}");
        }
    }

    #[test]
    fn sniffs_both_variants() {
        let fb = fixture("crowdtangle/facebook.csv");
        let ig = fixture("crowdtangle/instagram.csv");
        assert_eq!(CrowdTangle.sniff(&fb), Confidence::Certain);
        assert_eq!(CrowdTangle.sniff(&ig), Confidence::Certain);
        assert_eq!(
            CrowdTangle.sniff(b"Page Name,URL,Message\n"),
            Confidence::No
        );
        assert_eq!(CrowdTangle.sniff(b"id,time,text\n"), Confidence::No);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = CrowdTangle.sniff(&bytes);
            let mut input = b"Page Name,User Name,Facebook Id,Post Created,URL,Message,Link,Final Link\n".to_vec();
            input.extend_from_slice(&bytes);
            let _ = run(&CrowdTangle, &input);
            let _ = run(&CrowdTangle, &bytes);
        }

        #[test]
        fn post_id_never_panics(s in "\\PC{0,60}") {
            let _ = post_id(&s);
        }
    }

    #[test]
    fn real_zone_abbreviations_and_trimmed_exports() {
        // A complete export in Brasília time, as the real one writes it.
        let brt = "Page Name,User Name,Facebook Id,Page Category,Post Created,Type,Message,URL\n\
                   Folha,folha,100114543363,NEWS,2021-03-01 09:34:56 BRT,Status,Oi,https://www.facebook.com/100114543363/posts/1\n\
                   Folha,folha,100114543363,NEWS,2021-11-05 23:10:00 NZDT,Status,Kia ora,https://www.facebook.com/100114543363/posts/2\n";
        let r = run(&CrowdTangle, brt.as_bytes());
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let times: Vec<String> = r
            .items
            .iter()
            .map(|i| skydas_model::time::format_rfc3339(i.time))
            .collect();
        assert_eq!(times, ["2021-03-01T12:34:56Z", "2021-11-05T10:10:00Z"]);
        assert!(r.warnings.is_empty());
        // An ambiguous abbreviation is read in its commonest meaning and said so, once.
        let ist = "Page Name,User Name,Facebook Id,Post Created,Message,URL\n\
                   P,p,1,2021-03-01 09:34:56 IST,a,https://www.facebook.com/1/posts/1\n\
                   P,p,1,2021-03-01 10:34:56 IST,b,https://www.facebook.com/1/posts/2\n";
        let r = run(&CrowdTangle, ist.as_bytes());
        assert_eq!(r.items.len(), 2);
        assert_eq!(r.items[0].time_basis, TimeBasis::AmbiguousZone);
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].detail.contains("India"), "{:?}", r.warnings);
        // A trimmed export: no id columns, the page id from the post URL.
        let trimmed = "Page Name,Post Created,Shares,Message,URL\n\
                       Broadcast,2023-11-13 04:30:36 EST,6457,Text,https://www.facebook.com/100069351265250/posts/660862489568787\n";
        assert_eq!(CrowdTangle.sniff(trimmed.as_bytes()), Confidence::Likely);
        let r = run(&CrowdTangle, trimmed.as_bytes());
        assert_eq!(r.items.len(), 1, "{:?}", r.errors);
        assert_eq!(r.items[0].actor.platform_id, "100069351265250");
        assert_eq!(r.items[0].platform_id, "660862489568787");
        assert_eq!(
            skydas_model::time::format_rfc3339(r.items[0].time),
            "2023-11-13T09:30:36Z"
        );
    }
}
