//! Traffic Light Protocol 2.0 as data: the five levels, their canonical STIX marking-definition
//! objects and MISP tags, and the release rules every export path applies.
//!
//! The rules, in order:
//! - a finding without a marking never leaves (an unmarked object is not "probably fine");
//! - TLP:RED never leaves, whatever the audience, by file, API or TAXII;
//! - TLP:AMBER+STRICT goes only to our own organisation;
//! - anything more restrictive than the audience's maximum is withheld;
//! - when objects merge (one SCO shared by two findings), the most restrictive marking wins.
//!
//! The marking ids and names are the OASIS TLP 2.0 extension's (cti-stix-common-objects), not
//! the TLP 1.0 ids that some STIX libraries still ship as constants. The 1.0 ids are known only
//! for reading partners' data, with WHITE read as CLEAR.

use serde_json::{Value, json};
use skydas_model::Finding;

/// The STIX extension-definition that TLP 2.0 marking-definitions use.
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// The `created` timestamp of every canonical TLP 2.0 marking-definition.
pub const TLP2_CREATED: &str = "2022-10-01T00:00:00.000Z";

pub use skydas_model::Tlp;
pub use skydas_model::tlp::ParseTlpError;

/// What a TLP level looks like in STIX 2.1 and MISP.
pub trait Marking {
    /// The canonical TLP 2.0 marking-definition id.
    fn marking_id(self) -> &'static str;
    /// The MISP `tlp` taxonomy tag, e.g. `tlp:amber+strict`.
    fn misp_tag(self) -> &'static str;
    /// The canonical TLP 2.0 marking-definition object, exactly as OASIS publishes it.
    fn marking_definition(self) -> Value;
}

impl Marking for Tlp {
    /// The canonical TLP 2.0 marking-definition id.
    fn marking_id(self) -> &'static str {
        match self {
            Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }

    /// The MISP `tlp` taxonomy tag, e.g. `tlp:amber+strict`.
    fn misp_tag(self) -> &'static str {
        match self {
            Tlp::Clear => "tlp:clear",
            Tlp::Green => "tlp:green",
            Tlp::Amber => "tlp:amber",
            Tlp::AmberStrict => "tlp:amber+strict",
            Tlp::Red => "tlp:red",
        }
    }

    /// The canonical TLP 2.0 marking-definition object, exactly as OASIS publishes it.
    fn marking_definition(self) -> Value {
        json!({
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": self.marking_id(),
            "created": TLP2_CREATED,
            "name": self.name(),
            "extensions": {
                TLP2_EXTENSION_ID: {
                    "extension_type": "property-extension",
                    "tlp_2_0": self.as_str(),
                }
            }
        })
    }
}

/// The level of a marking-definition id: the TLP 2.0 ids, and the TLP 1.0 ids for reading
/// old data (WHITE → CLEAR). Ids are compared case-insensitively.
pub fn from_marking_id(id: &str) -> Option<Tlp> {
    let id = id.to_ascii_lowercase();
    if let Some(t) = Tlp::ALL.into_iter().find(|t| t.marking_id() == id) {
        return Some(t);
    }
    TLP1_IDS
        .iter()
        .find(|(i, _)| *i == id)
        .map(|&(_, level)| level)
}

/// The level a marking-definition object declares, by its content: a TLP 2.0 extension
/// (`tlp_2_0`) or a TLP 1.0 definition (`definition_type: "tlp"`). `None` for any other
/// marking (statements, unknown extensions).
pub fn from_marking_object(obj: &Value) -> Option<Tlp> {
    if obj.get("type").and_then(Value::as_str) != Some("marking-definition") {
        return None;
    }
    if let Some(level) = obj
        .get("extensions")
        .and_then(|e| e.get(TLP2_EXTENSION_ID))
        .and_then(|e| e.get("tlp_2_0"))
        .and_then(Value::as_str)
    {
        return Tlp::parse(level);
    }
    if obj.get("definition_type").and_then(Value::as_str) == Some("tlp") {
        return obj
            .get("definition")
            .and_then(|d| d.get("tlp"))
            .and_then(Value::as_str)
            .and_then(Tlp::parse);
    }
    None
}

/// Whether `obj` is exactly the canonical TLP 2.0 marking-definition of some level.
pub fn is_canonical_marking(obj: &Value) -> bool {
    Tlp::ALL.iter().any(|t| t.marking_definition() == *obj)
}

/// TLP 1.0 marking-definition ids (STIX 2.1 §7.2.1.4), read only.
const TLP1_IDS: [(&str, Tlp); 4] = [
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        Tlp::Clear,
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        Tlp::Green,
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        Tlp::Amber,
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        Tlp::Red,
    ),
];

/// The most restrictive of two markings: what an object gets when two marked objects merge.
pub fn merge(a: Tlp, b: Tlp) -> Tlp {
    a.max(b)
}

/// [`merge`] for markings that may be missing: a missing marking stays missing, so that the
/// merged object is blocked like its unmarked part.
pub fn merge_markings(a: Option<Tlp>, b: Option<Tlp>) -> Option<Tlp> {
    Some(merge(a?, b?))
}

/// Who receives an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience {
    /// The most restrictive marking the recipient may receive.
    pub max: Tlp,
    /// Whether the recipient is our own organisation (only then may AMBER+STRICT go).
    pub same_org: bool,
}

impl Audience {
    /// A partner organisation that may receive up to `max`.
    pub fn partner(max: Tlp) -> Audience {
        Audience {
            max,
            same_org: false,
        }
    }

    /// Our own organisation, receiving up to `max`.
    pub fn own_org(max: Tlp) -> Audience {
        Audience {
            max,
            same_org: true,
        }
    }

    /// The most restrictive marking this audience can actually receive, after the RED and
    /// AMBER+STRICT rules.
    pub fn ceiling(self) -> Tlp {
        let cap = if self.same_org {
            Tlp::AmberStrict
        } else {
            Tlp::Amber
        };
        self.max.min(cap)
    }
}

impl Default for Audience {
    /// A partner receiving up to TLP:AMBER, the export default.
    fn default() -> Self {
        Audience::partner(Tlp::Amber)
    }
}

/// Why an object was withheld from an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Withheld {
    #[error("no tlp marking")]
    Unmarked,
    #[error("TLP:RED never leaves")]
    Red,
    #[error("TLP:AMBER+STRICT goes only to our own organisation")]
    AmberStrictOutsideOrg,
    #[error("{marking} is above the audience's {max}")]
    AboveAudience { marking: Tlp, max: Tlp },
}

/// Whether an object with `marking` may go to `audience`; the reason when it may not.
pub fn may_release(marking: Option<Tlp>, audience: Audience) -> Result<(), Withheld> {
    let marking = marking.ok_or(Withheld::Unmarked)?;
    if marking == Tlp::Red {
        return Err(Withheld::Red);
    }
    if marking == Tlp::AmberStrict && !audience.same_org {
        return Err(Withheld::AmberStrictOutsideOrg);
    }
    if marking > audience.max {
        return Err(Withheld::AboveAudience {
            marking,
            max: audience.max,
        });
    }
    Ok(())
}

/// The split every export starts from: what its audience may receive and what it holds back.
#[derive(Debug)]
pub struct Release<'a> {
    /// The findings the audience may receive, in order, with their markings.
    pub released: Vec<(&'a Finding, Tlp)>,
    /// The ids of the others, with why each is withheld.
    pub withheld: Vec<(String, Withheld)>,
}

/// Splits marked findings by [`may_release`] for `audience`.
pub fn release(findings: &[(Finding, Option<Tlp>)], audience: Audience) -> Release<'_> {
    let mut released = Vec::new();
    let mut withheld = Vec::new();
    for (f, marking) in findings {
        match (may_release(*marking, audience), marking) {
            (Ok(()), Some(t)) => released.push((f, *t)),
            (Err(why), _) => withheld.push((f.id.clone(), why)),
            // may_release refuses a missing marking, so this arm is never taken.
            (Ok(()), None) => withheld.push((f.id.clone(), Withheld::Unmarked)),
        }
    }
    Release { released, withheld }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels_and_aliases() {
        let check = |s: &str, expected: Option<Tlp>| assert_eq!(Tlp::parse(s), expected, "{s}");
        check("clear", Some(Tlp::Clear));
        check("WHITE", Some(Tlp::Clear));
        check("TLP:WHITE", Some(Tlp::Clear));
        check("tlp:green", Some(Tlp::Green));
        check(" Amber ", Some(Tlp::Amber));
        check("TLP:AMBER+STRICT", Some(Tlp::AmberStrict));
        check("amber+strict", Some(Tlp::AmberStrict));
        check("Red", Some(Tlp::Red));
        check("amber strict", None);
        check("tlp:", None);
        check("", None);
        check("é", None);
        assert_eq!("tlp:red".parse::<Tlp>(), Ok(Tlp::Red));
        assert!("purple".parse::<Tlp>().is_err());
    }

    #[test]
    fn orders_by_restrictiveness() {
        let mut v = Tlp::ALL.to_vec();
        v.reverse();
        v.sort();
        assert_eq!(v, Tlp::ALL.to_vec());
        assert!(Tlp::AmberStrict > Tlp::Amber && Tlp::Red > Tlp::AmberStrict);
    }

    #[test]
    fn canonical_markings_match_the_oasis_table() {
        let m = Tlp::AmberStrict.marking_definition();
        assert_eq!(
            m["id"],
            "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
        );
        assert_eq!(m["name"], "TLP:AMBER+STRICT");
        assert_eq!(
            m["extensions"][TLP2_EXTENSION_ID]["tlp_2_0"],
            "amber+strict"
        );
        assert!(m.get("definition_type").is_none());
        for t in Tlp::ALL {
            let m = t.marking_definition();
            assert!(is_canonical_marking(&m));
            assert_eq!(from_marking_object(&m), Some(t));
            assert_eq!(from_marking_id(t.marking_id()), Some(t));
            assert_eq!(Tlp::parse(t.name()), Some(t));
            assert_eq!(Tlp::parse(t.misp_tag()), Some(t));
        }
        let mut wrong_name = Tlp::Green.marking_definition();
        wrong_name["name"] = "TLP:green".into();
        assert!(!is_canonical_marking(&wrong_name));
    }

    #[test]
    fn reads_tlp1_ids_and_objects() {
        // TLP 1.0's marking ids, one of them in capitals as some producers write it; the last is
        // no TLP marking at all.
        let prefix = "marking-definition--";
        for (uuid, expected) in [
            ("613f2e26-407d-48c7-9eca-b8e91df99dc9", Some(Tlp::Clear)),
            ("34098FCE-860f-48ae-8e50-ebd3cc5e41da", Some(Tlp::Green)),
            ("f88d31f6-486f-44da-b317-01333bde0b82", Some(Tlp::Amber)),
            ("5e57c739-391a-4eb3-b6be-7d15ca92d5ed", Some(Tlp::Red)),
            ("f79f25d2-8b96-4580-b169-eb7b613a7c31", None),
        ] {
            let id = format!("{prefix}{uuid}");
            assert_eq!(from_marking_id(&id), expected, "{id}");
        }
        let v1 = json!({"type": "marking-definition", "definition_type": "tlp",
            "definition": {"tlp": "white"}});
        assert_eq!(from_marking_object(&v1), Some(Tlp::Clear));
        let statement = json!({"type": "marking-definition", "definition_type": "statement",
            "definition": {"statement": "CC-BY-SA-4.0"}});
        assert_eq!(from_marking_object(&statement), None);
    }

    #[test]
    fn release_rules() {
        use Withheld::*;
        let partner = |max| Audience::partner(max);
        let own = |max| Audience::own_org(max);
        let check = |m: Option<Tlp>, a: Audience, expected: Result<(), Withheld>| {
            assert_eq!(may_release(m, a), expected, "{m:?} to {a:?}");
        };
        // A missing marking blocks, even towards the most permissive audience.
        check(None, own(Tlp::Red), Err(Unmarked));
        check(None, partner(Tlp::Clear), Err(Unmarked));
        // RED never leaves, not even to our own organisation asking for RED.
        check(Some(Tlp::Red), own(Tlp::Red), Err(Red));
        check(Some(Tlp::Red), partner(Tlp::Red), Err(Red));
        check(Some(Tlp::Red), partner(Tlp::Clear), Err(Red));
        // AMBER+STRICT only to our own organisation.
        check(
            Some(Tlp::AmberStrict),
            partner(Tlp::Red),
            Err(AmberStrictOutsideOrg),
        );
        check(Some(Tlp::AmberStrict), own(Tlp::AmberStrict), Ok(()));
        check(
            Some(Tlp::AmberStrict),
            own(Tlp::Amber),
            Err(AboveAudience {
                marking: Tlp::AmberStrict,
                max: Tlp::Amber,
            }),
        );
        // Above the maximum is withheld; at or below goes.
        check(
            Some(Tlp::Amber),
            partner(Tlp::Green),
            Err(AboveAudience {
                marking: Tlp::Amber,
                max: Tlp::Green,
            }),
        );
        check(Some(Tlp::Amber), partner(Tlp::Amber), Ok(()));
        check(Some(Tlp::Green), partner(Tlp::Amber), Ok(()));
        check(Some(Tlp::Clear), partner(Tlp::Clear), Ok(()));
        check(
            Some(Tlp::Green),
            partner(Tlp::Clear),
            Err(AboveAudience {
                marking: Tlp::Green,
                max: Tlp::Clear,
            }),
        );
    }

    #[test]
    fn merge_takes_the_most_restrictive() {
        for a in Tlp::ALL {
            for b in Tlp::ALL {
                let m = merge(a, b);
                assert_eq!(m, merge(b, a));
                assert!(m >= a && m >= b && (m == a || m == b));
            }
        }
        assert_eq!(merge(Tlp::Clear, Tlp::Red), Tlp::Red);
        assert_eq!(merge(Tlp::Amber, Tlp::AmberStrict), Tlp::AmberStrict);
        assert_eq!(
            merge_markings(Some(Tlp::Green), Some(Tlp::Amber)),
            Some(Tlp::Amber)
        );
        assert_eq!(merge_markings(Some(Tlp::Green), None), None);
    }

    #[test]
    fn ceiling_applies_the_rules() {
        assert_eq!(Audience::partner(Tlp::Red).ceiling(), Tlp::Amber);
        assert_eq!(Audience::own_org(Tlp::Red).ceiling(), Tlp::AmberStrict);
        assert_eq!(Audience::partner(Tlp::Green).ceiling(), Tlp::Green);
        for a in [Audience::partner(Tlp::Red), Audience::own_org(Tlp::Red)] {
            assert_eq!(may_release(Some(a.ceiling()), a), Ok(()));
        }
        assert_eq!(Audience::default(), Audience::partner(Tlp::Amber));
    }
}
