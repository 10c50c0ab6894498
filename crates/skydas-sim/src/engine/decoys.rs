//! The decoys: actors that look coordinated to a naive rule but are not an operation (news
//! auto-posters, aggregators, fan communities, viral cascades, the most active users, real
//! outlets with look-alike names). Truth lists them apart, so that a coordination detector
//! flagging them is scored wrong (`automation` may rightly flag auto-posters and aggregators).
//! Viral cascades are drawn as articles appear, in `cascade`.

use serde_json::json;
use skydas_model::Platform;

use crate::domains::{self, OUTLETS};
use crate::rng::Rng;
use crate::truth::kinds;
use crate::world::{self, Names};

use super::Sim;
use super::schedule::SiteHook;

/// Plants every decoy, after the operations and in the order that fixes each one's draws.
pub(super) fn plant_decoys(sim: &mut Sim, names: &mut Names, rng: &mut Rng, scale: f64) {
    sim.site_hooks = (0..sim.sites.len()).map(|_| Vec::new()).collect();
    auto_posters(sim, names, rng);
    telegram_auto_poster(sim, names, rng);
    aggregators(sim, names, rng);
    fan_communities(sim, rng, scale);
    very_active_users(sim);
    legit_lookalikes(sim);
    while sim.site_hooks.len() < sim.sites.len() {
        sim.site_hooks.push(Vec::new());
    }
}

/// News auto-posters: four outlets' own X accounts, each posting every article within a
/// minute.
fn auto_posters(sim: &mut Sim, names: &mut Names, rng: &mut Rng) {
    for &s in &rng.sample(OUTLETS.len(), 4) {
        let o = &OUTLETS[s];
        let u = names.unique(
            format!("{}_feed", domains::brand(o.domain).replace('.', "")),
            rng,
        );
        let f = rng.range(2_000, 400_000) as u64;
        let created = world::organic_created(rng);
        let a = world::x_account(
            names,
            rng,
            o.lang,
            u,
            o.name.to_string(),
            created,
            f,
            0.0,
            true,
        );
        let acc = sim.add_x(a);
        let delay = rng.uniform(15.0, 60.0);
        let tag = sim.group(
            kinds::AUTO_POSTER,
            true,
            &[],
            json!({"site": o.host, "delay_s": delay}),
        );
        sim.group_mut(tag).actors = vec![(Platform::X, acc, "auto_poster")];
        sim.site_hooks[s].push(SiteHook::Auto { acc, delay, tag });
    }
}

/// One outlet's Telegram channel, posting every article within a minute or two.
fn telegram_auto_poster(sim: &mut Sim, names: &mut Names, rng: &mut Rng) {
    let s = rng.below(OUTLETS.len());
    let chan = sim.add_chan(names, rng, OUTLETS[s].lang, 0.0);
    sim.grow_chan_hooks();
    let delay = rng.uniform(30.0, 90.0);
    let tag = sim.group(
        kinds::AUTO_POSTER,
        true,
        &[],
        json!({"site": OUTLETS[s].host, "delay_s": delay}),
    );
    sim.group_mut(tag).actors = vec![(Platform::Telegram, chan, "auto_poster")];
    sim.site_hooks[s].push(SiteHook::AutoTg { chan, delay, tag });
}

/// Aggregators: independent accounts following the same feeds, so that they post the same
/// links seconds to minutes apart without coordinating.
fn aggregators(sim: &mut Sim, names: &mut Names, rng: &mut Rng) {
    let na = rng.range(3, 5) as usize;
    let nf = rng.range(3, 5) as usize;
    let feeds = rng.sample(OUTLETS.len(), nf);
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
        let a = world::x_account(
            names,
            rng,
            7,
            u,
            format!("News aggregator {}", k + 1),
            created,
            f,
            0.0,
            true,
        );
        let acc = sim.add_x(a);
        sim.group_mut(tag)
            .actors
            .push((Platform::X, acc, "aggregator"));
        let base = rng.uniform(5.0, 120.0);
        for &s in &feeds {
            sim.site_hooks[s].push(SiteHook::Aggr { acc, base, tag });
        }
    }
}

/// Organic fan communities of one outlet: ordinary accounts that share its links, minutes to
/// hours apart. Two at scale 0.5 and above, one below.
fn fan_communities(sim: &mut Sim, rng: &mut Rng, scale: f64) {
    let ncomm = if scale >= 0.5 { 2 } else { 1 };
    for _ in 0..ncomm {
        let s = rng.below(OUTLETS.len());
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
        let tag = sim.group(
            kinds::ORGANIC_COMMUNITY,
            true,
            &[],
            json!({"site": OUTLETS[s].host, "members": k, "share_probability": p, "delay_median_s": median}),
        );
        for &acc in &members {
            sim.x[acc as usize].reserved = true;
            sim.group_mut(tag).actors.push((Platform::X, acc, "fan"));
            sim.site_hooks[s].push(SiteHook::Fan {
                acc,
                p,
                median,
                tag,
            });
        }
    }
}

/// The ten most active ordinary accounts: busy, not coordinated.
fn very_active_users(sim: &mut Sim) {
    let mut active: Vec<u32> = (0..sim.x.len() as u32)
        .filter(|&i| !sim.x[i as usize].reserved)
        .collect();
    super::sort_by_rate(&mut active, true, |i| sim.x[i as usize].rate);
    let tag = sim.group(kinds::VERY_ACTIVE_USER, true, &[], json!({"accounts": 10}));
    sim.group_mut(tag).actors = active
        .iter()
        .take(10)
        .map(|&i| (Platform::X, i, "active"))
        .collect();
}

/// Real outlets whose names look alike: a look-alike detector must not report them.
fn legit_lookalikes(sim: &mut Sim) {
    let tag = sim.group(kinds::LEGIT_LOOKALIKE, true, &[], json!({}));
    let g = sim.group_mut(tag);
    g.op.domains = domains::LEGIT_LOOKALIKES
        .iter()
        .map(|s| s.to_string())
        .collect();
    g.actors = (0..OUTLETS.len() as u32)
        .filter(|&i| domains::LEGIT_LOOKALIKES.contains(&OUTLETS[i as usize].domain))
        .map(|i| (Platform::Web, i, "outlet"))
        .collect();
}
