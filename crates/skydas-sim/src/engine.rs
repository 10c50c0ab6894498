//! The scenario engine: builds the world and the planted operations, then runs a discrete-event
//! simulation hour by hour. Every event is written the moment it is processed, so memory holds
//! only pending events (cascades still unfolding), never the whole scenario.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::rc::Rc;

use serde_json::json;
use skydas_model::Platform;
use skydas_model::disarm;
use skydas_model::time::{civil_from_days, format_rfc3339_millis};

use crate::domains::{self, OUTLETS};
use crate::lang::{self, EMOJI, LANGS, Slots};
use crate::out::{self, FeedSink, Part, TgTarget, XSink, io_err, json_str};
use crate::rng::{Alias, Rng};
use crate::truth::{LookalikeDomain, Operation, Truth, TruthActor, TruthItem, kinds};
use crate::world::{self, Chan, Names, Site, XAcc};
use crate::{SimConfig, SimError, SimSummary};

/// Hourly activity in local time, normalised to mean 1 at construction.
const DIURNAL: [f64; 24] = [
    0.35, 0.2, 0.12, 0.08, 0.08, 0.15, 0.4, 0.8, 1.1, 1.3, 1.35, 1.3, 1.3, 1.25, 1.2, 1.2, 1.25,
    1.35, 1.5, 1.6, 1.6, 1.4, 1.0, 0.62,
];
const NEWS_DIURNAL: [f64; 24] = [
    0.3, 0.2, 0.15, 0.15, 0.2, 0.5, 1.0, 1.4, 1.6, 1.6, 1.5, 1.4, 1.4, 1.4, 1.3, 1.3, 1.3, 1.3,
    1.2, 1.1, 1.0, 0.8, 0.6, 0.4,
];

fn profile(p: &[f64; 24], t: i64, tz: i64) -> f64 {
    let mean: f64 = p.iter().sum::<f64>() / 24.0;
    let local = t + tz * 3600;
    let h = local.rem_euclid(86_400) / 3600;
    // 1970-01-01 was a Thursday: day index 2 and 3 are Saturday and Sunday.
    let wd = local.div_euclid(86_400).rem_euclid(7);
    let weekend = if wd == 2 || wd == 3 { 0.82 } else { 1.0 };
    p[h as usize] / mean * weekend
}

struct Sched {
    t: i64,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Sched {
    fn eq(&self, o: &Self) -> bool {
        self.t == o.t && self.seq == o.seq
    }
}
impl Eq for Sched {}
impl PartialOrd for Sched {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Sched {
    fn cmp(&self, o: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest event first.
        (o.t, o.seq).cmp(&(self.t, self.seq))
    }
}

struct Link {
    expanded: String,
    unwound: Option<String>,
}

struct TweetEv {
    author: u32,
    text: String,
    links: Vec<Link>,
    tags: Vec<String>,
    reply: bool,
    tag: u16,
    /// Group whose members retweet this tweet (retweet rings), 0 for none.
    ring: u16,
    organic: bool,
}

struct UrlEnt {
    s: usize,
    e: usize,
    tco: String,
    expanded: String,
    unwound: Option<String>,
}

struct Orig {
    id: u64,
    author: u32,
    text: String,
    urls: Vec<UrlEnt>,
    tags: Vec<(usize, usize, String)>,
    json: String,
}

struct TgEv {
    chan: u32,
    slots: Option<Slots>,
    parts: Vec<Part>,
    photo: bool,
    tag: u16,
}

struct TgOrig {
    chan: u32,
    msg: u64,
    parts: Vec<Part>,
    text: String,
    slots: Option<Slots>,
    photo: bool,
}

struct ArtEv {
    site: u32,
    slots: Slots,
    source: Option<String>,
    tag: u16,
}

enum Ev {
    Tweet(Box<TweetEv>),
    Retweet {
        author: u32,
        orig: Rc<Orig>,
        tag: u16,
    },
    Tg(Box<TgEv>),
    Fwd {
        chan: u32,
        src: Rc<TgOrig>,
        tag: u16,
    },
    Article(Box<ArtEv>),
    Wave {
        plan: u16,
    },
}

enum ChanHook {
    Forward {
        chan: u32,
        p: f64,
        mean: f64,
        tag: u16,
    },
    Portal {
        site: u32,
        p: f64,
        median: f64,
        tag: u16,
    },
    Cross {
        acc: u32,
        p: f64,
        lo: f64,
        hi: f64,
        tag: u16,
    },
}

enum SiteHook {
    Auto {
        acc: u32,
        delay: f64,
        tag: u16,
    },
    AutoTg {
        chan: u32,
        delay: f64,
        tag: u16,
    },
    Aggr {
        acc: u32,
        base: f64,
        tag: u16,
    },
    Fan {
        acc: u32,
        p: f64,
        median: f64,
        tag: u16,
    },
}

enum Plan {
    Dop {
        members: Vec<u32>,
        clones: Vec<(String, usize)>,
        redirs: Vec<String>,
        part: f64,
        jitter: f64,
    },
    Copy {
        members: Vec<u32>,
        lang: usize,
        part: f64,
        spread: f64,
        mutation: f64,
    },
    Flood {
        members: Vec<u32>,
        lang: usize,
        tags: Vec<String>,
        part: f64,
        window: f64,
    },
    Ring {
        members: Vec<u32>,
        seed: u32,
        part: f64,
        max_delay: f64,
    },
    Slow {
        members: Vec<u32>,
        domain: String,
        lang: usize,
        lo: usize,
        hi: usize,
    },
    Source {
        chan: u32,
    },
}

struct Group {
    op: Operation,
    decoy: bool,
    actors: Vec<(Platform, u32, &'static str)>,
}

struct Sim {
    cfg_start: i64,
    end: i64,
    prng: Rng,
    x: Vec<XAcc>,
    chans: Vec<Chan>,
    sites: Vec<Site>,
    /// Index of the first portal in `sites` (sites before it are real outlets).
    portals_from: usize,
    x_alias: Vec<(Alias, Vec<u32>)>,
    tg_alias: Vec<(Alias, Vec<u32>)>,
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
    let mut sim = build(cfg, &data)?;
    let hours = i64::from(cfg.days) * 24;
    let mut grng = Rng::new(cfg.seed ^ 0x006f_7267_616e_6963);
    for h in 0..hours {
        let h0 = cfg.start + h * 3600;
        sim.spawn_hour(h0, &mut grng);
        sim.drain(h0 + 3600)?;
    }
    sim.finish(cfg, outdir)
}

fn scaled(lo: f64, hi: f64, sf: f64, rng: &mut Rng) -> usize {
    ((rng.uniform(lo, hi) * sf).round() as usize).max(4)
}

fn build(cfg: &SimConfig, data: &Path) -> Result<Sim, SimError> {
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
        x_alias: Vec::new(),
        tg_alias: Vec::new(),
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
    plant_operations(&mut sim, cfg, &mut names, &mut orng, n_items, sf);
    plant_decoys(&mut sim, &mut names, &mut orng, cfg.scale);

    // Organic rates per community, calibrated to the item budget.
    let x_target = 0.42 * n_items / (week * 24.0);
    let tg_target = 0.13 * n_items / (week * 24.0);
    let xsum: f64 = sim.x.iter().filter(|a| a.rate > 0.0).map(|a| a.rate).sum();
    let tsum: f64 = sim.chans.iter().map(|c| c.rate).sum();
    for l in 0..LANGS.len() {
        let idx: Vec<u32> = (0..sim.x.len() as u32)
            .filter(|&i| sim.x[i as usize].lang == l && sim.x[i as usize].rate > 0.0)
            .collect();
        let w: Vec<f64> = idx.iter().map(|&i| sim.x[i as usize].rate).collect();
        sim.x_hour[l] = x_target * w.iter().sum::<f64>() / xsum.max(1e-9);
        sim.x_alias.push((Alias::new(&w), idx));
        let idx: Vec<u32> = (0..sim.chans.len() as u32)
            .filter(|&i| sim.chans[i as usize].lang == l && sim.chans[i as usize].rate > 0.0)
            .collect();
        let w: Vec<f64> = idx.iter().map(|&i| sim.chans[i as usize].rate).collect();
        sim.tg_hour[l] = tg_target * w.iter().sum::<f64>() / tsum.max(1e-9);
        sim.tg_alias.push((Alias::new(&w), idx));
    }
    for _ in 0..cfg.days {
        let v = rng.sample(lang::TREND_POOL.len(), 3);
        sim.trending.push([v[0], v[1], v[2]]);
    }

    // Outputs. The full-account export takes three quiet organic channels and one forwarding
    // channel of an operation, so that both export shapes carry truth.
    let mut quiet: Vec<u32> = (0..sim.chans.len() as u32)
        .filter(|&i| !sim.chans[i as usize].reserved && sim.chans[i as usize].rate > 0.0)
        .collect();
    quiet.sort_by(|a, b| {
        sim.chans[*a as usize]
            .rate
            .total_cmp(&sim.chans[*b as usize].rate)
            .then(a.cmp(b))
    });
    let mut in_account: BTreeSet<u32> = quiet.into_iter().take(3).collect();
    if let Some(Plan::Source { chan }) = sim
        .plans
        .iter()
        .map(|p| &p.1)
        .find(|p| matches!(p, Plan::Source { .. }))
    {
        for h in &sim.chan_hooks[*chan as usize] {
            if let ChanHook::Forward { chan, .. } = h {
                in_account.insert(*chan);
                break;
            }
        }
    }
    for (i, c) in sim.chans.iter().enumerate() {
        if in_account.contains(&(i as u32)) {
            sim.tg.push(TgTarget::Account {
                messages: Vec::new(),
            });
        } else {
            let path = data.join("telegram").join(&c.username).join("result.json");
            let mut w = out::create(&path)?;
            w.write_all(out::tg_header(&c.title, c.id).as_bytes())
                .map_err(io_err(&path))?;
            sim.tg.push(TgTarget::File {
                w,
                path,
                first: true,
            });
        }
    }
    for s in &sim.sites {
        let path = data.join("web").join(format!("{}.xml", s.host));
        sim.feeds.push(Some(FeedSink::open(
            path,
            s.atom,
            &s.name,
            &s.host,
            LANGS[s.lang],
            cfg.start,
        )?));
    }
    Ok(sim)
}

fn new_chan(names: &mut Names, rng: &mut Rng, lang: usize, rate: f64, reserved: bool) -> Chan {
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
    fn group(
        &mut self,
        kind: &str,
        decoy: bool,
        disarm: &[&str],
        params: serde_json::Value,
    ) -> u16 {
        let n = self.groups.len() + 1;
        let prefix = if decoy { "decoy" } else { "op" };
        self.groups.push(Group {
            op: Operation {
                id: format!("{prefix}-{n:02}-{kind}"),
                kind: kind.to_string(),
                disarm: disarm.iter().map(|s| s.to_string()).collect(),
                actors: Vec::new(),
                items: Vec::new(),
                domains: Vec::new(),
                redirectors: Vec::new(),
                params,
            },
            decoy,
            actors: Vec::new(),
        });
        n as u16
    }

    fn bot_accounts(
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
                self.x.push(world::x_account(
                    names, rng, l, u, name, created, f, rate, true,
                ));
                (self.x.len() - 1) as u32
            })
            .collect()
    }

    fn push(&mut self, t: i64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Sched {
            t,
            seq: self.seq,
            ev,
        });
    }

    fn waves(&mut self, plan: u16, n: usize, rng: &mut Rng, daytime: bool, tz: i64) {
        let span = (self.end - self.cfg_start) as f64;
        for _ in 0..n {
            let mut t;
            loop {
                t = self.cfg_start + rng.uniform(0.0, span - 1800.0).max(0.0) as i64;
                if !daytime || rng.f64() * 1.6 < profile(&DIURNAL, t, tz) {
                    break;
                }
            }
            self.push(t, Ev::Wave { plan });
        }
    }
}

fn plant_operations(
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

fn plant_decoys(sim: &mut Sim, names: &mut Names, rng: &mut Rng, scale: f64) {
    sim.site_hooks = (0..sim.sites.len()).map(|_| Vec::new()).collect();
    let outlets = OUTLETS.len();
    // News auto-posters.
    for &s in &rng.sample(outlets, 4) {
        let o = &OUTLETS[s];
        let u = names.unique(
            format!("{}_feed", domains::brand(o.domain).replace('.', "")),
            rng,
        );
        let f = rng.range(2_000, 400_000) as u64;
        let created = world::organic_created(rng);
        sim.x.push(world::x_account(
            names,
            rng,
            o.lang,
            u,
            o.name.to_string(),
            created,
            f,
            0.0,
            true,
        ));
        let acc = (sim.x.len() - 1) as u32;
        let delay = rng.uniform(15.0, 60.0);
        let tag = sim.group(
            kinds::AUTO_POSTER,
            true,
            &[],
            json!({"site": o.host, "delay_s": delay}),
        );
        sim.groups[tag as usize - 1].actors = vec![(Platform::X, acc, "auto_poster")];
        sim.site_hooks[s].push(SiteHook::Auto { acc, delay, tag });
    }
    {
        let s = rng.below(outlets);
        let c = new_chan(names, rng, OUTLETS[s].lang, 0.0, true);
        sim.chans.push(c);
        sim.chan_hooks.push(Vec::new());
        let chan = (sim.chans.len() - 1) as u32;
        let delay = rng.uniform(30.0, 90.0);
        let tag = sim.group(
            kinds::AUTO_POSTER,
            true,
            &[],
            json!({"site": OUTLETS[s].host, "delay_s": delay}),
        );
        sim.groups[tag as usize - 1].actors = vec![(Platform::Telegram, chan, "auto_poster")];
        sim.site_hooks[s].push(SiteHook::AutoTg { chan, delay, tag });
    }
    // Aggregators: independent accounts following the same feeds.
    {
        let na = rng.range(3, 5) as usize;
        let nf = rng.range(3, 5) as usize;
        let feeds = rng.sample(outlets, nf);
        let hosts: Vec<&str> = feeds.iter().map(|&s| OUTLETS[s].host).collect();
        let tag = sim.group(
            kinds::AGGREGATOR,
            true,
            &[],
            json!({"accounts": na, "feeds": hosts, "post_probability": 0.9, "delay_s": [5, 180]}),
        );
        for k in 0..na {
            let u = names.unique(
                format!(
                    "{}news{}",
                    ["baltic", "euro", "daily", "world", "hot"][k % 5],
                    rng.range(1, 99)
                ),
                rng,
            );
            let created = world::organic_created(rng);
            let f = rng.range(100, 20_000) as u64;
            sim.x.push(world::x_account(
                names,
                rng,
                7,
                u,
                format!("News aggregator {}", k + 1),
                created,
                f,
                0.0,
                true,
            ));
            let acc = (sim.x.len() - 1) as u32;
            sim.groups[tag as usize - 1]
                .actors
                .push((Platform::X, acc, "aggregator"));
            let base = rng.uniform(5.0, 120.0);
            for &s in &feeds {
                sim.site_hooks[s].push(SiteHook::Aggr { acc, base, tag });
            }
        }
    }
    // Organic fan communities of one outlet.
    let ncomm = if scale >= 0.5 { 2 } else { 1 };
    for _ in 0..ncomm {
        let s = rng.below(outlets);
        let l = OUTLETS[s].lang;
        let pool: Vec<u32> = (0..sim.x.len() as u32)
            .filter(|&i| !sim.x[i as usize].reserved && sim.x[i as usize].lang == l)
            .collect();
        let k = (rng.range(8, 15) as usize).min(pool.len());
        let members: Vec<u32> = rng
            .sample(pool.len(), k)
            .into_iter()
            .map(|i| pool[i])
            .collect();
        // Fans share a fixed share of the outlet's articles, capped at a human volume.
        let site_rate = 0.07 * 100_000.0 * scale * OUTLETS[s].weight
            / OUTLETS.iter().map(|o| o.weight).sum::<f64>()
            / 7.0;
        let p = rng
            .uniform(0.2, 0.4)
            .min(rng.uniform(3.0, 12.0) / site_rate.max(1.0));
        let median = rng.uniform(1200.0, 5400.0);
        let tag = sim.group(kinds::ORGANIC_COMMUNITY, true, &[], json!({"site": OUTLETS[s].host, "members": k, "share_probability": p, "delay_median_s": median}));
        for &acc in &members {
            sim.x[acc as usize].reserved = true;
            sim.groups[tag as usize - 1]
                .actors
                .push((Platform::X, acc, "fan"));
            sim.site_hooks[s].push(SiteHook::Fan {
                acc,
                p,
                median,
                tag,
            });
        }
    }
    // The most active ordinary accounts.
    let mut active: Vec<u32> = (0..sim.x.len() as u32)
        .filter(|&i| !sim.x[i as usize].reserved)
        .collect();
    active.sort_by(|a, b| {
        sim.x[*b as usize]
            .rate
            .total_cmp(&sim.x[*a as usize].rate)
            .then(a.cmp(b))
    });
    let tag = sim.group(kinds::VERY_ACTIVE_USER, true, &[], json!({"accounts": 10}));
    sim.groups[tag as usize - 1].actors = active
        .iter()
        .take(10)
        .map(|&i| (Platform::X, i, "active"))
        .collect();
    // Real outlets with look-alike names.
    let tag = sim.group(kinds::LEGIT_LOOKALIKE, true, &[], json!({}));
    let g = &mut sim.groups[tag as usize - 1];
    g.op.domains = domains::LEGIT_LOOKALIKES
        .iter()
        .map(|s| s.to_string())
        .collect();
    g.actors = (0..outlets as u32)
        .filter(|&i| domains::LEGIT_LOOKALIKES.contains(&OUTLETS[i as usize].domain))
        .map(|i| (Platform::Web, i, "outlet"))
        .collect();
    while sim.site_hooks.len() < sim.sites.len() {
        sim.site_hooks.push(Vec::new());
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.len() < 4 {
        "straipsnis".to_string()
    } else {
        s
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
    fn spawn_hour(&mut self, h0: i64, rng: &mut Rng) {
        let day = ((h0 - self.cfg_start) / 86_400) as usize;
        for l in 0..LANGS.len() {
            let f = profile(&DIURNAL, h0, lang::LANG_TZ[l]);
            let n = rng.poisson(self.x_hour[l] * f);
            for _ in 0..n {
                let (alias, idx) = &self.x_alias[l];
                if idx.is_empty() {
                    break;
                }
                let author = idx[alias.sample(rng)];
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
                self.push(
                    t,
                    Ev::Tweet(Box::new(TweetEv {
                        author,
                        text,
                        links: Vec::new(),
                        tags,
                        reply,
                        tag: 0,
                        ring: 0,
                        organic: true,
                    })),
                );
            }
            let n = rng.poisson(self.tg_hour[l] * f);
            for _ in 0..n {
                let (alias, idx) = &self.tg_alias[l];
                if idx.is_empty() {
                    break;
                }
                let chan = idx[alias.sample(rng)];
                let t = h0 + rng.below(3600) as i64;
                let slots = Slots::random(rng);
                let mut parts = vec![Part::Plain(slots.render(l))];
                if rng.chance(0.5) {
                    parts.push(Part::Plain(format!("\n\n{}", Slots::random(rng).render(l))));
                }
                if rng.chance(0.15) {
                    let bt = lang::BIG_TAGS[l];
                    parts.push(Part::Plain("\n".into()));
                    parts.push(Part::Hashtag(format!("#{}", bt[rng.below(bt.len())])));
                }
                let photo = rng.chance(0.3);
                self.push(
                    t,
                    Ev::Tg(Box::new(TgEv {
                        chan,
                        slots: Some(slots),
                        parts,
                        photo,
                        tag: 0,
                    })),
                );
            }
        }
        for s in 0..self.portals_from {
            let site = &self.sites[s];
            let n = rng.poisson(site.rate / 24.0 * profile(&NEWS_DIURNAL, h0, site.tz));
            for _ in 0..n {
                let t = h0 + rng.below(3600) as i64;
                let slots = Slots::random(rng);
                self.push(
                    t,
                    Ev::Article(Box::new(ArtEv {
                        site: s as u32,
                        slots,
                        source: None,
                        tag: 0,
                    })),
                );
            }
        }
    }

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

    fn count(&mut self, platform: Platform, tag: u16, id: String) {
        self.items += 1;
        *self
            .by_platform
            .entry(platform.as_str().to_string())
            .or_insert(0) += 1;
        if tag > 0 {
            self.groups[tag as usize - 1]
                .op
                .items
                .push(TruthItem { platform, id });
        }
    }

    fn snowflake(&mut self, t: i64) -> u64 {
        let ms = (t * 1000 + self.prng.range(0, 999) - 1_288_834_974_657).max(0) as u64;
        self.id_seq += 1;
        (ms << 22) | (self.id_seq & 0x3f_ffff)
    }

    fn rt_count(&mut self, author: usize) -> u64 {
        let f = self.x[author].followers as f64;
        if f < 300.0 {
            return 0;
        }
        let mean = self.rt_k * (f / 3000.0).powf(0.85);
        self.prng.poisson(mean.min(1500.0))
    }

    #[allow(clippy::too_many_arguments)]
    fn tweet_json(
        buf: &mut String,
        id: u64,
        text: &str,
        author: u64,
        t: i64,
        lang: &str,
        conv: u64,
        urls: &[UrlEnt],
        tags: &[(usize, usize, String)],
        mentions: &[(usize, usize, String, u64)],
        refs: &[(&str, u64)],
        metrics: [u64; 4],
    ) {
        buf.clear();
        let _ = write!(buf, "{{\"id\":\"{id}\",\"text\":");
        json_str(buf, text);
        let _ = write!(
            buf,
            ",\"author_id\":\"{author}\",\"created_at\":\"{}\",\"lang\":\"{lang}\",\"conversation_id\":\"{conv}\"",
            format_rfc3339_millis(t)
        );
        if !(urls.is_empty() && tags.is_empty() && mentions.is_empty()) {
            buf.push_str(",\"entities\":{");
            let mut first = true;
            if !urls.is_empty() {
                buf.push_str("\"urls\":[");
                for (i, u) in urls.iter().enumerate() {
                    if i > 0 {
                        buf.push(',');
                    }
                    let display = u
                        .expanded
                        .trim_start_matches("https://")
                        .trim_start_matches("http://");
                    let display: String = if chars(display) > 26 {
                        display.chars().take(25).chain(['…']).collect()
                    } else {
                        display.to_string()
                    };
                    let _ = write!(
                        buf,
                        "{{\"start\":{},\"end\":{},\"url\":\"{}\",\"expanded_url\":",
                        u.s, u.e, u.tco
                    );
                    json_str(buf, &u.expanded);
                    buf.push_str(",\"display_url\":");
                    json_str(buf, &display);
                    if let Some(w) = &u.unwound {
                        buf.push_str(",\"unwound_url\":");
                        json_str(buf, w);
                    }
                    buf.push('}');
                }
                buf.push(']');
                first = false;
            }
            if !tags.is_empty() {
                if !first {
                    buf.push(',');
                }
                buf.push_str("\"hashtags\":[");
                for (i, (s, e, tag)) in tags.iter().enumerate() {
                    if i > 0 {
                        buf.push(',');
                    }
                    let _ = write!(buf, "{{\"start\":{s},\"end\":{e},\"tag\":");
                    json_str(buf, tag);
                    buf.push('}');
                }
                buf.push(']');
                first = false;
            }
            if !mentions.is_empty() {
                if !first {
                    buf.push(',');
                }
                buf.push_str("\"mentions\":[");
                for (i, (s, e, u, uid)) in mentions.iter().enumerate() {
                    if i > 0 {
                        buf.push(',');
                    }
                    let _ = write!(buf, "{{\"start\":{s},\"end\":{e},\"username\":");
                    json_str(buf, u);
                    let _ = write!(buf, ",\"id\":\"{uid}\"}}");
                }
                buf.push(']');
            }
            buf.push('}');
        }
        if !refs.is_empty() {
            buf.push_str(",\"referenced_tweets\":[");
            for (i, (k, rid)) in refs.iter().enumerate() {
                if i > 0 {
                    buf.push(',');
                }
                let _ = write!(buf, "{{\"type\":\"{k}\",\"id\":\"{rid}\"}}");
            }
            buf.push(']');
        }
        let [rt, rep, like, q] = metrics;
        let _ = write!(
            buf,
            ",\"public_metrics\":{{\"retweet_count\":{rt},\"reply_count\":{rep},\"like_count\":{like},\"quote_count\":{q},\"impression_count\":{}}},\"edit_history_tweet_ids\":[\"{id}\"]",
            (like + 1) * 37
        );
    }

    fn emit_tweet(&mut self, t: i64, ev: TweetEv) -> Result<(), SimError> {
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
        Self::tweet_json(
            &mut buf,
            id,
            &text,
            self.x[a].id,
            t,
            lang_code,
            conv,
            &urls,
            &tags,
            &mentions,
            &refs,
            [rts, self.prng.poisson(0.4), like, 0],
        );
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
                let (alias, idx) = &self.x_alias[lang];
                if idx.is_empty() {
                    break;
                }
                let who = idx[alias.sample(&mut self.prng)];
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
                let ring = ev.ring;
                if let Some((
                    _,
                    Plan::Ring {
                        members,
                        part,
                        max_delay,
                        ..
                    },
                )) = self.plans.iter().find(|p| p.0 == ring)
                {
                    let (members, part, max_delay) = (members.clone(), *part, *max_delay);
                    for m in members {
                        if m != ev.author && self.prng.chance(part) {
                            let d = self.prng.uniform(2.0, max_delay) as i64;
                            self.push(
                                t + d,
                                Ev::Retweet {
                                    author: m,
                                    orig: Rc::clone(&orig),
                                    tag: ring,
                                },
                            );
                        }
                    }
                }
            }
        }
        self.buf = buf;
        r
    }

    fn emit_retweet(&mut self, t: i64, author: u32, orig: &Orig, tag: u16) -> Result<(), SimError> {
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
        Self::tweet_json(
            &mut buf,
            id,
            &text,
            self.x[a].id,
            t,
            lang,
            id,
            &urls,
            &tags,
            &mentions,
            &[("retweeted", orig.id)],
            [0, 0, 0, 0],
        );
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

    fn write_tg(&mut self, chan: usize, msg: &str) -> Result<(), SimError> {
        match &mut self.tg[chan] {
            TgTarget::File { w, path, first } => {
                if !*first {
                    w.write_all(b",\n").map_err(io_err(path))?;
                }
                *first = false;
                w.write_all(msg.as_bytes()).map_err(io_err(path))
            }
            TgTarget::Account { messages } => {
                messages.push(msg.to_string());
                Ok(())
            }
        }
    }

    fn next_msg(&mut self, chan: usize) -> u64 {
        let c = &mut self.chans[chan];
        let m = c.next_msg;
        // Deleted messages leave gaps in the numbering.
        c.next_msg += if self.prng.chance(0.05) { 2 } else { 1 };
        m
    }

    fn emit_tg(&mut self, t: i64, ev: TgEv) -> Result<(), SimError> {
        let c = ev.chan as usize;
        let msg = self.next_msg(c);
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        out::tg_message(
            &mut buf,
            msg,
            t,
            &self.chans[c].title,
            self.chans[c].id,
            None,
            ev.photo,
            &ev.parts,
        );
        let r = self.write_tg(c, &buf);
        self.buf = buf;
        r?;
        self.chans[c].written += 1;
        let cid = self.chans[c].id;
        self.count(Platform::Telegram, ev.tag, format!("{cid}/{msg}"));
        let text: String = ev
            .parts
            .iter()
            .map(|p| match p {
                Part::Plain(s) | Part::Link(s) | Part::Hashtag(s) | Part::Bold(s) => s.as_str(),
                Part::TextLink(s, _) => s.as_str(),
            })
            .collect();
        let src = Rc::new(TgOrig {
            chan: ev.chan,
            msg,
            parts: ev.parts,
            text,
            slots: ev.slots,
            photo: ev.photo,
        });
        let hooks = std::mem::take(&mut self.chan_hooks[c]);
        for h in &hooks {
            match *h {
                ChanHook::Forward { chan, p, mean, tag } => {
                    if self.prng.chance(p) {
                        let d = 1 + self.prng.exp(mean).min(3600.0) as i64;
                        self.push(
                            t + d,
                            Ev::Fwd {
                                chan,
                                src: Rc::clone(&src),
                                tag,
                            },
                        );
                    }
                }
                ChanHook::Portal {
                    site,
                    p,
                    median,
                    tag,
                } => {
                    if self.prng.chance(p) {
                        let d = 30 + self.prng.lognormal(median, 0.5).min(3600.0) as i64;
                        let slots = src.slots.unwrap_or_else(|| Slots::random(&mut self.prng));
                        let source =
                            Some(format!("https://t.me/{}/{}", self.chans[c].username, msg));
                        self.push(
                            t + d,
                            Ev::Article(Box::new(ArtEv {
                                site,
                                slots,
                                source,
                                tag,
                            })),
                        );
                    }
                }
                ChanHook::Cross {
                    acc,
                    p,
                    lo,
                    hi,
                    tag,
                } => {
                    if self.prng.chance(p) {
                        let d = self.prng.uniform(lo, hi) as i64;
                        let link = Link {
                            expanded: format!("https://t.me/{}/{}", self.chans[c].username, msg),
                            unwound: None,
                        };
                        let text = src.text.replace('\n', " ").trim().to_string();
                        self.push(
                            t + d,
                            Ev::Tweet(Box::new(TweetEv {
                                author: acc,
                                text,
                                links: vec![link],
                                tags: Vec::new(),
                                reply: false,
                                tag,
                                ring: 0,
                                organic: false,
                            })),
                        );
                    }
                }
            }
        }
        self.chan_hooks[c] = hooks;
        // Organic forwards: other channels of the community pick up a post hours later.
        if ev.tag == 0 && !self.chans[c].reserved && self.prng.chance(0.05) {
            let l = self.chans[c].lang;
            for _ in 0..self.prng.range(1, 2) {
                let (alias, idx) = &self.tg_alias[l];
                if idx.is_empty() {
                    break;
                }
                let who = idx[alias.sample(&mut self.prng)];
                if who as usize != c {
                    let d = self.prng.lognormal(7200.0, 1.0).min(86_400.0) as i64;
                    self.push(
                        t + 60 + d,
                        Ev::Fwd {
                            chan: who,
                            src: Rc::clone(&src),
                            tag: 0,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    fn emit_fwd(&mut self, t: i64, chan: u32, src: &TgOrig, tag: u16) -> Result<(), SimError> {
        let c = chan as usize;
        let msg = self.next_msg(c);
        let s = src.chan as usize;
        let fid = if self.prng.chance(0.7) {
            Some(self.chans[s].id)
        } else {
            None
        };
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let title = self.chans[s].title.clone();
        out::tg_message(
            &mut buf,
            msg,
            t,
            &self.chans[c].title,
            self.chans[c].id,
            Some((&title, fid)),
            src.photo,
            &src.parts,
        );
        let r = self.write_tg(c, &buf);
        self.buf = buf;
        r?;
        self.chans[c].written += 1;
        let cid = self.chans[c].id;
        self.count(Platform::Telegram, tag, format!("{cid}/{msg}"));
        let _ = src.msg;
        Ok(())
    }

    fn emit_article(&mut self, t: i64, ev: ArtEv) -> Result<(), SimError> {
        let s = ev.site as usize;
        let site = &mut self.sites[s];
        let id = site.next_id;
        site.next_id += 1 + self.prng.below(6) as u64;
        let title = ev.slots.render(site.lang);
        let (y, m, d) = civil_from_days((t + site.tz * 3600).div_euclid(86_400));
        let link = match site.style {
            0 => format!(
                "https://{}/{}/{}/{}",
                site.host,
                site.section,
                id,
                slug(&title)
            ),
            1 => format!(
                "https://{}/{}/{y}/{m:02}/{d:02}/{id}.html",
                site.host, site.section
            ),
            _ => format!("https://{}/{}/a-{id}", site.host, site.section),
        };
        let (guid, permalink) = if site.style == 2 {
            (format!("{}-{id}", domains::brand(&site.domain)), false)
        } else {
            (link.clone(), true)
        };
        let mut html = format!("<p>{}</p>", Slots::random(&mut self.prng).render(site.lang));
        if let Some(src) = &ev.source {
            let _ = write!(html, "<p><a href=\"{src}\">{src}</a></p>");
        }
        let (tz, lang) = (site.tz, site.lang);
        let cdata = self.prng.chance(0.5);
        let mut buf = std::mem::take(&mut self.buf);
        let r = match self.feeds[s].as_mut() {
            Some(f) => f.item(
                &mut buf, &guid, permalink, &link, &title, &html, t, tz, cdata,
            ),
            None => Ok(()),
        };
        self.buf = buf;
        r?;
        self.sites[s].written += 1;
        self.count(Platform::Web, ev.tag, guid);
        if ev.tag == 0 && s < self.portals_from {
            self.cascade(t, s, lang, &link, &title);
        }
        Ok(())
    }

    fn share_text(&mut self, lang: usize, title: &str) -> String {
        match self.prng.below(10) {
            0..=4 => Slots::random(&mut self.prng).render(lang),
            5..=7 => title.to_string(),
            _ => String::new(),
        }
    }

    fn cascade(&mut self, t: i64, s: usize, lang: usize, link: &str, title: &str) {
        let viral = self.prng.chance(self.p_viral);
        let (k, viral_tag) = if viral {
            let pool = self.x_alias[lang].1.len();
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
                let (alias, idx) = &self.x_alias[l];
                if idx.is_empty() {
                    continue;
                }
                let who = idx[alias.sample(&mut self.prng)];
                if !seen.insert((0u8, who)) {
                    continue;
                }
                let text = self.share_text(l, title);
                if viral_tag > 0 {
                    self.groups[viral_tag as usize - 1]
                        .actors
                        .push((Platform::X, who, "sharer"));
                }
                self.push(
                    t + 5 + d,
                    Ev::Tweet(Box::new(TweetEv {
                        author: who,
                        text,
                        links: vec![Link {
                            expanded: link.to_string(),
                            unwound: None,
                        }],
                        tags: Vec::new(),
                        reply: false,
                        tag: viral_tag,
                        ring: 0,
                        organic: true,
                    })),
                );
            } else {
                let (alias, idx) = &self.tg_alias[l];
                if idx.is_empty() {
                    continue;
                }
                let who = idx[alias.sample(&mut self.prng)];
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
                        Part::TextLink(
                            [
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
                            ][lang]
                                .to_string(),
                            link.to_string(),
                        ),
                    ]
                };
                self.push(
                    t + 5 + d,
                    Ev::Tg(Box::new(TgEv {
                        chan: who,
                        slots: None,
                        parts,
                        photo: false,
                        tag: 0,
                    })),
                );
            }
        }
        let hooks = std::mem::take(&mut self.site_hooks[s]);
        for h in &hooks {
            match *h {
                SiteHook::Auto { acc, delay, tag } => {
                    let d = (delay + self.prng.uniform(-3.0, 3.0)).max(1.0) as i64;
                    self.push(
                        t + d,
                        Ev::Tweet(Box::new(TweetEv {
                            author: acc,
                            text: title.to_string(),
                            links: vec![Link {
                                expanded: link.to_string(),
                                unwound: None,
                            }],
                            tags: Vec::new(),
                            reply: false,
                            tag,
                            ring: 0,
                            organic: false,
                        })),
                    );
                }
                SiteHook::AutoTg { chan, delay, tag } => {
                    let d = (delay + self.prng.uniform(-5.0, 5.0)).max(1.0) as i64;
                    let parts = vec![
                        Part::Bold(title.to_string()),
                        Part::Plain("\n\n".into()),
                        Part::Link(link.to_string()),
                    ];
                    self.push(
                        t + d,
                        Ev::Tg(Box::new(TgEv {
                            chan,
                            slots: None,
                            parts,
                            photo: false,
                            tag,
                        })),
                    );
                }
                SiteHook::Aggr { acc, base, tag } => {
                    if self.prng.chance(0.9) {
                        let d = (base + self.prng.exp(30.0)).min(600.0) as i64;
                        let tags = vec![lang::BIG_TAGS[lang][0].to_string()];
                        self.push(
                            t + d,
                            Ev::Tweet(Box::new(TweetEv {
                                author: acc,
                                text: title.to_string(),
                                links: vec![Link {
                                    expanded: link.to_string(),
                                    unwound: None,
                                }],
                                tags,
                                reply: false,
                                tag,
                                ring: 0,
                                organic: false,
                            })),
                        );
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
                        self.push(
                            t + 30 + d,
                            Ev::Tweet(Box::new(TweetEv {
                                author: acc,
                                text,
                                links: vec![Link {
                                    expanded: link.to_string(),
                                    unwound: None,
                                }],
                                tags: Vec::new(),
                                reply: false,
                                tag,
                                ring: 0,
                                organic: true,
                            })),
                        );
                    }
                }
            }
        }
        self.site_hooks[s] = hooks;
    }

    fn expand_wave(&mut self, t: i64, plan: u16) {
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

    fn finish(mut self, cfg: &SimConfig, outdir: &Path) -> Result<SimSummary, SimError> {
        // Whatever is still pending falls after the window and is not written.
        self.heap.clear();
        let mut files = self.xsink.finish()? as u64;
        let mut account = Vec::new();
        for (i, target) in std::mem::take(&mut self.tg).into_iter().enumerate() {
            match target {
                TgTarget::File { mut w, path, .. } => {
                    w.write_all(b"\n ]\n}\n").map_err(io_err(&path))?;
                    w.flush().map_err(io_err(&path))?;
                    files += 1;
                }
                TgTarget::Account { messages } => {
                    account.push((self.chans[i].title.clone(), self.chans[i].id, messages))
                }
            }
        }
        if !account.is_empty() {
            out::write_full_account(
                &outdir.join("data/telegram/full_account/result.json"),
                &account,
            )?;
            files += 1;
        }
        for f in std::mem::take(&mut self.feeds).into_iter().flatten() {
            f.finish()?;
            files += 1;
        }
        let actors = self.x.iter().filter(|a| a.written > 0).count() as u64
            + self.chans.iter().filter(|c| c.written > 0).count() as u64
            + self.sites.iter().filter(|s| s.written > 0).count() as u64;
        let mut operations = Vec::new();
        let mut decoys = Vec::new();
        for g in std::mem::take(&mut self.groups) {
            let mut op = g.op;
            let mut seen = BTreeSet::new();
            for (p, i, role) in g.actors {
                let (id, handle, written) = match p {
                    Platform::X => {
                        let a = &self.x[i as usize];
                        (a.id.to_string(), Some(a.username.clone()), a.written)
                    }
                    Platform::Telegram => {
                        let c = &self.chans[i as usize];
                        (c.id.to_string(), Some(c.username.clone()), c.written)
                    }
                    _ => {
                        let s = &self.sites[i as usize];
                        (s.host.clone(), None, s.written)
                    }
                };
                // Truth names only actors that exist in the files.
                if written > 0 && seen.insert((p, id.clone())) {
                    op.actors.push(TruthActor {
                        platform: p,
                        id,
                        handle,
                        role: Some(role.to_string()),
                    });
                }
            }
            if g.decoy {
                decoys.push(op)
            } else {
                operations.push(op)
            }
        }
        // A clone that no written post links to is not in the data: truth leaves it out.
        let linked = std::mem::take(&mut self.linked_hosts);
        self.lookalikes.retain(|l| linked.contains(&l.host));
        let shown: BTreeSet<String> = self.lookalikes.iter().map(|l| l.domain.clone()).collect();
        for op in &mut operations {
            if op.kind == kinds::DOPPELGANGER {
                op.domains.retain(|d| shown.contains(d));
            }
        }
        // An operation member that also takes part in an organic cascade (its cover traffic)
        // is a positive, not a decoy: decoys name only actors outside every operation.
        let members: BTreeSet<(Platform, String)> = operations
            .iter()
            .flat_map(|o: &Operation| o.actors.iter().map(|a| (a.platform, a.id.clone())))
            .collect();
        for d in &mut decoys {
            d.actors
                .retain(|a| !members.contains(&(a.platform, a.id.clone())));
        }
        let mut benign: Vec<String> = OUTLETS.iter().map(|o| o.domain.to_string()).collect();
        benign.sort();
        benign.dedup();
        let truth = Truth {
            seed: cfg.seed,
            scale: cfg.scale,
            start: cfg.start,
            days: cfg.days,
            items_total: self.items,
            operations,
            decoys,
            lookalike_domains: std::mem::take(&mut self.lookalikes),
            benign_domains: benign,
        };
        let path = outdir.join("truth.json");
        let mut w = out::create(&path)?;
        serde_json::to_writer_pretty(&mut w, &truth).map_err(|e| SimError::Io {
            path: path.clone(),
            source: e.into(),
        })?;
        w.write_all(b"\n").map_err(io_err(&path))?;
        w.flush().map_err(io_err(&path))?;
        files += 1;
        Ok(SimSummary {
            items: self.items,
            actors,
            files,
            by_platform: self.by_platform,
        })
    }
}
