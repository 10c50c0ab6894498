//! Domain names in the one form Skydas keeps and compares them in. Every layer (normaliser,
//! detectors, the store's protected list, the exporters, partner indicators) calls
//! [`normalise_domain`]; nothing else lowercases or trims a domain.

/// The one form of a domain name. The rules, each stated once:
/// 1. surrounding white space and one or more trailing dots are dropped;
/// 2. a name with non-ASCII characters becomes punycode by IDNA (UTS #46), which also
///    lowercases it; an ASCII name is lowercased;
/// 3. a leading `www.` label is dropped (`www.lrt.lt` is `lrt.lt`);
/// 4. what remains must be a plausible host name: at least one dot, letters, digits, `-` and
///    `.` only, no empty label. Otherwise the answer is `None`.
pub fn normalise_domain(raw: &str) -> Option<String> {
    let d = raw.trim().trim_end_matches('.');
    let d = if d.is_ascii() {
        d.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(d).ok()?
    };
    let d = d.strip_prefix("www.").map(str::to_owned).unwrap_or(d);
    let plausible = d.contains('.')
        && !d.starts_with('.')
        && !d.contains("..")
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    plausible.then_some(d)
}

#[cfg(test)]
mod tests {
    use super::normalise_domain;

    fn check(raw: &str, want: Option<&str>) {
        assert_eq!(normalise_domain(raw).as_deref(), want, "{raw:?}");
    }

    #[test]
    fn each_rule() {
        check("  LRT.lt.  ", Some("lrt.lt"));
        check("www.Delfi.LT", Some("delfi.lt"));
        check("wwwx.delfi.lt", Some("wwwx.delfi.lt"));
        check("bücher.de", Some("xn--bcher-kva.de"));
        check("ЛРТ.рф", Some("xn--k1akg.xn--p1ai"));
        check("not a domain!!", None);
        check("localhost", None);
        check("a..b", None);
        check("", None);
    }
}
