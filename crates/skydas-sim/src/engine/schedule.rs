//! The event queue: what can happen ([`Ev`]), when ([`Sched`], earliest first), what a post sets
//! off ([`ChanHook`], [`SiteHook`]) and the waves of the planted operations ([`Plan`]), with the
//! diurnal profiles that place them in the day.

use std::cmp::Ordering;
use std::rc::Rc;

use crate::lang::Slots;
use crate::out::{Part, UrlEnt};
use crate::rng::Rng;

use super::Sim;
use super::operations::{Copypasta, Doppelganger, HashtagFlood, RetweetRing, SlowCoordination};

/// Hourly activity in local time, normalised to mean 1 at construction.
pub(super) const DIURNAL: [f64; 24] = [
    0.35, 0.2, 0.12, 0.08, 0.08, 0.15, 0.4, 0.8, 1.1, 1.3, 1.35, 1.3, 1.3, 1.25, 1.2, 1.2, 1.25,
    1.35, 1.5, 1.6, 1.6, 1.4, 1.0, 0.62,
];
pub(super) const NEWS_DIURNAL: [f64; 24] = [
    0.3, 0.2, 0.15, 0.15, 0.2, 0.5, 1.0, 1.4, 1.6, 1.6, 1.5, 1.4, 1.4, 1.4, 1.3, 1.3, 1.3, 1.3,
    1.2, 1.1, 1.0, 0.8, 0.6, 0.4,
];

/// Activity at time `t` in time zone `tz`, relative to the day's mean, lower at weekends.
pub(super) fn profile(p: &[f64; 24], t: i64, tz: i64) -> f64 {
    let mean: f64 = p.iter().sum::<f64>() / 24.0;
    let local = t + tz * 3600;
    let h = local.rem_euclid(86_400) / 3600;
    // 1970-01-01 was a Thursday: day index 2 and 3 are Saturday and Sunday.
    let wd = local.div_euclid(86_400).rem_euclid(7);
    let weekend = if wd == 2 || wd == 3 { 0.82 } else { 1.0 };
    p[h as usize] / mean * weekend
}

/// A queued event and when it is due; `seq` keeps events of the same second in queue order.
pub(super) struct Sched {
    pub(super) t: i64,
    pub(super) seq: u64,
    pub(super) ev: Ev,
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

/// A link in a post: what the post shows, and where a redirect leads when there is one.
pub(super) struct Link {
    pub(super) expanded: String,
    pub(super) unwound: Option<String>,
}

/// A tweet to write; `tag` is its truth group (0 for organic).
pub(super) struct TweetEv {
    pub(super) author: u32,
    pub(super) text: String,
    pub(super) links: Vec<Link>,
    pub(super) tags: Vec<String>,
    pub(super) reply: bool,
    pub(super) tag: u16,
    /// Group whose members retweet this tweet (retweet rings), 0 for none.
    pub(super) ring: u16,
    pub(super) organic: bool,
}

impl Link {
    /// A link posted as is (no redirect to unwind).
    pub(super) fn to(url: String) -> Link {
        Link {
            expanded: url,
            unwound: None,
        }
    }
}

impl TweetEv {
    /// A post of an operation or decoy: no links or hashtags, not a reply, no ring, and not
    /// organic (nobody retweets it by chance). Other shapes override fields of it.
    pub(super) fn planted(author: u32, text: String, tag: u16) -> TweetEv {
        TweetEv {
            author,
            text,
            links: Vec::new(),
            tags: Vec::new(),
            reply: false,
            tag,
            ring: 0,
            organic: false,
        }
    }

    /// A planted post of `url`, the shape of every reaction to an article or post.
    pub(super) fn sharing(author: u32, text: String, url: &str, tag: u16) -> TweetEv {
        TweetEv {
            links: vec![Link::to(url.to_string())],
            ..TweetEv::planted(author, text, tag)
        }
    }
}

impl From<TweetEv> for Ev {
    fn from(e: TweetEv) -> Ev {
        Ev::Tweet(Box::new(e))
    }
}

/// A written tweet, as its retweets need it.
pub(super) struct Orig {
    pub(super) id: u64,
    pub(super) author: u32,
    pub(super) text: String,
    pub(super) urls: Vec<UrlEnt>,
    pub(super) tags: Vec<(usize, usize, String)>,
    pub(super) json: String,
}

/// A Telegram message to write; `slots` is the text it was rendered from, when there is one.
pub(super) struct TgEv {
    pub(super) chan: u32,
    pub(super) slots: Option<Slots>,
    pub(super) parts: Vec<Part>,
    pub(super) photo: bool,
    pub(super) tag: u16,
}

/// A written Telegram message, as its forwards, portals and cross-posts need it.
pub(super) struct TgOrig {
    pub(super) chan: u32,
    pub(super) msg: u64,
    pub(super) parts: Vec<Part>,
    pub(super) text: String,
    pub(super) slots: Option<Slots>,
    pub(super) photo: bool,
}

/// How a kind of channel writes its own posts: the chance of a closing hashtag, drawn from
/// `tags`, and the chance of a photo.
pub(super) struct TgStyle {
    pub(super) hashtag: f64,
    pub(super) tags: &'static [&'static str],
    pub(super) photo: f64,
}

impl TgEv {
    /// A channel's own post in language `lang`: one or two paragraphs, then a hashtag and a
    /// photo as often as `style` has them.
    pub(super) fn post(chan: u32, lang: usize, style: &TgStyle, r: &mut Rng, tag: u16) -> TgEv {
        let slots = Slots::random(r);
        let mut parts = vec![Part::Plain(slots.render(lang))];
        if r.chance(0.5) {
            parts.push(Part::Plain(format!(
                "\n\n{}",
                Slots::random(r).render(lang)
            )));
        }
        if r.chance(style.hashtag) {
            parts.push(Part::Plain("\n".into()));
            parts.push(Part::Hashtag(format!(
                "#{}",
                style.tags[r.below(style.tags.len())]
            )));
        }
        let photo = r.chance(style.photo);
        TgEv {
            chan,
            slots: Some(slots),
            parts,
            photo,
            tag,
        }
    }

    /// A message passing on a link: no photo, and no slots (its text is not drawn from them).
    pub(super) fn sharing(chan: u32, parts: Vec<Part>, tag: u16) -> TgEv {
        TgEv {
            chan,
            slots: None,
            parts,
            photo: false,
            tag,
        }
    }
}

impl From<TgEv> for Ev {
    fn from(e: TgEv) -> Ev {
        Ev::Tg(Box::new(e))
    }
}

impl Ev {
    /// A forward of `src` by channel `chan`.
    pub(super) fn forward(chan: u32, src: &Rc<TgOrig>, tag: u16) -> Ev {
        Ev::Fwd {
            chan,
            src: Rc::clone(src),
            tag,
        }
    }
}

/// An article to write; `source` is the post it republishes (portals).
pub(super) struct ArtEv {
    pub(super) site: u32,
    pub(super) slots: Slots,
    pub(super) source: Option<String>,
    pub(super) tag: u16,
}

/// Something that happens at a time: a post to write, or a planted wave to expand.
pub(super) enum Ev {
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

/// What a post of a planted source channel sets off, each with probability `p`.
pub(super) enum ChanHook {
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

/// What an organic article of an outlet sets off for the decoys hooked on it.
pub(super) enum SiteHook {
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

/// The waves of one planted operation; each kind's data is private to its file in
/// `operations/`.
pub(super) enum Plan {
    Doppelganger(Doppelganger),
    Copypasta(Copypasta),
    HashtagFlood(HashtagFlood),
    RetweetRing(RetweetRing),
    SlowCoordination(SlowCoordination),
    /// A post of a Telegram source channel, which its hooks fan out.
    Source {
        chan: u32,
    },
}

impl Sim {
    /// Queues `ev` at `t`; events due at the same second keep the order they were queued in.
    pub(super) fn push(&mut self, t: i64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Sched {
            t,
            seq: self.seq,
            ev,
        });
    }

    /// Queues `n` waves of plan `plan` at random times of the window, thinned by the diurnal
    /// profile of time zone `day_tz` when it has one.
    pub(super) fn waves(&mut self, plan: u16, n: usize, rng: &mut Rng, day_tz: Option<i64>) {
        let span = (self.end - self.cfg_start) as f64;
        for _ in 0..n {
            let mut t;
            loop {
                t = self.cfg_start + rng.uniform(0.0, span - 1800.0).max(0.0) as i64;
                if day_tz.is_none_or(|tz| rng.f64() * 1.6 < profile(&DIURNAL, t, tz)) {
                    break;
                }
            }
            self.push(t, Ev::Wave { plan });
        }
    }

    /// Gives every channel added since the last call its (empty) list of hooks.
    pub(super) fn grow_chan_hooks(&mut self) {
        while self.chan_hooks.len() < self.chans.len() {
            self.chan_hooks.push(Vec::new());
        }
    }
}
