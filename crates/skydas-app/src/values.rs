//! The values a caller types, checked where they enter: each check returns the value as the
//! type it stands for, or a message that names the value and says what is allowed. The
//! command line uses these as its argument parsers, so a bad value is refused before any work
//! starts and exits 2 like a bad flag.

use skydas_model::{KindSpec, Platform, Tlp};
use skydas_share::graph::GraphFormat;

/// A TLP 2.0 level: `clear`, `green`, `amber`, `amber+strict` or `red` (a `TLP:` prefix and
/// TLP 1.0's `white` are read too).
pub fn tlp(s: &str) -> Result<Tlp, String> {
    Tlp::parse(s).ok_or_else(|| {
        format!(
            "unknown TLP level {s:?}; allowed: {}",
            Tlp::ALL.map(Tlp::as_str).join(", ")
        )
    })
}

/// A level a recipient may receive: the release rule of [`crate::share::ceiling`] (RED never
/// leaves).
pub fn release_tlp(s: &str) -> Result<Tlp, String> {
    crate::share::ceiling(s).map_err(|e| e.to_string())
}

/// A time: RFC 3339 (`2024-03-01T12:00:00Z`), a date (`2024-03-01`), RFC 2822 or Unix
/// seconds; Unix seconds come back.
pub fn time(s: &str) -> Result<i64, String> {
    skydas_model::time::parse_any(s).ok_or_else(|| {
        format!(
            "cannot read {s:?} as a time; allowed: an RFC 3339 time (2024-03-01T12:00:00Z), \
             a date (2024-03-01), an RFC 2822 date or Unix seconds"
        )
    })
}

/// A platform name.
pub fn platform(s: &str) -> Result<Platform, String> {
    Platform::parse(s).ok_or_else(|| {
        format!(
            "unknown platform {s:?}; allowed: {}",
            Platform::ALL.map(Platform::as_str).join(", ")
        )
    })
}

/// A finding kind some detector declares. A prefix or part of one kind's name is pointed at
/// it (`lookalike` → `lookalike_domain`).
pub fn finding_kind(s: &str) -> Result<&'static KindSpec, String> {
    let kinds = crate::analyze::kinds();
    if let Some(k) = kinds.get(s) {
        return Ok(k);
    }
    let names = kinds.names();
    let lower = s.to_ascii_lowercase();
    let near: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !lower.is_empty() && (n.contains(&lower) || lower.contains(n)))
        .collect();
    let hint = match near.as_slice() {
        [one] => format!(" (did you mean {one}?)"),
        _ => String::new(),
    };
    Err(format!(
        "unknown kind {s:?}{hint}; allowed: {}",
        names.join(", ")
    ))
}

/// A domain, normalised as every layer stores it (lowercase, IDNA, no `www.`, no final dot).
pub fn domain(s: &str) -> Result<String, String> {
    skydas_model::normalise_domain(s).ok_or_else(|| {
        format!("{s:?} is not a domain; allowed: a host name such as lrt.lt or delfi.lv")
    })
}

/// The kind of a protected domain: media, government, institution, military, eu, nato, ngo.
pub fn protected_kind(s: &str) -> Result<String, String> {
    use skydas_detect::lookalike::ProtectedKind;
    ProtectedKind::parse(s)
        .map(|k| k.as_str().to_string())
        .ok_or_else(|| {
            format!(
                "unknown kind of protected domain {s:?}; allowed: {}",
                ProtectedKind::ALL.map(ProtectedKind::as_str).join(", ")
            )
        })
}

/// A country: an ISO 3166-1 alpha-2 code (case-insensitive, returned in upper case), `EU` or
/// `INT` for the Union's and international bodies' domains, or empty for none.
pub fn country(s: &str) -> Result<String, String> {
    let up = s.trim().to_ascii_uppercase();
    if up.is_empty() || skydas_model::country::is_code(&up) {
        return Ok(up);
    }
    Err(format!(
        "unknown country {s:?}; allowed: an ISO 3166-1 alpha-2 code (LT, LV, EE, PL, FI, UA, …), \
         EU or INT"
    ))
}

/// An importer's name (`--format`), for inputs whose content does not say which it is.
pub fn format(s: &str) -> Result<String, String> {
    match skydas_ingest::importer_by_name(s) {
        Some(i) => Ok(i.name().to_string()),
        None => Err(format!(
            "unknown format {s:?}; allowed: {}",
            skydas_ingest::registry()
                .iter()
                .map(|i| i.name())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// A graph file format: gexf, graphml or csv.
pub fn graph_format(s: &str) -> Result<GraphFormat, String> {
    GraphFormat::parse(s)
        .ok_or_else(|| format!("unknown graph format {s:?}; allowed: gexf, graphml, csv"))
}

/// A polling interval: `none` (once, `None`) or a whole number of seconds above 0.
pub fn interval_secs(s: &str) -> Result<Option<u64>, String> {
    match s.trim() {
        "none" | "" => Ok(None),
        t => match t.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(format!(
                "cannot read {s:?} as an interval; allowed: none, or seconds above 0"
            )),
        },
    }
}

/// [`interval_secs`] as the command line keeps it: the text, once it reads.
pub fn interval(s: &str) -> Result<String, String> {
    interval_secs(s).map(|_| s.trim().to_string())
}

/// A positive scale of a simulated scenario, at most 1000 (about 100 million items).
pub fn scale(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 1000.0 => Ok(v),
        _ => Err(format!(
            "scale {s:?} is out of range; allowed: a number above 0 and at most 1000 (1 is about \
             100,000 items)"
        )),
    }
}

/// A duration in seconds: a finite number, 0 or more.
pub fn seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a duration; allowed: seconds, 0 or more"
        )),
    }
}

/// A count of at least one.
pub fn positive(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(v) if v >= 1 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a count; allowed: a whole number of at least 1"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_values_come_back_canonical() {
        assert_eq!(tlp("TLP:Amber-Strict").unwrap(), Tlp::AmberStrict);
        assert_eq!(release_tlp("green").unwrap(), Tlp::Green);
        assert_eq!(platform("X").unwrap(), Platform::X);
        for name in crate::analyze::kinds().names() {
            assert_eq!(finding_kind(name).unwrap().name, name);
        }
        assert_eq!(domain("WWW.LRT.lt.").unwrap(), "lrt.lt");
        assert_eq!(protected_kind("gov").unwrap(), "government");
        assert_eq!(country("lt").unwrap(), "LT");
        assert_eq!(country("").unwrap(), "");
        assert_eq!(country("eu").unwrap(), "EU");
        assert_eq!(scale("0.5").unwrap(), 0.5);
        assert_eq!(positive("3").unwrap(), 3);
        assert_eq!(time("2024-03-01").unwrap(), 1_709_251_200);
        assert_eq!(format("X-V2").unwrap(), "x-v2");
        assert_eq!(graph_format("GEXF").unwrap(), GraphFormat::Gexf);
        assert_eq!(interval("300").unwrap(), "300");
        assert_eq!(interval_secs("300").unwrap(), Some(300));
        assert_eq!(interval_secs("none").unwrap(), None);
    }

    #[test]
    fn bad_values_are_named_with_what_is_allowed() {
        // A kind's name cut at its first underscore is pointed at the kind, and every kind is
        // listed as allowed.
        let names = crate::analyze::kinds().names();
        let long = names
            .iter()
            .find(|n| n.contains('_'))
            .expect("a kind with a _");
        let e = finding_kind(&long[..long.find('_').unwrap()]).unwrap_err();
        assert!(e.contains(&format!("did you mean {long}?")), "{e}");
        assert!(names.iter().all(|n| e.contains(n)), "{e}");
        let cases: [(Option<String>, &str, &str); 11] = [
            (format("banana").err(), "\"banana\"", "telegram"),
            (graph_format("png").err(), "\"png\"", "graphml"),
            (interval("-5").err(), "\"-5\"", "seconds"),
            (tlp("purple").err(), "\"purple\"", "amber+strict"),
            (release_tlp("red").err(), "RED", "amber+strict"),
            (time("yesterday").err(), "\"yesterday\"", "RFC 3339"),
            (platform("myspace").err(), "\"myspace\"", "telegram"),
            (
                domain("not a domain!!").err(),
                "\"not a domain!!\"",
                "lrt.lt",
            ),
            (protected_kind("banana").err(), "\"banana\"", "military"),
            (country("XX").err(), "\"XX\"", "ISO 3166-1"),
            (country("Lithuania").err(), "\"Lithuania\"", "LT"),
        ];
        for (got, names, allowed) in cases {
            let e = got.expect("a bad value passed");
            assert!(e.contains(names), "{e:?} does not name {names:?}");
            assert!(
                e.contains(allowed),
                "{e:?} does not say {allowed:?} is allowed"
            );
        }
        assert!(scale("0").unwrap_err().contains("above 0"));
        assert!(scale("nan").is_err());
        assert!(positive("0").unwrap_err().contains("at least 1"));
        assert!(seconds("-1").unwrap_err().contains("0 or more"));
        assert_eq!(seconds("2.5").unwrap(), 2.5);
    }
}
