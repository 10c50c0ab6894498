//! Setting up the world: organic X accounts, Telegram channels and outlets, the planted
//! operations and decoys on top, then the organic rates calibrated to the item budget.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::path::Path;

use crate::domains::OUTLETS;
use crate::lang::{self, LANGS};
use crate::out::XSink;
use crate::rng::{Alias, Rng};
use crate::world::{self, Chan, Names, Site, XAcc};
use crate::{SimConfig, SimError};

use super::Sim;
use super::decoys::plant_decoys;
use super::operations::plant_operations;

/// Builds the world of `cfg`: the organic actors, then the operations and decoys (from a fork
/// of their own), then the organic rates, and opens the output files under `data`.
pub(super) fn build(cfg: &SimConfig, data: &Path) -> Result<Sim, SimError> {
    let mut rng = Rng::new(cfg.seed);
    let n_items = 100_000.0 * cfg.scale;
    let week = f64::from(cfg.days);
    let sf = cfg.scale.sqrt().clamp(0.25, 1.0);
    let mut names = Names::default();
    let end = cfg.start + i64::from(cfg.days) * 86_400;

    // Organic X accounts.
    let nx = ((5_000.0 * cfg.scale) as usize).max(250);
    let mut wr = rng.fork(1);
    let mut x: Vec<XAcc> = Vec::with_capacity(nx + 400);
    for _ in 0..nx {
        let l = world::pick_lang(&mut wr);
        let u = names.organic_handle(&mut wr);
        let n = world::display_name(l, &mut wr);
        let created = world::organic_created(&mut wr);
        let f = world::followers(&mut wr);
        let rate = wr.lognormal(0.4, 1.5).min(400.0);
        x.push(world::x_account(
            &mut names, &mut wr, l, u, n, created, f, rate, false,
        ));
    }
    // Telegram channels.
    let nt = ((30.0 + 150.0 * cfg.scale.powf(0.6)) as usize).min(700);
    let mut chans: Vec<Chan> = Vec::new();
    for _ in 0..nt {
        let l = world::pick_lang(&mut wr);
        let rate = wr.lognormal(6.0, 1.0);
        chans.push(new_chan(&mut names, &mut wr, l, rate, false));
    }
    // Sites.
    let mut sites: Vec<Site> = Vec::new();
    let wsum: f64 = OUTLETS.iter().map(|o| o.weight).sum();
    for (i, o) in OUTLETS.iter().enumerate() {
        sites.push(Site {
            host: o.host.to_string(),
            domain: o.domain.to_string(),
            lang: o.lang,
            name: o.name.to_string(),
            atom: o.atom,
            section: o.section.to_string(),
            rate: 0.07 * n_items / week * o.weight / wsum,
            tz: lang::LANG_TZ[o.lang].min(2),
            next_id: wr.range(100_000, 2_500_000) as u64,
            style: (i % 3) as u8,
            written: 0,
        });
    }
    let portals_from = sites.len();

    let mut sim = Sim {
        cfg_start: cfg.start,
        end,
        prng: rng.fork(2),
        x,
        chans,
        sites,
        portals_from,
        x_pools: Vec::new(),
        tg_pools: Vec::new(),
        x_hour: [0.0; 10],
        tg_hour: [0.0; 10],
        chan_hooks: Vec::new(),
        site_hooks: Vec::new(),
        plans: Vec::new(),
        groups: Vec::new(),
        heap: BinaryHeap::new(),
        seq: 0,
        id_seq: 0,
        recent: vec![Vec::new(); LANGS.len()],
        trending: Vec::new(),
        rt_k: 3.0,
        p_viral: 0.0012,
        xsink: XSink::new(data.join("x")),
        tg: Vec::new(),
        feeds: Vec::new(),
        buf: String::new(),
        items: 0,
        by_platform: BTreeMap::new(),
        lookalikes: Vec::new(),
        linked_hosts: BTreeSet::new(),
    };
    let mut orng = rng.fork(3);
    plant_operations(&mut sim, &mut names, &mut orng, n_items, sf);
    plant_decoys(&mut sim, &mut names, &mut orng, cfg.scale);

    // Organic rates per community, calibrated to the item budget.
    let x_target = 0.42 * n_items / (week * 24.0);
    let tg_target = 0.13 * n_items / (week * 24.0);
    let xsum: f64 = sim.x.iter().filter(|a| a.rate > 0.0).map(|a| a.rate).sum();
    let tsum: f64 = sim.chans.iter().map(|c| c.rate).sum();
    let x_rates: Vec<(usize, f64)> = sim.x.iter().map(|a| (a.lang, a.rate)).collect();
    let tg_rates: Vec<(usize, f64)> = sim.chans.iter().map(|c| (c.lang, c.rate)).collect();
    for l in 0..LANGS.len() {
        let pool = Pool::new(&x_rates, l);
        sim.x_hour[l] = x_target * pool.weight / xsum.max(1e-9);
        sim.x_pools.push(pool);
        let pool = Pool::new(&tg_rates, l);
        sim.tg_hour[l] = tg_target * pool.weight / tsum.max(1e-9);
        sim.tg_pools.push(pool);
    }
    for _ in 0..cfg.days {
        let v = rng.sample(lang::TREND_POOL.len(), 3);
        sim.trending.push([v[0], v[1], v[2]]);
    }

    sim.open_outputs(cfg.start, data)?;
    Ok(sim)
}

/// The organic posters of one language community, drawn by their rates.
pub(super) struct Pool {
    alias: Alias,
    members: Vec<u32>,
    /// Sum of the members' rates.
    weight: f64,
}

impl Pool {
    /// The actors of language `lang` that post on their own, given each actor's
    /// `(language, rate)` in index order.
    fn new(rates: &[(usize, f64)], lang: usize) -> Pool {
        let members: Vec<u32> = (0..rates.len() as u32)
            .filter(|&i| rates[i as usize].0 == lang && rates[i as usize].1 > 0.0)
            .collect();
        let w: Vec<f64> = members.iter().map(|&i| rates[i as usize].1).collect();
        Pool {
            alias: Alias::new(&w),
            members,
            weight: w.iter().sum::<f64>(),
        }
    }

    /// How many members the community has.
    pub(super) fn len(&self) -> usize {
        self.members.len()
    }

    /// One member, more likely the higher its rate; `None`, with nothing drawn, when the
    /// community is empty.
    pub(super) fn pick(&self, rng: &mut Rng) -> Option<u32> {
        if self.members.is_empty() {
            return None;
        }
        Some(self.members[self.alias.sample(rng)])
    }
}

/// A new Telegram channel of language `lang` with relative posting rate `rate`; a `reserved`
/// one plays a planted or decoy role and is left out of the organic ones (the full-account
/// export, organic forwards).
pub(super) fn new_chan(
    names: &mut Names,
    rng: &mut Rng,
    lang: usize,
    rate: f64,
    reserved: bool,
) -> Chan {
    let title = world::channel_title(lang, rng);
    let base = names.organic_handle(rng);
    let username = if rng.chance(0.5) {
        base
    } else {
        names.unique(format!("{base}_news"), rng)
    };
    Chan {
        id: names.id(1_000_000_000, 2_099_999_999, rng),
        username,
        title,
        lang,
        rate,
        next_msg: rng.range(50, 40_000) as u64,
        reserved,
        written: 0,
    }
}

impl Sim {
    /// Adds `n` bot accounts, most of them in language `lang`. `templated` ones mostly have
    /// generated handles and were created in one batch; with `cover` above 0 they also post
    /// organically at that median rate.
    pub(super) fn bot_accounts(
        &mut self,
        names: &mut Names,
        rng: &mut Rng,
        n: usize,
        lang: usize,
        templated: bool,
        cover: f64,
    ) -> Vec<u32> {
        let batch = rng.range(1_672_531_200, 1_704_000_000);
        (0..n)
            .map(|_| {
                let l = if rng.chance(0.85) {
                    lang
                } else {
                    world::pick_lang(rng)
                };
                let u = if templated && rng.chance(0.7) {
                    names.templated_handle(rng)
                } else {
                    names.organic_handle(rng)
                };
                let name = world::display_name(l, rng);
                let created = if templated {
                    batch + rng.range(0, 6 * 86_400)
                } else {
                    world::organic_created(rng)
                };
                let f = (rng.lognormal(40.0, 1.2) as u64).min(20_000);
                let rate = if cover > 0.0 {
                    rng.lognormal(cover, 0.8)
                } else {
                    0.0
                };
                let a = world::x_account(names, rng, l, u, name, created, f, rate, true);
                self.add_x(a)
            })
            .collect()
    }

    /// Adds a channel reserved for a planted or decoy role and returns its index.
    pub(super) fn add_chan(
        &mut self,
        names: &mut Names,
        rng: &mut Rng,
        lang: usize,
        rate: f64,
    ) -> u32 {
        let c = new_chan(names, rng, lang, rate, true);
        self.chans.push(c);
        (self.chans.len() - 1) as u32
    }

    /// Adds an X account and returns its index.
    pub(super) fn add_x(&mut self, a: XAcc) -> u32 {
        self.x.push(a);
        (self.x.len() - 1) as u32
    }
}
