//! Times the known-infrastructure detector: 1M items (each with a shortened link, its expanded
//! target, sometimes a redirect hop, on 300k domains, subdomains and paths; 100k actors)
//! against 100k indicators (60k domains, 20k URLs, 20k accounts), half of them present.
//! Run with `cargo run --release -p skydas-detect --example known_infra_speed [items] [indicators]`.

use std::sync::Arc;
use std::time::Instant;

use skydas_detect::Detector;
use skydas_detect::known_infra::KnownInfrastructure;
use skydas_detect::testkit::{Rng, provenance};
use skydas_model::{
    Actor, CorpusBuilder, Indicator, IndicatorKind, Item, ItemUrl, Platform, Tlp, UrlSource,
};
use skydas_normalise::Normaliser;

const TLDS: &[&str] = &[
    "com", "lt", "lv", "ee", "pl", "fi", "ru", "ua", "ltd", "news",
];

fn domain(i: u64) -> String {
    format!("site{i}.{}", TLDS[(i % TLDS.len() as u64) as usize])
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n_items = args.first().copied().unwrap_or(1_000_000);
    let n_ind = args.get(1).copied().unwrap_or(100_000);
    let mut rng = Rng(7);
    let n_domains = 300_000;
    let t = Instant::now();
    let norm = Normaliser::new();
    let mut b = CorpusBuilder::with_capacity(n_items as usize);
    for i in 0..n_items {
        let d = domain(rng.below(n_domains));
        let host = if rng.below(4) == 0 {
            format!("www.news.{d}")
        } else {
            d
        };
        let expanded = format!("https://{host}/a/{}", rng.below(50));
        let hops = if rng.below(10) == 0 {
            vec![format!("https://{}/r/{i}", domain(rng.below(n_domains)))]
        } else {
            Vec::new()
        };
        let a = rng.below(100_000);
        let actor = Actor {
            platform_id: format!("{a}"),
            handle: Some(format!("user{a}")),
            ..Actor::default()
        };
        let prov = provenance("bench", i + 1);
        let mut it = Item::new(Platform::X, format!("{i}"), actor, i as i64, "post", prov);
        it.urls = vec![ItemUrl {
            raw: format!("https://t.co/{i:x}"),
            expanded: Some(expanded),
            hops,
            source: UrlSource::Entity,
            ..ItemUrl::default()
        }];
        norm.normalise(&mut it);
        b.push(&it);
    }
    let corpus = b.finish();
    eprintln!(
        "corpus: {} items, {} distinct URL strings, {} actors in {:.1} s",
        corpus.len(),
        corpus.urls.len(),
        corpus.actors.len(),
        t.elapsed().as_secs_f64()
    );
    let mut indicators = Vec::with_capacity(n_ind as usize);
    for k in 0..n_ind {
        // Half of the values are ones the corpus holds.
        let present = k % 2 == 0;
        let (kind, value) = match k % 5 {
            0..=2 => {
                let d = if present {
                    domain(rng.below(n_domains))
                } else {
                    format!("absent{k}.org")
                };
                (IndicatorKind::Domain, d)
            }
            3 => {
                let d = if present {
                    domain(rng.below(n_domains))
                } else {
                    format!("absent{k}.org")
                };
                (
                    IndicatorKind::Url,
                    format!("https://{d}/a/{}", rng.below(50)),
                )
            }
            _ => {
                let a = if present {
                    format!("@user{}", rng.below(100_000))
                } else {
                    format!("@nobody{k}")
                };
                (IndicatorKind::Actor, a)
            }
        };
        indicators.push(Indicator {
            kind,
            label: value.clone(),
            value,
            platform: None,
            list: format!("list{}", k % 7),
            source: "bench".into(),
            tlp: Tlp::Amber,
        });
    }
    let det = KnownInfrastructure::new(Arc::new(indicators));
    for run in 0..3 {
        let t = Instant::now();
        let f = det.run(&corpus);
        let secs = t.elapsed().as_secs_f64();
        let items: usize = f
            .iter()
            .map(|f| f.params["items"].as_u64().unwrap_or(0) as usize)
            .sum();
        println!(
            "run {run}: {} items × {} indicators: {} findings, {items} sightings in {secs:.2} s ({} threads)",
            corpus.len(),
            n_ind,
            f.len(),
            rayon::current_num_threads()
        );
    }
}
