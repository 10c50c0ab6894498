//! The DISARM Red Framework v1.6 data that exports reference: the attack-pattern objects of the
//! published STIX bundle (embedded verbatim, with their DISARM Foundation identity and CC BY-SA
//! statement marking) and the technique crosswalk to the MISP galaxy.
//!
//! The data files stay under `data/disarm/` (CC BY-SA 4.0, DISARM Foundation) and are compiled
//! in, so exports work offline. They are parsed once, on first use.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::Value;

/// The STIX id of the DISARM Foundation identity in the v1.6 bundle.
pub const IDENTITY_ID: &str = "identity--f1a0f560-2d9e-4c5d-bf47-7e96e805de82";

/// The STIX id of the bundle's CC BY-SA 4.0 statement marking.
pub const LICENCE_MARKING_ID: &str = "marking-definition--f79f25d2-8b96-4580-b169-eb7b613a7c31";

/// The `kill_chain_name` our own objects use for DISARM tactics (what OpenCTI's connector uses).
pub const KILL_CHAIN_NAME: &str = "disarm";

const BUNDLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/disarm/DISARM_STIX_bundle_v1.6.json"
));
const CROSSWALK: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/disarm/disarm_technique_crosswalk.csv"
));

/// One DISARM v1.6 technique, as the crosswalk describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Technique {
    /// DISARM id, e.g. `T0149.003`.
    pub id: String,
    pub name: String,
    /// The tactic's `x_mitre_shortname`, e.g. `establish-assets`.
    pub phase: String,
    /// The attack-pattern's STIX id in the DISARM bundle.
    pub stix_id: String,
    /// The ready-made MISP galaxy tag, when MISP's (v1.4) galaxy has the technique.
    pub misp_galaxy_tag: Option<String>,
    /// The technique's page in the DISARM repository.
    pub url: String,
}

struct Disarm {
    identity: Option<Value>,
    licence_marking: Option<Value>,
    /// Attack-patterns by STIX id, verbatim.
    patterns: HashMap<String, Value>,
    techniques: HashMap<String, Technique>,
}

static DATA: LazyLock<Disarm> = LazyLock::new(load);

fn load() -> Disarm {
    // The data is compiled in and checked by the tests below; a parse failure would leave the
    // tables empty (techniques then export by id only) rather than abort an export.
    let mut d = Disarm {
        identity: None,
        licence_marking: None,
        patterns: HashMap::new(),
        techniques: HashMap::new(),
    };
    if let Ok(Value::Object(mut bundle)) = serde_json::from_str::<Value>(BUNDLE)
        && let Some(Value::Array(objects)) = bundle.remove("objects")
    {
        for o in objects {
            let id = o.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
            match o.get("type").and_then(Value::as_str) {
                Some("attack-pattern") => {
                    d.patterns.insert(id, o);
                }
                Some("identity") if id == IDENTITY_ID => d.identity = Some(o),
                Some("marking-definition") if id == LICENCE_MARKING_ID => {
                    d.licence_marking = Some(o);
                }
                _ => {}
            }
        }
    }
    let mut rdr = csv::Reader::from_reader(CROSSWALK.as_bytes());
    for rec in rdr.records().flatten() {
        let field = |i: usize| rec.get(i).unwrap_or("").trim().to_owned();
        let t = Technique {
            id: field(0),
            name: field(1),
            phase: field(6),
            stix_id: field(7),
            misp_galaxy_tag: Some(field(9)).filter(|s| !s.is_empty()),
            url: field(10),
        };
        if !t.id.is_empty() {
            d.techniques.insert(t.id.clone(), t);
        }
    }
    d
}

/// The technique with this DISARM id (`T0149.003`), if v1.6 has it.
pub fn technique(id: &str) -> Option<&'static Technique> {
    DATA.techniques.get(id.trim())
}

/// The attack-pattern object of a DISARM id, verbatim from the bundle.
pub fn attack_pattern(id: &str) -> Option<&'static Value> {
    technique(id).and_then(|t| DATA.patterns.get(&t.stix_id))
}

/// The DISARM Foundation identity object, verbatim.
pub fn identity() -> Option<&'static Value> {
    DATA.identity.as_ref()
}

/// The CC BY-SA 4.0 statement marking-definition, verbatim.
pub fn licence_marking() -> Option<&'static Value> {
    DATA.licence_marking.as_ref()
}

/// The MISP galaxy cluster value inside a `misp-galaxy:disarm-techniques="…"` tag.
pub fn galaxy_value(tag: &str) -> Option<&str> {
    tag.strip_prefix("misp-galaxy:disarm-techniques=")?
        .strip_prefix('"')?
        .strip_suffix('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_the_bundle_and_crosswalk() {
        assert_eq!(DATA.patterns.len(), 391);
        assert_eq!(DATA.techniques.len(), 391);
        assert_eq!(
            identity().map(|i| &i["name"]),
            Some(&"DISARM Foundation".into())
        );
        assert_eq!(
            licence_marking().map(|m| &m["definition"]["statement"]),
            Some(&"CC-BY-SA-4.0 DISARM Foundation".into())
        );
        let with_tag = DATA
            .techniques
            .values()
            .filter(|t| t.misp_galaxy_tag.is_some())
            .count();
        assert_eq!(with_tag, 256);
    }

    #[test]
    fn looks_up_techniques() {
        let t = technique("T0149.003").expect("lookalike domain is in v1.6");
        assert_eq!(t.name, "Lookalike Domain");
        assert_eq!(t.phase, "establish-assets");
        assert_eq!(t.misp_galaxy_tag, None, "missing from MISP's v1.4 galaxy");
        let ap = attack_pattern("T0149.003").expect("pattern");
        assert_eq!(ap["id"].as_str(), Some(t.stix_id.as_str()));
        assert_eq!(ap["external_references"][0]["external_id"], "T0149.003");
        assert_eq!(ap["created_by_ref"], IDENTITY_ID);
        let copypasta = technique("T0084.001").expect("copypasta");
        assert_eq!(
            copypasta.misp_galaxy_tag.as_deref().and_then(galaxy_value),
            Some("Use Copypasta")
        );
        assert!(technique("T9999").is_none());
        assert!(attack_pattern("").is_none());
        // Every id the detectors name exists in v1.6.
        use skydas_model::disarm::*;
        for id in [
            AUTOMATED_REPOSTING,
            HASHTAG_FLOODING,
            SWARMING,
            INAUTHENTIC_SITES_AMPLIFY,
            COPYPASTA,
            CROSS_POSTING,
            POST_ACROSS_PLATFORM,
            LOOKALIKE_DOMAIN,
            REDIRECTING_DOMAIN,
            IMPERSONATED_PERSONA,
            AUTOMATED_ACCOUNT,
            FLOOD_INFORMATION_SPACE,
        ] {
            assert!(attack_pattern(id).is_some(), "{id}");
        }
    }
}
