//! The scenario engine: builds the world and the planted operations, then runs a discrete-event
//! simulation hour by hour. Every event is written the moment it is processed, so memory holds
//! only pending events (cascades still unfolding), never the whole scenario.
//!
//! A run in file order: [`build`] makes the world and plants the [`operations`] and the
//! [`decoys`]; [`outputs`] opens the files; each hour [`Sim::spawn_hour`] adds organic traffic to
//! the queue of [`schedule`] and [`Sim::drain`] writes the due events ([`emit_x`],
//! [`emit_telegram`], [`emit_web`]; an organic article starts a [`cascade`] of shares); at the end
//! [`ledger`] turns what was planted into `truth.json`.

mod build;
mod cascade;
mod decoys;
mod emit_telegram;
mod emit_web;
mod emit_x;
mod ledger;
mod operations;
mod outputs;
mod schedule;

use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::fmt::Write as _;
use std::path::Path;

use crate::lang::{self, EMOJI, LANGS, Slots};
use crate::out::{self, FeedSink, TgTarget, XSink, io_err};
use crate::rng::Rng;
use crate::truth::LookalikeDomain;
use crate::world::{Chan, Site, XAcc};
use crate::{SimConfig, SimError, SimSummary};

use build::Pool;
use ledger::Group;
use schedule::{
    ArtEv, ChanHook, DIURNAL, Ev, NEWS_DIURNAL, Plan, Sched, SiteHook, TgEv, TgStyle, TweetEv,
    profile,
};

/// The world and the run: actors, hooks and plans, the event queue, the open files and
/// what truth will say.
struct Sim {
    cfg_start: i64,
    end: i64,
    prng: Rng,
    x: Vec<XAcc>,
    chans: Vec<Chan>,
    sites: Vec<Site>,
    /// Index of the first portal in `sites` (sites before it are real outlets).
    portals_from: usize,
    x_pools: Vec<Pool>,
    tg_pools: Vec<Pool>,
    x_hour: [f64; 10],
    tg_hour: [f64; 10],
    chan_hooks: Vec<Vec<ChanHook>>,
    site_hooks: Vec<Vec<SiteHook>>,
    plans: Vec<(u16, Plan)>,
    groups: Vec<Group>,
    heap: BinaryHeap<Sched>,
    seq: u64,
    id_seq: u64,
    recent: Vec<Vec<(u64, u32, u64)>>,
    trending: Vec<[usize; 3]>,
    rt_k: f64,
    p_viral: f64,
    xsink: XSink,
    tg: Vec<TgTarget>,
    feeds: Vec<Option<FeedSink>>,
    buf: String,
    items: u64,
    by_platform: BTreeMap<String, u64>,
    lookalikes: Vec<LookalikeDomain>,
    /// Hosts of every link written to a file, so that truth names only clones that appear.
    linked_hosts: BTreeSet<String>,
}

/// Sorts actor indices by posting rate, quietest first or, when `busiest_first`, busiest first;
/// equal rates keep index order, so that the order never depends on the sort.
fn sort_by_rate(ids: &mut [u32], busiest_first: bool, rate: impl Fn(u32) -> f64) {
    ids.sort_by(|&a, &b| {
        let by_rate = rate(a).total_cmp(&rate(b));
        let by_rate = if busiest_first {
            by_rate.reverse()
        } else {
            by_rate
        };
        by_rate.then(a.cmp(&b))
    });
}

/// Runs the simulation described by `cfg` and writes it under `out`.
pub fn run(cfg: &SimConfig, outdir: &Path) -> Result<SimSummary, SimError> {
    if !(cfg.scale.is_finite() && cfg.scale > 0.0 && cfg.scale <= 1000.0) {
        return Err(SimError::Config(format!(
            "scale must be in (0, 1000], got {}",
            cfg.scale
        )));
    }
    if cfg.days == 0 || cfg.days > 366 {
        return Err(SimError::Config(format!(
            "days must be in 1..=366, got {}",
            cfg.days
        )));
    }
    let data = outdir.join("data");
    std::fs::create_dir_all(&data).map_err(io_err(&data))?;
    let mut sim = build::build(cfg, &data)?;
    let hours = i64::from(cfg.days) * 24;
    let mut grng = Rng::new(cfg.seed ^ 0x006f_7267_616e_6963);
    for h in 0..hours {
        let h0 = cfg.start + h * 3600;
        sim.spawn_hour(h0, &mut grng);
        sim.drain(h0 + 3600)?;
    }
    sim.finish(cfg, outdir)
}

impl Sim {
    /// Queues the organic posts, messages and articles of the hour starting at `h0`, drawn from
    /// `rng`, the organic generator: seeded apart from the post generator, so that what the
    /// planted traffic draws does not move them.
    fn spawn_hour(&mut self, h0: i64, rng: &mut Rng) {
        let day = ((h0 - self.cfg_start) / 86_400) as usize;
        for l in 0..LANGS.len() {
            let f = profile(&DIURNAL, h0, lang::LANG_TZ[l]);
            let n = rng.poisson(self.x_hour[l] * f);
            for _ in 0..n {
                let Some(author) = self.x_pools[l].pick(rng) else {
                    break;
                };
                let t = h0 + rng.below(3600) as i64;
                let mut text = Slots::random(rng).render(l);
                if rng.chance(0.35) {
                    text.push(' ');
                    text.push_str(&Slots::random(rng).render(l));
                }
                if rng.chance(0.12) {
                    text.push(' ');
                    text.push_str(EMOJI[rng.below(EMOJI.len())]);
                }
                if rng.chance(0.1) {
                    let _ = write!(text, " {}°C", rng.range(-15, 5));
                }
                let mut tags = Vec::new();
                if rng.chance(0.18) {
                    let bt = lang::BIG_TAGS[l];
                    tags.push(bt[rng.below(bt.len())].to_string());
                }
                if rng.chance(0.08) {
                    tags.push(lang::GLOBAL_TAGS[rng.below(lang::GLOBAL_TAGS.len())].to_string());
                }
                if rng.chance(0.08) {
                    let tr = self.trending[day.min(self.trending.len() - 1)];
                    tags.push(lang::TREND_POOL[tr[rng.below(3)]].to_string());
                }
                let reply = rng.chance(0.12);
                let ev = TweetEv {
                    tags,
                    reply,
                    organic: true,
                    ..TweetEv::planted(author, text, 0)
                };
                self.push(t, ev.into());
            }
            let n = rng.poisson(self.tg_hour[l] * f);
            for _ in 0..n {
                let Some(chan) = self.tg_pools[l].pick(rng) else {
                    break;
                };
                let t = h0 + rng.below(3600) as i64;
                let style = TgStyle {
                    hashtag: 0.15,
                    tags: lang::BIG_TAGS[l],
                    photo: 0.3,
                };
                self.push(t, TgEv::post(chan, l, &style, rng, 0).into());
            }
        }
        for s in 0..self.portals_from {
            let site = &self.sites[s];
            let n = rng.poisson(site.rate / 24.0 * profile(&NEWS_DIURNAL, h0, site.tz));
            for _ in 0..n {
                let t = h0 + rng.below(3600) as i64;
                let ev = ArtEv {
                    site: s as u32,
                    slots: Slots::random(rng),
                    source: None,
                    tag: 0,
                };
                self.push(t, Ev::Article(Box::new(ev)));
            }
        }
    }

    /// Writes every queued event due before `until`; those past the end of the window are
    /// dropped.
    fn drain(&mut self, until: i64) -> Result<(), SimError> {
        while self.heap.peek().is_some_and(|s| s.t < until) {
            let Some(Sched { t, ev, .. }) = self.heap.pop() else {
                break;
            };
            if t >= self.end {
                continue;
            }
            match ev {
                Ev::Tweet(e) => self.emit_tweet(t, *e)?,
                Ev::Retweet { author, orig, tag } => self.emit_retweet(t, author, &orig, tag)?,
                Ev::Tg(e) => self.emit_tg(t, *e)?,
                Ev::Fwd { chan, src, tag } => self.emit_fwd(t, chan, &src, tag)?,
                Ev::Article(e) => self.emit_article(t, *e)?,
                Ev::Wave { plan } => self.expand_wave(t, plan),
            }
        }
        Ok(())
    }

    /// Closes the files, writes `truth.json` and sums the run up.
    fn finish(mut self, cfg: &SimConfig, outdir: &Path) -> Result<SimSummary, SimError> {
        // Whatever is still pending falls after the window and is not written.
        self.heap.clear();
        let files = self.close_outputs(outdir)?;
        let actors = self.x.iter().filter(|a| a.written > 0).count() as u64
            + self.chans.iter().filter(|c| c.written > 0).count() as u64
            + self.sites.iter().filter(|s| s.written > 0).count() as u64;
        let truth = self.truth(cfg);
        out::write_truth(&outdir.join("truth.json"), &truth)?;
        Ok(SimSummary {
            items: self.items,
            actors,
            files,
            by_platform: self.by_platform,
        })
    }
}
