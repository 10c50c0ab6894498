//! Normalises 200k synthetic items and prints items per second, plus language ID alone.
//!
//! Run with `cargo run --release -p skydas-normalise --example normalise_speed`.

use std::time::Instant;

use skydas_model::{Actor, Item, ItemUrl, Locator, Platform, Provenance, UrlSource};
use skydas_normalise::{Normaliser, lang};

const TEXTS: [&str; 8] = [
    "🔥 Читайте: https://t.co/AbC123 Западные СМИ снова врут о России #НАТО @rian_ru",
    "У Києві вночі лунали вибухи, сили ППО працювали по ворожих дронах https://t.me/s/chan/1",
    "Šiandien Vilniuje vyko protestas prieš naujus mokesčius www.lrt.lt/naujienos?utm_source=x",
    "Breaking: explosions reported near the border https://example.com/a?fbclid=1 #news",
    "Sejm przyjął ustawę, zgodnie z którą wzrosną emerytury",
    "Rīgā šodien notika protests pret jaunajiem nodokļiem",
    "Tallinnas toimus täna meeleavaldus uute maksude vastu",
    "Жыве Беларусь! Сёння ў Мінску зноў затрымалі журналістаў",
];

fn main() {
    let n = 200_000;
    let prov = Provenance {
        file_sha256: "0".repeat(64),
        importer: "bench".into(),
        importer_version: 1,
        locator: Locator::Line(1),
    };
    let items: Vec<Item> = (0..n)
        .map(|i| {
            let mut it = Item::new(
                Platform::X,
                i.to_string(),
                Actor::default(),
                0,
                TEXTS[i % TEXTS.len()],
                prov.clone(),
            );
            if i % 2 == 0 {
                it.urls.push(ItemUrl {
                    raw: "https://t.co/AbC123".into(),
                    expanded: Some(format!("https://ria.ru/2024/{i}.html?utm_source=tw")),
                    source: UrlSource::Entity,
                    ..ItemUrl::default()
                });
            }
            it
        })
        .collect();

    let norm = Normaliser::new();
    let mut work = items.clone();
    let ((), secs) = timed(|| {
        for it in &mut work {
            norm.normalise(it);
        }
    });
    println!(
        "normalise: {n} items in {secs:.3} s = {:.0} items/s",
        n as f64 / secs
    );

    let (und, secs) = timed(|| {
        items
            .iter()
            .filter(|it| lang::detect(&it.text).0 == "und")
            .count()
    });
    println!("lang::detect: {:.0} texts/s ({und} und)", n as f64 / secs);

    let (len, secs) = timed(|| {
        items
            .iter()
            .map(|it| skydas_normalise::text::match_text(&it.text).len())
            .sum::<usize>()
    });
    println!(
        "text::match_text: {:.0} texts/s ({len} bytes)",
        n as f64 / secs
    );

    let (ok, secs) = timed(|| {
        (0..n)
            .filter(|i| {
                let u = format!(
                    "https://www.example{}.co.uk/path/{i}?utm_source=x&id={i}",
                    i % 100
                );
                skydas_normalise::url::canonicalise(&u).is_some()
            })
            .count()
    });
    println!("url::canonicalise: {:.0} urls/s ({ok} ok)", n as f64 / secs);

    let short = [
        "Это просто ужасно",
        "Дякую всім за підтримку",
        "Labai šalta šiandien",
        "Thank you all",
    ];
    let (und, secs) = timed(|| {
        (0..n)
            .filter(|i| lang::detect(short[i % short.len()]).0 == "und")
            .count()
    });
    println!(
        "lang::detect short posts: {:.0} texts/s ({und} und)",
        n as f64 / secs
    );
}

/// Runs `f` once: what it returned and the wall-clock seconds it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64())
}
