//! `co-link` and `co-domain`: actors sharing the same URL, or links to the same rare domain.
//!
//! # What it finds
//! `co-link`: actors who post the same canonical URL. `co-domain`: actors who link to the same
//! registrable domain, counted only for domains few actors ever link to.
//!
//! # Why it matters
//! Link-pushing networks (Portal Kombat portals, clone-site campaigns, "Doppelgänger") share the
//! same article links within seconds of each other, across many articles. Telegram message
//! links (`t.me/channel/123`) are kept, and also tie a channel's own message to every portal
//! that links it, so portals join their Telegram source.
//!
//! # Evidence it reports
//! The canonical URL (or domain) and, per actor pair, the two items and their time gap.
//!
//! # DISARM techniques
//! T0049 (flooding), T0049.007 when the actors are web portals.
//!
//! # Known limits
//! Links of X items to x.com / twitter.com are skipped: they are quotes or thread links, which
//! `co-repost` already covers. `co-domain` ignores domains linked by more than 20 actors or 1 %
//! of all actors (news outlets, platforms, shorteners) and weighs half as much as a link: a
//! domain is shared by unrelated people far more often than one URL.

use std::collections::HashMap;

use rayon::prelude::*;
use skydas_model::{Corpus, Platform, UrlSource};

use super::{KeyEvent, Signal, item_events};

/// The `co-link` signal.
#[derive(Debug, Default)]
pub struct CoLink;

fn is_self_link(platform: Platform, domain: &str) -> bool {
    platform == Platform::X && matches!(domain, "x.com" | "twitter.com")
}

/// Parses `/{channel}/{message}` (or `/s/{channel}/{message}`) of a `t.me` URL.
fn tme_target(url: &str) -> Option<(String, &str)> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest
        .strip_prefix("t.me/")
        .or_else(|| rest.strip_prefix("www.t.me/"))?;
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let mut chan = parts.next()?;
    if chan == "s" {
        chan = parts.next()?;
    }
    let msg = parts.next()?;
    if !msg.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((chan.to_lowercase(), msg))
}

impl Signal for CoLink {
    fn code(&self) -> &'static str {
        "co-link"
    }

    fn events(&self, corpus: &Corpus) -> Vec<KeyEvent> {
        let self_domains: Vec<bool> = corpus
            .domains
            .iter()
            .map(|(_, d)| matches!(d, "x.com" | "twitter.com"))
            .collect();
        let (audience, limit) = crate::audience::domain_audience(corpus);
        let mut out: Vec<KeyEvent> = corpus
            .items
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, it)| {
                let links = it.urls.iter().filter(|u| {
                    // A domain alone is no link to its front page.
                    u.source != UrlSource::Domain
                        && !(it.platform == Platform::X && self_domains[u.domain as usize])
                });
                item_events(
                    i,
                    links.map(|u| {
                        let rare = audience.get(u.domain as usize).is_some_and(|&n| n <= limit);
                        (u64::from(u.canonical), u8::from(rare))
                    }),
                )
            })
            .collect();
        out.extend(telegram_sources(corpus));
        out
    }

    fn describe(&self, corpus: &Corpus, key: u64, _item: u32) -> String {
        corpus.urls.resolve(key as u32).to_string()
    }
}

/// How long before a `t.me` link its message may have been posted and still vote for the
/// channel that posted it, seconds.
const TME_VOTE_WINDOW_S: i64 = 7 * 86_400;

/// Events that put a Telegram channel's own message on the key of every `t.me` link to it.
///
/// A link names the channel by its public handle, which Telegram Desktop exports of a channel do
/// not contain. A handle the corpus does not know is resolved by message ids: the channel that
/// posted message N shortly before each link to `t.me/handle/N` appeared. The channel must
/// explain at least three links and half of the handle's links, and no other channel as many.
fn telegram_sources(corpus: &Corpus) -> Vec<KeyEvent> {
    let Some(tme) = corpus.hosts.get("t.me") else {
        return Vec::new();
    };
    // Earliest appearance of each t.me link.
    let mut linked: Vec<(u32, i64)> = corpus
        .items
        .iter()
        .flat_map(|it| {
            it.urls
                .iter()
                .filter(|u| u.host == tme)
                .map(move |u| (u.canonical, it.time))
        })
        .collect();
    if linked.is_empty() {
        return Vec::new();
    }
    linked.sort_unstable();
    linked.dedup_by_key(|x| x.0);
    // Telegram item ids are `{chat_id}/{message_id}`; the link names the channel's handle.
    let mut by_msg: HashMap<(String, u64), u32> = HashMap::new();
    let mut by_number: HashMap<u64, Vec<u32>> = HashMap::new();
    let mut handles: HashMap<String, u32> = HashMap::new();
    for (i, it) in corpus.items.iter().enumerate() {
        if it.platform != Platform::Telegram {
            continue;
        }
        let actor = &corpus.actor(it.actor).actor;
        let Some(msg) = corpus
            .item_id(i)
            .rsplit('/')
            .next()
            .and_then(|m| m.parse::<u64>().ok())
        else {
            continue;
        };
        by_number.entry(msg).or_default().push(i as u32);
        for h in [actor.handle.as_deref(), Some(actor.platform_id.as_str())]
            .into_iter()
            .flatten()
        {
            let h = h.trim_start_matches('@').to_lowercase();
            handles.entry(h.clone()).or_insert(it.actor);
            by_msg.entry((h, msg)).or_insert(i as u32);
        }
    }
    let targets: Vec<(u32, i64, String, u64)> = linked
        .into_iter()
        .filter_map(|(sym, t)| {
            let (chan, msg) = tme_target(corpus.urls.resolve(sym))?;
            Some((sym, t, chan, msg.parse().ok()?))
        })
        .collect();
    // Votes of unknown handles for the channels whose message numbers fit their links.
    let mut votes: HashMap<&str, (u32, HashMap<u32, u32>)> = HashMap::new();
    for (_, t, chan, msg) in &targets {
        if handles.contains_key(chan) {
            continue;
        }
        let entry = votes.entry(chan.as_str()).or_default();
        entry.0 += 1;
        let mut seen: Vec<u32> = Vec::new();
        for &i in by_number.get(msg).map_or(&[][..], Vec::as_slice) {
            let it = &corpus.items[i as usize];
            if it.time <= *t && *t - it.time <= TME_VOTE_WINDOW_S && !seen.contains(&it.actor) {
                seen.push(it.actor);
                *entry.1.entry(it.actor).or_default() += 1;
            }
        }
    }
    for (chan, (links, v)) in votes {
        let mut best: Vec<(u32, u32)> = v.into_iter().map(|(a, n)| (n, a)).collect();
        best.sort_unstable_by(|x, y| y.cmp(x));
        let Some(&(n, actor)) = best.first() else {
            continue;
        };
        let unique = best.get(1).is_none_or(|&(m, _)| m < n);
        if n >= 3 && 2 * n >= links && unique {
            handles.insert(chan.to_string(), actor);
        }
    }
    targets
        .into_iter()
        .filter_map(|(sym, _, chan, msg)| {
            let item = match by_msg.get(&(chan.clone(), msg)) {
                Some(&i) => i,
                None => {
                    let actor = *handles.get(&chan)?;
                    *by_number
                        .get(&msg)?
                        .iter()
                        .find(|&&i| corpus.items[i as usize].actor == actor)?
                }
            };
            Some(KeyEvent {
                key: u64::from(sym),
                item,
                class: 0,
            })
        })
        .collect()
}

/// The `co-domain` signal.
#[derive(Debug, Default)]
pub struct CoDomain;

impl Signal for CoDomain {
    fn code(&self) -> &'static str {
        "co-domain"
    }

    fn weight_class(&self) -> f64 {
        0.5
    }

    fn events(&self, corpus: &Corpus) -> Vec<KeyEvent> {
        let (actors_per_domain, limit) = crate::audience::domain_audience(corpus);
        corpus
            .items
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, it)| {
                let rare = it.urls.iter().filter(|u| {
                    actors_per_domain[u.domain as usize] <= limit
                        && !is_self_link(it.platform, corpus.domains.resolve(u.domain))
                });
                item_events(i, rare.map(|u| (u64::from(u.domain), 1)))
            })
            .collect()
    }

    fn describe(&self, corpus: &Corpus, key: u64, _item: u32) -> String {
        corpus.domains.resolve(key as u32).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tme_targets() {
        let check = |u: &str, e: Option<(&str, &str)>| {
            assert_eq!(
                tme_target(u).as_ref().map(|(c, m)| (c.as_str(), *m)),
                e,
                "{u}"
            );
        };
        check("https://t.me/Rybar/123", Some(("rybar", "123")));
        check("https://t.me/s/rybar/77?single", Some(("rybar", "77")));
        check("https://t.me/rybar", None);
        check("https://t.me/joinchat/abc", None);
        check("https://example.com/rybar/1", None);
    }
}
