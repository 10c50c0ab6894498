//! A source channel's own posts, the waves of the three operations that start on Telegram
//! (Portal Kombat, the forward network, cross-posting): the channel's hooks then queue what its
//! portals, forwarders or cross-posters make of each post.

use crate::lang::{self, Slots};
use crate::out::Part;
use crate::rng::Rng;
use crate::world::Chan;

use super::super::Sim;
use super::super::schedule::{ChanHook, Ev, Plan, TgEv};

impl Sim {
    /// Hangs `hooks` on channel `s`, the source of group `tag`, and schedules its `posts` posts,
    /// by day in time zone `tz`.
    pub(super) fn run_source(
        &mut self,
        tag: u16,
        s: u32,
        hooks: Vec<ChanHook>,
        posts: usize,
        rng: &mut Rng,
        tz: i64,
    ) {
        self.grow_chan_hooks();
        self.chan_hooks[s as usize].extend(hooks);
        self.run_plan(tag, Plan::Source { chan: s }, posts, rng, Some(tz));
    }
}

/// One post of channel `chan`: one or two paragraphs, now and then a campaign hashtag.
pub(super) fn wave(chan: u32, chans: &[Chan], r: &mut Rng, t: i64, tag: u16) -> Vec<(i64, Ev)> {
    let lang = chans[chan as usize].lang;
    let slots = Slots::random(r);
    let mut parts = vec![Part::Plain(slots.render(lang))];
    if r.chance(0.5) {
        parts.push(Part::Plain(format!(
            "\n\n{}",
            Slots::random(r).render(lang)
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
    let ev = TgEv {
        chan,
        slots: Some(slots),
        parts,
        photo,
        tag,
    };
    vec![(t, ev.into())]
}
