//! Calendar arithmetic and the timestamp forms the sources use, without a clock or a time zone
//! database: RFC 3339, RFC 2822 (RSS), `YYYY-MM-DD HH:MM:SS` with an optional zone abbreviation
//! (CrowdTangle), and Unix epoch seconds or milliseconds.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats Unix seconds as RFC 3339 UTC, e.g. `2024-02-24T06:00:00Z`.
pub fn format_rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Formats Unix seconds as RFC 3339 UTC with milliseconds (`…:00.000Z`), the STIX form.
pub fn format_rfc3339_millis(secs: i64) -> String {
    let s = format_rfc3339(secs);
    format!("{}.000Z", &s[..s.len() - 1])
}

/// RFC 3339 UTC with milliseconds when that is exact, else microseconds:
/// `2025-03-02T10:00:00.000Z`, `2025-03-02T10:00:00.000123Z`.
pub fn fmt_micros(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let frac = us.rem_euclid(1_000_000);
    let s = format_rfc3339(secs);
    let base = s.strip_suffix('Z').unwrap_or(&s);
    if frac % 1000 == 0 {
        format!("{base}.{:03}Z", frac / 1000)
    } else {
        format!("{base}.{frac:06}Z")
    }
}

/// Reads an RFC 3339 timestamp (`2025-03-02T10:00:00Z`, with up to nanoseconds, `Z` or an
/// offset) as microseconds since the epoch.
pub fn parse_micros(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't') {
        return None;
    }
    let secs = parse_datetime(s)?;
    let frac = if b[19] == b'.' {
        let digits: String = s[20..].chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return None;
        }
        let six: String = digits
            .chars()
            .chain(std::iter::repeat('0'))
            .take(6)
            .collect();
        six.parse::<i64>().ok()?
    } else {
        0
    };
    secs.checked_mul(1_000_000)?.checked_add(frac)
}

fn num(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0i64, |acc, &b| {
        acc.checked_mul(10)?.checked_add(i64::from(b - b'0'))
    })
}

fn valid(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> bool {
    (1..=9999).contains(&y)
        && (1..=12).contains(&mo)
        && (1..=31).contains(&d)
        && (0..=23).contains(&h)
        && (0..=59).contains(&mi)
        && (0..=60).contains(&s)
}

/// Offset in seconds of a zone abbreviation or numeric offset (`+0200`, `+02:00`, `Z`, `UTC`,
/// `EST`, `CEST`, …). Unknown abbreviations give `None`.
pub fn zone_offset(z: &str) -> Option<i64> {
    let z = z.trim();
    let b = z.as_bytes();
    if let Some(&sign) = b.first()
        && (sign == b'+' || sign == b'-')
    {
        let digits: Vec<u8> = b[1..].iter().copied().filter(|c| *c != b':').collect();
        let (h, m) = match digits.len() {
            2 => (num(&digits)?, 0),
            4 => (num(&digits[..2])?, num(&digits[2..])?),
            _ => return None,
        };
        if h > 18 || m > 59 {
            return None;
        }
        let off = h * 3600 + m * 60;
        return Some(if sign == b'-' { -off } else { off });
    }
    let h = match z.to_ascii_uppercase().as_str() {
        "Z" | "UT" | "UTC" | "GMT" | "WET" => 0,
        "BST" | "CET" | "WEST" | "IST" => 1,
        "CEST" | "EET" | "SAST" => 2,
        "EEST" | "MSK" | "FET" => 3,
        "EST" => -5,
        "EDT" | "CDT" => {
            if z.eq_ignore_ascii_case("EDT") {
                -4
            } else {
                -5
            }
        }
        "CST" => -6,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        "AKST" => -9,
        "AKDT" => -8,
        "HST" => -10,
        "JST" | "KST" => 9,
        "AEST" => 10,
        "AEDT" => 11,
        _ => return None,
    };
    Some(h * 3600)
}

/// Parses RFC 3339 / ISO 8601 date-times (`2024-02-24T06:00:00Z`, `…T06:00:00.123+02:00`,
/// `2024-02-24 06:00:00` treated as UTC, a bare date at midnight UTC). Also accepts a trailing
/// zone abbreviation after a space (`2021-03-01 12:34:56 EST`, the CrowdTangle form).
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = num(&b[..4])?;
    let mo = num(&b[5..7])?;
    let d = num(&b[8..10])?;
    let (mut h, mut mi, mut sec) = (0, 0, 0);
    let mut rest = &s[10..];
    if let Some(r) = rest.strip_prefix(['T', 't', ' ']) {
        let rb = r.as_bytes();
        if rb.len() >= 5 && rb[2] == b':' {
            h = num(&rb[..2])?;
            mi = num(&rb[3..5])?;
            rest = &r[5..];
            if rest.as_bytes().first() == Some(&b':') {
                sec = num(rest.as_bytes().get(1..3)?)?;
                rest = &rest[3..];
            }
            if let Some(r) = rest.strip_prefix(['.', ',']) {
                let n = r.bytes().take_while(u8::is_ascii_digit).count();
                rest = &r[n..];
            }
        } else {
            rest = r;
        }
    }
    if !valid(y, mo, d, h, mi, sec) {
        return None;
    }
    let off = if rest.trim().is_empty() {
        0
    } else {
        zone_offset(rest)?
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    Some(days * 86_400 + h * 3600 + mi * 60 + sec - off)
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Parses RFC 2822 dates as RSS uses them: `Sat, 24 Feb 2024 06:00:00 +0200`, with or without
/// the weekday or seconds, with a numeric offset or a zone abbreviation.
pub fn parse_rfc2822(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = match s.find(',') {
        Some(i) => &s[i + 1..],
        None => s,
    };
    let mut parts = s.split_whitespace();
    let d = num(parts.next()?.as_bytes())?;
    let mon = parts.next()?.to_ascii_lowercase();
    let mo = MONTHS.iter().position(|m| mon.starts_with(m))? as i64 + 1;
    let mut y = num(parts.next()?.as_bytes())?;
    if y < 100 {
        y += if y < 50 { 2000 } else { 1900 };
    }
    let t = parts.next()?;
    let mut tp = t.split(':');
    let h = num(tp.next()?.as_bytes())?;
    let mi = num(tp.next()?.as_bytes())?;
    let sec = match tp.next() {
        Some(x) => num(x.as_bytes())?,
        None => 0,
    };
    let off = match parts.next() {
        Some(z) => zone_offset(z)?,
        None => 0,
    };
    if !valid(y, mo, d, h, mi, sec) {
        return None;
    }
    Some(days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + sec - off)
}

/// Parses Unix epoch seconds (or milliseconds, when the value is too large to be seconds).
pub fn parse_epoch(s: &str) -> Option<i64> {
    let s = s.trim();
    let v: f64 = s.parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    let v = if v.abs() > 1e11 { v / 1000.0 } else { v };
    if v.abs() > 4e11 {
        return None;
    }
    Some(v.floor() as i64)
}

/// Tries every supported form in turn: epoch, RFC 3339 family, RFC 2822.
pub fn parse_any(s: &str) -> Option<i64> {
    parse_epoch(s)
        .or_else(|| parse_datetime(s))
        .or_else(|| parse_rfc2822(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_civil_dates() {
        for days in [-800_000, -1, 0, 1, 19_000, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn parses_the_forms_sources_use() {
        let t = 1_708_754_400; // 2024-02-24T06:00:00Z
        assert_eq!(format_rfc3339(t), "2024-02-24T06:00:00Z");
        assert_eq!(parse_datetime("2024-02-24T06:00:00Z"), Some(t));
        assert_eq!(parse_datetime("2024-02-24T06:00:00.000Z"), Some(t));
        assert_eq!(parse_datetime("2024-02-24T08:00:00+02:00"), Some(t));
        assert_eq!(parse_datetime("2024-02-24 06:00:00"), Some(t));
        assert_eq!(parse_datetime("2024-02-24 01:00:00 EST"), Some(t));
        assert_eq!(parse_rfc2822("Sat, 24 Feb 2024 08:00:00 +0200"), Some(t));
        assert_eq!(parse_rfc2822("24 Feb 2024 06:00:00 GMT"), Some(t));
        assert_eq!(parse_epoch("1708754400"), Some(t));
        assert_eq!(parse_epoch("1708754400000"), Some(t));
        assert_eq!(parse_any("Sat, 24 Feb 2024 06:00:00 GMT"), Some(t));
        assert_eq!(format_rfc3339_millis(t), "2024-02-24T06:00:00.000Z");
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "2024-13-01",
            "2024-02-30T25:00:00Z",
            "yesterday",
            "2024-02-24T06:00:00 XYZ",
        ] {
            assert_eq!(parse_any(s), None, "{s}");
        }
    }
}

/// Serde adaptor: Unix seconds as RFC 3339 strings in JSON (accepts numbers too on input).
pub mod serde_rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(secs: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_rfc3339(*secs))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum T {
            N(i64),
            S(String),
        }
        match T::deserialize(d)? {
            T::N(n) => Ok(n),
            T::S(s) => {
                super::parse_any(&s).ok_or_else(|| D::Error::custom(format!("bad time {s:?}")))
            }
        }
    }
}
