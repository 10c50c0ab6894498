//! Writes the import benchmark's inputs: `x.jsonl` (X API v2 JSONL, one post per line, twarc2
//! flattened) and `telegram/result.json` (a Telegram Desktop export), N records each.
//!
//! `cargo run --release -p skydas-ingest --example gen_bench -- DIR [N]` (N defaults to
//! 1,000,000). Texts mix the languages the product serves and repeat the way campaigns do (a
//! few thousand distinct sentences, varied links and tags), so that normalisation and the
//! full-text index see realistic work rather than one string a million times.

mod common;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

const SENTENCES: [&str; 12] = [
    "Seimas priėmė sprendimą dėl gynybos biudžeto",
    "Saeima apstiprināja jauno aizsardzības budžetu",
    "Riigikogu kiitis heaks kaitse-eelarve suurendamise",
    "Sejm przyjął ustawę o obronie ojczyzny",
    "Eduskunta hyväksyi puolustusbudjetin lisäyksen",
    "NATO troops are preparing a provocation near the border",
    "Die Regierung bestätigte neue Sanktionen gegen Moskau",
    "Срочно: в Вильнюсе готовят провокацию на границе",
    "Терміново: у Києві оголошено повітряну тривогу",
    "Тэрмінова: у Мінску адбылася сустрэча ўрада",
    "Власти Латвии скрывают правду о ценах на газ",
    "Lietuvos kariuomenė pradėjo pratybas prie sienos",
];
const TAIL: [&str; 8] = [
    "skaitykite daugiau",
    "lasiet vairāk",
    "loe edasi",
    "czytaj więcej",
    "lue lisää",
    "read more",
    "читайте подробнее",
    "читайте далі",
];
const TAGS: [&str; 6] = ["NATO", "Lietuva", "Latvija", "Eesti", "Polska", "Литва"];
const LANGS: [&str; 12] = [
    "lt", "lv", "et", "pl", "fi", "en", "de", "ru", "uk", "be", "ru", "lt",
];
const DOMAINS: [&str; 6] = [
    "www.lrt.lt",
    "lrt-news.ltd",
    "www.delfi.lv",
    "err.ee",
    "tvp-info.pl",
    "yle.fi",
];

/// A cheap deterministic mix of `i`, so the data is the same on every run.
fn mix(i: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    x.wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ (x >> 29)
}

fn pick<T: Copy>(list: &[T], r: u64) -> T {
    list[(r % list.len() as u64) as usize]
}

fn write_x(path: &Path, n: u64) -> std::io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    for i in 0..n {
        let r = mix(i);
        let k = (r % 12) as usize;
        let author = (r >> 8) % 20_000;
        let created = common::x_time((common::START + i) as i64);
        let text = format!(
            "{} {} #{} https://t.co/x{i}",
            SENTENCES[k],
            pick(&TAIL, r >> 16),
            pick(&TAGS, r >> 20)
        );
        let url_start = text.chars().count() - format!("https://t.co/x{i}").len();
        let domain = pick(&DOMAINS, r >> 24);
        writeln!(
            w,
            r#"{{"id":"{id}","text":"{text}","author_id":"{author}","created_at":"{created}","lang":"{lang}","conversation_id":"{id}","entities":{{"urls":[{{"start":{url_start},"end":{url_end},"url":"https://t.co/x{i}","expanded_url":"https://{domain}/news/{story}?utm_source=x","display_url":"{domain}/news/{story}"}}]}},"public_metrics":{{"retweet_count":{rt},"reply_count":0,"like_count":1,"quote_count":0}},"author":{{"id":"{author}","username":"user{author}","name":"User {author}","created_at":"2020-01-01T00:00:00.000Z","public_metrics":{{"followers_count":{author},"following_count":10}}}}}}"#,
            id = 1_760_000_000_000_000_000u64 + i,
            lang = LANGS[k],
            url_end = url_start + format!("https://t.co/x{i}").len(),
            story = (r >> 32) % 50_000,
            rt = (r >> 40) % 100,
        )?;
    }
    w.flush()
}

fn write_telegram(path: &Path, n: u64) -> std::io::Result<()> {
    common::write_channel_export(path, n, |w, i| {
        let r = mix(i ^ 0x5555);
        let sentence = SENTENCES[(r % 12) as usize];
        let tail = pick(&TAIL, r >> 16);
        let tag = pick(&TAGS, r >> 20);
        let domain = pick(&DOMAINS, r >> 24);
        let story = (r >> 32) % 50_000;
        write!(
            w,
            r##"   "text": ["{sentence} ", {{"type": "bold", "text": "{tail}"}}, " ", {{"type": "link", "text": "https://{domain}/article/{story}"}}, " ", {{"type": "hashtag", "text": "#{tag}"}}],
   "text_entities": [{{"type": "plain", "text": "{sentence} "}}, {{"type": "bold", "text": "{tail}"}}, {{"type": "plain", "text": " "}}, {{"type": "link", "text": "https://{domain}/article/{story}"}}, {{"type": "plain", "text": " "}}, {{"type": "hashtag", "text": "#{tag}"}}]"##
        )
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: gen_bench DIR [N]")?
        .parse::<std::path::PathBuf>()?;
    let n: u64 = match args.next() {
        Some(s) => s.parse()?,
        None => 1_000_000,
    };
    std::fs::create_dir_all(dir.join("telegram"))?;
    write_x(&dir.join("x.jsonl"), n)?;
    write_telegram(&dir.join("telegram").join("result.json"), n)?;
    Ok(())
}
