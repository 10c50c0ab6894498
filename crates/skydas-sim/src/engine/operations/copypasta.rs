//! Copypasta: bot accounts post the same text, some of it lightly edited, within minutes of
//! each other. Exercises `co-text`; truth kind `copypasta`.

use serde_json::json;
use skydas_model::disarm;

use crate::lang::{self, EMOJI, LANGS, Slots};
use crate::rng::Rng;
use crate::truth::kinds;
use crate::world::Names;

use super::super::Sim;
use super::super::schedule::{Ev, Plan, TweetEv};
use super::{Crew, Sizing, by_day, scaled};

/// What a wave needs: the members, their language and how much each copy may differ.
pub(in crate::engine) struct Copypasta {
    crew: Crew,
    lang: usize,
    spread: f64,
    mutation: f64,
}

pub(super) fn plant(sim: &mut Sim, names: &mut Names, rng: &mut Rng, z: &Sizing) {
    let m = scaled(15.0, 50.0, z.sf, rng);
    let part = rng.uniform(0.5, 0.9);
    let spread = rng.uniform(60.0, 400.0);
    let mutation = rng.uniform(0.2, 0.7);
    let lang = *rng.pick(&[0usize, 7, 2, 5, 1, 3]).unwrap_or(&0);
    let members = sim.bot_accounts(names, rng, m, lang, true, z.cover);
    let nw = z.waves(0.12, m as f64 * part);
    let (tag, crew) = sim.crew_group(
        kinds::COPYPASTA,
        &[disarm::COPYPASTA],
        json!({"accounts": m, "participation": part, "spread_s": spread, "mutation_rate": mutation, "waves": nw, "lang": LANGS[lang], "cover_rate_median_per_day": z.cover}),
        "member",
        Crew { members, part },
    );
    let plan = Copypasta {
        crew,
        lang,
        spread,
        mutation,
    };
    sim.run_plan(tag, Plan::Copypasta(plan), nw, rng, by_day(lang));
}

/// One text, posted by the members who take part, each copy edited with chance `mutation`.
pub(super) fn wave(p: &Copypasta, r: &mut Rng, t: i64, tag: u16) -> Vec<(i64, Ev)> {
    let mut base = Slots::random(r).render(p.lang);
    base.push(' ');
    base.push_str(&Slots::random(r).render(p.lang));
    p.crew.wave(r, |r, m| {
        let text = if r.chance(p.mutation) {
            mutate(&base, r, p.lang)
        } else {
            base.clone()
        };
        let at = t + r.uniform(0.0, p.spread) as i64;
        (at, TweetEv::planted(m, text, tag).into())
    })
}

/// A light edit of a copy: an emoji or hashtag added, punctuation or one comment word changed,
/// the kind of change that defeats exact matching but not near-duplicate detection.
fn mutate(text: &str, rng: &mut Rng, lang: usize) -> String {
    let mut s = text.to_string();
    for _ in 0..rng.range(1, 3) {
        match rng.below(5) {
            0 => {
                s.push(' ');
                s.push_str(EMOJI[rng.below(EMOJI.len())]);
            }
            1 => {
                let tags = lang::BIG_TAGS[lang];
                s.push_str(" #");
                s.push_str(tags[rng.below(tags.len())]);
            }
            2 => s = s.replacen('.', "!", 1),
            3 => {
                // Swap one comment word for another from the same list.
                for row in lang::COMMENTS.iter() {
                    if s.contains(row[lang]) {
                        let other = lang::COMMENTS[rng.below(lang::COMMENTS.len())][lang];
                        s = s.replacen(row[lang], other, 1);
                        break;
                    }
                }
            }
            _ => s = s.replace(" — ", " - ").replace(", ", " , "),
        }
    }
    s
}
