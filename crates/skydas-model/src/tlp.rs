//! Traffic Light Protocol 2.0 levels: the one marking vocabulary of the store, the web app and
//! every export path. What a level looks like in STIX and MISP is `skydas_share::tlp`'s.

use serde::{Deserialize, Serialize};

/// A TLP 2.0 level. The order is by restrictiveness: `Clear < Green < Amber < AmberStrict < Red`.
/// The default, for a finding nobody has marked yet, is AMBER: shared only on a need to know.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub enum Tlp {
    #[serde(rename = "clear")]
    Clear,
    #[serde(rename = "green")]
    Green,
    #[default]
    #[serde(rename = "amber")]
    Amber,
    #[serde(rename = "amber+strict")]
    AmberStrict,
    #[serde(rename = "red")]
    Red,
}

impl Tlp {
    /// Every level, least restrictive first.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// The level's `tlp_2_0` value: `clear`, `green`, `amber`, `amber+strict`, `red`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    /// The canonical marking name, e.g. `TLP:AMBER+STRICT`.
    pub fn name(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// Parses `clear`, `white` (TLP 1.0, read as CLEAR), `green`, `amber`, `amber+strict` (or
    /// `amber-strict`), `red`, case-insensitive, with or without a `TLP:` prefix.
    pub fn parse(s: &str) -> Option<Tlp> {
        let s = s.trim();
        let s = match s.get(..4) {
            Some(p) if p.eq_ignore_ascii_case("tlp:") => &s[4..],
            _ => s,
        };
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "clear" | "white" => Tlp::Clear,
            "green" => Tlp::Green,
            "amber" => Tlp::Amber,
            "amber+strict" | "amber-strict" => Tlp::AmberStrict,
            "red" => Tlp::Red,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Tlp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of [`Tlp::from_str`](std::str::FromStr::from_str).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseTlpError(pub String);

impl std::fmt::Display for ParseTlpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown tlp level {:?} (expected clear, green, amber, amber+strict or red)",
            self.0
        )
    }
}

impl std::error::Error for ParseTlpError {}

impl std::str::FromStr for Tlp {
    type Err = ParseTlpError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tlp::parse(s).ok_or_else(|| ParseTlpError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::Tlp;

    #[test]
    fn every_level_parses_from_its_forms() {
        for t in Tlp::ALL {
            assert_eq!(Tlp::parse(t.as_str()), Some(t));
            assert_eq!(Tlp::parse(t.name()), Some(t));
            assert_eq!(Tlp::parse(&t.as_str().to_uppercase()), Some(t));
        }
        assert_eq!(Tlp::parse("white"), Some(Tlp::Clear));
        assert_eq!(Tlp::parse("amber-strict"), Some(Tlp::AmberStrict));
        assert_eq!(Tlp::parse("purple"), None);
        assert!(Tlp::Clear < Tlp::Red);
    }
}
