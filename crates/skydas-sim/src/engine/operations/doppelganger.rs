//! Doppelganger: bot accounts push links to clones of real outlets (look-alike domains), most
//! of them behind redirectors, a burst per article. Exercises `lookalike` (the clones, truth's
//! `lookalike_domains`) and `co-link` (many accounts, one clone URL); truth kind `doppelganger`.

use serde_json::json;
use skydas_model::disarm;

use crate::domains::{self, OUTLETS};
use crate::lang::{self, EMOJI, Slots};
use crate::rng::Rng;
use crate::truth::{LookalikeDomain, kinds};
use crate::world::Names;

use super::super::Sim;
use super::super::emit_web::slug;
use super::super::schedule::{Ev, Link, Plan, TweetEv};
use super::{Crew, Sizing, scaled};

/// What a wave needs: the amplifiers and where their links lead.
pub(in crate::engine) struct Doppelganger {
    crew: Crew,
    /// Clone hosts with the language of the outlet each imitates.
    clones: Vec<(String, usize)>,
    redirs: Vec<String>,
    jitter: f64,
}

pub(super) fn plant(sim: &mut Sim, names: &mut Names, rng: &mut Rng, z: &Sizing) {
    let m = scaled(20.0, 80.0, z.sf, rng);
    let part = rng.uniform(0.5, 0.9);
    let jitter = rng.uniform(20.0, 90.0);
    let nt = rng.range(2, 4) as usize;
    let targets: Vec<usize> = rng.sample(OUTLETS.len(), nt);
    let mut techniques: Vec<usize> = (0..domains::TECHNIQUES.len()).collect();
    rng.shuffle(&mut techniques);
    let nclones = rng.range(4, 8) as usize;
    let mut clones = Vec::new();
    let mut lookalikes = Vec::new();
    for (k, &tech) in techniques.iter().cycle().take(nclones).enumerate() {
        let target = &OUTLETS[targets[k % targets.len()]];
        let c = domains::make_clone(target.domain, tech, rng);
        if lookalikes
            .iter()
            .any(|l: &LookalikeDomain| l.domain == c.domain)
        {
            continue;
        }
        lookalikes.push(LookalikeDomain {
            domain: c.domain.clone(),
            host: c.host.clone(),
            impersonates: target.domain.to_string(),
            technique: c.technique.to_string(),
        });
        clones.push((c.host, target.lang));
    }
    let redirs: Vec<String> = (0..rng.range(3, 8))
        .map(|_| domains::redirector(rng))
        .collect();
    let lang = clones.first().map(|c| c.1).unwrap_or(9);
    let members = sim.bot_accounts(names, rng, m, lang, true, z.cover);
    let nw = z.waves(0.2, m as f64 * part);
    let (tag, crew) = sim.crew_group(
        kinds::DOPPELGANGER,
        &[
            disarm::LOOKALIKE_DOMAIN,
            disarm::IMPERSONATED_PERSONA,
            disarm::REDIRECTING_DOMAIN,
            disarm::AUTOMATED_REPOSTING,
        ],
        json!({"accounts": m, "participation": part, "jitter_mean_s": jitter, "waves": nw, "clones": clones.len(), "redirectors": redirs.len(), "redirect_share": 0.8, "cover_rate_median_per_day": z.cover}),
        "amplifier",
        Crew { members, part },
    );
    let g = sim.group_mut(tag);
    g.op.domains = lookalikes.iter().map(|l| l.domain.clone()).collect();
    g.op.redirectors = redirs.clone();
    let plan = Doppelganger {
        crew,
        clones,
        redirs,
        jitter,
    };
    sim.run_plan(tag, Plan::Doppelganger(plan), nw, rng, None);
    sim.lookalikes.extend(lookalikes);
}

/// One article on one clone, pushed by the members who take part within a jittered burst.
pub(super) fn wave(p: &Doppelganger, r: &mut Rng, t: i64, tag: u16) -> Vec<(i64, Ev)> {
    let Some((host, lang)) = r.pick(&p.clones).cloned() else {
        return Vec::new();
    };
    let slots = Slots::random(r);
    let url = format!(
        "https://{host}/{}/{}-{}.html",
        ["politik", "news", "world", "article"][r.below(4)],
        slug(&slots.render(lang)),
        r.range(10_000, 99_999)
    );
    let mut first = true;
    p.crew.wave(r, |r, m| {
        let d = if first {
            0
        } else {
            r.exp(p.jitter).min(300.0) as i64
        };
        first = false;
        let mut s = slots;
        if r.chance(0.5) {
            s.a = r.below(lang::COMMENTS.len());
        }
        let mut text = s.render(lang);
        if r.chance(0.3) {
            text.push(' ');
            text.push_str(EMOJI[r.below(EMOJI.len())]);
        }
        let link = if r.chance(0.8) {
            let red = r.pick(&p.redirs).cloned().unwrap_or_default();
            Link {
                expanded: format!(
                    "https://{red}/{}",
                    r.token(b"abcdefghijklmnopqrstuvwxyz0123456789", 8)
                ),
                unwound: Some(url.clone()),
            }
        } else {
            Link::to(url.clone())
        };
        let ev = TweetEv {
            links: vec![link],
            ..TweetEv::planted(m, text, tag)
        };
        (t + d, ev.into())
    })
}
