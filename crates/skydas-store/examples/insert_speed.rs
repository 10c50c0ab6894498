//! Measures the embedded store on synthetic data: insert rate with the full-text index on,
//! database size, corpus load time, stats and search latency.
//!
//! `cargo run --release -p skydas-store --example insert_speed -- [ITEMS] [BATCH] [--no-fts] [--dir DIR]`
//! (defaults: 1,000,000 items in batches of 10,000, into a temporary directory).
//! `--read-only --dir DIR` measures only the reads, on a store written before.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use skydas_model::{
    Actor, ActorKind, Item, ItemKind, ItemUrl, Locator, Platform, Provenance, UrlSource,
};
use skydas_store::{FileRecord, InsertOutcome, OpenOptions, SearchQuery, SqliteStore, Store};

/// xorshift64*: deterministic and dependency-free; quality is irrelevant here.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Skewed towards small values, roughly like word frequencies.
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u * u) * n as f64) as usize
    }
}

const LATIN: &[&str] = &[
    "ka", "ri", "na", "to", "ži", "ni", "os", "la", "vy", "ba", "ė", "ti", "pra", "by", "ko", "ās",
    "me", "de", "ło", "wy", "sz", "ää", "ne", "st", "ru", "ja", "ai",
];
const CYRILLIC: &[&str] = &[
    "на", "то", "ро", "ви", "ка", "ні", "ст", "ва", "ли", "ен", "ор", "ду", "ся", "ять", "ій",
    "ем", "пра", "ко", "мо", "ба",
];

fn vocabulary(rng: &mut Rng, syllables: &[&str], n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let len = 2 + rng.below(3);
            (0..len)
                .map(|_| syllables[rng.below(syllables.len())])
                .collect()
        })
        .collect()
}

struct Gen {
    rng: Rng,
    latin: Vec<String>,
    cyrillic: Vec<String>,
    domains: Vec<String>,
    actors: usize,
    sha: String,
}

impl Gen {
    fn new(actors: usize) -> Gen {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let latin = vocabulary(&mut rng, LATIN, 20_000);
        let cyrillic = vocabulary(&mut rng, CYRILLIC, 20_000);
        let domains = (0..2000)
            .map(|i| {
                format!(
                    "{}{}.{}",
                    latin[i],
                    i,
                    ["lt", "lv", "ee", "pl", "ru", "com"][i % 6]
                )
            })
            .collect();
        Gen {
            rng,
            latin,
            cyrillic,
            domains,
            actors,
            sha: format!("{:064x}", 1),
        }
    }

    fn item(&mut self, n: u64) -> Item {
        let r = &mut self.rng;
        let telegram = r.below(10) < 4;
        let cyr = r.below(10) < 6;
        let words = if cyr { &self.cyrillic } else { &self.latin };
        let mut text = String::with_capacity(200);
        while text.len() < 110 + r.below(80) {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&words[r.skewed(words.len())]);
        }
        let actor = r.skewed(self.actors);
        let (platform, platform_id, kind) = if telegram {
            (
                Platform::Telegram,
                format!("-100{actor}/{n}"),
                ActorKind::Channel,
            )
        } else {
            (
                Platform::X,
                format!("{}", 1_700_000_000_000_000_000 + n),
                ActorKind::Account,
            )
        };
        let mut urls = Vec::new();
        for _ in 0..1 + r.below(2) {
            let d = &self.domains[r.skewed(self.domains.len())];
            let path = format!("/news/{}-{}", r.below(100_000), &self.latin[r.below(1000)]);
            let canonical = format!("https://{d}{path}");
            urls.push(ItemUrl {
                hops: Vec::new(),
                raw: format!("https://t.co/{:x}", r.next() >> 24),
                expanded: Some(format!("{canonical}?utm_source=tg")),
                source: UrlSource::Entity,
                canonical,
                host: d.clone(),
                domain: d.clone(),
            });
            text.push_str(" https://");
            text.push_str(d);
            text.push_str(&path);
        }
        let hashtags: Vec<String> = (0..r.below(3))
            .map(|_| self.latin[r.skewed(500)].clone())
            .collect();
        let mut it = Item::new(
            platform,
            platform_id,
            Actor {
                platform_id: if telegram {
                    format!("-100{actor}")
                } else {
                    format!("{actor}")
                },
                handle: Some(format!("user_{actor}")),
                name: Some(format!("User {actor}")),
                kind,
                created_at: None,
                followers: Some(actor as u64 * 7),
            },
            1_700_000_000 + (n as i64) * 3 + r.below(60) as i64,
            text,
            Provenance {
                file_sha256: self.sha.clone(),
                importer: "synthetic".into(),
                importer_version: 1,
                locator: Locator::Line(n + 1),
            },
        );
        it.kind = if r.below(10) == 0 {
            ItemKind::Repost
        } else {
            ItemKind::Post
        };
        it.match_text = it.text.to_lowercase();
        it.lang = if cyr { "ru" } else { "lt" }.into();
        it.lang_conf = 0.9;
        it.hashtags = hashtags;
        it.urls = urls;
        it
    }
}

/// CPU time of this (single-threaded) process so far: on a shared machine the wall clock also
/// counts other processes' work.
fn cpu_time() -> Duration {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut count = 1_000_000u64;
    let mut batch = 10_000usize;
    let mut fts = true;
    let mut read_only = false;
    let mut insert_only = false;
    let mut dir: Option<PathBuf> = None;
    let mut positional = 0;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--no-fts" => fts = false,
            "--read-only" => read_only = true,
            "--insert-only" => insert_only = true,
            "--dir" => dir = args.next().map(PathBuf::from),
            _ if positional == 0 => {
                count = a.parse()?;
                positional += 1;
            }
            _ => batch = a.parse()?,
        }
    }
    let tmp = tempfile::tempdir()?;
    let dir = dir.unwrap_or_else(|| tmp.path().join("store"));
    let mut store = SqliteStore::open(
        &dir,
        OpenOptions {
            fts,
            keep_originals: false,
        },
    )?;
    if let Ok(v) = std::env::var("FTS_CONFIG") {
        // Experiments with FTS5 settings, e.g. FTS_CONFIG=hashsize=8388608,automerge=8.
        let c = rusqlite::Connection::open(dir.join("skydas.db"))?;
        for kv in v.split(',') {
            if let Some((k, v)) = kv.split_once('=') {
                c.execute(
                    "INSERT INTO items_fts (items_fts, rank) VALUES (?1, ?2)",
                    rusqlite::params![k, v.parse::<i64>()?],
                )?;
            }
        }
    }
    let mut generator = Gen::new((count / 20).max(10) as usize);
    store.begin_file(&FileRecord {
        sha256: generator.sha.clone(),
        path: "synthetic.jsonl".into(),
        size: 0,
        importer: "synthetic".into(),
        importer_version: 1,
    })?;

    let mut spent = Duration::ZERO;
    let mut cpu = Duration::ZERO;
    let mut total = InsertOutcome::default();
    let mut n = 0u64;
    let mut text_bytes = 0usize;
    while n < count && !read_only {
        let len = batch.min((count - n) as usize);
        let items: Vec<Item> = (0..len as u64).map(|i| generator.item(n + i)).collect();
        text_bytes += items.iter().map(|i| i.text.len()).sum::<usize>();
        let (t, c) = (Instant::now(), cpu_time());
        total += store.insert_items(&items)?;
        spent += t.elapsed();
        cpu += cpu_time().saturating_sub(c);
        n += len as u64;
    }
    if read_only {
        count = store.stats()?.items;
    }
    store.finish_file(&generator.sha, count, 0)?;
    let secs = spent.as_secs_f64();
    println!(
        "insert: {count} items in batches of {batch} (fts {}), {:.2} s, {:.0} items/s; avg text {} bytes; {total:?}",
        if fts { "on" } else { "off" },
        secs,
        count as f64 / secs,
        text_bytes / count.max(1) as usize,
    );
    println!(
        "insert cpu: {:.2} s, {:.0} items per cpu-second",
        cpu.as_secs_f64(),
        count as f64 / cpu.as_secs_f64()
    );
    println!(
        "size: {:.1} MiB (database and WAL)",
        dir_size(&dir) as f64 / 1048576.0
    );

    if insert_only {
        return Ok(());
    }
    let (t, c) = (Instant::now(), cpu_time());
    let corpus = store.load_corpus()?;
    println!(
        "load_corpus: {} items, {} actors, {:.2} s ({:.2} s cpu)",
        corpus.len(),
        corpus.actors.len(),
        t.elapsed().as_secs_f64(),
        cpu_time().saturating_sub(c).as_secs_f64()
    );
    drop(corpus);

    let t = Instant::now();
    let stats = store.stats()?;
    println!(
        "stats: {:.3} s, {}",
        t.elapsed().as_secs_f64(),
        serde_json::to_string(&stats)?
    );

    if fts {
        for q in [
            generator.latin[0].as_str(),
            generator.cyrillic[5].as_str(),
            generator.latin[19_000].as_str(),
        ] {
            let t = Instant::now();
            let hits = store.search(&SearchQuery::new(q))?;
            println!(
                "search {q:?}: {} hits in {:.3} s",
                hits.len(),
                t.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
