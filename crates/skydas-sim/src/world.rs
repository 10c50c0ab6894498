//! The simulated population: X accounts, Telegram channels and sites, with heavy-tailed
//! activity and followers, language communities and creation dates.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use skydas_model::time::format_rfc3339_millis;

use crate::lang::{self, FIRST, LANGS, LAST};
use crate::out::json_str;
use crate::rng::Rng;

/// An X account.
#[derive(Debug, Clone)]
pub struct XAcc {
    pub id: u64,
    pub username: String,
    pub lang: usize,
    pub followers: u64,
    /// Organic posts per day.
    pub rate: f64,
    /// The `users` object, pre-rendered.
    pub json: String,
    /// Member of a planted operation or a bot decoy: excluded from organic roles.
    pub reserved: bool,
    pub written: u64,
}

/// A Telegram channel.
#[derive(Debug, Clone)]
pub struct Chan {
    pub id: u64,
    pub username: String,
    pub title: String,
    pub lang: usize,
    pub rate: f64,
    pub next_msg: u64,
    pub reserved: bool,
    pub written: u64,
}

/// A site with a feed.
#[derive(Debug, Clone)]
pub struct Site {
    pub host: String,
    pub domain: String,
    pub lang: usize,
    pub name: String,
    pub atom: bool,
    pub section: String,
    /// Articles per day.
    pub rate: f64,
    pub tz: i64,
    pub next_id: u64,
    pub style: u8,
    pub written: u64,
}

const SYL: [&str; 24] = [
    "ka", "ri", "to", "na", "le", "mi", "so", "ve", "ja", "ur", "el", "an", "is", "ok", "ta", "lu",
    "vi", "da", "ne", "ko", "sa", "ma", "ti", "ro",
];
const LATIN_FIRST: [&str; 16] = [
    "alex", "irina", "dima", "olga", "taras", "jonas", "ruta", "janis", "liga", "mart", "piotr",
    "anna", "mikko", "laura", "tom", "kate",
];

/// Unique handle factory.
#[derive(Debug, Default)]
pub struct Names {
    used: BTreeSet<String>,
    ids: BTreeSet<u64>,
}

impl Names {
    /// A handle not used before; `base` is kept and made unique with digits.
    pub fn unique(&mut self, base: String, rng: &mut Rng) -> String {
        let mut h = base.clone();
        while self.used.contains(&h) {
            h = format!("{base}{}", rng.range(1, 9999));
        }
        self.used.insert(h.clone());
        h
    }

    /// A numeric id not used before in `lo..=hi`.
    pub fn id(&mut self, lo: i64, hi: i64, rng: &mut Rng) -> u64 {
        loop {
            let v = rng.range(lo, hi) as u64;
            if self.ids.insert(v) {
                return v;
            }
        }
    }

    /// An organic-looking handle.
    pub fn organic_handle(&mut self, rng: &mut Rng) -> String {
        let mut s = String::new();
        if rng.chance(0.4) {
            s.push_str(LATIN_FIRST[rng.below(LATIN_FIRST.len())]);
            s.push('_');
        }
        for _ in 0..rng.range(2, 4) {
            s.push_str(SYL[rng.below(SYL.len())]);
        }
        if rng.chance(0.35) {
            let _ = write!(s, "{}", rng.range(1, 99));
        }
        self.unique(s, rng)
    }

    /// A bulk-created bot handle: a first name and eight digits.
    pub fn templated_handle(&mut self, rng: &mut Rng) -> String {
        let base = format!(
            "{}{}",
            LATIN_FIRST[rng.below(LATIN_FIRST.len())],
            rng.range(10_000_000, 99_999_999)
        );
        self.unique(base, rng)
    }
}

/// A display name in the community's language.
pub fn display_name(lang: usize, rng: &mut Rng) -> String {
    let f = FIRST[lang][rng.below(FIRST[lang].len())];
    if rng.chance(0.7) {
        format!("{f} {}", LAST[lang][rng.below(LAST[lang].len())])
    } else {
        f.to_string()
    }
}

/// Builds an X account with its rendered `users` object.
#[allow(clippy::too_many_arguments)]
pub fn x_account(
    names: &mut Names,
    rng: &mut Rng,
    lang: usize,
    username: String,
    name: String,
    created: i64,
    followers: u64,
    rate: f64,
    reserved: bool,
) -> XAcc {
    // Accounts created after 2022 have snowflake ids; older ones short numeric ids.
    let id = if created > 1_640_995_200 {
        names.id(1_400_000_000_000_000_000, 1_760_000_000_000_000_000, rng)
    } else {
        names.id(10_000_000, 1_600_000_000, rng)
    };
    let following = (rng.lognormal(250.0, 1.0) as u64).min(5000);
    let tweets = (rate * rng.uniform(200.0, 900.0)) as u64 + rng.range(0, 50) as u64;
    let mut json = String::with_capacity(256);
    let _ = write!(json, "{{\"id\":\"{id}\",\"username\":");
    json_str(&mut json, &username);
    json.push_str(",\"name\":");
    json_str(&mut json, &name);
    let _ = write!(
        json,
        ",\"created_at\":\"{}\",\"protected\":false,\"verified\":false,\"public_metrics\":{{\"followers_count\":{followers},\"following_count\":{following},\"tweet_count\":{tweets},\"listed_count\":{}}}}}",
        format_rfc3339_millis(created),
        followers / 200
    );
    XAcc {
        id,
        username,
        lang,
        followers,
        rate,
        json,
        reserved,
        written: 0,
    }
}

/// Followers drawn from a heavy tail.
pub fn followers(rng: &mut Rng) -> u64 {
    (rng.pareto(30.0, 1.15) as u64).min(3_000_000)
}

/// A creation time between 2009 and the end of 2023.
pub fn organic_created(rng: &mut Rng) -> i64 {
    rng.range(1_230_768_000, 1_703_980_800)
}

/// A community index drawn by [`lang::LANG_WEIGHT`].
pub fn pick_lang(rng: &mut Rng) -> usize {
    let mut u = rng.f64();
    for (i, w) in lang::LANG_WEIGHT.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    LANGS.len() - 1
}

/// A Telegram channel title in the community's language.
pub fn channel_title(lang: usize, rng: &mut Rng) -> String {
    let p = lang::PLACES[rng.below(lang::PLACES.len())][lang];
    let w = lang::BIG_TAGS[lang][rng.below(lang::BIG_TAGS[lang].len())];
    match rng.below(3) {
        0 => format!("{p} | {}", lang::capitalise(w)),
        1 => format!("{} 24", lang::capitalise(w)),
        _ => format!("{} {p}", display_name(lang, rng)),
    }
}
