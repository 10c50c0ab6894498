//! Portal Kombat ("Pravda network"): Telegram source channels whose posts a network of news
//! portals republishes within minutes, one portal per country. Exercises `co-link` (portals link
//! the source message, which ties them to their channel); truth kind `portal_kombat`.

use std::collections::BTreeSet;

use serde_json::json;
use skydas_model::Platform;
use skydas_model::disarm;

use crate::rng::Rng;
use crate::truth::kinds;
use crate::world::{Names, Site};

use super::super::Sim;
use super::super::schedule::ChanHook;
use super::{Sizing, actors};

/// Country code of each portal and the language it writes in, in the order portals are made.
const CC: [(&str, usize); 10] = [
    ("lt", 2),
    ("lv", 3),
    ("ee", 4),
    ("pl", 5),
    ("fi", 6),
    ("de", 9),
    ("ua", 1),
    ("by", 8),
    ("en", 7),
    ("ru", 0),
];

pub(super) fn plant(sim: &mut Sim, names: &mut Names, rng: &mut Rng, z: &Sizing) {
    let np = rng.range(5, 15) as usize;
    let ns = rng.range(2, 3) as usize;
    let prob = rng.uniform(0.6, 0.9);
    let sources: Vec<u32> = (0..ns).map(|_| sim.add_chan(names, rng, 0, 0.0)).collect();
    let mut portals = Vec::new();
    let mut domains_used = BTreeSet::new();
    for k in 0..np {
        let (cc, l) = CC[k % CC.len()];
        let round = k / CC.len();
        let host = if rng.chance(0.7) {
            if round == 0 {
                format!("{cc}.news-pravda.com")
            } else {
                format!("{cc}{round}.news-pravda.com")
            }
        } else {
            format!(
                "pravda-{cc}{}.com",
                if round == 0 {
                    String::new()
                } else {
                    round.to_string()
                }
            )
        };
        let domain = host
            .rsplitn(3, '.')
            .take(2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join(".");
        domains_used.insert(domain.clone());
        sim.sites.push(Site {
            host: host.clone(),
            domain,
            lang: l,
            name: format!("Pravda {}", cc.to_uppercase()),
            atom: false,
            section: "world".into(),
            rate: 0.0,
            tz: 3,
            next_id: rng.range(10_000, 900_000) as u64,
            style: 1,
            written: 0,
        });
        portals.push((sim.sites.len() - 1) as u32);
    }
    let posts = z.source_posts(0.2, 1.0 + np as f64 * prob);
    let tag = sim.op_group(
        kinds::PORTAL_KOMBAT,
        &[
            disarm::INAUTHENTIC_SITES_AMPLIFY,
            disarm::CROSS_POSTING,
            disarm::POST_ACROSS_PLATFORM,
        ],
        json!({"portals": np, "sources": ns, "republish_probability": prob, "delay_s": [60, 900], "source_posts": posts}),
        [
            actors(Platform::Telegram, &sources, "source"),
            actors(Platform::Web, &portals, "portal"),
        ]
        .concat(),
    );
    sim.group_mut(tag).op.domains = domains_used.into_iter().collect();
    for &s in &sources {
        let hooks = portals
            .iter()
            .map(|&site| ChanHook::Portal {
                site,
                p: prob,
                median: rng.uniform(90.0, 600.0),
                tag,
            })
            .collect();
        sim.run_source(tag, s, hooks, posts.div_ceil(ns), rng, 3);
    }
}
