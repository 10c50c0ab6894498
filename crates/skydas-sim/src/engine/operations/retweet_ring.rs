//! Retweet ring: a seed account posts and the other members retweet it within seconds to a
//! minute or two. Exercises `co-repost` (retweets of the same post); truth kind `retweet_ring`.

use std::rc::Rc;

use serde_json::json;
use skydas_model::Platform;
use skydas_model::disarm;

use crate::lang::Slots;
use crate::rng::Rng;
use crate::truth::kinds;
use crate::world::{Names, XAcc};

use super::super::Sim;
use super::super::schedule::{Ev, Orig, Plan, TweetEv};
use super::{Crew, Sizing, scaled};

/// What a round needs: the members, the seed that posts most rounds, and the retweet tempo.
pub(in crate::engine) struct RetweetRing {
    crew: Crew,
    seed: u32,
    max_delay: f64,
}

pub(super) fn plant(sim: &mut Sim, names: &mut Names, rng: &mut Rng, z: &Sizing) {
    let m = scaled(10.0, 30.0, z.sf, rng);
    let part = rng.uniform(0.6, 0.95);
    let max_delay = rng.uniform(15.0, 90.0);
    let lang = *rng.pick(&[0usize, 7, 1, 5]).unwrap_or(&0);
    let members = sim.bot_accounts(names, rng, m, lang, false, z.cover);
    let seed = members[0];
    let nw = z.waves(0.1, 1.0 + (m - 1) as f64 * part);
    let tag = sim.op_group(
        kinds::RETWEET_RING,
        &[disarm::AUTOMATED_REPOSTING],
        json!({"accounts": m, "participation": part, "max_delay_s": max_delay, "rounds": nw, "cover_rate_median_per_day": z.cover}),
        members
            .iter()
            .map(|&i| (Platform::X, i, if i == seed { "seed" } else { "member" }))
            .collect(),
    );
    let plan = RetweetRing {
        crew: Crew { members, part },
        seed,
        max_delay,
    };
    sim.run_plan(tag, Plan::RetweetRing(plan), nw, rng, None);
}

/// One round: the post that the ring will retweet once it is written (see
/// [`Sim::ring_retweets`]), by the seed most of the time.
pub(super) fn wave(p: &RetweetRing, x: &[XAcc], r: &mut Rng, t: i64, tag: u16) -> Vec<(i64, Ev)> {
    let author = if r.chance(0.6) {
        p.seed
    } else {
        *r.pick(&p.crew.members).unwrap_or(&p.seed)
    };
    let lang = x[author as usize].lang;
    let text = Slots::random(r).render(lang);
    let ev = TweetEv {
        ring: tag,
        ..TweetEv::planted(author, text, tag)
    };
    vec![(t, ev.into())]
}

impl Sim {
    /// Queues the retweets of `orig`, a round's post written at `t`, by the other members of
    /// the ring of group `ring`. They are queued here and not with the round because a retweet
    /// carries the post's id and JSON, known only once the post is written.
    pub(in crate::engine) fn ring_retweets(&mut self, t: i64, ring: u16, orig: &Rc<Orig>) {
        let Some((_, Plan::RetweetRing(p))) = self.plans.iter().find(|p| p.0 == ring) else {
            return;
        };
        let (members, part, max_delay) = (p.crew.members.clone(), p.crew.part, p.max_delay);
        for m in members {
            if m != orig.author && self.prng.chance(part) {
                let d = self.prng.uniform(2.0, max_delay) as i64;
                self.push(
                    t + d,
                    Ev::Retweet {
                        author: m,
                        orig: Rc::clone(orig),
                        tag: ring,
                    },
                );
            }
        }
    }
}
