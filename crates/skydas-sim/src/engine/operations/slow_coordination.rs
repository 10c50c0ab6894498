//! Slow coordination: accounts take turns linking the same article of a niche site, ten to
//! thirty minutes apart, too slow for burst rules. Exercises `co-domain` (a rare domain linked
//! by the same few accounts) and `co-link`; truth kind `slow_coordination`.

use serde_json::json;
use skydas_model::Platform;
use skydas_model::disarm;

use crate::lang::Slots;
use crate::rng::Rng;
use crate::truth::kinds;
use crate::world::Names;

use super::super::Sim;
use super::super::schedule::{Ev, Link, Plan, TweetEv};
use super::{Sizing, actors, by_day, scaled};

/// What one link needs: the members, the site and how many of them take their turn.
pub(in crate::engine) struct SlowCoordination {
    members: Vec<u32>,
    domain: String,
    lang: usize,
    lo: usize,
    hi: usize,
}

pub(super) fn plant(sim: &mut Sim, names: &mut Names, rng: &mut Rng, z: &Sizing) {
    let m = scaled(10.0, 20.0, z.sf.max(0.5), rng);
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
    let links = z.count(0.05, (lo + hi) as f64 / 2.0, 5.0, 2000.0);
    let members = sim.bot_accounts(names, rng, m, lang, false, z.cover);
    let tag = sim.op_group(
        kinds::SLOW_COORDINATION,
        &[disarm::FLOOD_INFORMATION_SPACE],
        json!({"accounts": m, "links": links, "gap_s": [600, 1800], "participants_per_link": [lo, hi], "domain": domain, "cover_rate_median_per_day": z.cover}),
        actors(Platform::X, &members, "member"),
    );
    sim.group_mut(tag).op.domains = vec![domain.clone()];
    let plan = SlowCoordination {
        members,
        domain,
        lang,
        lo,
        hi,
    };
    sim.run_plan(tag, Plan::SlowCoordination(plan), links, rng, by_day(lang));
}

/// One article: `lo` to `hi` members link it in turn, 10 to 30 minutes apart.
pub(super) fn wave(p: &SlowCoordination, r: &mut Rng, t: i64, tag: u16) -> Vec<(i64, Ev)> {
    let mut evs = Vec::new();
    let url = format!(
        "https://{}/{}/{}-{}",
        p.domain,
        ["politika", "analitika", "news"][r.below(3)],
        r.range(1000, 99_999),
        r.token(b"abcdefghijklmnopqrstuvwxyz", 6)
    );
    let k = r.range(p.lo as i64, p.hi as i64) as usize;
    let mut at = t;
    for i in r.sample(p.members.len(), k) {
        let text = Slots::random(r).render(p.lang);
        let ev = TweetEv {
            links: vec![Link::to(url.clone())],
            ..TweetEv::planted(p.members[i], text, tag)
        };
        evs.push((at, ev.into()));
        at += r.uniform(600.0, 1800.0) as i64;
    }
    evs
}
