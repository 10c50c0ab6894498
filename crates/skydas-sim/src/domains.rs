//! Real outlets that publish feeds, the clone-domain techniques real campaigns use, redirector
//! names, and a punycode encoder for IDN clones.

use crate::rng::Rng;

/// A real news site of the organic world.
#[derive(Debug, Clone, Copy)]
pub struct Outlet {
    /// Feed channel link host; also the web actor id.
    pub host: &'static str,
    /// Registrable domain.
    pub domain: &'static str,
    /// Index into [`crate::lang::LANGS`].
    pub lang: usize,
    pub name: &'static str,
    /// Relative publishing volume.
    pub weight: f64,
    /// Writes an Atom feed instead of RSS 2.0.
    pub atom: bool,
    /// First path segment of article URLs.
    pub section: &'static str,
}

const fn o(
    host: &'static str,
    domain: &'static str,
    lang: usize,
    name: &'static str,
    weight: f64,
    atom: bool,
    section: &'static str,
) -> Outlet {
    Outlet {
        host,
        domain,
        lang,
        name,
        weight,
        atom,
        section,
    }
}

/// The outlets, one a row: host, domain, language, name, weight, Atom, section. Index order is
/// part of the scenario (do not reorder).
#[rustfmt::skip]
pub const OUTLETS: [Outlet; 26] = [
    o("www.lrt.lt", "lrt.lt", 2, "LRT", 1.4, false, "naujienos"),
    o("www.lrytas.lt", "lrytas.lt", 2, "Lrytas", 1.0, false, "lietuvosdiena"),
    o("www.delfi.lt", "delfi.lt", 2, "DELFI", 1.5, false, "news"),
    o("www.15min.lt", "15min.lt", 2, "15min", 1.2, false, "naujiena"),
    o("www.delfi.lv", "delfi.lv", 3, "DELFI Latvija", 1.2, false, "news"),
    o("www.lsm.lv", "lsm.lv", 3, "LSM", 1.0, false, "raksts"),
    o("rus.lsm.lv", "lsm.lv", 0, "LSM по-русски", 0.6, false, "statja"),
    o("www.tvnet.lv", "tvnet.lv", 3, "TVNET", 0.8, false, "zinas"),
    o("news.err.ee", "err.ee", 4, "ERR", 1.1, false, "uudised"),
    o("www.postimees.ee", "postimees.ee", 4, "Postimees", 1.0, false, "uudis"),
    o("www.delfi.ee", "delfi.ee", 4, "Delfi Eesti", 0.9, false, "artikkel"),
    o("yle.fi", "yle.fi", 6, "Yle Uutiset", 1.3, true, "a"),
    o("www.hs.fi", "hs.fi", 6, "Helsingin Sanomat", 1.0, false, "politiikka"),
    o("wiadomosci.onet.pl", "onet.pl", 5, "Onet Wiadomości", 1.4, false, "kraj"),
    o("tvn24.pl", "tvn24.pl", 5, "TVN24", 1.2, false, "polska"),
    o("wyborcza.pl", "wyborcza.pl", 5, "Gazeta Wyborcza", 0.9, false, "7,75398"),
    o("www.pravda.com.ua", "pravda.com.ua", 1, "Українська правда", 1.5, false, "news"),
    o("www.ukrinform.ua", "ukrinform.ua", 1, "Укрінформ", 1.1, false, "rubric-polytics"),
    o("www.bbc.com", "bbc.com", 7, "BBC News", 1.5, false, "news"),
    o("www.reuters.com", "reuters.com", 7, "Reuters", 1.2, false, "world"),
    o("www.spiegel.de", "spiegel.de", 9, "DER SPIEGEL", 0.8, false, "politik"),
    o("www.welt.de", "welt.de", 9, "WELT", 0.6, false, "politik"),
    o("www.bild.de", "bild.de", 9, "BILD", 0.6, false, "politik"),
    o("meduza.io", "meduza.io", 0, "Медуза", 1.2, true, "news"),
    o("nashaniva.com", "nashaniva.com", 8, "Наша Ніва", 0.5, false, "ru"),
    o("www.zerkalo.io", "zerkalo.io", 0, "Зеркало", 0.7, false, "news"),
];

/// Real outlets whose names are close to each other and which organic users share.
pub const LEGIT_LOOKALIKES: [&str; 5] = ["lrt.lt", "lrytas.lt", "delfi.lt", "delfi.lv", "delfi.ee"];

/// The brand label of a registrable domain (`spiegel` for `spiegel.de`, `pravda` for
/// `pravda.com.ua`).
pub fn brand(domain: &str) -> &str {
    domain.split('.').next().unwrap_or(domain)
}

/// Techniques of clone domains, as named in truth and findings.
pub const TECHNIQUES: [&str; 7] = [
    "tld-swap",
    "typo",
    "combosquat",
    "private-suffix",
    "homoglyph",
    "subdomain",
    "lookalike-letters",
];

const CHEAP_TLDS: [&str; 10] = [
    "ltd", "pm", "ws", "life", "cfd", "top", "online", "site", "info", "click",
];
const COMBO_WORDS: [&str; 8] = [
    "news", "today", "info", "online", "24", "live", "press", "media",
];
const PRIVATE_SUFFIXES: [&str; 4] = ["eu.com", "co.com", "us.com", "de.com"];
const SUBDOMAIN_HOSTS: [&str; 6] = [
    "news-today.net",
    "daily-report.org",
    "eu-post.net",
    "info-lenta.com",
    "world-brief.net",
    "press-hub.org",
];

/// A generated clone: Unicode host used in links, ASCII registrable domain, technique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clone {
    pub host: String,
    pub domain: String,
    pub technique: &'static str,
}

impl Clone {
    /// A clone whose links use its registrable domain itself as the host.
    fn at_domain(domain: String, technique: &'static str) -> Clone {
        Clone {
            host: domain.clone(),
            domain,
            technique,
        }
    }
}

/// Builds one clone of `target` (a registrable domain) with the technique at index
/// `technique` of [`TECHNIQUES`], falling back to a TLD swap where the technique does not
/// apply to the brand's letters.
pub fn make_clone(target: &str, technique: usize, rng: &mut Rng) -> Clone {
    let b = brand(target);
    let tld = CHEAP_TLDS[rng.below(CHEAP_TLDS.len())];
    let tld_swap = |b: &str| Clone::at_domain(format!("{b}.{tld}"), "tld-swap");
    match TECHNIQUES.get(technique).copied().unwrap_or("tld-swap") {
        "typo" if b.len() >= 4 => {
            let chars: Vec<char> = b.chars().collect();
            let i = 1 + rng.below(chars.len() - 2);
            let mut t: Vec<char> = chars.clone();
            if rng.chance(0.5) {
                t.remove(i);
            } else {
                t.insert(i, chars[i]);
            }
            let label: String = t.into_iter().collect();
            Clone::at_domain(format!("{label}.{tld}"), "typo")
        }
        "combosquat" => {
            let w = COMBO_WORDS[rng.below(COMBO_WORDS.len())];
            let suffix = target.rsplit('.').next().unwrap_or("com");
            let word = if rng.chance(0.3) { suffix } else { w };
            Clone::at_domain(format!("{b}-{word}.{tld}"), "combosquat")
        }
        "private-suffix" => {
            let s = PRIVATE_SUFFIXES[rng.below(PRIVATE_SUFFIXES.len())];
            Clone::at_domain(format!("{b}.{s}"), "private-suffix")
        }
        "homoglyph" if b.chars().any(|c| "aeopcx".contains(c)) => {
            let tld_real = &target[b.len() + 1..];
            let unicode: String = {
                let mut done = false;
                b.chars()
                    .map(|c| {
                        if done {
                            return c;
                        }
                        let r = match c {
                            'a' => 'а',
                            'e' => 'е',
                            'o' => 'о',
                            'p' => 'р',
                            'c' => 'с',
                            'x' => 'х',
                            _ => return c,
                        };
                        done = true;
                        r
                    })
                    .collect()
            };
            Clone {
                host: format!("{unicode}.{tld_real}"),
                domain: format!("xn--{}.{tld_real}", punycode(&unicode)),
                technique: "homoglyph",
            }
        }
        "subdomain" => {
            let base = SUBDOMAIN_HOSTS[rng.below(SUBDOMAIN_HOSTS.len())];
            Clone {
                host: format!("{target}.{base}"),
                domain: base.to_string(),
                technique: "subdomain",
            }
        }
        "lookalike-letters"
            if b.contains('m') || b.contains('w') || b.contains('g') || b.contains('i') =>
        {
            let label = if b.contains('m') {
                b.replacen('m', "rn", 1)
            } else if b.contains('w') {
                b.replacen('w', "vv", 1)
            } else if b.contains('g') {
                b.replacen('g', "q", 1)
            } else {
                b.replacen('i', "l", 1)
            };
            let tld_real = &target[b.len() + 1..];
            let tld = if rng.chance(0.5) { tld_real } else { tld };
            Clone::at_domain(format!("{label}.{tld}"), "lookalike-letters")
        }
        _ => tld_swap(b),
    }
}

/// A short random redirector domain (`kq7xw.click`).
pub fn redirector(rng: &mut Rng) -> String {
    const TLDS: [&str; 6] = ["site", "click", "xyz", "top", "link", "icu"];
    let n = rng.below(3) + 4;
    format!(
        "{}.{}",
        rng.token(b"abcdefghijklmnopqrstuvwxyz0123456789", n),
        TLDS[rng.below(TLDS.len())]
    )
}

/// RFC 3492 punycode of one label (without the `xn--` prefix).
pub fn punycode(input: &str) -> String {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
        delta = if first { delta / 700 } else { delta / 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + (BASE - TMIN + 1) * delta / (delta + 38)
    }
    fn digit(d: u32) -> char {
        // d < 36 by construction of the encoder.
        char::from(if d < 26 {
            b'a' + d as u8
        } else {
            b'0' + (d - 26) as u8
        })
    }
    let cps: Vec<u32> = input.chars().map(u32::from).collect();
    let mut out: String = input.chars().filter(char::is_ascii).collect();
    let b = out.len() as u32;
    let mut h = b;
    if b > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias) = (128u32, 0u32, 72u32);
    while (h as usize) < cps.len() {
        let m = cps.iter().copied().filter(|&c| c >= n).min().unwrap_or(n);
        delta = delta.saturating_add((m - n).saturating_mul(h + 1));
        n = m;
        for &c in &cps {
            if c < n {
                delta = delta.saturating_add(1);
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        TMIN
                    } else if k >= bias + TMAX {
                        TMAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, h + 1, h == b);
                delta = 0;
                h += 1;
            }
        }
        delta = delta.saturating_add(1);
        n += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punycode_matches_rfc_examples() {
        assert_eq!(punycode("bücher"), "bcher-kva");
        assert_eq!(punycode("münchen"), "mnchen-3ya");
    }

    #[test]
    fn clones_follow_their_technique() {
        let mut r = Rng::new(5);
        let check = |target: &str, t: &str, r: &mut Rng, f: &dyn Fn(&Clone) -> bool| {
            let i = TECHNIQUES.iter().position(|x| *x == t).unwrap();
            let c = make_clone(target, i, r);
            assert_eq!(c.technique, t, "{c:?}");
            assert!(f(&c), "{c:?}");
        };
        check("spiegel.de", "tld-swap", &mut r, &|c| {
            c.domain.starts_with("spiegel.") && c.domain != "spiegel.de"
        });
        check("bild.de", "private-suffix", &mut r, &|c| {
            c.domain.starts_with("bild.") && c.domain.ends_with(".com")
        });
        check("lrt.lt", "subdomain", &mut r, &|c| {
            c.host.starts_with("lrt.lt.") && !c.domain.contains("lrt")
        });
        check("delfi.lt", "combosquat", &mut r, &|c| {
            c.domain.starts_with("delfi-")
        });
        check("welt.de", "lookalike-letters", &mut r, &|c| {
            c.domain.starts_with("vvelt.")
        });
        check("spiegel.de", "homoglyph", &mut r, &|c| {
            c.domain.starts_with("xn--") && !c.host.is_ascii()
        });
    }
}
