//! The reverse lookalike matcher: one observed host in, the protected domain it imitates (if
//! any) out. Index-based (exact labels, visual keys, a SymSpell deletes index, subdomain
//! windows), so the cost per host is a few dozen hash lookups whatever the size of the
//! protected set, and no permutation list is ever generated.

use std::collections::{HashMap, HashSet};

use xxhash_rust::xxh3::xxh3_64;

use super::protected::{ProtectedEntry, ProtectedKind, normalise_domain};

/// The class of every ICANN top-level domain (`data/tld_risk.csv`, from the Public Suffix
/// List and a sourced list of country codes sold as generic; `bench/lookalike/tlds.sh`).
const TLD_RISK_CSV: &str = include_str!("../../data/tld_risk.csv");

/// Phishing domains per 10,000 domains of a TLD, from public abuse statistics
/// (`data/tld_abuse.csv`: the Cybercrime Information Center's published tables, each row with
/// its page and period).
const TLD_ABUSE_CSV: &str = include_str!("../../data/tld_abuse.csv");

/// A TLD whose phishing domain score reached this (per 10,000 domains, five times that of
/// `.com` at its worst) in any published period is risky, whatever its class.
const ABUSE_SCORE: f64 = 100.0;

/// Each TLD's highest published phishing domain score, with its period. Parsed once.
fn tld_abuse() -> &'static HashMap<String, (f64, String)> {
    static ABUSE: std::sync::OnceLock<HashMap<String, (f64, String)>> = std::sync::OnceLock::new();
    ABUSE.get_or_init(|| {
        let mut out: HashMap<String, (f64, String)> = HashMap::new();
        for l in TLD_ABUSE_CSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("tld,"))
        {
            let f: Vec<&str> = l.split(',').collect();
            let Some(score) = f.get(4).and_then(|s| s.parse::<f64>().ok()) else {
                continue;
            };
            let e = out
                .entry(f[0].to_owned())
                .or_insert((score, f[1].to_owned()));
            if score > e.0 {
                *e = (score, f[1].to_owned());
            }
        }
        out
    })
}

/// The established generic TLDs that legitimate outlets and institutions use as their home:
/// a brand under one of these is not in itself suspicious. Every other generic TLD from before
/// 2012 (`info`, `biz`, `asia`, `pro`, …) is sold as cheaply as the new ones and counts as
/// risky.
const CORE_GTLDS: [&str; 8] = ["com", "net", "org", "edu", "gov", "mil", "int", "arpa"];

/// Every top-level domain's class (`cctld`, `legacy-gtld`, `new-gtld`, `generic-cctld`).
/// Parsed once.
fn tld_classes() -> &'static HashMap<String, String> {
    static CLASSES: std::sync::OnceLock<HashMap<String, String>> = std::sync::OnceLock::new();
    CLASSES.get_or_init(|| {
        TLD_RISK_CSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("tld,"))
            .filter_map(|l| {
                let mut f = l.split(',');
                Some((f.next()?.to_owned(), f.next()?.to_owned()))
            })
            .collect()
    })
}

/// Whether a brand label is risky under the single-label suffix `tld`: a TLD with a published
/// phishing domain score of [`ABUSE_SCORE`] or more, the gTLDs of ICANN's 2012 round, the
/// country codes sold as generic, and the old gTLDs outside [`CORE_GTLDS`].
fn risky_tld(tld: &str) -> bool {
    if tld_abuse()
        .get(tld)
        .is_some_and(|(score, _)| *score >= ABUSE_SCORE)
    {
        return true;
    }
    match tld_classes().get(tld).map(String::as_str) {
        Some("new-gtld" | "generic-cctld") => true,
        Some("legacy-gtld") => !CORE_GTLDS.contains(&tld),
        _ => false,
    }
}

/// The suffix's class and, where published, its abuse rate, for people.
fn suffix_risk(suffix: &str) -> String {
    let tld = suffix.rsplit('.').next().unwrap_or(suffix);
    let class = suffix_class(suffix);
    match tld_abuse().get(tld) {
        Some((score, period)) if !suffix.contains('.') => format!(
            "{class}, with {score} phishing domains per 10,000 in {period} (Cybercrime Information Center)"
        ),
        _ => class.to_owned(),
    }
}

/// The suffix's class, for people.
fn suffix_class(suffix: &str) -> &'static str {
    let tld = suffix.rsplit('.').next().unwrap_or(suffix);
    let class = tld_classes().get(tld).map(String::as_str);
    match (class, suffix.contains('.'), risky_tld(tld)) {
        (_, true, _) => "a second-level suffix",
        (Some("new-gtld"), ..) => "a gTLD of the 2012 round, sold cheaply",
        (Some("generic-cctld"), ..) => "a country code sold as a generic domain",
        (Some("legacy-gtld"), _, true) => "an old gTLD outside com, net and org, sold cheaply",
        (Some("legacy-gtld"), ..) => "an established generic suffix",
        (Some(_), ..) => "a country code",
        (None, ..) => "an unknown suffix",
    }
}

/// Fillers a combosquat glues to a brand: news words, country and language codes, numbers.
fn is_filler(t: &str) -> bool {
    matches!(
        t,
        "news"
            | "novosti"
            | "naujienos"
            | "zinas"
            | "uudised"
            | "uutiset"
            | "wiadomosci"
            | "info"
            | "today"
            | "online"
            | "live"
            | "now"
            | "daily"
            | "24"
            | "247"
            | "365"
            | "tv"
            | "radio"
            | "press"
            | "media"
            | "politics"
            | "world"
            | "europe"
            | "eu"
            | "lt"
            | "lv"
            | "ee"
            | "pl"
            | "fi"
            | "ua"
            | "de"
            | "fr"
            | "uk"
            | "us"
            | "en"
            | "ru"
            | "by"
            | "it"
            | "es"
            | "int"
            | "com"
            | "net"
            | "org"
            | "gov"
            | "official"
            | "web"
            | "site"
            | "portal"
            | "blog"
            | "latest"
            | "breaking"
            | "top"
            | "new"
            | "the"
            | "my"
            | "real"
            | "true"
            | "free"
            | "truth"
            | "info24"
            | "news24"
            | "eng"
            | "rus"
            | "ukr"
            | "lit"
            | "est"
            | "lat"
            | "pol"
            | "fin"
            | "ger"
            | "mirror"
            | "app"
            | "secure"
    )
}

/// Newspaper-title words used by unrelated outlets across countries.
fn is_generic_title(label: &str) -> bool {
    matches!(
        label,
        "pravda"
            | "vesti"
            | "novosti"
            | "gazeta"
            | "izvestia"
            | "times"
            | "post"
            | "news"
            | "express"
            | "europa"
            | "kurier"
            | "dziennik"
            | "uutiset"
            | "zinios"
    )
}

/// Country and language codes that a combosquat may glue to a brand.
const COUNTRY_CODES: [&str; 10] = ["lt", "lv", "ee", "pl", "fi", "ua", "de", "fr", "uk", "eu"];

/// Whether `label` carries, beside `brand`, a country code other than the brand's own country
/// (`uk` counts as GB, `eu` as any EU member).
fn foreign_country_code(label: &str, brand: &str, country: &str) -> bool {
    let own = country.to_ascii_lowercase();
    let rest = label.replacen(brand, "-", 1);
    rest.split('-')
        .filter(|t| COUNTRY_CODES.contains(t))
        .any(|t| match t {
            "uk" => own != "gb" && own != "uk",
            "eu" => false,
            code => code != own,
        })
}

/// A label with hyphens dropped and each run of one letter written once (`bild-d` → `bild`,
/// `fazz` → `faz`, `govv` → `gov`).
fn collapse(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in label.chars().filter(|&c| c != '-') {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// Brand labels that are also common words (or words too generic to imitate by themselves):
/// these alert on a tld-swap only under a cheap or private suffix, never as a typo, and as a
/// combosquat only next to filler words.
fn is_common_word(label: &str) -> bool {
    matches!(
        label,
        "europa"
            | "post"
            | "times"
            | "news"
            | "welt"
            | "bild"
            | "zeit"
            | "stern"
            | "focus"
            | "express"
            | "mirror"
            | "sun"
            | "independent"
            | "president"
            | "prezydent"
            | "policija"
            | "policja"
            | "politsei"
            | "poliisi"
            | "police"
            | "sejm"
            | "senat"
            | "army"
            | "wojsko"
            | "defence"
            | "defense"
            | "mil"
            | "gov"
            | "government"
            | "kultura"
            | "radio"
            | "tv"
            | "media"
            | "info"
            | "public"
            | "open"
            | "today"
            | "daily"
            | "world"
            | "press"
            | "nation"
            | "observer"
            | "standard"
            | "guardian"
            | "telegraph"
            | "republic"
            | "libe"
            | "monde"
            | "paris"
            | "ekspress"
            | "delo"
            | "vesti"
            | "novosti"
            | "rus"
            | "tribune"
            | "journal"
            | "herald"
            | "express24"
            | "politico"
            | "euro"
            | "union"
            | "council"
            | "parliament"
            | "vrk"
            | "vaalit"
            | "bank"
            | "money"
            | "state"
            | "time"
            | "index"
            | "sky"
            | "metro"
            | "fakt"
            | "apollo"
            | "alfa"
            | "diena"
            | "gazeta"
            | "vero"
            | "raja"
            | "suomi"
            | "eesti"
            | "latvija"
            | "vilnius"
            | "riga"
            | "tallinn"
            | "marianne"
            | "liberation"
            | "humanite"
            | "babel"
            | "detector"
            | "censor"
            | "segodnya"
            | "pravda"
            | "respublika"
            | "commission"
            | "shape"
            | "act"
            | "curia"
            | "ombudsman"
            | "transparency"
            | "amnesty"
            | "spectator"
            | "economist"
            | "forbes"
            | "newsweek"
            | "kaleva"
            | "liga"
            | "money24"
            | "disinfo"
            | "debunk"
    )
}

/// Platform link wrappers every post on that platform goes through; passing through them is
/// not evidence of a redirecting domain asset.
pub(crate) fn is_platform_wrapper(domain: &str) -> bool {
    matches!(
        domain,
        "t.co"
            | "facebook.com"
            | "instagram.com"
            | "vk.com"
            | "vk.cc"
            | "google.com"
            | "youtube.com"
            | "t.me"
            | "telegram.me"
            | "lnkd.in"
            | "linkedin.com"
            | "x.com"
            | "twitter.com"
            | "fb.me"
            | "tiktok.com"
            | "reddit.com"
            | "ok.ru"
    )
}

/// A lookalike hit: which protected domain the host imitates, how, and how sure we are.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Observed registrable domain, lowercase ASCII (punycode for IDNs).
    pub domain: String,
    /// The protected domain it imitates.
    pub impersonates: String,
    pub brand: String,
    pub country: String,
    pub kind: ProtectedKind,
    /// `tld-swap`, `typo`, `homoglyph`, `combosquat`, `subdomain`.
    pub techniques: Vec<&'static str>,
    /// 0..=1, see the module docs of `lookalike` for the scale.
    pub score: f64,
    /// A sentence saying what matched, e.g. "label 'spiegel' equals brand of spiegel.de under
    /// suffix 'ltd'".
    pub explanation: String,
    /// Why a legitimate near-match was ruled out, e.g. "spiegel.ltd is not a protected,
    /// allowlisted or popular domain; 'ltd' is a gTLD of the 2012 round".
    pub ruled_out: String,
}

type IdMap<V> = skydas_model::hash::PrehashedMap<V>;

/// One distinct brand label of the protected set (`delfi` is shared by delfi.lt/lv/ee).
#[derive(Debug)]
struct Label {
    text: String,
    /// Entries whose registrable domain starts with this label, primary first.
    entries: Vec<u32>,
    /// Long enough and not a common word: may alert as typo, combosquat or on any suffix.
    strong: bool,
    /// Edit distance allowed for typos: 2 for labels of 8+ chars, 1 for 4–7, 0 below. Distance
    /// 2 on 6–7 letter labels joined too many real names (maxima/saeima, usnews/apnews).
    max_typo: u8,
}

/// The host split by the Public Suffix List (private suffixes included).
struct Split<'a> {
    /// Registrable domain.
    domain: &'a str,
    /// Its first label.
    label: &'a str,
    /// The public suffix (`de`, `eu.com`, `github.io`).
    suffix: &'a str,
    /// Labels left of the registrable domain, without the joining dot (may be empty).
    prefix: &'a str,
    private: bool,
}

fn split(host: &str) -> Option<Split<'_>> {
    let d = psl::domain(host.as_bytes())?;
    let suffix_len = d.suffix().as_bytes().len();
    let private = d.suffix().typ() == Some(psl::Type::Private);
    let dom_len = d.as_bytes().len();
    let domain = host.get(host.len() - dom_len..)?;
    let label_len = dom_len.checked_sub(suffix_len + 1)?;
    let label = domain.get(..label_len)?;
    let suffix = domain.get(label_len + 1..)?;
    let prefix = host
        .get(..host.len() - dom_len)
        .map(|p| p.trim_end_matches('.'))
        .unwrap_or("");
    Some(Split {
        domain,
        label,
        suffix,
        prefix,
        private,
    })
}

/// Letter groups that read as one letter (or one letter as another) in common fonts and that
/// UTS #39 confusables leave alone in ASCII. Applied after the skeleton, to both the brand and
/// the observed label, so they meet in one "visual key":
/// - `rn` → `m` (the skeleton itself turns `m` into `rn`; both sides end up as `m`)
/// - `vv` → `w`
/// - `cl` → `d`
/// - `q` → `g` (descender shapes in sans fonts)
/// - `1`, `i`, `|` → `l` (the skeleton maps `1`/`I` to `l`; lowercase `i` is added here)
/// - `0` → `o` (the skeleton gives uppercase `O`, lowercased)
///
/// Not applied: `5`→`s` and `ii`→`u`, which fold real names together (`15min`, `hawaii`) more
/// often than they catch clones.
pub(crate) fn fold_groups(s: &str, out: &mut String) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let pair = b.get(i..i + 2);
        let (c, step) = match pair {
            Some(b"rn") => ('m', 2),
            Some(b"vv") => ('w', 2),
            Some(b"cl") => ('d', 2),
            _ => match b[i] {
                b'q' => ('g', 1),
                b'1' | b'i' | b'|' => ('l', 1),
                b'0' => ('o', 1),
                _ => {
                    // Copy one whole char (the key may hold non-ASCII the skeleton kept).
                    let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
                    out.push(ch);
                    i += ch.len_utf8().max(1);
                    continue;
                }
            },
        };
        out.push(c);
        i += step;
    }
}

/// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of one
/// substring), on bytes, stopping early above `max`.
pub(crate) fn osa_distance(a: &[u8], b: &[u8], max: usize) -> usize {
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[n]
}

/// Calls `f` with the hash of `s` and of every string made by deleting one or two bytes.
fn for_each_delete(s: &[u8], max: u8, mut f: impl FnMut(u64)) {
    let mut buf = [0u8; 64];
    let mut buf2 = [0u8; 64];
    let n = s.len().min(64);
    let s = &s[..n];
    f(xxh3_64(s));
    if max == 0 {
        return;
    }
    for i in 0..n {
        buf[..i].copy_from_slice(&s[..i]);
        buf[i..n - 1].copy_from_slice(&s[i + 1..]);
        let d1 = &buf[..n - 1];
        f(xxh3_64(d1));
        if max >= 2 {
            // Deleting at j >= i covers every pair once (plus harmless repeats).
            for j in i..n - 1 {
                buf2[..j].copy_from_slice(&d1[..j]);
                buf2[j..n - 2].copy_from_slice(&d1[j + 1..]);
                f(xxh3_64(&buf2[..n - 2]));
            }
        }
    }
}

/// The reverse lookalike matcher. Build once, then [`Matcher::check`] any number of hosts from
/// any number of threads.
#[derive(Debug)]
pub struct Matcher {
    entries: Vec<ProtectedEntry>,
    /// Protected domains (exact) → entry.
    exact: HashMap<String, u32>,
    /// Allowlisted registrable domains and hosts.
    allow: HashSet<String>,
    /// Popular, long-established registrable domains: their own label never alerts, but a
    /// protected domain spelled out in front of one (`spiegel-de.example.com`) still does.
    popular: HashSet<String>,
    labels: Vec<Label>,
    by_label: HashMap<String, u32>,
    /// Visual key → labels.
    by_key: HashMap<String, Vec<u32>>,
    /// Hash of each delete of each typo-eligible label → labels.
    deletes: IdMap<Vec<u32>>,
    /// Each label with hyphens dropped and repeated letters written once (`bild`, `faz`) →
    /// labels: the doubled-letter typos (`bildd`, `fazz`, `bild-d`) that short and common
    /// labels, too weak for the deletes index, still meet under a risky suffix.
    by_collapsed: HashMap<String, Vec<u32>>,
    /// Protected domains that are public suffixes themselves (`gov.pl`, `gouv.fr`, `mil.lv`):
    /// their first label → the entry, for the same namespace under a risky suffix (`gouv.fm`).
    namespaces: HashMap<String, u32>,
    /// UTS #39 skeleton of each ASCII byte, lowercased, so ASCII hosts skip NFD.
    ascii_skeleton: Vec<String>,
    max_label_len: usize,
    min_brand_len_combosquat: usize,
}

impl Matcher {
    /// Builds the index. Entries and allowlist items are normalised; duplicates are kept once.
    pub fn new(entries: &[ProtectedEntry], allow: &[String]) -> Matcher {
        Self::with_min_brand_len(entries, allow, 4)
    }

    /// Like [`Matcher::new`], with the minimum brand length for combosquats.
    pub fn with_min_brand_len(
        entries: &[ProtectedEntry],
        allow: &[String],
        min_brand_len_combosquat: usize,
    ) -> Matcher {
        let ascii_skeleton = (0u8..128)
            .map(|b| unicode_security::skeleton(&char::from(b).to_string()).collect::<String>())
            .map(|s| s.to_lowercase())
            .collect();
        let mut m = Matcher {
            entries: Vec::new(),
            exact: HashMap::new(),
            allow: allow.iter().filter_map(|a| normalise_domain(a)).collect(),
            popular: HashSet::new(),
            labels: Vec::new(),
            by_label: HashMap::new(),
            by_key: HashMap::new(),
            deletes: IdMap::default(),
            by_collapsed: HashMap::new(),
            namespaces: HashMap::new(),
            ascii_skeleton,
            max_label_len: 0,
            min_brand_len_combosquat,
        };
        for e in entries {
            let Some(domain) = normalise_domain(&e.domain) else {
                continue;
            };
            if m.exact.contains_key(&domain) {
                continue;
            }
            let idx = m.entries.len() as u32;
            m.exact.insert(domain.clone(), idx);
            let Some(sp) = split(&domain) else {
                // The domain is itself a public suffix (mil.lv): protected exactly, no label,
                // and its namespace word is watched under risky suffixes.
                if let Some(word) = domain.split('.').next() {
                    m.namespaces.entry(collapse(word)).or_insert(idx);
                }
                m.entries.push(ProtectedEntry {
                    domain,
                    ..e.clone()
                });
                continue;
            };
            // Institutions under a shared domain (consilium.europa.eu, shape.nato.int) are
            // known by their own first label when the data names it as the brand.
            let label = if !sp.prefix.is_empty() && sp.prefix.split('.').any(|l| l == e.brand) {
                e.brand.clone()
            } else {
                sp.label.to_owned()
            };
            m.entries.push(ProtectedEntry {
                domain,
                ..e.clone()
            });
            for label in std::iter::once(label).chain(e.aliases.iter().cloned()) {
                let lid = m.label_id(label);
                m.labels[lid as usize].entries.push(idx);
            }
        }
        for (lid, l) in m.labels.iter().enumerate() {
            if l.text.is_ascii() && l.text.len() >= 3 {
                m.by_collapsed
                    .entry(collapse(&l.text))
                    .or_default()
                    .push(lid as u32);
            }
            let key = m.visual_key(&l.text);
            m.by_key.entry(key).or_default().push(lid as u32);
            if l.max_typo > 0 {
                let deletes = &mut m.deletes;
                for_each_delete(l.text.as_bytes(), l.max_typo, |h| {
                    let v = deletes.entry(h).or_default();
                    if v.last() != Some(&(lid as u32)) {
                        v.push(lid as u32);
                    }
                });
            }
        }
        m
    }

    /// The id of a brand label, added with its typo allowance when new.
    fn label_id(&mut self, label: String) -> u32 {
        if let Some(&l) = self.by_label.get(&label) {
            return l;
        }
        let l = self.labels.len() as u32;
        let len = label.chars().count();
        let strong = len >= 4 && !is_common_word(&label);
        let max_typo = match len {
            _ if !strong || !label.is_ascii() => 0,
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        self.max_label_len = self.max_label_len.max(label.len());
        self.by_label.insert(label.clone(), l);
        self.labels.push(Label {
            text: label,
            entries: Vec::new(),
            strong,
            max_typo,
        });
        l
    }

    /// Adds popular, long-established domains as a legitimacy signal (see `popular`).
    pub fn with_popular(mut self, domains: &[String]) -> Matcher {
        self.popular
            .extend(domains.iter().filter_map(|d| normalise_domain(d)));
        self
    }

    /// The protected entry of a domain, if it is protected.
    pub fn entry(&self, domain: &str) -> Option<&ProtectedEntry> {
        self.exact.get(domain).map(|&i| &self.entries[i as usize])
    }

    /// Number of protected domains indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is protected.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The UTS #39 skeleton, lowercased, then the letter-group folds of [`fold_groups`].
    fn visual_key(&self, label: &str) -> String {
        let mut skel = String::with_capacity(label.len() + 4);
        if label.is_ascii() {
            for b in label.bytes() {
                skel.push_str(&self.ascii_skeleton[usize::from(b)]);
            }
        } else {
            skel.extend(unicode_security::skeleton(label));
            skel = skel.to_lowercase();
        }
        let mut out = String::with_capacity(skel.len());
        fold_groups(&skel, &mut out);
        out
    }

    /// Checks one observed host (or URL host, any case, Unicode or punycode, with or without a
    /// port). `None` for legitimate domains, the allowlist, unrelated domains and garbage.
    pub fn check(&self, host: &str) -> Option<Match> {
        let host = host.trim().trim_end_matches('.');
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let host = match host.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        };
        if host.is_empty() || host.len() > 253 {
            return None;
        }
        let host: String = if host.is_ascii() {
            host.to_ascii_lowercase()
        } else {
            idna::domain_to_ascii(host).ok()?
        };
        if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return None;
        }
        let sp = split(&host)?;
        if sp.label.is_empty()
            || self.exact.contains_key(sp.domain)
            || self
                .exact
                .contains_key(host.strip_prefix("www.").unwrap_or(&host))
            || self.allow.contains(sp.domain)
            || self.allow.contains(host.as_str())
        {
            return None;
        }
        let mut best: Option<Match> = None;
        let mut offer = |m: Match| {
            if best.as_ref().is_none_or(|b| m.score > b.score) {
                best = Some(m);
            }
        };
        if !sp.prefix.is_empty()
            && let Some(m) = self.subdomain(&sp)
        {
            offer(m);
        }
        let unicode_label;
        let label: &str = if sp.label.starts_with("xn--") {
            unicode_label = idna::domain_to_unicode(sp.label).0;
            &unicode_label
        } else {
            sp.label
        };
        if self.popular.contains(sp.domain) {
            // A popular domain is legitimate in itself; only a prefix can still imitate.
        } else if let Some(m) = self.exact_label(&sp, label) {
            offer(m);
        } else {
            if let Some(m) = self.homoglyph(&sp, label) {
                offer(m);
            }
            // The doubled-letter and namespace checks read the same folded label, under a
            // risky suffix only.
            let folded = (label.is_ascii() && Self::cheap_suffix(&sp)).then(|| collapse(label));
            if let Some(m) = self.typo(&sp, label) {
                offer(m);
            } else if let Some(m) = folded
                .as_deref()
                .and_then(|f| self.repetition(&sp, label, f))
            {
                offer(m);
            }
            if let Some(m) = folded
                .as_deref()
                .and_then(|f| self.namespace(&sp, label, f))
            {
                offer(m);
            }
            if let Some(m) = self.combosquat(&sp, label) {
                offer(m);
            }
        }
        best
    }

    /// Picks the entry of a label to name: the one under the same suffix if any, else the
    /// primary (first listed).
    fn pick(&self, lid: u32, suffix: &str) -> (&ProtectedEntry, bool) {
        let l = &self.labels[lid as usize];
        for &e in &l.entries {
            let ent = &self.entries[e as usize];
            if ent
                .domain
                .strip_prefix(l.text.as_str())
                .and_then(|r| r.strip_prefix('.'))
                == Some(suffix)
            {
                return (ent, true);
            }
        }
        (&self.entries[l.entries[0] as usize], false)
    }

    fn make(
        &self,
        sp: &Split<'_>,
        ent: &ProtectedEntry,
        techniques: Vec<&'static str>,
        score: f64,
        explanation: String,
    ) -> Match {
        let suffix = if sp.private {
            format!("'{}' is a private suffix, open to anyone", sp.suffix)
        } else {
            format!("'{}' is {}", sp.suffix, suffix_risk(sp.suffix))
        };
        let ruled_out = format!(
            "{} is not a protected domain, not on the allowlist ({}) and not one of the {} popular domains; {suffix}",
            sp.domain,
            self.allow.len(),
            self.popular.len()
        );
        Match {
            ruled_out,
            domain: sp.domain.to_owned(),
            impersonates: ent.domain.clone(),
            brand: ent.brand.clone(),
            country: ent.country.clone(),
            kind: ent.kind,
            techniques,
            score: score.clamp(0.0, 1.0),
            explanation,
        }
    }

    /// A private suffix (anyone's subdomain) or a single-label suffix that [`risky_tld`] says
    /// is risky.
    fn cheap_suffix(sp: &Split<'_>) -> bool {
        sp.private || risky_tld(sp.suffix)
    }

    /// The brand label itself under another suffix.
    fn exact_label(&self, sp: &Split<'_>, label: &str) -> Option<Match> {
        let &lid = self.by_label.get(label)?;
        let l = &self.labels[lid as usize];
        let cheap = Self::cheap_suffix(sp);
        let (ent, _) = self.pick(lid, sp.suffix);
        // The brand under another second-level suffix of its own country (`rbk.kiev.ua` for
        // `rbc.ua`): no outlet moves to a city suffix of its own country.
        let tld = |d: &str| d.rsplit('.').next().unwrap_or("").to_owned();
        let home = !sp.private
            && sp.suffix.contains('.')
            && tld(sp.suffix) == tld(&ent.domain)
            && !is_generic_title(&l.text);
        if !l.strong && !cheap && !home {
            return None;
        }
        let score = match (l.strong, cheap) {
            (true, true) => 0.95,
            (true, false) => 0.8,
            _ => 0.8,
        };
        let kind = if sp.private {
            "private suffix"
        } else if home && !l.strong && !cheap {
            "a second-level suffix of its own country,"
        } else {
            "suffix"
        };
        let expl = format!(
            "label '{label}' equals brand of {} under {kind} '{}'",
            ent.domain, sp.suffix
        );
        Some(self.make(sp, ent, vec!["tld-swap"], score, expl))
    }

    /// Same visual key as a brand label, different letters.
    fn homoglyph(&self, sp: &Split<'_>, label: &str) -> Option<Match> {
        let key = self.visual_key(label);
        let lids = self.by_key.get(&key)?;
        let &lid = lids.first()?;
        let l = &self.labels[lid as usize];
        if l.text == label {
            return None;
        }
        let (ent, same_suffix) = self.pick(lid, sp.suffix);
        let idn = !label.is_ascii();
        // Letter-group folds on short or common labels collide with real names (irs.gov reads
        // as lrs.lt): those count only under the brand's own suffix or a cheap one.
        if !idn && !l.strong && !same_suffix && !Self::cheap_suffix(sp) {
            return None;
        }
        let mut score: f64 = match (idn, l.strong) {
            (true, _) => 0.95,
            (false, true) => 0.85,
            (false, false) => 0.75,
        };
        let mut tech = vec!["homoglyph"];
        if !same_suffix {
            tech.push("tld-swap");
            score += 0.02;
        }
        let how = if idn {
            "non-Latin look-alike letters"
        } else {
            "look-alike letter groups"
        };
        let expl = format!(
            "label '{label}' reads as '{}' of {} ({how}) under suffix '{}'",
            l.text, ent.domain, sp.suffix
        );
        Some(self.make(sp, ent, tech, score, expl))
    }

    /// Within Damerau-Levenshtein distance 1 (brands of 4–5 chars) or 2 (6+) of a brand label.
    fn typo(&self, sp: &Split<'_>, label: &str) -> Option<Match> {
        let b = label.as_bytes();
        if !label.is_ascii() || b.len() < 3 || b.len() > self.max_label_len + 2 {
            return None;
        }
        // Two deletes on the observed side only meet labels allowed distance 2, whose own
        // deletes are at least 6 bytes long.
        let depth = if b.len() >= 8 { 2 } else { 1 };
        let mut cands: Vec<u32> = Vec::new();
        for_each_delete(b, depth, |h| {
            if let Some(v) = self.deletes.get(&h) {
                for &lid in v {
                    if !cands.contains(&lid) {
                        cands.push(lid);
                    }
                }
            }
        });
        let mut best: Option<(usize, u32)> = None;
        for lid in cands {
            let l = &self.labels[lid as usize];
            let max = usize::from(l.max_typo);
            let d = osa_distance(b, l.text.as_bytes(), max);
            if d == 0 || d > max {
                continue;
            }
            // Across an established suffix a typo says little (visa.com/cisa.gov,
            // cern.ch/cert.lv): only distance 1 on brands of six letters or more counts.
            let (_, same_suffix) = self.pick(lid, sp.suffix);
            if !same_suffix && !Self::cheap_suffix(sp) && (d > 1 || l.text.len() < 6) {
                continue;
            }
            if best.is_none_or(|(bd, bl)| {
                (d, l.text.len()) < (bd, self.labels[bl as usize].text.len())
            }) {
                best = Some((d, lid));
            }
        }
        let (d, lid) = best?;
        let l = &self.labels[lid as usize];
        let (ent, same_suffix) = self.pick(lid, sp.suffix);
        let short = l.text.len() < 6;
        let mut score: f64 = match (d, short) {
            (1, false) => 0.8,
            (1, true) => 0.65,
            _ => 0.7,
        };
        let mut tech = vec!["typo"];
        if !same_suffix {
            tech.push("tld-swap");
            if Self::cheap_suffix(sp) {
                score += 0.05;
            }
        }
        let expl = format!(
            "label '{label}' is {d} edit{} from brand '{}' of {} under suffix '{}'",
            if d == 1 { "" } else { "s" },
            l.text,
            ent.domain,
            sp.suffix
        );
        Some(self.make(sp, ent, tech, score, expl))
    }

    /// A short or common brand label with a letter doubled or split by a hyphen (`fazz`,
    /// `bild-d`), under a risky suffix only: across established suffixes such labels are
    /// ordinary words and names.
    /// `folded` is [`collapse`] of the label, given only under a risky suffix.
    fn repetition(&self, sp: &Split<'_>, label: &str, folded: &str) -> Option<Match> {
        if folded == label {
            return None;
        }
        let &lid = self
            .by_collapsed
            .get(folded)?
            .iter()
            .find(|&&l| self.labels[l as usize].text != label)?;
        let l = &self.labels[lid as usize];
        let (ent, same_suffix) = self.pick(lid, sp.suffix);
        let mut tech = vec!["typo"];
        if !same_suffix {
            tech.push("tld-swap");
        }
        let expl = format!(
            "label '{label}' is brand '{}' of {} with a letter repeated or split, under the risky suffix '{}'",
            l.text, ent.domain, sp.suffix
        );
        Some(self.make(sp, ent, tech, 0.7, expl))
    }

    /// A government or military namespace that is a public suffix at home (`gouv.fr`,
    /// `gov.pl`, `mil.lv`) registered as a domain under a risky suffix (`gouv.fm`, `govv.pw`);
    /// a protected body's own label in front of it names that body (`diplomatie.gouv.fm`).
    /// `folded` is [`collapse`] of the label, given only under a risky suffix.
    fn namespace(&self, sp: &Split<'_>, label: &str, folded: &str) -> Option<Match> {
        let &idx = self.namespaces.get(folded)?;
        let space = &self.entries[idx as usize];
        let body = sp
            .prefix
            .rsplit('.')
            .next()
            .filter(|b| !b.is_empty())
            .and_then(|b| self.exact.get(&format!("{b}.{}", space.domain)));
        let ent = body.map_or(space, |&i| &self.entries[i as usize]);
        let mut tech = vec!["tld-swap"];
        if space.domain.split('.').next() != Some(label) {
            tech.insert(0, "typo");
        }
        let expl = format!(
            "label '{label}' is the namespace of {} registered under the risky suffix '{}'",
            space.domain, sp.suffix
        );
        Some(self.make(sp, ent, tech, 0.85, expl))
    }

    /// A brand label plus hyphenated words, or plus a filler word without a hyphen.
    fn combosquat(&self, sp: &Split<'_>, label: &str) -> Option<Match> {
        let mut found: Option<(u32, bool)> = None; // (label id, all other parts are fillers)
        if label.contains('-') {
            let bounds: Vec<(usize, usize)> = label
                .split('-')
                .scan(0usize, |pos, t| {
                    let start = *pos;
                    *pos += t.len() + 1;
                    Some((start, start + t.len()))
                })
                .collect();
            let n = bounds.len();
            'spans: for i in 0..n {
                for j in (i..n).rev() {
                    if i == 0 && j == n - 1 {
                        continue;
                    }
                    let Some(span) = label.get(bounds[i].0..bounds[j].1) else {
                        continue;
                    };
                    let Some(&lid) = self.by_label.get(span) else {
                        continue;
                    };
                    let rest_filler = bounds
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| *k < i || *k > j)
                        .all(|(_, &(s, e))| {
                            // A filler in look-alike letters (`mfa-qov`: gov) is a filler.
                            label.get(s..e).is_none_or(|t| {
                                t.is_empty() || is_filler(t) || is_filler(&self.visual_key(t))
                            })
                        });
                    let better = match found {
                        None => true,
                        Some((fl, ff)) => {
                            (rest_filler, span.len()) > (ff, self.labels[fl as usize].text.len())
                        }
                    };
                    if better {
                        found = Some((lid, rest_filler));
                    }
                    if rest_filler {
                        break 'spans;
                    }
                }
            }
        } else {
            // Filler glued on without a hyphen: only strong brands, only known fillers.
            for k in 2..=7.min(label.len().saturating_sub(1)) {
                for (a, b) in [
                    (label.get(..k), label.get(k..)),
                    (label.get(label.len() - k..), label.get(..label.len() - k)),
                ] {
                    let (Some(f), Some(rest)) = (a, b) else {
                        continue;
                    };
                    if is_filler(f)
                        && let Some(&lid) = self.by_label.get(rest)
                        && self.labels[lid as usize].strong
                        && rest.len() >= self.min_brand_len_combosquat
                    {
                        found = Some((lid, true));
                    }
                }
            }
        }
        let (lid, filler) = found?;
        let l = &self.labels[lid as usize];
        let long = l.text.chars().count() >= self.min_brand_len_combosquat;
        let strong = l.strong && long;
        if !strong && !filler {
            return None;
        }
        let mut score: f64 = match (strong, filler) {
            (true, true) => 0.8,
            (true, false) => 0.7,
            _ => 0.6,
        };
        if Self::cheap_suffix(sp) {
            score += 0.05;
        }
        let (ent, same_suffix) = self.pick(lid, sp.suffix);
        // A common-word brand next to another country's code is a franchise of the word, not of
        // the outlet: `pravda-de.com` is not Ukrainska Pravda (pravda.com.ua), `bild-de.com`
        // is Bild. Strong brands do not need this: their name is theirs in every country.
        if !strong && foreign_country_code(label, &l.text, &ent.country) {
            return None;
        }
        // Words that name a genre of outlet in many countries ("pravda" is truth in Russian,
        // Ukrainian and Slovak) are nobody's brand when something is glued to them.
        // …unless the rest is exactly the code of one of the title's protected outlets' own
        // country: `pravda-ua` is Ukrainska Pravda, as `pravda-de` is nobody.
        let ent = if is_generic_title(&l.text) {
            let rest = label.replacen(l.text.as_str(), "", 1);
            let code = rest.trim_matches('-');
            let own = l.entries.iter().map(|&e| &self.entries[e as usize]);
            match own.clone().find(|e| !code.is_empty() && e.country == code) {
                Some(e) if COUNTRY_CODES.contains(&code) => e,
                _ => return None,
            }
        } else {
            ent
        };
        let mut tech = vec!["combosquat"];
        if !same_suffix {
            tech.push("tld-swap");
        }
        let expl = format!(
            "label '{label}' contains brand '{}' of {} plus {} under suffix '{}'",
            l.text,
            ent.domain,
            if filler {
                "filler words"
            } else {
                "other words"
            },
            sp.suffix
        );
        Some(self.make(sp, ent, tech, score, expl))
    }

    /// A protected domain spelled out in the labels left of another registrable domain
    /// (`lrt.lt.news-today.net`, `spiegel-de.example.com`).
    fn subdomain(&self, sp: &Split<'_>) -> Option<Match> {
        let p = sp.prefix;
        let starts = std::iter::once(0).chain(p.match_indices('.').map(|(i, _)| i + 1));
        for s in starts {
            let rest = &p[s..];
            let ends = rest
                .match_indices('.')
                .map(|(i, _)| i)
                .chain(std::iter::once(rest.len()));
            for e in ends {
                let window = &rest[..e];
                let dotted;
                let (cand, hyph) = if window.contains('.') {
                    (window, false)
                } else if window.contains('-') {
                    dotted = window.replace('-', ".");
                    (dotted.as_str(), true)
                } else {
                    continue;
                };
                if let Some(&idx) = self.exact.get(cand) {
                    let ent = &self.entries[idx as usize];
                    let score = if hyph { 0.8 } else { 0.9 };
                    let expl = format!(
                        "host spells out {} in front of the unrelated domain {}",
                        ent.domain, sp.domain
                    );
                    return Some(self.make(sp, ent, vec!["subdomain"], score, expl));
                }
            }
        }
        None
    }
}
