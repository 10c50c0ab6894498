//! Telegram forward network: one source channel whose posts a ring of channels forwards within
//! minutes. Exercises `co-repost` (forwards of the same message); truth kind
//! `telegram_forward_network`.

use serde_json::json;
use skydas_model::Platform;
use skydas_model::disarm;

use crate::lang::{self, LANGS};
use crate::rng::Rng;
use crate::truth::kinds;
use crate::world::Names;

use super::super::Sim;
use super::super::schedule::ChanHook;
use super::{Sizing, scaled};

pub(super) fn plant(sim: &mut Sim, names: &mut Names, rng: &mut Rng, z: &Sizing) {
    let m = scaled(5.0, 20.0, z.sf.max(0.5), rng);
    let prob = rng.uniform(0.5, 0.9);
    let mean = rng.uniform(20.0, 300.0);
    let lang = if rng.chance(0.6) {
        0
    } else {
        *rng.pick(&[1usize, 8, 2, 3]).unwrap_or(&0)
    };
    let s = sim.add_chan(names, rng, lang, 0.0);
    let members: Vec<u32> = (0..m)
        .map(|_| {
            let rate = rng.lognormal(2.0, 0.8);
            sim.add_chan(names, rng, lang, rate)
        })
        .collect();
    let posts = z.source_posts(0.15, 1.0 + m as f64 * prob);
    let tag = sim.relay_group(
        kinds::TELEGRAM_FORWARD_NETWORK,
        &[disarm::AUTOMATED_REPOSTING],
        json!({"channels": m, "forward_probability": prob, "delay_mean_s": mean, "source_posts": posts, "lang": LANGS[lang]}),
        s,
        (Platform::Telegram, &members, "forwarder"),
    );
    let hooks = members
        .iter()
        .map(|&chan| ChanHook::Forward {
            chan,
            p: prob,
            mean,
            tag,
        })
        .collect();
    sim.run_source(tag, s, hooks, posts, rng, lang::LANG_TZ[lang]);
}
