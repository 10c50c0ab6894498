//! Hashtag flooding: accounts push the same two or three campaign hashtags in short bursts.
//! Exercises `co-hashtag`; truth kind `hashtag_flood`.

use serde_json::json;
use skydas_model::disarm;

use crate::lang::{self, Slots};
use crate::rng::Rng;
use crate::truth::kinds;
use crate::world::Names;

use super::super::Sim;
use super::super::schedule::{Ev, Plan, TweetEv};
use super::{Crew, Sizing, by_day, scaled};

/// What a burst needs: the members, their language, the campaign tags and the burst length.
pub(in crate::engine) struct HashtagFlood {
    crew: Crew,
    lang: usize,
    tags: Vec<String>,
    window: f64,
}

pub(super) fn plant(sim: &mut Sim, names: &mut Names, rng: &mut Rng, z: &Sizing) {
    let m = scaled(20.0, 60.0, z.sf, rng);
    let part = rng.uniform(0.5, 0.9);
    let window = rng.uniform(300.0, 1200.0);
    let lang = *rng.pick(&[0usize, 7, 2, 3, 4, 5]).unwrap_or(&7);
    let ntags = rng.range(2, 3) as usize;
    let tags: Vec<String> = rng
        .sample(lang::FLOOD_TAGS.len(), ntags)
        .into_iter()
        .map(|i| lang::FLOOD_TAGS[i].to_string())
        .collect();
    let members = sim.bot_accounts(names, rng, m, lang, false, z.cover);
    let nw = z.waves(0.1, m as f64 * part);
    let (tag, crew) = sim.crew_group(
        kinds::HASHTAG_FLOOD,
        &[disarm::HASHTAG_FLOODING],
        json!({"accounts": m, "participation": part, "window_s": window, "hashtags": tags, "bursts": nw, "cover_rate_median_per_day": z.cover}),
        "member",
        Crew { members, part },
    );
    let plan = HashtagFlood {
        crew,
        lang,
        tags,
        window,
    };
    sim.run_plan(tag, Plan::HashtagFlood(plan), nw, rng, by_day(lang));
}

/// One burst: each member who takes part posts the tags in its own order within the window.
pub(super) fn wave(p: &HashtagFlood, r: &mut Rng, t: i64, tag: u16) -> Vec<(i64, Ev)> {
    p.crew.wave(r, |r, m| {
        let mut tags = p.tags.clone();
        r.shuffle(&mut tags);
        if r.chance(0.3) {
            tags.push(lang::GLOBAL_TAGS[r.below(lang::GLOBAL_TAGS.len())].to_string());
        }
        let text = Slots::random(r).render(p.lang);
        let ev = TweetEv {
            tags,
            ..TweetEv::planted(m, text, tag)
        };
        (t + r.uniform(0.0, p.window) as i64, ev.into())
    })
}
