//! The planted operations, one file each: what the operation plants in the world (its accounts,
//! channels or sites, its truth group and the waves it will run) and how one of its waves turns
//! into posts when it comes due. They are planted in a fixed order from one generator, so the
//! order below is part of every scenario.

mod copypasta;
mod cross_posting;
mod doppelganger;
mod forward_network;
mod hashtag_flood;
mod portal_kombat;
mod retweet_ring;
mod slow_coordination;
mod source_channel;

use skydas_model::Platform;

use crate::lang;
use crate::rng::Rng;
use crate::world::Names;

use super::Sim;
use super::schedule::{Ev, Plan};

pub(super) use copypasta::Copypasta;
pub(super) use doppelganger::Doppelganger;
pub(super) use hashtag_flood::HashtagFlood;
pub(super) use retweet_ring::RetweetRing;
pub(super) use slow_coordination::SlowCoordination;

/// What every operation is sized by, drawn once before the first one is planted.
struct Sizing {
    /// Items all operations together write: 3 to 8 % of the scenario.
    budget: f64,
    /// Median posts per day of the operations' bot accounts outside their waves (cover traffic).
    cover: f64,
    /// Scale factor for member counts, damped so that small scenarios keep groups to find.
    sf: f64,
}

impl Sizing {
    /// How many times an operation acts: its share `w` of the budget over the `per` items each
    /// time writes, rounded and kept within `lo..=hi`.
    fn count(&self, w: f64, per: f64, lo: f64, hi: f64) -> usize {
        (self.budget * w / per).round().clamp(lo, hi) as usize
    }

    /// The waves of an X operation, `per` items each: 3 to 3000.
    fn waves(&self, w: f64, per: f64) -> usize {
        self.count(w, per, 3.0, 3000.0)
    }

    /// The posts of a Telegram source channel, `per` items each with what its hooks make of
    /// them: 3 to 5000.
    fn source_posts(&self, w: f64, per: f64) -> usize {
        self.count(w, per, 3.0, 5000.0)
    }
}

/// Plants every operation, in the order that fixes each one's draws.
pub(super) fn plant_operations(sim: &mut Sim, names: &mut Names, rng: &mut Rng, n: f64, sf: f64) {
    let frac = rng.uniform(0.03, 0.08);
    let budget = frac * n;
    let cover = rng.uniform(0.3, 1.2);
    let z = Sizing { budget, cover, sf };
    doppelganger::plant(sim, names, rng, &z);
    portal_kombat::plant(sim, names, rng, &z);
    forward_network::plant(sim, names, rng, &z);
    copypasta::plant(sim, names, rng, &z);
    hashtag_flood::plant(sim, names, rng, &z);
    retweet_ring::plant(sim, names, rng, &z);
    slow_coordination::plant(sim, names, rng, &z);
    cross_posting::plant(sim, names, rng, &z);
    sim.grow_chan_hooks();
}

/// A member count between `lo` and `hi` at full scale, at least 4.
fn scaled(lo: f64, hi: f64, sf: f64, rng: &mut Rng) -> usize {
    ((rng.uniform(lo, hi) * sf).round() as usize).max(4)
}

/// Accounts, channels or sites of one platform as truth actors, all in one role.
fn actors(
    platform: Platform,
    ids: &[u32],
    role: &'static str,
) -> Vec<(Platform, u32, &'static str)> {
    ids.iter().map(|&i| (platform, i, role)).collect()
}

/// Waves by day in the time zone of language `lang`.
fn by_day(lang: usize) -> Option<i64> {
    Some(lang::LANG_TZ[lang])
}

/// The X bot accounts that run an operation's waves, and the chance that each takes part in
/// one.
struct Crew {
    members: Vec<u32>,
    part: f64,
}

impl Crew {
    /// The posts of one wave. Members are asked in order: each one's chance of taking part is
    /// drawn, then, when it does, `post` makes its post from the same generator, so that every
    /// wave draws in the order the members stand.
    fn wave(
        &self,
        r: &mut Rng,
        mut post: impl FnMut(&mut Rng, u32) -> (i64, Ev),
    ) -> Vec<(i64, Ev)> {
        let mut evs = Vec::new();
        for &m in &self.members {
            if r.chance(self.part) {
                evs.push(post(r, m));
            }
        }
        evs
    }
}

impl Sim {
    /// Opens the truth group of an operation with its actors and returns its tag.
    fn op_group(
        &mut self,
        kind: &str,
        disarm: &[&str],
        params: serde_json::Value,
        actors: Vec<(Platform, u32, &'static str)>,
    ) -> u16 {
        let tag = self.group(kind, false, disarm, params);
        self.group_mut(tag).actors = actors;
        tag
    }

    /// Opens the truth group of an X operation whose bot accounts `members` all play `role`,
    /// and returns its tag with the crew that runs its waves, each member taking part with
    /// chance `part`.
    fn crew_group(
        &mut self,
        kind: &str,
        disarm: &[&str],
        params: serde_json::Value,
        role: &'static str,
        crew: Crew,
    ) -> (u16, Crew) {
        let tag = self.op_group(
            kind,
            disarm,
            params,
            actors(Platform::X, &crew.members, role),
        );
        (tag, crew)
    }

    /// Opens the truth group of an operation that relays Telegram channel `source`: the source
    /// and the relaying accounts or channels (`relays`, of one platform and one role) as actors.
    fn relay_group(
        &mut self,
        kind: &str,
        disarm: &[&str],
        params: serde_json::Value,
        source: u32,
        (platform, relays, role): (Platform, &[u32], &'static str),
    ) -> u16 {
        let actors = [
            actors(Platform::Telegram, &[source], "source"),
            actors(platform, relays, role),
        ]
        .concat();
        self.op_group(kind, disarm, params, actors)
    }

    /// Adds `plan` for group `tag` and schedules its `n` waves over the window (by day in time
    /// zone `day_tz` when it has one, at any hour otherwise).
    fn run_plan(&mut self, tag: u16, plan: Plan, n: usize, rng: &mut Rng, day_tz: Option<i64>) {
        self.plans.push((tag, plan));
        let p = self.plans.len() as u16 - 1;
        self.waves(p, n, rng, day_tz);
    }

    /// Turns one due wave of plan `plan` into its posts.
    pub(super) fn expand_wave(&mut self, t: i64, plan: u16) {
        let mut r = self.prng.fork(u64::from(plan));
        let Some((tag, p)) = self.plans.get(plan as usize) else {
            return;
        };
        let tag = *tag;
        let evs = match p {
            Plan::Doppelganger(p) => doppelganger::wave(p, &mut r, t, tag),
            Plan::Copypasta(p) => copypasta::wave(p, &mut r, t, tag),
            Plan::HashtagFlood(p) => hashtag_flood::wave(p, &mut r, t, tag),
            Plan::RetweetRing(p) => retweet_ring::wave(p, &self.x, &mut r, t, tag),
            Plan::SlowCoordination(p) => slow_coordination::wave(p, &mut r, t, tag),
            Plan::Source { chan } => source_channel::wave(*chan, &self.chans, &mut r, t, tag),
        };
        for (at, ev) in evs {
            self.push(at, ev);
        }
    }
}
