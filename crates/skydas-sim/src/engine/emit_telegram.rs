//! Writing Telegram messages and forwards, and what a message sets off: the hooks of planted
//! forwarders, portals and cross-posters, and organic forwards.

use std::io::Write as _;
use std::rc::Rc;

use skydas_model::Platform;

use crate::SimError;
use crate::lang::Slots;
use crate::out::{self, Part, TgTarget, io_err};

use super::Sim;
use super::schedule::{ArtEv, ChanHook, Ev, Link, TgEv, TgOrig, TweetEv};

impl Sim {
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

    /// Writes message `msg` of channel `c` (a forward when `forwarded` names its source) and
    /// counts it for group `tag`.
    #[allow(clippy::too_many_arguments)]
    fn write_message(
        &mut self,
        t: i64,
        c: usize,
        msg: u64,
        forwarded: Option<(&str, Option<u64>)>,
        photo: bool,
        parts: &[Part],
        tag: u16,
    ) -> Result<(), SimError> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        out::tg_message(
            &mut buf,
            msg,
            t,
            &self.chans[c].title,
            self.chans[c].id,
            forwarded,
            photo,
            parts,
        );
        let r = self.write_tg(c, &buf);
        self.buf = buf;
        r?;
        self.chans[c].written += 1;
        let cid = self.chans[c].id;
        self.count(Platform::Telegram, tag, format!("{cid}/{msg}"));
        Ok(())
    }

    /// Writes a message, then queues what its channel's hooks and organic forwards make of it.
    pub(super) fn emit_tg(&mut self, t: i64, ev: TgEv) -> Result<(), SimError> {
        let c = ev.chan as usize;
        let msg = self.next_msg(c);
        self.write_message(t, c, msg, None, ev.photo, &ev.parts, ev.tag)?;
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
        self.fire_chan_hooks(t, c, &src);
        // Organic forwards: other channels of the community pick up a post hours later.
        if ev.tag == 0 && !self.chans[c].reserved && self.prng.chance(0.05) {
            let l = self.chans[c].lang;
            for _ in 0..self.prng.range(1, 2) {
                let Some(who) = self.tg_pools[l].pick(&mut self.prng) else {
                    break;
                };
                if who as usize != c {
                    let d = self.prng.lognormal(7200.0, 1.0).min(86_400.0) as i64;
                    self.push(t + 60 + d, Ev::forward(who, &src, 0));
                }
            }
        }
        Ok(())
    }

    /// Queues what the planted hooks of channel `c` make of its message `src`, written at `t`.
    fn fire_chan_hooks(&mut self, t: i64, c: usize, src: &Rc<TgOrig>) {
        let hooks = std::mem::take(&mut self.chan_hooks[c]);
        for h in &hooks {
            match *h {
                ChanHook::Forward { chan, p, mean, tag } => {
                    if self.prng.chance(p) {
                        let d = 1 + self.prng.exp(mean).min(3600.0) as i64;
                        self.push(t + d, Ev::forward(chan, src, tag));
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
                        let source = Some(self.post_url(c, src.msg));
                        let ev = ArtEv {
                            site,
                            slots,
                            source,
                            tag,
                        };
                        self.push(t + d, Ev::Article(Box::new(ev)));
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
                        let link = Link::to(self.post_url(c, src.msg));
                        let text = src.text.replace('\n', " ").trim().to_string();
                        let ev = TweetEv {
                            links: vec![link],
                            ..TweetEv::planted(acc, text, tag)
                        };
                        self.push(t + d, ev.into());
                    }
                }
            }
        }
        self.chan_hooks[c] = hooks;
    }

    /// The public link of message `msg` of channel `c`.
    fn post_url(&self, c: usize, msg: u64) -> String {
        format!("https://t.me/{}/{}", self.chans[c].username, msg)
    }

    /// Writes channel `chan`'s forward of `src`.
    pub(super) fn emit_fwd(
        &mut self,
        t: i64,
        chan: u32,
        src: &TgOrig,
        tag: u16,
    ) -> Result<(), SimError> {
        let c = chan as usize;
        let msg = self.next_msg(c);
        let s = src.chan as usize;
        let fid = if self.prng.chance(0.7) {
            Some(self.chans[s].id)
        } else {
            None
        };
        let title = self.chans[s].title.clone();
        self.write_message(t, c, msg, Some((&title, fid)), src.photo, &src.parts, tag)
    }
}
