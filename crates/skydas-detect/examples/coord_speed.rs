//! Times the coordination and automation detectors on a synthetic corpus of 1M items: 100k
//! actors, Zipf-popular URLs (one shared 20,000 times), hashtags, texts, reposts and a planted
//! bot network. Run with `cargo run --release -p skydas-detect --example coord_speed [items]`.

use std::time::Instant;

use skydas_detect::Detector;
use skydas_detect::automation::{self, Automation};
use skydas_detect::coordination::{Coordination, Params};
use skydas_detect::testkit::{Rng, WORDS, link, provenance};
use skydas_model::{Actor, CorpusBuilder, Item, ItemKind, ItemUrl, Platform};

/// Words added here to the shared vocabulary (Ukrainian ones, parliaments' names), for texts
/// more varied than the tests'.
const MORE_WORDS: &[&str] = &[
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
    let host = u.split('/').nth(2).unwrap_or("");
    link(&u, host, host)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let actors = (n / 10).max(100) as u64;
    let mut rng = Rng(42);
    let t0 = 1_700_000_000i64;
    let prov = provenance("bench", 0);
    let vocabulary: Vec<&str> = WORDS.iter().chain(MORE_WORDS).copied().collect();
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
            .map(|_| vocabulary[rng.below(vocabulary.len() as u64) as usize])
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
