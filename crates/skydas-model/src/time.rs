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
/// `EST`, `CEST`, …). An ambiguous abbreviation gives its commonest meaning (see
/// [`crate::zone::ABBREVIATIONS`]; [`parse_lenient`] and [`Parsed::resolve`] report the
/// ambiguity instead). Unknown abbreviations give `None`.
pub fn zone_offset(z: &str) -> Option<i64> {
    let z = z.trim();
    if let Some(off) = crate::zone::numeric_offset(z) {
        return Some(off);
    }
    crate::zone::meanings(z).first().map(|m| m.offset)
}

/// Parses exactly what RFC 3339 calls a `full-date` (`2024-02-24`, midnight UTC) or a
/// `date-time` (`2024-02-24T06:00:00Z`, `…T06:00:00.123+02:00`): the forms an API document
/// promises, nothing looser.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if !fits(b, 0, b"9999-99-99") {
        return None;
    }
    if b.len() == 10 {
        return parse_datetime(s);
    }
    let time = b.len() >= 20 && matches!(b[10], b'T' | b't') && fits(b, 11, b"99:99:99");
    if !time {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &r[n..];
    }
    let zone = matches!(rest, "Z" | "z")
        || (rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && fits(rest.as_bytes(), 1, b"99:99"));
    if !zone {
        return None;
    }
    parse_datetime(s)
}

/// Whether `b` holds `pattern` from index `at` on, a `9` of the pattern standing for any ASCII
/// digit and every other byte for itself.
fn fits(b: &[u8], at: usize, pattern: &[u8]) -> bool {
    b.get(at..at + pattern.len()).is_some_and(|x| {
        x.iter().zip(pattern).all(|(&c, &p)| {
            if p == b'9' {
                c.is_ascii_digit()
            } else {
                c == p
            }
        })
    })
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

/// The zone a parsed time named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneIn {
    /// No zone at all: a local wall-clock time.
    Local,
    /// A numeric offset or an abbreviation with one meaning.
    Offset(i64),
    /// An abbreviation with several meanings.
    Ambiguous(&'static str, &'static [crate::zone::Meaning]),
}

/// A time as written: the wall-clock reading (seconds as if it were UTC) and the zone it named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    pub wall: i64,
    pub zone: ZoneIn,
}

/// A parsed time in UTC, with how sure we are of its offset and, when unsure, a sentence for
/// the import report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub utc: i64,
    pub basis: crate::item::TimeBasis,
    pub note: Option<String>,
}

impl Parsed {
    /// The UTC instant: an offset is applied; a local time is converted with `tz`, or read as
    /// UTC and flagged; an ambiguous abbreviation is resolved by `tz`, or read in its commonest
    /// meaning and flagged.
    pub fn resolve(&self, tz: Option<&crate::zone::Tz>) -> Resolved {
        use crate::item::TimeBasis;
        match self.zone {
            ZoneIn::Offset(off) => Resolved {
                utc: self.wall - off,
                basis: TimeBasis::Exact,
                note: None,
            },
            ZoneIn::Local => match tz {
                Some(tz) => Resolved {
                    utc: tz.to_utc(self.wall),
                    basis: TimeBasis::LocalTz,
                    note: None,
                },
                None => Resolved {
                    utc: self.wall,
                    basis: TimeBasis::LocalUtc,
                    note: Some(
                        "local time without an offset, read as UTC (give --tz to convert it)"
                            .into(),
                    ),
                },
            },
            ZoneIn::Ambiguous(abbr, meanings) => {
                if let Some(m) = tz.and_then(|tz| tz.resolve(meanings)) {
                    return Resolved {
                        utc: self.wall - m.offset,
                        basis: TimeBasis::Exact,
                        note: None,
                    };
                }
                let list: Vec<String> = meanings
                    .iter()
                    .map(|m| format!("{} {}", m.region, fmt_offset(m.offset)))
                    .collect();
                let first = meanings.first().map_or(0, |m| m.offset);
                Resolved {
                    utc: self.wall - first,
                    basis: TimeBasis::AmbiguousZone,
                    note: Some(format!(
                        "{abbr} is ambiguous ({}): read as {} (give --tz to choose)",
                        list.join(", "),
                        meanings.first().map_or("", |m| m.region)
                    )),
                }
            }
        }
    }
}

/// `+05:30`, `-03:00`.
pub fn fmt_offset(secs: i64) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    format!("{sign}{:02}:{:02}", a / 3600, (a / 60) % 60)
}

fn zone_in(word: &str) -> Option<ZoneIn> {
    let w = word.trim_matches(|c: char| c == '(' || c == ')');
    if let Some(off) = crate::zone::numeric_offset(w) {
        return Some(ZoneIn::Offset(off));
    }
    // `GMT+2`, `UTC-01:01`, `Etc/GMT`.
    let upper = w.to_ascii_uppercase();
    let upper = upper.strip_prefix("ETC/").unwrap_or(&upper);
    for base in ["GMT", "UTC", "UT"] {
        if let Some(rest) = upper.strip_prefix(base) {
            if rest.is_empty() {
                return Some(ZoneIn::Offset(0));
            }
            if let Some(off) = crate::zone::numeric_offset(rest) {
                return Some(ZoneIn::Offset(off));
            }
        }
    }
    let ms = crate::zone::meanings(upper);
    let abbr = crate::zone::ABBREVIATIONS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(upper))
        .map(|(k, _)| *k)?;
    match ms {
        [] => None,
        [one] => Some(ZoneIn::Offset(one.offset)),
        many => Some(ZoneIn::Ambiguous(abbr, many)),
    }
}

/// English month names and abbreviations (with the `Sept` spelling).
fn month_of(word: &str) -> Option<i64> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    FULL.iter()
        .position(|m| m.starts_with(&w) || (w == "sept" && *m == "september"))
        .map(|i| i as i64 + 1)
}

fn is_weekday(word: &str) -> bool {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    w.len() >= 3
        && [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ]
        .iter()
        .any(|d| d.starts_with(&w))
}

/// A clock reading `hh:mm[:ss[.frac]]`, with an `am`/`pm` glued on or not.
fn clock(word: &str) -> Option<(i64, i64, i64, Option<bool>)> {
    let lower = word.to_ascii_lowercase();
    let (core, pm) = match lower.strip_suffix("pm") {
        Some(c) => (c, Some(true)),
        None => match lower.strip_suffix("am") {
            Some(c) => (c, Some(false)),
            None => (lower.as_str(), None),
        },
    };
    let mut parts = core.split(':');
    let h = num(parts.next()?.as_bytes())?;
    let mi = num(parts.next()?.as_bytes())?;
    let s = match parts.next() {
        Some(x) => num(x.split(['.', ',']).next()?.as_bytes())?,
        None => 0,
    };
    parts.next().is_none().then_some((h, mi, s, pm))
}

/// Parses the date forms real feeds and exports write, leniently: RFC 3339 and ISO 8601
/// (partial dates, a space for `T`, Google's `2003-012-31`), RFC 2822 and its variants (no
/// weekday, no seconds, no time, stray commas, month before day, `hh:mm:ss PM`, `GMT-01:01`,
/// `Etc/GMT`, offsets like `+00:0`), asctime (`Sun Jan  4 16:29:06 2004`), Twitter's
/// `Sun Jul 15 01:16:00 +0000 2012`, `2006/09/15 08:19:53 EDT`, and epoch seconds or
/// milliseconds. The zone is returned as written, for [`Parsed::resolve`].
pub fn parse_lenient(s: &str) -> Option<Parsed> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.len() >= 9 && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return parse_epoch(s).map(|t| Parsed {
            wall: t,
            zone: ZoneIn::Offset(0),
        });
    }
    iso_lenient(s).or_else(|| words_lenient(s))
}

/// ISO 8601 / RFC 3339 and their partial and SQL forms.
fn iso_lenient(s: &str) -> Option<Parsed> {
    let b = s.as_bytes();
    if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let y = num(&b[..4])?;
    let rest = &s[4..];
    let (mo, d, rest) = if let Some(r) = rest.strip_prefix(['-', '/']) {
        let mlen = r.bytes().take_while(u8::is_ascii_digit).count();
        let mo = match mlen {
            1 | 2 => num(&r.as_bytes()[..mlen])?,
            // `2003-012-31`: a zero too many.
            3 if r.starts_with('0') => num(&r.as_bytes()[1..3])?,
            _ => return None,
        };
        let r = &r[mlen..];
        match r.strip_prefix(['-', '/']) {
            Some(r2) => {
                let dlen = r2.bytes().take_while(u8::is_ascii_digit).count();
                if !(1..=2).contains(&dlen) {
                    return None;
                }
                (mo, num(&r2.as_bytes()[..dlen])?, &r2[dlen..])
            }
            None => (mo, 1, r),
        }
    } else if rest.is_empty() {
        (1, 1, rest)
    } else {
        return None;
    };
    let (mut h, mut mi, mut sec) = (0, 0, 0);
    let mut rest = rest;
    if let Some(r) = rest.strip_prefix(['T', 't', ' ']) {
        let r = r.trim_start();
        let tlen = r
            .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.' || c == ','))
            .unwrap_or(r.len());
        if let Some((hh, mm, ss, _)) = clock(&r[..tlen]) {
            (h, mi, sec) = (hh, mm, ss);
            rest = &r[tlen..];
        } else if tlen == 0 {
            rest = r;
        } else {
            return None;
        }
    }
    let z = rest.trim();
    let zone = if z.is_empty() {
        ZoneIn::Local
    } else if z.eq_ignore_ascii_case("z") {
        ZoneIn::Offset(0)
    } else {
        zone_in(z)?
    };
    if !valid(y, mo, d, h, mi, sec) {
        return None;
    }
    Some(Parsed {
        wall: days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + sec,
        zone,
    })
}

/// Word-order forms: RFC 2822 and its variants, asctime, Twitter's.
fn words_lenient(s: &str) -> Option<Parsed> {
    let (mut y, mut mo, mut d) = (None, None, None);
    let (mut h, mut mi, mut sec, mut pm) = (0, 0, 0, None);
    let mut zone = ZoneIn::Local;
    let mut words = Vec::new();
    for w in s.split(|c: char| c.is_whitespace() || c == ',') {
        if w.is_empty() {
            continue;
        }
        // `GMT-01:01` and `+0200` stay whole; `12:00:00+02:00` splits at the sign.
        match w
            .find(['+', '-'])
            .filter(|&i| i > 0 && w[..i].contains(':'))
        {
            Some(i) => {
                words.push(&w[..i]);
                words.push(&w[i..]);
            }
            None => words.push(w),
        }
    }
    for w in words {
        if is_weekday(w) {
            continue;
        }
        if let Some(m) = month_of(w) {
            mo = Some(m);
            continue;
        }
        if w.starts_with(|c: char| c.is_ascii_alphabetic())
            && let Some(z) = zone_in(w)
        {
            zone = z;
            continue;
        }
        if w.contains(':') && !w.starts_with(['+', '-']) {
            let (hh, mm, ss, p) = clock(w)?;
            (h, mi, sec) = (hh, mm, ss);
            pm = pm.or(p);
            continue;
        }
        match w.to_ascii_lowercase().as_str() {
            "am" => {
                pm = Some(false);
                continue;
            }
            "pm" => {
                pm = Some(true);
                continue;
            }
            _ => {}
        }
        // `2006/09/15`
        if w.len() == 10 && w.as_bytes()[4] == b'/' && w.as_bytes()[7] == b'/' {
            let b = w.as_bytes();
            y = Some(num(&b[..4])?);
            mo = Some(num(&b[5..7])?);
            d = Some(num(&b[8..10])?);
            continue;
        }
        if w.bytes().all(|b| b.is_ascii_digit()) {
            let n = num(w.as_bytes())?;
            if w.len() == 4 {
                y = Some(n);
            } else if w.len() <= 2 && d.is_none() {
                d = Some(n);
            } else if w.len() <= 2 && y.is_none() {
                y = Some(if n < 50 { 2000 + n } else { 1900 + n });
            } else {
                return None;
            }
            continue;
        }
        zone = zone_in(w)?;
    }
    let (y, mo, d) = (y?, mo?, d?);
    match pm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    if !valid(y, mo, d, h, mi, sec) {
        return None;
    }
    Some(Parsed {
        wall: days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + sec,
        zone,
    })
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

    /// The forms real feeds and exports write, each with its UTC time and its zone kind.
    #[test]
    fn lenient_dates_as_real_files_write_them() {
        let check = |s: &str, want: &str, zone: &str| {
            let p = parse_lenient(s).unwrap_or_else(|| panic!("cannot read {s:?}"));
            let r = p.resolve(None);
            assert_eq!(format_rfc3339(r.utc), want, "{s}");
            let kind = match p.zone {
                ZoneIn::Local => "local",
                ZoneIn::Offset(_) => "offset",
                ZoneIn::Ambiguous(..) => "ambiguous",
            };
            assert_eq!(kind, zone, "{s}");
        };
        // Each case: the input as a file writes it `=>` its UTC time and how its zone was known.
        for case in [
            "2010-12-01T10:14:55Z => 2010-12-01T10:14:55Z offset",
            "2009-12-08T16:59:02.563-08:00 => 2009-12-09T00:59:02Z offset",
            "Thu, 01 Jan 2004 19:48:21 GMT => 2004-01-01T19:48:21Z offset",
            "Sat, Dec 16 2023 02:02:33 PM => 2023-12-16T14:02:33Z local",
            "Sat, 16 Dec 2023 14:02:33 +00:0 => 2023-12-16T14:02:33Z offset",
            "Thu, 01 Jan 2004 => 2004-01-01T00:00:00Z local",
            "Wed, 19 Feb 2012 22:40:00 -01:01 => 2012-02-19T23:41:00Z offset",
            "Wed, 19 Feb 2012 22:40:00 GMT-01:01 => 2012-02-19T23:41:00Z offset",
            "Mon, 13 Feb, 2012 06:28:00 UTC => 2012-02-13T06:28:00Z offset",
            "Wed, 19 Aug 2009 18:28:00 Etc/GMT => 2009-08-19T18:28:00Z offset",
            "Thu Aug 30 2012 17:26:16 +0200 => 2012-08-30T15:26:16Z offset",
            "Sun Jan  4 16:29:06 2004 => 2004-01-04T16:29:06Z local",
            "Sun Jul 15 01:16:00 +0000 2012 => 2012-07-15T01:16:00Z offset",
            "Fri, 2006/09/15 08:19:53 EDT => 2006-09-15T12:19:53Z offset",
            "2004-07-08 23:56:58 => 2004-07-08T23:56:58Z local",
            "2004-07-08 23:56:58 -00:20 => 2004-07-09T00:16:58Z offset",
            "2003-12 => 2003-12-01T00:00:00Z local",
            "2003 => 2003-01-01T00:00:00Z local",
            "2003-012-31T10:14:55+00:00 => 2003-12-31T10:14:55Z offset",
            "2021-03-01 09:34:56 BRT => 2021-03-01T12:34:56Z offset",
            "2021-03-01 09:34:56 IST => 2021-03-01T04:04:56Z ambiguous",
            "1708754400 => 2024-02-24T06:00:00Z offset",
        ] {
            let (input, want) = case.split_once(" => ").expect("a case has ` => `");
            let (utc, zone) = want.split_once(' ').expect("a case names its zone kind");
            check(input, utc, zone);
        }
        for bad in ["", "yesterday", "Thu, 32 Jan 2004", "2004-13-01", "12:00"] {
            assert_eq!(parse_lenient(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ambiguous_and_local_times_say_so_and_take_the_users_zone() {
        let ist = parse_lenient("2021-03-01 09:34:56 IST").unwrap();
        let r = ist.resolve(None);
        assert!(
            r.note.as_deref().unwrap_or("").contains("ambiguous"),
            "{r:?}"
        );
        let dublin = crate::zone::Tz::parse("Europe/Dublin").unwrap();
        let r = ist.resolve(Some(&dublin));
        assert_eq!(format_rfc3339(r.utc), "2021-03-01T08:34:56Z");
        assert_eq!(r.note, None);
        let local = parse_lenient("2024-07-15 12:00:00").unwrap();
        let vilnius = crate::zone::Tz::parse("Europe/Vilnius").unwrap();
        assert_eq!(
            format_rfc3339(local.resolve(Some(&vilnius)).utc),
            "2024-07-15T09:00:00Z"
        );
        assert!(local.resolve(None).note.is_some());
    }

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
    fn rfc3339_exactly() {
        for (s, want) in [
            ("2024-02-24", Some(1_708_732_800)),
            ("2024-02-24T06:00:00Z", Some(1_708_754_400)),
            ("2024-02-24T06:00:00.25+02:00", Some(1_708_747_200)),
            ("0258-07-28T17:45:29.99863-19:58", Some(-54_007_380_991)),
            ("0.5", None),
            ("1708754400", None),
            ("2024-02-24 06:00:00", None),
            ("2024-02-24T06:00Z", None),
            ("2024-02-24T06:00:00", None),
            ("2024-02-24T06:00:00.Z", None),
            ("Sat, 24 Feb 2024 06:00:00 +0000", None),
        ] {
            assert_eq!(parse_rfc3339(s), want, "{s}");
        }
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
