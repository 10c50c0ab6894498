//! What an organic article sets off: shares on X and Telegram (now and then a viral burst), and
//! the site hooks of the decoys (auto-posters, aggregators, fans).

use std::collections::BTreeSet;

use serde_json::json;
use skydas_model::Platform;

use crate::lang::{self, Slots};
use crate::out::Part;
use crate::truth::kinds;
use crate::world;

use super::Sim;
use super::schedule::{SiteHook, TgEv, TweetEv};

/// "Read" in each language, the label of a Telegram text link to an article.
const READ: [&str; 10] = [
    "Читать",
    "Читати",
    "Skaityti",
    "Lasīt",
    "Loe",
    "Czytaj",
    "Lue",
    "Read",
    "Чытаць",
    "Lesen",
];

impl Sim {
    /// What a sharer writes next to a link: a comment, the title, or nothing.
    fn share_text(&mut self, lang: usize, title: &str) -> String {
        match self.prng.below(10) {
            0..=4 => Slots::random(&mut self.prng).render(lang),
            5..=7 => title.to_string(),
            _ => String::new(),
        }
    }

    /// Queues the shares of article `link` of outlet `s`, written at `t`, and what the site's
    /// hooks make of it.
    pub(super) fn cascade(&mut self, t: i64, s: usize, lang: usize, link: &str, title: &str) {
        let viral = self.prng.chance(self.p_viral);
        let (k, viral_tag) = if viral {
            let pool = self.x_pools[lang].len();
            let k = (self.prng.range(150, 500) as usize).min(pool / 2);
            let tag = self.group(
                kinds::VIRAL_CASCADE,
                true,
                &[],
                json!({"url": link, "sharers": k, "window_s": 3600}),
            );
            (k, tag)
        } else {
            (
                (self.prng.pareto(1.0, 1.3).floor() as usize)
                    .saturating_sub(1)
                    .min(120),
                0,
            )
        };
        let mut seen = BTreeSet::new();
        for _ in 0..k {
            let l = if viral || self.prng.chance(0.85) {
                lang
            } else {
                world::pick_lang(&mut self.prng)
            };
            let d = if viral {
                self.prng.exp(900.0).min(3500.0)
            } else {
                self.prng.lognormal(2700.0, 1.3).min(129_600.0)
            } as i64;
            if viral || self.prng.chance(0.8) {
                let Some(who) = self.x_pools[l].pick(&mut self.prng) else {
                    continue;
                };
                if !seen.insert((0u8, who)) {
                    continue;
                }
                let text = self.share_text(l, title);
                if viral_tag > 0 {
                    self.group_mut(viral_tag)
                        .actors
                        .push((Platform::X, who, "sharer"));
                }
                let ev = TweetEv {
                    organic: true,
                    ..TweetEv::sharing(who, text, link, viral_tag)
                };
                self.push(t + 5 + d, ev.into());
            } else {
                let Some(who) = self.tg_pools[l].pick(&mut self.prng) else {
                    continue;
                };
                if !seen.insert((1u8, who)) {
                    continue;
                }
                let parts = if self.prng.chance(0.5) {
                    vec![
                        Part::Bold(title.to_string()),
                        Part::Plain("\n".into()),
                        Part::Link(link.to_string()),
                    ]
                } else {
                    vec![
                        Part::Plain(format!("{title}\n")),
                        Part::TextLink(READ[lang].to_string(), link.to_string()),
                    ]
                };
                self.push(t + 5 + d, TgEv::sharing(who, parts, 0).into());
            }
        }
        self.fire_site_hooks(t, s, lang, link, title);
    }

    /// Queues what the decoys hooked on outlet `s` make of its article `link`.
    fn fire_site_hooks(&mut self, t: i64, s: usize, lang: usize, link: &str, title: &str) {
        let hooks = std::mem::take(&mut self.site_hooks[s]);
        for h in &hooks {
            match *h {
                SiteHook::Auto { acc, delay, tag } => {
                    let d = (delay + self.prng.uniform(-3.0, 3.0)).max(1.0) as i64;
                    let ev = TweetEv::sharing(acc, title.to_string(), link, tag);
                    self.push(t + d, ev.into());
                }
                SiteHook::AutoTg { chan, delay, tag } => {
                    let d = (delay + self.prng.uniform(-5.0, 5.0)).max(1.0) as i64;
                    let parts = vec![
                        Part::Bold(title.to_string()),
                        Part::Plain("\n\n".into()),
                        Part::Link(link.to_string()),
                    ];
                    self.push(t + d, TgEv::sharing(chan, parts, tag).into());
                }
                SiteHook::Aggr { acc, base, tag } => {
                    if self.prng.chance(0.9) {
                        let d = (base + self.prng.exp(30.0)).min(600.0) as i64;
                        let tags = vec![lang::BIG_TAGS[lang][0].to_string()];
                        let ev = TweetEv {
                            tags,
                            ..TweetEv::sharing(acc, title.to_string(), link, tag)
                        };
                        self.push(t + d, ev.into());
                    }
                }
                SiteHook::Fan {
                    acc,
                    p,
                    median,
                    tag,
                } => {
                    if self.prng.chance(p) {
                        let d = self.prng.lognormal(median, 1.0).min(129_600.0) as i64;
                        let text = self.share_text(lang, title);
                        let ev = TweetEv {
                            organic: true,
                            ..TweetEv::sharing(acc, text, link, tag)
                        };
                        self.push(t + 30 + d, ev.into());
                    }
                }
            }
        }
        self.site_hooks[s] = hooks;
    }
}
