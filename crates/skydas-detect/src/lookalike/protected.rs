//! The protected set (outlets, institutions and bodies whose domains clones imitate) and the
//! allowlist of legitimate near-matches. Both ship as CSV files under `data/`, compiled into
//! the binary, and users add their own with `--protected FILE`.

use serde::{Deserialize, Serialize};

/// The built-in protected set: `domain,brand,country,kind,name`.
pub const PROTECTED_CSV: &str = include_str!("../../data/protected.csv");
/// The built-in allowlist: `domain,note`.
pub const ALLOWLIST_CSV: &str = include_str!("../../data/allowlist.csv");
/// Popular, long-established domains (a registry package's top-500 list, with its source in
/// the file's header): a legitimacy signal, so none of them alerts.
pub const POPULAR_CSV: &str = include_str!("../../data/popular_domains.csv");

/// What a protected domain belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ProtectedKind {
    Media,
    Government,
    #[default]
    Institution,
    Military,
    Eu,
    Nato,
    Ngo,
}

impl ProtectedKind {
    /// Every kind.
    pub const ALL: [ProtectedKind; 7] = [
        ProtectedKind::Media,
        ProtectedKind::Government,
        ProtectedKind::Institution,
        ProtectedKind::Military,
        ProtectedKind::Eu,
        ProtectedKind::Nato,
        ProtectedKind::Ngo,
    ];

    /// The string form used in the data files and in findings.
    pub fn as_str(self) -> &'static str {
        match self {
            ProtectedKind::Media => "media",
            ProtectedKind::Government => "government",
            ProtectedKind::Institution => "institution",
            ProtectedKind::Military => "military",
            ProtectedKind::Eu => "eu",
            ProtectedKind::Nato => "nato",
            ProtectedKind::Ngo => "ngo",
        }
    }

    /// Parses the string form.
    pub fn parse(s: &str) -> Option<ProtectedKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "media" => ProtectedKind::Media,
            "government" | "gov" => ProtectedKind::Government,
            "institution" => ProtectedKind::Institution,
            "military" | "mil" => ProtectedKind::Military,
            "eu" => ProtectedKind::Eu,
            "nato" => ProtectedKind::Nato,
            "ngo" => ProtectedKind::Ngo,
            _ => return None,
        })
    }
}

/// One protected domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtectedEntry {
    /// Registrable domain, lowercase ASCII (punycode for IDNs), e.g. `spiegel.de`.
    pub domain: String,
    /// Short brand name shared by an outlet's domains, e.g. `spiegel`, `delfi`.
    pub brand: String,
    /// ISO 3166-1 alpha-2 code in lowercase, `eu`, `int`, or empty when unknown.
    pub country: String,
    pub kind: ProtectedKind,
    /// Display name, e.g. `Der Spiegel`.
    pub name: String,
    /// Other labels the outlet is known by, such as the romanisation of a Cyrillic name
    /// (`rbk` of РБК for `rbc.ua`): clones use them as they use the brand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

pub use skydas_model::normalise_domain;

/// The first label of a domain: the brand part a clone keeps (`spiegel` of `spiegel.de`).
fn first_label(domain: &str) -> &str {
    domain.split('.').next().unwrap_or(domain)
}

/// Parses the built-in five-column CSV (`domain,brand,country,kind,name`; `brand` may list
/// aliases after it, `rbc|rbk`). Bad rows are returned as errors (`line N: …`) next to the
/// good entries.
pub fn parse_protected_csv(text: &str) -> (Vec<ProtectedEntry>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || (i == 0 && line.starts_with("domain,")) {
            continue;
        }
        let mut f = line.splitn(5, ',');
        let (domain, brand, country, kind, name) =
            (f.next(), f.next(), f.next(), f.next(), f.next());
        let Some(domain) = domain.and_then(normalise_domain) else {
            errors.push(format!("line {}: invalid domain", i + 1));
            continue;
        };
        let Some(kind) = kind.and_then(ProtectedKind::parse) else {
            errors.push(format!("line {}: unknown kind", i + 1));
            continue;
        };
        let mut brands = brand
            .unwrap_or("")
            .split('|')
            .map(|b| b.trim().to_lowercase())
            .filter(|b| !b.is_empty());
        out.push(ProtectedEntry {
            brand: brands
                .next()
                .unwrap_or_else(|| first_label(&domain).to_owned()),
            aliases: brands.collect(),
            country: country.unwrap_or("").trim().to_lowercase(),
            kind,
            name: name.unwrap_or("").trim().to_owned(),
            domain,
        });
    }
    (out, errors)
}

/// Parses a user's protected file for `--protected FILE`: one domain per line, optionally
/// followed by `,country,kind,name`; `#` starts a comment line. The kind defaults to
/// `institution`. Fails on the first bad line, naming it.
pub fn load_protected_file(text: &str) -> Result<Vec<ProtectedEntry>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut f = line.splitn(4, ',');
        let raw_domain = f.next().unwrap_or("").trim();
        if i == 0 && raw_domain.eq_ignore_ascii_case("domain") {
            continue;
        }
        let domain = normalise_domain(raw_domain)
            .ok_or_else(|| format!("line {}: invalid domain {raw_domain:?}", i + 1))?;
        let country = f.next().unwrap_or("").trim().to_lowercase();
        let kind = match f.next().map(str::trim).filter(|k| !k.is_empty()) {
            None => ProtectedKind::Institution,
            Some(k) => ProtectedKind::parse(k)
                .ok_or_else(|| format!("line {}: unknown kind {k:?}", i + 1))?,
        };
        let name = f.next().unwrap_or("").trim().to_owned();
        out.push(ProtectedEntry {
            brand: first_label(&domain).to_owned(),
            aliases: Vec::new(),
            domain,
            country,
            kind,
            name,
        });
    }
    Ok(out)
}

/// Parses the allowlist CSV (`domain,note`) into normalised domains; bad rows are skipped.
pub fn parse_allowlist(text: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || (i == 0 && line.starts_with("domain")) {
                return None;
            }
            normalise_domain(line.split(',').next().unwrap_or(""))
        })
        .collect()
}

/// The built-in protected set. The embedded file is checked by a test, so bad rows (none ship)
/// would only be skipped.
pub fn builtin_protected() -> Vec<ProtectedEntry> {
    parse_protected_csv(PROTECTED_CSV).0
}

/// The built-in allowlist.
pub fn builtin_allowlist() -> Vec<String> {
    parse_allowlist(ALLOWLIST_CSV)
}

/// The built-in popular domains (`data/popular_domains.csv`).
pub fn builtin_popular() -> Vec<String> {
    parse_allowlist(POPULAR_CSV)
}
