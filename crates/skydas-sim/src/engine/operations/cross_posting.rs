//! Cross-posting from Telegram to X: a source channel whose posts a few X accounts repost with
//! a link back, minutes later. Exercises `co-text` and `co-link` across platforms (the channel
//! and its cross-posters share text and the `t.me` link); truth kind `cross_posting`.

use serde_json::json;
use skydas_model::Platform;
use skydas_model::disarm;

use crate::lang;
use crate::rng::Rng;
use crate::truth::kinds;
use crate::world::Names;

use super::super::Sim;
use super::super::schedule::ChanHook;
use super::Sizing;

pub(super) fn plant(sim: &mut Sim, names: &mut Names, rng: &mut Rng, z: &Sizing) {
    let a = rng.range(3, 8) as usize;
    let prob = rng.uniform(0.6, 0.9);
    let (lo, hi) = (rng.uniform(60.0, 240.0), rng.uniform(600.0, 1500.0));
    let lang = *rng.pick(&[0usize, 1, 2, 5]).unwrap_or(&0);
    let s = sim.add_chan(names, rng, lang, 0.0);
    let accounts = sim.bot_accounts(names, rng, a, lang, false, z.cover);
    let posts = z.source_posts(0.08, 1.0 + a as f64 * prob);
    let tag = sim.relay_group(
        kinds::CROSS_POSTING,
        &[disarm::CROSS_POSTING, disarm::POST_ACROSS_PLATFORM],
        json!({"accounts": a, "post_probability": prob, "delay_s": [lo, hi], "source_posts": posts}),
        s,
        (Platform::X, &accounts, "crossposter"),
    );
    let hooks = accounts
        .iter()
        .map(|&acc| ChanHook::Cross {
            acc,
            p: prob,
            lo,
            hi,
            tag,
        })
        .collect();
    sim.run_source(tag, s, hooks, posts, rng, lang::LANG_TZ[lang]);
}
