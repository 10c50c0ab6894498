//! Times the coordination and automation detectors on a synthetic corpus of 1M items: 100k
//! actors, Zipf-popular URLs (one shared 20,000 times), hashtags, texts, reposts and a planted
//! bot network. Run with `cargo run --release -p skydas-detect --example coord_speed [items]`.

use std::time::Instant;

use skydas_detect::Detector;
use skydas_detect::automation::{self, Automation};
use skydas_detect::coordination::{Coordination, Params};
use skydas_model::{Actor, CorpusBuilder, Item, ItemKind, ItemUrl, Locator, Platform, Provenance};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// Roughly Zipf over `0..n`: low numbers far more likely.
    fn zipf(&mut self, n: u64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) - 1.0) as u64
    }
}

const WORDS: &[&str] = &[
    "valdžia",
    "rinkimai",
    "karas",
    "ekonomika",
    "kainos",
    "mokykla",
    "orai",
    "futbolas",
    "новости",
    "погода",
    "цены",
    "выборы",
    "школа",
    "война",
    "wybory",
    "pogoda",
    "ceny",
    "uutiset",
    "sää",
    "hinnat",
    "news",
    "weather",
    "prices",
    "school",
    "vaalit",
    "ziņas",
    "україна",
    "мова",
    "президент",
    "уряд",
    "sejm",
    "riigikogu",
    "saeima",
    "seimas",
    "eduskunta",
    "bundestag",
];

fn url(u: String) -> ItemUrl {
    let host = u.split('/').nth(2).unwrap_or("").to_string();
    ItemUrl {
        raw: u.clone(),
        canonical: u,
        domain: host.clone(),
        host,
        ..ItemUrl::default()
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let actors = (n / 10).max(100) as u64;
    let mut rng = Rng(42);
    let t0 = 1_700_000_000i64;
    let prov = Provenance {
        file_sha256: "00".repeat(32),
        importer: "bench".into(),
        importer_version: 1,
        locator: Locator::Line(0),
    };
    let started = Instant::now();
    let mut b = CorpusBuilder::new();
    for i in 0..n {
        let (actor, time, bot) = if i % 1000 == 0 {
            // A planted network: 30 bots, each of its keys pushed within seconds.
            let k = (i / 1000) as i64;
            (
                format!("bot{}", i / 1000 % 30),
                t0 + k * 600 + (i as i64 % 7),
                true,
            )
        } else {
            (
                format!("u{}", rng.zipf(actors)),
                t0 + rng.below(30 * 86_400) as i64,
                false,
            )
        };
        let words: Vec<&str> = (0..6 + rng.below(20))
            .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
            .collect();
        let text = if bot {
            format!(
                "campaign message number {} {}",
                i / 30_000,
                words[..3].join(" ")
            )
        } else {
            words.join(" ")
        };
        let a = Actor {
            platform_id: actor,
            ..Actor::default()
        };
        let mut it = Item::new(
            Platform::X,
            format!("t{i}"),
            a,
            time,
            text.clone(),
            prov.clone(),
        );
        it.match_text = text;
        match rng.below(10) {
            0..=3 => {
                let u = if rng.below(20) == 0 {
                    0
                } else {
                    rng.zipf(200_000)
                };
                it.urls
                    .push(url(format!("https://site{}.example/a/{u}", u % 500)));
            }
            4 => {
                it.kind = ItemKind::Repost;
                it.repost_of = Some(format!("r{}", rng.zipf(100_000)));
            }
            5 => it.hashtags = vec![format!("h{}", rng.zipf(300)), format!("h{}", rng.zipf(300))],
            6 => it.reply_to = Some(format!("p{}", rng.zipf(50_000))),
            _ => {}
        }
        if bot {
            it.urls = vec![url(format!("https://clone.example/p/{}", i / 3000))];
        }
        b.push(&it);
    }
    let corpus = b.finish();
    eprintln!(
        "built {} items, {} actors in {:.2?}",
        corpus.len(),
        corpus.actors.len(),
        started.elapsed()
    );
    let t = Instant::now();
    let found = Coordination::new(Params::default()).run(&corpus);
    eprintln!(
        "coordination: {} findings in {:.2?}",
        found.len(),
        t.elapsed()
    );
    for f in found.iter().take(5) {
        eprintln!("  {:.3} {}", f.score, f.summary);
    }
    let t = Instant::now();
    let auto = Automation::new(automation::Params::default()).run(&corpus);
    eprintln!("automation: {} findings in {:.2?}", auto.len(), t.elapsed());
}
