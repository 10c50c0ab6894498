//! A source channel's own posts, the waves of the three operations that start on Telegram
//! (Portal Kombat, the forward network, cross-posting): the channel's hooks then queue what its
//! portals, forwarders or cross-posters make of each post.

use crate::lang;
use crate::rng::Rng;
use crate::world::Chan;

use super::super::Sim;
use super::super::schedule::{ChanHook, Ev, Plan, TgEv, TgStyle};

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
    let style = TgStyle {
        hashtag: 0.3,
        tags: &lang::FLOOD_TAGS,
        photo: 0.4,
    };
    let ev = TgEv::post(chan, chans[chan as usize].lang, &style, r, tag);
    vec![(t, ev.into())]
}
