//! Writing X posts: tweets with their mentions, hashtags and t.co links, and retweets, each
//! with its follow-on retweets queued.

use std::rc::Rc;

use skydas_model::Platform;

use crate::SimError;
use crate::lang::LANGS;
use crate::out::{TweetJson, UrlEnt, chars};

use super::Sim;
use super::schedule::{Ev, Orig, TweetEv};

impl Sim {
    /// A tweet id for time `t` in X's snowflake layout: milliseconds since the X epoch, then a
    /// sequence number.
    fn snowflake(&mut self, t: i64) -> u64 {
        let ms = (t * 1000 + self.prng.range(0, 999) - 1_288_834_974_657).max(0) as u64;
        self.id_seq += 1;
        (ms << 22) | (self.id_seq & 0x3f_ffff)
    }

    /// How many organic retweets a post of `author` gets: none under 300 followers, then more
    /// the more followers.
    fn rt_count(&mut self, author: usize) -> u64 {
        let f = self.x[author].followers as f64;
        if f < 300.0 {
            return 0;
        }
        let mean = self.rt_k * (f / 3000.0).powf(0.85);
        self.prng.poisson(mean.min(1500.0))
    }

    /// Writes a tweet (a reply to a recent post in its language when `ev.reply`), then queues
    /// its retweets.
    pub(super) fn emit_tweet(&mut self, t: i64, ev: TweetEv) -> Result<(), SimError> {
        let id = self.snowflake(t);
        let a = ev.author as usize;
        let lang = self.x[a].lang;
        let mut text = String::new();
        let mut n = 0usize;
        let mut push = |text: &mut String, s: &str| {
            let st = n;
            text.push_str(s);
            n += chars(s);
            (st, n)
        };
        let mut mentions = Vec::new();
        let mut refs: Vec<(&str, u64)> = Vec::new();
        let mut conv = id;
        if ev.reply {
            let r = &self.recent[lang];
            if !r.is_empty() {
                let (rid, rauthor, rconv) = r[self.prng.below(r.len())];
                if rauthor != ev.author {
                    let u = self.x[rauthor as usize].username.clone();
                    let (s, e) = push(&mut text, &format!("@{u}"));
                    push(&mut text, " ");
                    mentions.push((s, e, u, self.x[rauthor as usize].id));
                    refs.push(("replied_to", rid));
                    conv = rconv;
                }
            }
        }
        push(&mut text, &ev.text);
        let mut tags = Vec::new();
        for tg in &ev.tags {
            push(&mut text, " ");
            let (s, e) = push(&mut text, &format!("#{tg}"));
            tags.push((s, e, tg.clone()));
        }
        let mut urls = Vec::new();
        for l in ev.links {
            push(&mut text, " ");
            let tco = format!(
                "https://t.co/{}",
                self.prng.token(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                    10
                )
            );
            let (s, e) = push(&mut text, &tco);
            for u in std::iter::once(&l.expanded).chain(l.unwound.as_ref()) {
                if let Some(host) = u.split("://").nth(1).and_then(|r| r.split('/').next())
                    && !self.linked_hosts.contains(host)
                {
                    self.linked_hosts.insert(host.to_string());
                }
            }
            urls.push(UrlEnt {
                s,
                e,
                tco,
                expanded: l.expanded,
                unwound: l.unwound,
            });
        }
        let rts = if ev.organic { self.rt_count(a) } else { 0 };
        let like = (rts as f64 * self.prng.uniform(2.0, 6.0)) as u64 + self.prng.poisson(1.5);
        let lang_code = if self.prng.chance(0.04) {
            "und"
        } else {
            LANGS[lang]
        };
        let mut buf = std::mem::take(&mut self.buf);
        TweetJson {
            id,
            text: &text,
            author: self.x[a].id,
            t,
            lang: lang_code,
            conv,
            urls: &urls,
            tags: &tags,
            mentions: &mentions,
            refs: &refs,
            metrics: [rts, self.prng.poisson(0.4), like, 0],
        }
        .write(&mut buf);
        let as_page = self.prng.chance(0.5);
        let r = self
            .xsink
            .write(id, &buf, self.x[a].id, &self.x[a].json, None, as_page);
        self.x[a].written += 1;
        self.count(Platform::X, ev.tag, id.to_string());
        let r2 = &mut self.recent[lang];
        if r2.len() < 512 {
            r2.push((id, ev.author, conv));
        } else {
            let k = (id as usize) % 512;
            r2[k] = (id, ev.author, conv);
        }
        if rts > 0 || ev.ring > 0 {
            let orig = Rc::new(Orig {
                id,
                author: ev.author,
                text,
                urls,
                tags,
                json: buf.clone(),
            });
            for _ in 0..rts {
                let Some(who) = self.x_pools[lang].pick(&mut self.prng) else {
                    break;
                };
                if who == ev.author {
                    continue;
                }
                let d = self.prng.lognormal(1200.0, 1.3).min(86_400.0) as i64;
                self.push(
                    t + 1 + d,
                    Ev::Retweet {
                        author: who,
                        orig: Rc::clone(&orig),
                        tag: 0,
                    },
                );
            }
            if ev.ring > 0 {
                self.ring_retweets(t, ev.ring, &orig);
            }
        }
        self.buf = buf;
        r
    }

    /// Writes `author`'s retweet of `orig`: `RT @user: ` and the start of the original text,
    /// with the entities that fall in it.
    pub(super) fn emit_retweet(
        &mut self,
        t: i64,
        author: u32,
        orig: &Orig,
        tag: u16,
    ) -> Result<(), SimError> {
        let id = self.snowflake(t);
        let ou = self.x[orig.author as usize].username.clone();
        let prefix = format!("RT @{ou}: ");
        let pre = chars(&prefix);
        let keep = 110usize;
        let olen = chars(&orig.text);
        let mut text = prefix;
        if olen > keep {
            text.extend(orig.text.chars().take(keep));
            text.push('…');
        } else {
            text.push_str(&orig.text);
        }
        let limit = pre + keep.min(olen);
        let urls: Vec<UrlEnt> = orig
            .urls
            .iter()
            .filter(|u| u.e + pre <= limit)
            .map(|u| UrlEnt {
                s: u.s + pre,
                e: u.e + pre,
                tco: u.tco.clone(),
                expanded: u.expanded.clone(),
                unwound: u.unwound.clone(),
            })
            .collect();
        let tags: Vec<(usize, usize, String)> = orig
            .tags
            .iter()
            .filter(|x| x.1 + pre <= limit)
            .map(|(s, e, g)| (s + pre, e + pre, g.clone()))
            .collect();
        let mentions = vec![(3, 4 + chars(&ou), ou, self.x[orig.author as usize].id)];
        let a = author as usize;
        let lang = LANGS[self.x[orig.author as usize].lang];
        let mut buf = std::mem::take(&mut self.buf);
        TweetJson {
            id,
            text: &text,
            author: self.x[a].id,
            t,
            lang,
            conv: id,
            urls: &urls,
            tags: &tags,
            mentions: &mentions,
            refs: &[("retweeted", orig.id)],
            metrics: [0, 0, 0, 0],
        }
        .write(&mut buf);
        let as_page = self.prng.chance(0.5);
        let oa = orig.author as usize;
        let r = self.xsink.write(
            id,
            &buf,
            self.x[a].id,
            &self.x[a].json,
            Some((orig.id, &orig.json, self.x[oa].id, &self.x[oa].json)),
            as_page,
        );
        self.buf = buf;
        self.x[a].written += 1;
        self.count(Platform::X, tag, id.to_string());
        r
    }
}
