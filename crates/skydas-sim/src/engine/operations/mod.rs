//! The planted operations: what each one plants in the world, and how each of its waves turns
//! into posts when it comes due.

use std::collections::BTreeSet;

use serde_json::json;
use skydas_model::Platform;
use skydas_model::disarm;

use crate::SimConfig;
use crate::domains::{self, OUTLETS};
use crate::lang::{self, EMOJI, LANGS, Slots};
use crate::out::Part;
use crate::rng::Rng;
use crate::truth::{LookalikeDomain, kinds};
use crate::world::{Names, Site};

use super::Sim;
use super::build::new_chan;
use super::emit_web::slug;
use super::schedule::{ChanHook, Ev, Link, Plan, TgEv, TweetEv};

fn scaled(lo: f64, hi: f64, sf: f64, rng: &mut Rng) -> usize {
    ((rng.uniform(lo, hi) * sf).round() as usize).max(4)
}

pub(super) fn plant_operations(
    sim: &mut Sim,
    cfg: &SimConfig,
    names: &mut Names,
    rng: &mut Rng,
    n: f64,
    sf: f64,
) {
    let frac = rng.uniform(0.03, 0.08);
    let budget = frac * n;
    let b = |w: f64| budget * w;
    let cover = rng.uniform(0.3, 1.2);

    // Doppelganger.
    {
        let m = scaled(20.0, 80.0, sf, rng);
        let part = rng.uniform(0.5, 0.9);
        let jitter = rng.uniform(20.0, 90.0);
        let nt = rng.range(2, 4) as usize;
        let targets: Vec<usize> = rng.sample(OUTLETS.len(), nt);
        let mut techniques: Vec<usize> = (0..domains::TECHNIQUES.len()).collect();
        rng.shuffle(&mut techniques);
        let nclones = rng.range(4, 8) as usize;
        let mut clones = Vec::new();
        let mut lookalikes = Vec::new();
        for (k, &tech) in techniques.iter().cycle().take(nclones).enumerate() {
            let target = &OUTLETS[targets[k % targets.len()]];
            let c = domains::make_clone(target.domain, tech, rng);
            if lookalikes
                .iter()
                .any(|l: &LookalikeDomain| l.domain == c.domain)
            {
                continue;
            }
            lookalikes.push(LookalikeDomain {
                domain: c.domain.clone(),
                host: c.host.clone(),
                impersonates: target.domain.to_string(),
                technique: c.technique.to_string(),
            });
            clones.push((c.host, target.lang));
        }
        let redirs: Vec<String> = (0..rng.range(3, 8))
            .map(|_| domains::redirector(rng))
            .collect();
        let lang = clones.first().map(|c| c.1).unwrap_or(9);
        let members = sim.bot_accounts(names, rng, m, lang, true, cover);
        let nw = (b(0.2) / (m as f64 * part)).round().clamp(3.0, 3000.0) as usize;
        let tag = sim.group(
            kinds::DOPPELGANGER,
            false,
            &[disarm::LOOKALIKE_DOMAIN, disarm::IMPERSONATED_PERSONA, disarm::REDIRECTING_DOMAIN, disarm::AUTOMATED_REPOSTING],
            json!({"accounts": m, "participation": part, "jitter_mean_s": jitter, "waves": nw, "clones": clones.len(), "redirectors": redirs.len(), "redirect_share": 0.8, "cover_rate_median_per_day": cover}),
        );
        let g = &mut sim.groups[tag as usize - 1];
        g.op.domains = lookalikes.iter().map(|l| l.domain.clone()).collect();
        g.op.redirectors = redirs.clone();
        g.actors = members
            .iter()
            .map(|&i| (Platform::X, i, "amplifier"))
            .collect();
        sim.plans.push((
            tag,
            Plan::Dop {
                members,
                clones,
                redirs,
                part,
                jitter,
            },
        ));
        let p = sim.plans.len() as u16 - 1;
        sim.waves(p, nw, rng, false, 0);
        sim.lookalikes.extend(lookalikes);
    }

    // Portal Kombat.
    {
        const CC: [(&str, usize); 10] = [
            ("lt", 2),
            ("lv", 3),
            ("ee", 4),
            ("pl", 5),
            ("fi", 6),
            ("de", 9),
            ("ua", 1),
            ("by", 8),
            ("en", 7),
            ("ru", 0),
        ];
        let np = rng.range(5, 15) as usize;
        let ns = rng.range(2, 3) as usize;
        let prob = rng.uniform(0.6, 0.9);
        let sources: Vec<u32> = (0..ns)
            .map(|_| {
                let c = new_chan(names, rng, 0, 0.0, true);
                sim.chans.push(c);
                (sim.chans.len() - 1) as u32
            })
            .collect();
        let mut portals = Vec::new();
        let mut domains_used = BTreeSet::new();
        for k in 0..np {
            let (cc, l) = CC[k % CC.len()];
            let round = k / CC.len();
            let host = if rng.chance(0.7) {
                if round == 0 {
                    format!("{cc}.news-pravda.com")
                } else {
                    format!("{cc}{round}.news-pravda.com")
                }
            } else {
                format!(
                    "pravda-{cc}{}.com",
                    if round == 0 {
                        String::new()
                    } else {
                        round.to_string()
                    }
                )
            };
            let domain = host
                .rsplitn(3, '.')
                .take(2)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join(".");
            domains_used.insert(domain.clone());
            sim.sites.push(Site {
                host: host.clone(),
                domain,
                lang: l,
                name: format!("Pravda {}", cc.to_uppercase()),
                atom: false,
                section: "world".into(),
                rate: 0.0,
                tz: 3,
                next_id: rng.range(10_000, 900_000) as u64,
                style: 1,
                written: 0,
            });
            portals.push((sim.sites.len() - 1) as u32);
        }
        let per_post = 1.0 + np as f64 * prob;
        let posts = (b(0.2) / per_post).round().clamp(3.0, 5000.0) as usize;
        let tag = sim.group(
            kinds::PORTAL_KOMBAT,
            false,
            &[disarm::INAUTHENTIC_SITES_AMPLIFY, disarm::CROSS_POSTING, disarm::POST_ACROSS_PLATFORM],
            json!({"portals": np, "sources": ns, "republish_probability": prob, "delay_s": [60, 900], "source_posts": posts}),
        );
        let g = &mut sim.groups[tag as usize - 1];
        g.op.domains = domains_used.into_iter().collect();
        g.actors = sources
            .iter()
            .map(|&c| (Platform::Telegram, c, "source"))
            .chain(portals.iter().map(|&s| (Platform::Web, s, "portal")))
            .collect();
        while sim.chan_hooks.len() < sim.chans.len() {
            sim.chan_hooks.push(Vec::new());
        }
        for &s in &sources {
            for &p in &portals {
                let median = rng.uniform(90.0, 600.0);
                sim.chan_hooks[s as usize].push(ChanHook::Portal {
                    site: p,
                    p: prob,
                    median,
                    tag,
                });
            }
            sim.plans.push((tag, Plan::Source { chan: s }));
            let pi = sim.plans.len() as u16 - 1;
            sim.waves(pi, posts.div_ceil(ns), rng, true, 3);
        }
    }

    // Telegram forward network.
    {
        let m = scaled(5.0, 20.0, sf.max(0.5), rng);
        let prob = rng.uniform(0.5, 0.9);
        let mean = rng.uniform(20.0, 300.0);
        let lang = if rng.chance(0.6) {
            0
        } else {
            *rng.pick(&[1usize, 8, 2, 3]).unwrap_or(&0)
        };
        let src = new_chan(names, rng, lang, 0.0, true);
        sim.chans.push(src);
        let s = (sim.chans.len() - 1) as u32;
        let members: Vec<u32> = (0..m)
            .map(|_| {
                let rate = rng.lognormal(2.0, 0.8);
                let c = new_chan(names, rng, lang, rate, true);
                sim.chans.push(c);
                (sim.chans.len() - 1) as u32
            })
            .collect();
        let posts = (b(0.15) / (1.0 + m as f64 * prob))
            .round()
            .clamp(3.0, 5000.0) as usize;
        let tag = sim.group(
            kinds::TELEGRAM_FORWARD_NETWORK,
            false,
            &[disarm::AUTOMATED_REPOSTING],
            json!({"channels": m, "forward_probability": prob, "delay_mean_s": mean, "source_posts": posts, "lang": LANGS[lang]}),
        );
        sim.groups[tag as usize - 1].actors = std::iter::once((Platform::Telegram, s, "source"))
            .chain(
                members
                    .iter()
                    .map(|&c| (Platform::Telegram, c, "forwarder")),
            )
            .collect();
        while sim.chan_hooks.len() < sim.chans.len() {
            sim.chan_hooks.push(Vec::new());
        }
        for &c in &members {
            sim.chan_hooks[s as usize].push(ChanHook::Forward {
                chan: c,
                p: prob,
                mean,
                tag,
            });
        }
        sim.plans.push((tag, Plan::Source { chan: s }));
        let pi = sim.plans.len() as u16 - 1;
        sim.waves(pi, posts, rng, true, lang::LANG_TZ[lang]);
    }

    // Copypasta.
    {
        let m = scaled(15.0, 50.0, sf, rng);
        let part = rng.uniform(0.5, 0.9);
        let spread = rng.uniform(60.0, 400.0);
        let mutation = rng.uniform(0.2, 0.7);
        let lang = *rng.pick(&[0usize, 7, 2, 5, 1, 3]).unwrap_or(&0);
        let members = sim.bot_accounts(names, rng, m, lang, true, cover);
        let nw = (b(0.12) / (m as f64 * part)).round().clamp(3.0, 3000.0) as usize;
        let tag = sim.group(kinds::COPYPASTA, false, &[disarm::COPYPASTA], json!({"accounts": m, "participation": part, "spread_s": spread, "mutation_rate": mutation, "waves": nw, "lang": LANGS[lang], "cover_rate_median_per_day": cover}));
        sim.groups[tag as usize - 1].actors = members
            .iter()
            .map(|&i| (Platform::X, i, "member"))
            .collect();
        sim.plans.push((
            tag,
            Plan::Copy {
                members,
                lang,
                part,
                spread,
                mutation,
            },
        ));
        let pi = sim.plans.len() as u16 - 1;
        sim.waves(pi, nw, rng, true, lang::LANG_TZ[lang]);
    }

    // Hashtag flooding.
    {
        let m = scaled(20.0, 60.0, sf, rng);
        let part = rng.uniform(0.5, 0.9);
        let window = rng.uniform(300.0, 1200.0);
        let lang = *rng.pick(&[0usize, 7, 2, 3, 4, 5]).unwrap_or(&7);
        let ntags = rng.range(2, 3) as usize;
        let tags: Vec<String> = rng
            .sample(lang::FLOOD_TAGS.len(), ntags)
            .into_iter()
            .map(|i| lang::FLOOD_TAGS[i].to_string())
            .collect();
        let members = sim.bot_accounts(names, rng, m, lang, false, cover);
        let nw = (b(0.1) / (m as f64 * part)).round().clamp(3.0, 3000.0) as usize;
        let tag = sim.group(kinds::HASHTAG_FLOOD, false, &[disarm::HASHTAG_FLOODING], json!({"accounts": m, "participation": part, "window_s": window, "hashtags": tags, "bursts": nw, "cover_rate_median_per_day": cover}));
        sim.groups[tag as usize - 1].actors = members
            .iter()
            .map(|&i| (Platform::X, i, "member"))
            .collect();
        sim.plans.push((
            tag,
            Plan::Flood {
                members,
                lang,
                tags,
                part,
                window,
            },
        ));
        let pi = sim.plans.len() as u16 - 1;
        sim.waves(pi, nw, rng, true, lang::LANG_TZ[lang]);
    }

    // Retweet ring.
    {
        let m = scaled(10.0, 30.0, sf, rng);
        let part = rng.uniform(0.6, 0.95);
        let max_delay = rng.uniform(15.0, 90.0);
        let lang = *rng.pick(&[0usize, 7, 1, 5]).unwrap_or(&0);
        let members = sim.bot_accounts(names, rng, m, lang, false, cover);
        let seed = members[0];
        let nw = (b(0.1) / (1.0 + (m - 1) as f64 * part))
            .round()
            .clamp(3.0, 3000.0) as usize;
        let tag = sim.group(kinds::RETWEET_RING, false, &[disarm::AUTOMATED_REPOSTING], json!({"accounts": m, "participation": part, "max_delay_s": max_delay, "rounds": nw, "cover_rate_median_per_day": cover}));
        sim.groups[tag as usize - 1].actors = members
            .iter()
            .map(|&i| (Platform::X, i, if i == seed { "seed" } else { "member" }))
            .collect();
        sim.plans.push((
            tag,
            Plan::Ring {
                members,
                seed,
                part,
                max_delay,
            },
        ));
        let pi = sim.plans.len() as u16 - 1;
        sim.waves(pi, nw, rng, false, 0);
    }

    // Slow coordination.
    {
        let m = scaled(10.0, 20.0, sf.max(0.5), rng);
        let lang = *rng.pick(&[0usize, 2, 3, 4, 5]).unwrap_or(&0);
        let domain = [
            "baltic-review.net",
            "eurasia-daily.info",
            "alt-baltnews.com",
            "nordic-insight.org",
        ][rng.below(4)]
        .to_string();
        let lo = (m / 3).max(3);
        let hi = (m * 2 / 3).max(lo + 1);
        let links = (b(0.05) / ((lo + hi) as f64 / 2.0))
            .round()
            .clamp(5.0, 2000.0) as usize;
        let members = sim.bot_accounts(names, rng, m, lang, false, cover);
        let tag = sim.group(kinds::SLOW_COORDINATION, false, &[disarm::FLOOD_INFORMATION_SPACE], json!({"accounts": m, "links": links, "gap_s": [600, 1800], "participants_per_link": [lo, hi], "domain": domain, "cover_rate_median_per_day": cover}));
        sim.groups[tag as usize - 1].op.domains = vec![domain.clone()];
        sim.groups[tag as usize - 1].actors = members
            .iter()
            .map(|&i| (Platform::X, i, "member"))
            .collect();
        sim.plans.push((
            tag,
            Plan::Slow {
                members,
                domain,
                lang,
                lo,
                hi,
            },
        ));
        let pi = sim.plans.len() as u16 - 1;
        sim.waves(pi, links, rng, true, lang::LANG_TZ[lang]);
    }

    // Cross-posting from Telegram to X.
    {
        let a = rng.range(3, 8) as usize;
        let prob = rng.uniform(0.6, 0.9);
        let (lo, hi) = (rng.uniform(60.0, 240.0), rng.uniform(600.0, 1500.0));
        let lang = *rng.pick(&[0usize, 1, 2, 5]).unwrap_or(&0);
        let src = new_chan(names, rng, lang, 0.0, true);
        sim.chans.push(src);
        let s = (sim.chans.len() - 1) as u32;
        let accounts = sim.bot_accounts(names, rng, a, lang, false, cover);
        let posts = (b(0.08) / (1.0 + a as f64 * prob))
            .round()
            .clamp(3.0, 5000.0) as usize;
        let tag = sim.group(kinds::CROSS_POSTING, false, &[disarm::CROSS_POSTING, disarm::POST_ACROSS_PLATFORM], json!({"accounts": a, "post_probability": prob, "delay_s": [lo, hi], "source_posts": posts}));
        sim.groups[tag as usize - 1].actors = std::iter::once((Platform::Telegram, s, "source"))
            .chain(accounts.iter().map(|&i| (Platform::X, i, "crossposter")))
            .collect();
        while sim.chan_hooks.len() < sim.chans.len() {
            sim.chan_hooks.push(Vec::new());
        }
        for &acc in &accounts {
            sim.chan_hooks[s as usize].push(ChanHook::Cross {
                acc,
                p: prob,
                lo,
                hi,
                tag,
            });
        }
        sim.plans.push((tag, Plan::Source { chan: s }));
        let pi = sim.plans.len() as u16 - 1;
        sim.waves(pi, posts, rng, true, lang::LANG_TZ[lang]);
    }
    let _ = cfg;
    while sim.chan_hooks.len() < sim.chans.len() {
        sim.chan_hooks.push(Vec::new());
    }
}

fn mutate(text: &str, rng: &mut Rng, lang: usize) -> String {
    let mut s = text.to_string();
    for _ in 0..rng.range(1, 3) {
        match rng.below(5) {
            0 => {
                s.push(' ');
                s.push_str(EMOJI[rng.below(EMOJI.len())]);
            }
            1 => {
                let tags = lang::BIG_TAGS[lang];
                s.push_str(" #");
                s.push_str(tags[rng.below(tags.len())]);
            }
            2 => s = s.replacen('.', "!", 1),
            3 => {
                // Swap one comment word for another from the same list.
                for row in lang::COMMENTS.iter() {
                    if s.contains(row[lang]) {
                        let other = lang::COMMENTS[rng.below(lang::COMMENTS.len())][lang];
                        s = s.replacen(row[lang], other, 1);
                        break;
                    }
                }
            }
            _ => s = s.replace(" — ", " - ").replace(", ", " , "),
        }
    }
    s
}

impl Sim {
    pub(super) fn expand_wave(&mut self, t: i64, plan: u16) {
        let mut r = self.prng.fork(u64::from(plan));
        let (tag, p) = match self.plans.get(plan as usize) {
            Some((tag, p)) => (*tag, p),
            None => return,
        };
        let mut evs: Vec<(i64, Ev)> = Vec::new();
        let tweet = |author: u32, text: String, links: Vec<Link>, tags: Vec<String>, ring: u16| {
            Ev::Tweet(Box::new(TweetEv {
                author,
                text,
                links,
                tags,
                reply: false,
                tag,
                ring,
                organic: false,
            }))
        };
        match p {
            Plan::Dop {
                members,
                clones,
                redirs,
                part,
                jitter,
            } => {
                let Some((host, lang)) = r.pick(clones).cloned() else {
                    return;
                };
                let slots = Slots::random(&mut r);
                let url = format!(
                    "https://{host}/{}/{}-{}.html",
                    ["politik", "news", "world", "article"][r.below(4)],
                    slug(&slots.render(lang)),
                    r.range(10_000, 99_999)
                );
                let mut first = true;
                for &m in members {
                    if !r.chance(*part) {
                        continue;
                    }
                    let d = if first {
                        0
                    } else {
                        r.exp(*jitter).min(300.0) as i64
                    };
                    first = false;
                    let mut s = slots;
                    if r.chance(0.5) {
                        s.a = r.below(lang::COMMENTS.len());
                    }
                    let mut text = s.render(lang);
                    if r.chance(0.3) {
                        text.push(' ');
                        text.push_str(EMOJI[r.below(EMOJI.len())]);
                    }
                    let link = if r.chance(0.8) {
                        let red = r.pick(redirs).cloned().unwrap_or_default();
                        Link {
                            expanded: format!(
                                "https://{red}/{}",
                                r.token(b"abcdefghijklmnopqrstuvwxyz0123456789", 8)
                            ),
                            unwound: Some(url.clone()),
                        }
                    } else {
                        Link {
                            expanded: url.clone(),
                            unwound: None,
                        }
                    };
                    evs.push((t + d, tweet(m, text, vec![link], Vec::new(), 0)));
                }
            }
            Plan::Copy {
                members,
                lang,
                part,
                spread,
                mutation,
            } => {
                let mut base = Slots::random(&mut r).render(*lang);
                base.push(' ');
                base.push_str(&Slots::random(&mut r).render(*lang));
                for &m in members {
                    if !r.chance(*part) {
                        continue;
                    }
                    let text = if r.chance(*mutation) {
                        mutate(&base, &mut r, *lang)
                    } else {
                        base.clone()
                    };
                    evs.push((
                        t + r.uniform(0.0, *spread) as i64,
                        tweet(m, text, Vec::new(), Vec::new(), 0),
                    ));
                }
            }
            Plan::Flood {
                members,
                lang,
                tags,
                part,
                window,
            } => {
                for &m in members {
                    if !r.chance(*part) {
                        continue;
                    }
                    let mut tg = tags.clone();
                    r.shuffle(&mut tg);
                    if r.chance(0.3) {
                        tg.push(lang::GLOBAL_TAGS[r.below(lang::GLOBAL_TAGS.len())].to_string());
                    }
                    let text = Slots::random(&mut r).render(*lang);
                    evs.push((
                        t + r.uniform(0.0, *window) as i64,
                        tweet(m, text, Vec::new(), tg, 0),
                    ));
                }
            }
            Plan::Ring { members, seed, .. } => {
                let author = if r.chance(0.6) {
                    *seed
                } else {
                    *r.pick(members).unwrap_or(seed)
                };
                let lang = self.x[author as usize].lang;
                let text = Slots::random(&mut r).render(lang);
                evs.push((t, tweet(author, text, Vec::new(), Vec::new(), tag)));
            }
            Plan::Slow {
                members,
                domain,
                lang,
                lo,
                hi,
            } => {
                let url = format!(
                    "https://{domain}/{}/{}-{}",
                    ["politika", "analitika", "news"][r.below(3)],
                    r.range(1000, 99_999),
                    r.token(b"abcdefghijklmnopqrstuvwxyz", 6)
                );
                let k = r.range(*lo as i64, *hi as i64) as usize;
                let mut at = t;
                for i in r.sample(members.len(), k) {
                    let text = Slots::random(&mut r).render(*lang);
                    evs.push((
                        at,
                        tweet(
                            members[i],
                            text,
                            vec![Link {
                                expanded: url.clone(),
                                unwound: None,
                            }],
                            Vec::new(),
                            0,
                        ),
                    ));
                    at += r.uniform(600.0, 1800.0) as i64;
                }
            }
            Plan::Source { chan } => {
                let c = *chan;
                let lang = self.chans[c as usize].lang;
                let slots = Slots::random(&mut r);
                let mut parts = vec![Part::Plain(slots.render(lang))];
                if r.chance(0.5) {
                    parts.push(Part::Plain(format!(
                        "\n\n{}",
                        Slots::random(&mut r).render(lang)
                    )));
                }
                if r.chance(0.3) {
                    parts.push(Part::Plain("\n".into()));
                    parts.push(Part::Hashtag(format!(
                        "#{}",
                        lang::FLOOD_TAGS[r.below(lang::FLOOD_TAGS.len())]
                    )));
                }
                let photo = r.chance(0.4);
                evs.push((
                    t,
                    Ev::Tg(Box::new(TgEv {
                        chan: c,
                        slots: Some(slots),
                        parts,
                        photo,
                        tag,
                    })),
                ));
            }
        }
        for (at, ev) in evs {
            self.push(at, ev);
        }
    }
}
