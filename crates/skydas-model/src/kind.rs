//! Finding kinds: a kind is named and described once, by the detector that makes it, in a
//! [`KindSpec`]. Everything else (the store, the web app, the exporters, the command line) looks
//! a kind up in the [`Kinds`] the detectors declare, and never names one itself.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// How findings of a kind travel to partners' platforms (STIX 2.1 and MISP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareAs {
    /// A group of actors (or one actor) behaving in a way: a STIX SDO of type `sdo` that
    /// `uses` the finding's techniques; in MISP a note with the evidence URLs, not for IDS.
    Actors {
        /// `campaign`, `intrusion-set`, …
        sdo: &'static str,
    },
    /// A domain that is itself the indicator: a STIX `indicator` with a `domain-name` pattern,
    /// `indicates` its techniques, based on and sighted in the observed evidence; in MISP a
    /// `domain` attribute and evidence URLs, all for IDS.
    Domain,
}

/// What one kind of finding is. Each detector declares its kinds as `static`s.
#[derive(Debug)]
pub struct KindSpec {
    /// The `kind` of the findings JSON, e.g. `coordination`. Never renamed.
    pub name: &'static str,
    /// The prefix of finding ids of this kind, e.g. `co`.
    pub id_prefix: &'static str,
    /// One finding, for people: `coordinated network`.
    pub noun: &'static str,
    /// Several findings, for people: `coordinated networks`.
    pub plural: &'static str,
    /// The DISARM v1.6 techniques findings of this kind may carry.
    pub disarm: &'static [&'static str],
    /// How the kind is shared.
    pub share: ShareAs,
}

/// The kind of one finding: the name of a [`KindSpec`]. Findings read back from JSON or the
/// store carry the name as they were written, even when no detector declares it any more.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FindingKind(Cow<'static, str>);

impl FindingKind {
    /// The kind a spec declares.
    pub const fn of(spec: &'static KindSpec) -> FindingKind {
        FindingKind(Cow::Borrowed(spec.name))
    }

    /// A kind by name, as read from outside (JSON, the store, a query parameter).
    pub fn named(name: impl Into<String>) -> FindingKind {
        FindingKind(Cow::Owned(name.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the kind `spec` declares.
    pub fn is(&self, spec: &KindSpec) -> bool {
        self.0 == spec.name
    }
}

impl std::fmt::Display for FindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Every kind the detectors declare, in the order findings are reported in.
#[derive(Debug, Clone, Default)]
pub struct Kinds(Vec<&'static KindSpec>);

impl Kinds {
    /// The kinds, in report order.
    pub fn new(specs: Vec<&'static KindSpec>) -> Kinds {
        Kinds(specs)
    }

    /// The spec of a kind name, `None` for a kind no detector declares.
    pub fn get(&self, name: &str) -> Option<&'static KindSpec> {
        self.0.iter().copied().find(|k| k.name == name)
    }

    /// The position of a kind in report order; unknown kinds come last.
    pub fn rank(&self, name: &str) -> usize {
        self.0
            .iter()
            .position(|k| k.name == name)
            .unwrap_or(self.0.len())
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static KindSpec> + '_ {
        self.0.iter().copied()
    }

    /// The kind names, in report order.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|k| k.name).collect()
    }

    /// For people: the noun of a kind, or its name when no detector declares it.
    pub fn noun<'a>(&self, kind: &'a FindingKind) -> &'a str {
        self.get(kind.as_str()).map_or(kind.as_str(), |k| k.noun)
    }

    /// `"2 coordinated networks, 1 lookalike domain"`-style counts of `kinds` (the declared
    /// kinds met, in report order, then any other kind met; `no findings` for none).
    pub fn counts<'a>(&self, kinds: impl Iterator<Item = &'a FindingKind>) -> String {
        let mut counts: Vec<(String, usize)> = self.0.iter().map(|k| (k.name.into(), 0)).collect();
        for k in kinds {
            match counts.iter_mut().find(|(n, _)| n == k.as_str()) {
                Some((_, c)) => *c += 1,
                None => counts.push((k.as_str().to_string(), 1)),
            }
        }
        let line = counts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(name, n)| {
                let word = match self.get(name) {
                    Some(k) if *n == 1 => k.noun,
                    Some(k) => k.plural,
                    None => name.as_str(),
                };
                format!("{n} {word}")
            })
            .collect::<Vec<_>>()
            .join(", ");
        if line.is_empty() {
            "no findings".into()
        } else {
            line
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static A: KindSpec = KindSpec {
        name: "alpha",
        id_prefix: "al",
        noun: "alpha thing",
        plural: "alpha things",
        disarm: &[],
        share: ShareAs::Domain,
    };
    static B: KindSpec = KindSpec {
        name: "beta",
        id_prefix: "be",
        noun: "beta thing",
        plural: "beta things",
        disarm: &[],
        share: ShareAs::Actors { sdo: "campaign" },
    };

    #[test]
    fn kinds_rank_in_declared_order_and_count_in_words() {
        let kinds = Kinds::new(vec![&B, &A]);
        assert_eq!(kinds.rank("beta"), 0);
        assert_eq!(kinds.rank("alpha"), 1);
        assert_eq!(kinds.rank("gamma"), 2);
        let found = [
            FindingKind::of(&A),
            FindingKind::named("gamma"),
            FindingKind::of(&A),
        ];
        assert_eq!(
            kinds.counts(found.iter()),
            "2 alpha things, 1 gamma",
            "kinds not met are left out"
        );
        assert_eq!(kinds.counts([].iter()), "no findings");
        assert!(FindingKind::named("alpha").is(&A));
        assert_eq!(
            serde_json::to_string(&FindingKind::of(&B)).unwrap(),
            "\"beta\""
        );
    }
}
