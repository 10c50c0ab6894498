//! Parsing throughput of the Telegram and X importers on generated files.
//!
//! `cargo run --release -p skydas-ingest --example throughput [N]` writes N twarc2 flattened X
//! lines and a Telegram export of N messages (default 1,000,000 each) to a temporary folder,
//! imports each with `import_file` (items are counted, not stored) and prints items/s, MB/s and
//! the peak resident memory after each run.

mod common;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use skydas_ingest::{Event, ImportOptions, import_file};

fn write_x(path: &Path, n: u64) -> std::io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    for i in 0..n {
        let author = i % 5000;
        let created = common::x_time((common::START + i) as i64);
        if i % 3 == 0 {
            writeln!(
                w,
                r#"{{"id":"{id}","text":"RT @src{a}: Seimas priėmė sprendimą dėl gynybos biudžeto https://t.co/x{i} …","author_id":"{author}","created_at":"{created}","lang":"lt","conversation_id":"{id}","referenced_tweets":[{{"type":"retweeted","id":"{orig}","tweet":{{"id":"{orig}","text":"Seimas priėmė sprendimą dėl gynybos biudžeto https://t.co/x{i} #Seimas","author_id":"{a}","created_at":"{created}","entities":{{"urls":[{{"start":45,"end":68,"url":"https://t.co/x{i}","expanded_url":"https://www.lrt.lt/naujienos/{i}","display_url":"lrt.lt/naujienos/{i}"}}],"hashtags":[{{"start":69,"end":76,"tag":"Seimas"}}]}}}}}}],"entities":{{"mentions":[{{"start":3,"end":10,"username":"src{a}","id":"{a}"}}]}},"public_metrics":{{"retweet_count":3,"reply_count":0,"like_count":0,"quote_count":0}},"author":{{"id":"{author}","username":"user{author}","name":"User {author}","created_at":"2020-01-01T00:00:00.000Z","public_metrics":{{"followers_count":{author},"following_count":10}}}},"__twarc":{{"url":"https://api.twitter.com/2/tweets/search/all","version":"2.14.0","retrieved_at":"2024-03-01T00:00:00+00:00"}}}}"#,
                id = 1_760_000_000_000_000_000u64 + i,
                orig = 1_700_000_000_000_000_000u64 + i / 10,
                a = author + 1,
            )?;
        } else {
            writeln!(
                w,
                r#"{{"id":"{id}","text":"Tai melas, skaitykite https://t.co/y{i} #Lietuva #NATO","author_id":"{author}","created_at":"{created}","lang":"lt","conversation_id":"{id}","entities":{{"urls":[{{"start":22,"end":45,"url":"https://t.co/y{i}","expanded_url":"https://bit.ly/{i}","unwound_url":"https://lrt-news.ltd/{i}","display_url":"bit.ly/{i}"}}],"hashtags":[{{"start":46,"end":54,"tag":"Lietuva"}},{{"start":55,"end":60,"tag":"NATO"}}]}},"public_metrics":{{"retweet_count":0,"reply_count":0,"like_count":1,"quote_count":0}},"author":{{"id":"{author}","username":"user{author}","name":"User {author}","created_at":"2020-01-01T00:00:00.000Z","public_metrics":{{"followers_count":{author},"following_count":10}}}},"__twarc":{{"url":"https://api.twitter.com/2/tweets/search/all","version":"2.14.0","retrieved_at":"2024-03-01T00:00:00+00:00"}}}}"#,
                id = 1_760_000_000_000_000_000u64 + i,
            )?;
        }
    }
    w.flush()
}

fn write_telegram(path: &Path, n: u64) -> std::io::Result<()> {
    common::write_channel_export(path, n, |w, i| {
        if i % 4 == 0 {
            write!(
                w,
                r#"   "forwarded_from": "Readovka",
   "forwarded_from_id": "channel1101170442",
   "photo": "(File not included. Change data exporting settings to download.)",
   "width": 1280,
   "height": 720,
   "text": "Вот что пишут о {i}",
   "text_entities": [{{"type": "plain", "text": "Вот что пишут о {i}"}}]"#
            )
        } else {
            write!(
                w,
                r##"   "text": ["Срочно: ", {{"type": "bold", "text": "в Вильнюсе"}}, " читайте ", {{"type": "link", "text": "https://lrt-news.ltd/article/{i}"}}, " ", {{"type": "hashtag", "text": "#Литва"}}],
   "text_entities": [{{"type": "plain", "text": "Срочно: "}}, {{"type": "bold", "text": "в Вильнюсе"}}, {{"type": "plain", "text": " читайте "}}, {{"type": "link", "text": "https://lrt-news.ltd/article/{i}"}}, {{"type": "plain", "text": " "}}, {{"type": "hashtag", "text": "#Литва"}}]"##
            )
        }
    })
}

fn peak_rss_mib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map_or_else(|| "?".to_string(), |kb| format!("{}", kb / 1024))
}

/// CPU seconds (user + system) this process used so far, from `/proc/self/stat` (100 Hz ticks).
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name, which is in parentheses and may hold spaces.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn measure(label: &str, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let size = std::fs::metadata(path)?.len();
    let start = Instant::now();
    let cpu0 = cpu_secs();
    let (mut items, mut errors) = (0u64, 0u64);
    let summary = import_file(path, "00", &ImportOptions::default(), &mut |ev| match ev {
        Event::Item(_) => items += 1,
        Event::Error(_) => errors += 1,
        Event::Warning(_) => {}
    })?;
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    println!(
        "{label}: {} items, {errors} errors, {:.0} MB; wall {secs:.2} s, cpu {cpu:.2} s: \
         {:.0} items/s and {:.0} MB/s per cpu second; peak RSS {} MiB",
        summary.items,
        size as f64 / 1e6,
        items as f64 / cpu,
        size as f64 / 1e6 / cpu,
        peak_rss_mib()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let x = dir.path().join("tweets.jsonl");
    let tg = dir.path().join("result.json");
    write_x(&x, n)?;
    write_telegram(&tg, n)?;
    measure("telegram", &tg)?;
    measure("x-v2 flattened", &x)?;
    Ok(())
}
