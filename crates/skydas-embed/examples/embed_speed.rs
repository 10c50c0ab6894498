//! Throughput of the sentence encoder on short posts (~20 words, ten languages), on one
//! thread and on two (rayon pools of those sizes).
//!
//! ```sh
//! cargo run --release -p skydas-embed --example embed_speed [MODEL] [POSTS | FILE]
//! ```
//! `MODEL` defaults to `$SKYDAS_MODEL`, then `models/e5-small-q4.bin` under the workspace;
//! `POSTS`, the number of synthetic posts, to 300; a `FILE` gives the posts instead, one a
//! line. Each pool embeds every post three times; the best and median rates are
//! printed per wall-clock second and per CPU second of the process (other work on the machine
//! slows the first but not the second).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use skydas_embed::Model;

const WORDS: [(&str, &str); 10] = [
    (
        "en",
        "the army border NATO Baltic people government war Russia truth media video news \
         attack city soldiers refugees prices energy winter minister protest secret report",
    ),
    (
        "ru",
        "армия граница НАТО Балтия люди правительство война Россия правда СМИ видео новости \
         атака город солдаты беженцы цены энергия зима министр протест тайный доклад",
    ),
    (
        "uk",
        "армія кордон НАТО Балтія люди уряд війна Росія правда медіа відео новини атака \
         місто солдати біженці ціни енергія зима міністр протест таємний звіт",
    ),
    (
        "be",
        "армія мяжа НАТА Балтыя людзі ўрад вайна Расія праўда СМІ відэа навіны атака горад \
         салдаты бежанцы цэны энергія зіма міністр пратэст сакрэтны даклад",
    ),
    (
        "lt",
        "kariuomenė siena NATO Baltija žmonės vyriausybė karas Rusija tiesa žiniasklaida \
         vaizdo naujienos ataka miestas kariai pabėgėliai kainos energija žiema ministras",
    ),
    (
        "lv",
        "armija robeža NATO Baltija cilvēki valdība karš Krievija patiesība mediji video \
         ziņas uzbrukums pilsēta karavīri bēgļi cenas enerģija ziema ministrs protests",
    ),
    (
        "et",
        "armee piir NATO Balti inimesed valitsus sõda Venemaa tõde meedia video uudised \
         rünnak linn sõdurid pagulased hinnad energia talv minister meeleavaldus",
    ),
    (
        "pl",
        "armia granica NATO Bałtyk ludzie rząd wojna Rosja prawda media wideo wiadomości \
         atak miasto żołnierze uchodźcy ceny energia zima minister protest tajny raport",
    ),
    (
        "fi",
        "armeija raja Nato Baltia ihmiset hallitus sota Venäjä totuus media video uutiset \
         hyökkäys kaupunki sotilaat pakolaiset hinnat energia talvi ministeri mielenosoitus",
    ),
    (
        "de",
        "Armee Grenze NATO Baltikum Menschen Regierung Krieg Russland Wahrheit Medien Video \
         Nachrichten Angriff Stadt Soldaten Flüchtlinge Preise Energie Winter Minister",
    ),
];

/// `n` posts of 17 to 23 words, cycling through the languages.
fn posts(n: usize) -> Vec<String> {
    let mut seed = 0x5EED_u32;
    let mut next = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as usize
    };
    let lists: Vec<Vec<&str>> = WORDS
        .iter()
        .map(|(_, w)| w.split_whitespace().collect())
        .collect();
    (0..n)
        .map(|i| {
            let words = &lists[i % lists.len()];
            let len = 17 + next() % 7;
            let mut post: Vec<&str> = (0..len).map(|_| words[next() % words.len()]).collect();
            if i % 3 == 0 {
                post.push("!!! https://example.com/x #news");
            }
            post.join(" ") + "."
        })
        .collect()
}

/// CPU time (user + system) of this process so far, when /proc tells it.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // The kernel reports clock ticks of 1/100 s on Linux (USER_HZ).
    Some(Duration::from_millis(ticks * 10))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("SKYDAS_MODEL").map(PathBuf::from))
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/e5-small-q4.bin")
        });
    let posts: Vec<String> = match args.next() {
        None => posts(300),
        Some(a) => match a.parse::<usize>() {
            Ok(n) if n > 0 => posts(n),
            _ => match std::fs::read_to_string(&a) {
                Ok(text) => text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string)
                    .collect(),
                Err(e) => {
                    eprintln!("{a}: {e}\nusage: embed_speed [MODEL] [POSTS | FILE]");
                    std::process::exit(2);
                }
            },
        },
    };
    let n = posts.len();
    if n == 0 {
        eprintln!("no posts to embed");
        std::process::exit(2);
    }
    let t0 = Instant::now();
    let model = match Model::load(&path) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}\n(install it with scripts/install-model)");
            std::process::exit(1);
        }
    };
    println!("model {} loaded in {:.2?}", path.display(), t0.elapsed());

    let refs: Vec<&str> = posts.iter().map(String::as_str).collect();
    let tokens: usize = refs.iter().map(|p| model.passage_tokens(p).len()).sum();
    let words: usize = refs.iter().map(|p| p.split_whitespace().count()).sum();
    println!(
        "{n} posts, {:.1} words and {:.1} tokens each on average (with <s>, the prefix and </s>)",
        words as f64 / n as f64,
        tokens as f64 / n as f64
    );
    model.embed_batch(&refs[..8.min(n)]);

    for threads in [1usize, 2] {
        let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(p) => p,
            Err(e) => {
                eprintln!("cannot start {threads} threads: {e}");
                std::process::exit(1);
            }
        };
        let mut wall = Vec::new();
        let mut cpu = Vec::new();
        for _ in 0..3 {
            let c0 = cpu_time();
            let t0 = Instant::now();
            let out = pool.install(|| model.embed_batch(&refs));
            let dt = t0.elapsed().as_secs_f64();
            assert_eq!(out.len(), n);
            wall.push(n as f64 / dt);
            if let (Some(a), Some(b)) = (c0, cpu_time()) {
                cpu.push(n as f64 / (b - a).as_secs_f64().max(1e-9));
            }
        }
        let summary = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            (v[v.len() - 1], v[v.len() / 2])
        };
        let (best, median) = summary(&mut wall);
        println!(
            "{threads} thread{}: {best:.1} sentences/s wall (median {median:.1}), \
             {:.1} per core, {:.2} ms per token per core",
            if threads == 1 { " " } else { "s" },
            best / threads as f64,
            1000.0 * threads as f64 * n as f64 / (best * tokens as f64)
        );
        if !cpu.is_empty() {
            let (best, median) = summary(&mut cpu);
            println!(
                "           {best:.1} sentences per CPU second (median {median:.1}), \
                 {:.2} ms per token of CPU",
                1000.0 * n as f64 / (best * tokens as f64)
            );
        }
    }
}
