//! Time zones as exports write them: zone abbreviations (with the ambiguous ones named, never
//! guessed silently), numeric offsets, and the zones a user names with `--tz` (a fixed offset or
//! a region zone with its daylight-saving rule), without a time zone database.

use crate::time::days_from_civil;

/// One meaning of a zone abbreviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meaning {
    /// Where the abbreviation means this: `India`, `Ireland`, `US Central`, ….
    pub region: &'static str,
    /// Offset from UTC, seconds east.
    pub offset: i64,
}

const fn m(region: &'static str, hours: i64, minutes: i64) -> Meaning {
    Meaning {
        region,
        offset: hours * 3600 + minutes * 60,
    }
}

/// Zone abbreviations and what they mean, the commonest meaning first. An abbreviation with
/// more than one meaning is ambiguous: it is resolved by the user's `--tz` (or the export's
/// locale), and reported when nothing resolves it.
#[rustfmt::skip]
pub const ABBREVIATIONS: &[(&str, &[Meaning])] = &[
    ("ACDT", &[m("Australia Central daylight", 10, 30)]),
    ("ACST", &[m("Australia Central", 9, 30)]),
    ("ADT", &[m("Atlantic daylight", -3, 0)]),
    ("AEDT", &[m("Australia Eastern daylight", 11, 0)]),
    ("AEST", &[m("Australia Eastern", 10, 0)]),
    ("AKDT", &[m("Alaska daylight", -8, 0)]),
    ("AKST", &[m("Alaska", -9, 0)]),
    ("AMT", &[m("Amazon", -4, 0), m("Armenia", 4, 0)]),
    ("ART", &[m("Argentina", -3, 0)]),
    ("AST", &[m("Atlantic", -4, 0), m("Arabia", 3, 0)]),
    ("AWST", &[m("Australia Western", 8, 0)]),
    ("BDT", &[m("Bangladesh", 6, 0)]),
    ("BRST", &[m("Brasília summer", -2, 0)]),
    ("BRT", &[m("Brasília", -3, 0)]),
    ("BST", &[m("British summer", 1, 0), m("Bangladesh", 6, 0)]),
    ("CAT", &[m("Central Africa", 2, 0)]),
    ("CDT", &[m("US Central daylight", -5, 0), m("Cuba daylight", -4, 0)]),
    ("CEST", &[m("Central Europe summer", 2, 0)]),
    ("CET", &[m("Central Europe", 1, 0)]),
    ("CLST", &[m("Chile summer", -3, 0)]),
    ("CLT", &[m("Chile", -4, 0)]),
    ("COT", &[m("Colombia", -5, 0)]),
    ("CST", &[m("US Central", -6, 0), m("China", 8, 0), m("Cuba", -5, 0)]),
    ("EAT", &[m("East Africa", 3, 0)]),
    ("ECT", &[m("Ecuador", -5, 0)]),
    ("EDT", &[m("US Eastern daylight", -4, 0)]),
    ("EEST", &[m("Eastern Europe summer", 3, 0)]),
    ("EET", &[m("Eastern Europe", 2, 0)]),
    ("EST", &[m("US Eastern", -5, 0)]),
    ("FET", &[m("Further-eastern Europe", 3, 0)]),
    ("GMT", &[m("Greenwich", 0, 0)]),
    ("GST", &[m("Gulf", 4, 0), m("South Georgia", -2, 0)]),
    ("HKT", &[m("Hong Kong", 8, 0)]),
    ("HST", &[m("Hawaii", -10, 0)]),
    ("ICT", &[m("Indochina", 7, 0)]),
    ("IDT", &[m("Israel daylight", 3, 0)]),
    ("IRST", &[m("Iran", 3, 30)]),
    ("IST", &[m("India", 5, 30), m("Ireland", 1, 0), m("Israel", 2, 0)]),
    ("JST", &[m("Japan", 9, 0)]),
    ("KST", &[m("Korea", 9, 0)]),
    ("MDT", &[m("US Mountain daylight", -6, 0)]),
    ("MSD", &[m("Moscow summer", 4, 0)]),
    ("MSK", &[m("Moscow", 3, 0)]),
    ("MST", &[m("US Mountain", -7, 0), m("Malaysia", 8, 0)]),
    ("MYT", &[m("Malaysia", 8, 0)]),
    ("NDT", &[m("Newfoundland daylight", -2, -30)]),
    ("NPT", &[m("Nepal", 5, 45)]),
    ("NST", &[m("Newfoundland", -3, -30)]),
    ("NZDT", &[m("New Zealand daylight", 13, 0)]),
    ("NZST", &[m("New Zealand", 12, 0)]),
    ("PDT", &[m("US Pacific daylight", -7, 0)]),
    ("PET", &[m("Peru", -5, 0)]),
    ("PHT", &[m("Philippines", 8, 0)]),
    ("PKT", &[m("Pakistan", 5, 0)]),
    ("PST", &[m("US Pacific", -8, 0), m("Philippines", 8, 0)]),
    ("SAST", &[m("South Africa", 2, 0)]),
    ("SGT", &[m("Singapore", 8, 0)]),
    ("SST", &[m("Samoa", -11, 0), m("Singapore", 8, 0)]),
    ("THA", &[m("Thailand", 7, 0)]),
    ("TRT", &[m("Turkey", 3, 0)]),
    ("UT", &[m("Universal", 0, 0)]),
    ("UTC", &[m("Universal", 0, 0)]),
    ("WAT", &[m("West Africa", 1, 0)]),
    ("WEST", &[m("Western Europe summer", 1, 0)]),
    ("WET", &[m("Western Europe", 0, 0)]),
    ("WIB", &[m("Western Indonesia", 7, 0)]),
    ("Z", &[m("Universal", 0, 0)]),
];

/// The meanings of an abbreviation (case-insensitive); empty when unknown.
pub fn meanings(abbr: &str) -> &'static [Meaning] {
    let a = abbr.trim();
    ABBREVIATIONS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(a))
        .map_or(&[], |(_, v)| v)
}

/// A numeric offset: `+0200`, `+02:00`, `+02`, `-0:30`, `+00:0`, `+5`. `None` for anything else.
pub fn numeric_offset(z: &str) -> Option<i64> {
    let z = z.trim();
    let (sign, rest) = match z.as_bytes().first()? {
        b'+' => (1, &z[1..]),
        b'-' => (-1, &z[1..]),
        _ => return None,
    };
    let (h, mi) = match rest.split_once(':') {
        Some((h, mi)) => (h, mi),
        None if rest.len() > 2 => rest.split_at(rest.len() - 2),
        None => (rest, "0"),
    };
    let digits = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (h, mi) = (digits(h)?, digits(mi)?);
    // RFC 3339's grammar allows any hour of offset; no zone uses more than 14.
    (h <= 23 && mi <= 59).then_some(sign * (h * 3600 + mi * 60))
}

/// How daylight-saving time moves a region zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dst {
    None,
    /// EU: +1 h from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC.
    Eu,
    /// US and Canada: +1 h from the second Sunday of March 02:00 local to the first Sunday of
    /// November 02:00 local.
    Us,
}

/// A zone the user names (`--tz`): a fixed offset or a region zone with its daylight rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tz {
    /// The name as given, for messages.
    pub name: String,
    /// Standard offset, seconds east of UTC.
    standard: i64,
    dst: Dst,
}

/// The region zones `--tz` knows by name (IANA names), with their standard offsets and rules.
#[rustfmt::skip]
const REGION_ZONES: &[(&str, i64, Dst)] = &[
    ("UTC", 0, Dst::None), ("Etc/UTC", 0, Dst::None), ("GMT", 0, Dst::None),
    ("Europe/London", 0, Dst::Eu), ("Europe/Dublin", 0, Dst::Eu), ("Europe/Lisbon", 0, Dst::Eu),
    ("Europe/Berlin", 3600, Dst::Eu), ("Europe/Paris", 3600, Dst::Eu), ("Europe/Warsaw", 3600, Dst::Eu),
    ("Europe/Prague", 3600, Dst::Eu), ("Europe/Stockholm", 3600, Dst::Eu), ("Europe/Brussels", 3600, Dst::Eu),
    ("Europe/Amsterdam", 3600, Dst::Eu), ("Europe/Vienna", 3600, Dst::Eu), ("Europe/Rome", 3600, Dst::Eu),
    ("Europe/Madrid", 3600, Dst::Eu), ("Europe/Copenhagen", 3600, Dst::Eu), ("Europe/Oslo", 3600, Dst::Eu),
    ("Europe/Budapest", 3600, Dst::Eu), ("Europe/Bratislava", 3600, Dst::Eu),
    ("Europe/Vilnius", 7200, Dst::Eu), ("Europe/Riga", 7200, Dst::Eu), ("Europe/Tallinn", 7200, Dst::Eu),
    ("Europe/Helsinki", 7200, Dst::Eu), ("Europe/Kyiv", 7200, Dst::Eu), ("Europe/Kiev", 7200, Dst::Eu),
    ("Europe/Bucharest", 7200, Dst::Eu), ("Europe/Sofia", 7200, Dst::Eu), ("Europe/Athens", 7200, Dst::Eu),
    ("Europe/Chisinau", 7200, Dst::Eu),
    ("Europe/Minsk", 10800, Dst::None), ("Europe/Moscow", 10800, Dst::None), ("Europe/Istanbul", 10800, Dst::None),
    ("Europe/Kaliningrad", 7200, Dst::None),
    ("America/New_York", -18000, Dst::Us), ("America/Chicago", -21600, Dst::Us),
    ("America/Denver", -25200, Dst::Us), ("America/Los_Angeles", -28800, Dst::Us),
    ("America/Sao_Paulo", -10800, Dst::None), ("America/Argentina/Buenos_Aires", -10800, Dst::None),
    ("Asia/Kolkata", 19800, Dst::None), ("Asia/Shanghai", 28800, Dst::None), ("Asia/Singapore", 28800, Dst::None),
    ("Asia/Tokyo", 32400, Dst::None), ("Asia/Jerusalem", 7200, Dst::None), ("Asia/Dubai", 14400, Dst::None),
];

impl Tz {
    /// Parses `UTC`, a numeric offset (`+02:00`, `-0500`) or a region zone name
    /// (`Europe/Vilnius`, case-insensitive). The error lists what is accepted.
    pub fn parse(s: &str) -> Result<Tz, String> {
        let t = s.trim();
        if let Some(off) = numeric_offset(t) {
            return Ok(Tz {
                name: t.to_string(),
                standard: off,
                dst: Dst::None,
            });
        }
        REGION_ZONES
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(t))
            .map(|&(n, standard, dst)| Tz {
                name: n.to_string(),
                standard,
                dst,
            })
            .ok_or_else(|| {
                format!(
                    "unknown time zone {t:?}: give an offset such as +02:00, or one of {}",
                    REGION_ZONES
                        .iter()
                        .map(|z| z.0)
                        .filter(|n| !n.starts_with("Etc"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }

    /// Offset from UTC at the UTC instant `utc`.
    pub fn offset_at(&self, utc: i64) -> i64 {
        self.standard + if self.in_dst(utc) { 3600 } else { 0 }
    }

    /// The UTC instant of a local wall-clock time in this zone (a time in the hour that DST
    /// skips or repeats resolves to the standard-time reading).
    pub fn to_utc(&self, local: i64) -> i64 {
        let guess = local - self.standard;
        let off = self.offset_at(guess - 3600);
        local - off
    }

    /// The standard and daylight offsets this zone uses.
    pub fn offsets(&self) -> [i64; 2] {
        match self.dst {
            Dst::None => [self.standard, self.standard],
            _ => [self.standard, self.standard + 3600],
        }
    }

    fn in_dst(&self, utc: i64) -> bool {
        let (y, _, _) = crate::time::civil_from_days(utc.div_euclid(86_400));
        match self.dst {
            Dst::None => false,
            Dst::Eu => {
                let start = last_sunday(y, 3) * 86_400 + 3600;
                let end = last_sunday(y, 10) * 86_400 + 3600;
                (start..end).contains(&utc)
            }
            Dst::Us => {
                let start = nth_sunday(y, 3, 2) * 86_400 + 7200 - self.standard;
                let end = nth_sunday(y, 11, 1) * 86_400 + 7200 - (self.standard + 3600);
                (start..end).contains(&utc)
            }
        }
    }

    /// The meaning of an ambiguous abbreviation this zone selects, if one of them matches one
    /// of its offsets.
    pub fn resolve(&self, meanings: &[Meaning]) -> Option<Meaning> {
        let offs = self.offsets();
        meanings.iter().copied().find(|m| offs.contains(&m.offset))
    }
}

/// Day number (since 1970-01-01) of the weekday of a day number: 0 Monday … 6 Sunday.
fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7)
}

fn last_sunday(y: i64, month: u32) -> i64 {
    let next = if month == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, month + 1, 1)
    };
    let last = next - 1;
    last - (weekday(last) + 1) % 7
}

fn nth_sunday(y: i64, month: u32, n: i64) -> i64 {
    let first = days_from_civil(y, month, 1);
    let to_sunday = (6 - weekday(first)).rem_euclid(7);
    first + to_sunday + (n - 1) * 7
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_datetime;

    #[test]
    fn abbreviations_name_their_meanings() {
        assert_eq!(meanings("brt")[0].offset, -3 * 3600);
        assert_eq!(meanings("NZDT")[0].offset, 13 * 3600);
        assert_eq!(meanings("SGT")[0].offset, 8 * 3600);
        assert_eq!(meanings("IST").len(), 3);
        assert_eq!(meanings("CST").len(), 3);
        assert!(meanings("XYZ").is_empty());
        let mut names: Vec<&str> = ABBREVIATIONS.iter().map(|a| a.0).collect();
        let sorted = {
            let mut s = names.clone();
            s.sort_unstable();
            s
        };
        assert_eq!(names, sorted, "kept sorted");
        names.dedup();
        assert_eq!(names.len(), ABBREVIATIONS.len(), "no abbreviation twice");
    }

    #[test]
    fn numeric_offsets_in_the_forms_feeds_write() {
        for (s, want) in [
            ("+0200", Some(7200)),
            ("+02:00", Some(7200)),
            ("-05", Some(-18000)),
            ("+00:0", Some(0)),
            ("-01:01", Some(-3660)),
            ("+5", Some(18000)),
            ("+2500", None),
            ("0200", None),
            ("+ab", None),
        ] {
            assert_eq!(numeric_offset(s), want, "{s}");
        }
    }

    #[test]
    fn region_zones_follow_daylight_saving() {
        let vilnius = Tz::parse("europe/vilnius").unwrap();
        let winter = parse_datetime("2024-01-15T12:00:00Z").unwrap();
        let summer = parse_datetime("2024-07-15T12:00:00Z").unwrap();
        assert_eq!(vilnius.offset_at(winter), 7200);
        assert_eq!(vilnius.offset_at(summer), 10800);
        // EU change: 2024-03-31 01:00 UTC.
        let change = parse_datetime("2024-03-31T01:00:00Z").unwrap();
        assert_eq!(vilnius.offset_at(change - 1), 7200);
        assert_eq!(vilnius.offset_at(change), 10800);
        // Local noon in July is 09:00 UTC.
        let local_noon = parse_datetime("2024-07-15T12:00:00Z").unwrap();
        assert_eq!(vilnius.to_utc(local_noon), local_noon - 10800);
        let chicago = Tz::parse("America/Chicago").unwrap();
        // US change: 2024-03-10 02:00 local = 08:00 UTC.
        let us = parse_datetime("2024-03-10T08:00:00Z").unwrap();
        assert_eq!(chicago.offset_at(us - 1), -21600);
        assert_eq!(chicago.offset_at(us), -18000);
        assert_eq!(Tz::parse("+05:30").unwrap().offset_at(0), 19800);
        assert!(
            Tz::parse("Mars/Olympus")
                .unwrap_err()
                .contains("Europe/Vilnius")
        );
        let ist = meanings("IST");
        assert_eq!(
            Tz::parse("Asia/Kolkata")
                .unwrap()
                .resolve(ist)
                .map(|m| m.region),
            Some("India")
        );
        assert_eq!(
            Tz::parse("Europe/Dublin")
                .unwrap()
                .resolve(ist)
                .map(|m| m.region),
            Some("Ireland")
        );
    }
}
