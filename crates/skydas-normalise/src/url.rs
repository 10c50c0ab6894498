//! URL canonicalisation, registrable domains and plain-text URL extraction.
//!
//! Coordination and lookalike detection compare URLs and domains across millions of items, so
//! the same page must reduce to the same string however it was shared: tracking parameters,
//! fragments, default ports, letter case of the host, IDN spelling and a few platform aliases
//! all go. The path keeps its case because many servers treat it as significant.
//!
//! Platform aliases folded into one host (so co-link detection sees one page, not two):
//! - `twitter.com`, `www.twitter.com`, `mobile.twitter.com`, `www.x.com`, `mobile.x.com` → `x.com`
//! - `m.facebook.com`, `www.facebook.com`, `mbasic.facebook.com`, `web.facebook.com`,
//!   `touch.facebook.com` → `facebook.com`
//! - `telegram.me`, `www.t.me`, `www.telegram.me` → `t.me`, and the web preview path
//!   `t.me/s/{channel}/{id}` → `t.me/{channel}/{id}`
//! - `m.youtube.com`, `youtube.com` → `www.youtube.com`
//! - `m.vk.com`, `www.vk.com` → `vk.com`

use std::ops::Range;

/// A canonicalised URL with its host and registrable domain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Canonical {
    /// The canonical URL (ASCII, punycode host).
    pub url: String,
    /// The host in Unicode form (IDN decoded), `www.` kept.
    pub host: String,
    /// The host in ASCII (punycode) form.
    pub host_ascii: String,
    /// The registrable domain (eTLD+1, private suffixes included), ASCII. For IP addresses and
    /// hosts that are themselves a public suffix, the host itself.
    pub domain: String,
    /// The registrable domain in Unicode form.
    pub domain_unicode: String,
}

/// Canonicalises one URL. Accepts `http(s)://…`, protocol-relative `//…` and bare
/// `www.example.com/…` or `example.com/…` forms (which get `https://`). Returns `None` for
/// anything else: other schemes, no host, unparseable input.
pub fn canonicalise(s: &str) -> Option<Canonical> {
    let s = s.trim();
    if s.is_empty() || s.len() > 8192 {
        return None;
    }
    let parsed = if has_http_scheme(s) {
        url::Url::parse(s).ok()?
    } else if let Some(rest) = s.strip_prefix("//") {
        url::Url::parse(&format!("https://{rest}")).ok()?
    } else if s.contains("://") || looks_like_other_scheme(s) {
        return None;
    } else {
        url::Url::parse(&format!("https://{s}")).ok()?
    };
    canonical_from(parsed)
}

fn has_http_scheme(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() >= 7 && b[..7].eq_ignore_ascii_case(b"http://"))
        || (b.len() >= 8 && b[..8].eq_ignore_ascii_case(b"https://"))
}

/// `mailto:x@y`, `tg:resolve`, `javascript:…`: a scheme followed by a colon before any `/`,
/// `.` or `?`. A `host:port/` form is told apart by the digits after the colon.
fn looks_like_other_scheme(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
        return false;
    };
    let head = &s[..colon];
    if head.is_empty()
        || !head
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return false;
    }
    let after = &s[colon + 1..];
    let port_like = after.bytes().take_while(u8::is_ascii_digit).count();
    !(port_like > 0
        && matches!(
            after.as_bytes().get(port_like),
            None | Some(b'/' | b'?' | b'#')
        ))
}

fn canonical_from(mut u: url::Url) -> Option<Canonical> {
    if u.scheme() != "http" && u.scheme() != "https" {
        return None;
    }
    let (mut host_ascii, is_ip) = match u.host()? {
        url::Host::Domain(d) => (d.trim_end_matches('.').to_string(), false),
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => (u.host_str()?.to_string(), true),
    };
    if host_ascii.is_empty() || host_ascii.len() > 253 {
        return None;
    }
    if !is_ip {
        if host_ascii.split('.').any(|l| l.is_empty() || l.len() > 63) {
            return None;
        }
        if let Some(alias) = host_alias(&host_ascii) {
            host_ascii = alias.to_string();
        }
        if u.host_str() != Some(host_ascii.as_str()) {
            u.set_host(Some(&host_ascii)).ok()?;
        }
    }
    u.set_fragment(None);
    // Userinfo never identifies the page and may carry credentials.
    if !u.username().is_empty() {
        u.set_username("").ok()?;
    }
    if u.password().is_some() {
        u.set_password(None).ok()?;
    }
    if let Some(q) = u.query() {
        let kept = filter_query(q, &host_ascii);
        if kept.is_empty() {
            u.set_query(None);
        } else if kept != q {
            u.set_query(Some(&kept));
        }
    }
    if host_ascii == "t.me" {
        let path = u.path();
        if let Some(rest) = path.strip_prefix("/s/")
            && !rest.is_empty()
            && rest != "s"
            && !rest.starts_with("s/")
        {
            let new_path = format!("/{rest}");
            u.set_path(&new_path);
        }
    }
    let domain = if is_ip {
        host_ascii.clone()
    } else {
        registrable_domain(&host_ascii).unwrap_or_else(|| host_ascii.clone())
    };
    let host = if is_ip {
        host_ascii.clone()
    } else {
        to_unicode(&host_ascii)
    };
    let domain_unicode = if is_ip {
        domain.clone()
    } else {
        to_unicode(&domain)
    };
    Some(Canonical {
        url: u.into(),
        host,
        host_ascii,
        domain,
        domain_unicode,
    })
}

fn to_unicode(ascii: &str) -> String {
    if !ascii.contains("xn--") {
        return ascii.to_string();
    }
    let (s, res) = idna::domain_to_unicode(ascii);
    if res.is_ok() { s } else { ascii.to_string() }
}

/// Hosts folded into one canonical host; see the module docs.
fn host_alias(host: &str) -> Option<&'static str> {
    Some(match host {
        "twitter.com" | "www.twitter.com" | "mobile.twitter.com" | "www.x.com" | "mobile.x.com" => {
            "x.com"
        }
        "m.facebook.com"
        | "www.facebook.com"
        | "mbasic.facebook.com"
        | "web.facebook.com"
        | "touch.facebook.com" => "facebook.com",
        "telegram.me" | "www.telegram.me" | "www.t.me" => "t.me",
        "m.youtube.com" | "youtube.com" => "www.youtube.com",
        "m.vk.com" | "www.vk.com" => "vk.com",
        _ => return None,
    })
}

/// Drops tracking parameters from a raw query string, keeping the others in order and in their
/// original encoding. Empty pairs (`a=1&&b=2`) go too.
fn filter_query(q: &str, host: &str) -> String {
    let mut out = String::with_capacity(q.len());
    for pair in q.split('&') {
        if pair.is_empty() {
            continue;
        }
        let key = pair.split_once('=').map_or(pair, |(k, _)| k);
        if is_tracking_param(key, host) {
            continue;
        }
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(pair);
    }
    out
}

/// Whether a query key only tracks the click and never selects content.
fn is_tracking_param(key: &str, host: &str) -> bool {
    let mut buf = [0u8; 32];
    if key.len() > buf.len() {
        return false;
    }
    let k = &mut buf[..key.len()];
    k.copy_from_slice(key.as_bytes());
    k.make_ascii_lowercase();
    let k: &[u8] = k;
    const PREFIXES: [&[u8]; 6] = [b"utm_", b"oly_", b"vero_", b"pk_", b"mtm_", b"hsa_"];
    if PREFIXES.iter().any(|p| k.starts_with(p)) {
        return true;
    }
    const EXACT: [&[u8]; 24] = [
        b"fbclid",
        b"gclid",
        b"gclsrc",
        b"dclid",
        b"msclkid",
        b"mc_cid",
        b"mc_eid",
        b"yclid",
        b"igshid",
        b"igsh",
        b"ref_src",
        b"ref_url",
        b"_ga",
        b"_gl",
        b"spm",
        b"twclid",
        b"ttclid",
        b"wbraid",
        b"gbraid",
        b"_hsenc",
        b"_hsmi",
        b"mkt_tok",
        b"srsltid",
        b"__twitter_impression",
    ];
    if EXACT.contains(&k) {
        return true;
    }
    match host {
        "x.com" => k == b"s" || k == b"t",
        "www.youtube.com" | "youtu.be" => k == b"si" || k == b"feature" || k == b"pp",
        "facebook.com" => k == b"mibextid" || k == b"rdid" || k == b"sfnsn",
        _ => false,
    }
}

/// The registrable domain of a host (eTLD+1 by the Public Suffix List, private suffixes
/// included), ASCII. `news.bbc.co.uk` → `bbc.co.uk`, `spiegel.eu.com` → `spiegel.eu.com`.
/// Unicode input is converted to punycode first. `None` for hosts that are themselves a public
/// suffix or not a domain name.
pub fn registrable_domain(host_ascii: &str) -> Option<String> {
    let host = ascii_host(host_ascii)?;
    let d = psl::domain(host.as_bytes())?;
    std::str::from_utf8(d.as_bytes()).ok().map(str::to_string)
}

/// Splits a host into its registrable label and its public suffix: `www.bbc.co.uk` →
/// `("bbc", "co.uk")`, `spiegel.eu.com` → `("spiegel", "eu.com")`, `lrt.lt` → `("lrt", "lt")`.
pub fn split_domain(host_ascii: &str) -> Option<(String, String)> {
    let host = ascii_host(host_ascii)?;
    let d = psl::domain(host.as_bytes())?;
    let suffix = std::str::from_utf8(d.suffix().as_bytes()).ok()?;
    let whole = std::str::from_utf8(d.as_bytes()).ok()?;
    let label = whole.strip_suffix(suffix)?.strip_suffix('.')?;
    Some((label.to_string(), suffix.to_string()))
}

/// The labels in front of the registrable domain, if any: `news.bbc.co.uk` → `news`,
/// `lrt.lt.example.net` → `lrt.lt`, `bbc.co.uk` → `None`.
pub fn subdomain(host_ascii: &str) -> Option<String> {
    let host = ascii_host(host_ascii)?;
    let d = psl::domain(host.as_bytes())?;
    let n = d.as_bytes().len();
    if host.len() <= n + 1 {
        return None;
    }
    Some(host[..host.len() - n - 1].to_string())
}

/// Lowercase ASCII host without a trailing dot, converting Unicode labels to punycode.
fn ascii_host(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.');
    if host.is_empty() || host.len() > 253 {
        return None;
    }
    if host.is_ascii() {
        Some(host.to_ascii_lowercase())
    } else {
        idna::domain_to_ascii(host).ok()
    }
}

/// Plain-text URLs in `text`, in order: `http(s)://…` anywhere, and bare `www.host…` or
/// `host.tld/path` forms at a word start (bare hosts need a known public suffix and a path, so
/// `e.g.` or `node.js` are not taken). Trailing punctuation and unbalanced closing brackets are
/// trimmed.
pub fn extract_urls(text: &str) -> Vec<&str> {
    url_spans(text).into_iter().map(|r| &text[r]).collect()
}

/// Byte ranges of the URLs [`extract_urls`] returns.
pub(crate) fn url_spans(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    // Cheap reject: every URL form needs a dot.
    if memchr::memchr(b'.', bytes).is_none() {
        return out;
    }
    let mut i = 0;
    while i < bytes.len() {
        // Token boundaries are ASCII whitespace or Unicode whitespace; tokens are scanned for
        // an http(s) scheme anywhere and for a bare host at their start.
        let start = i;
        let end = token_end(text, start);
        // Every host is dotted or a bracketed IPv6 address: most tokens are words that
        // cannot hold a URL, and are not scanned further.
        if end > start && memchr::memchr2(b'.', b'[', &bytes[start..end]).is_some() {
            scan_token(text, start, end, &mut out);
        }
        i = skip_space(text, end);
    }
    out
}

fn token_end(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|&(_, c)| c.is_whitespace())
        .map_or(text.len(), |(j, _)| from + j)
}

fn skip_space(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|&(_, c)| !c.is_whitespace())
        .map_or(text.len(), |(j, _)| from + j)
}

fn scan_token(text: &str, start: usize, end: usize, out: &mut Vec<Range<usize>>) {
    let tok = &text[start..end];
    let tb = tok.as_bytes();
    // Scheme URLs anywhere in the token ("читайте:https://…", "(https://…)").
    let mut pos = 0;
    let mut found_any = false;
    while let Some(off) = memchr::memchr2(b'h', b'H', &tb[pos..]) {
        let at = pos + off;
        let rest = &tb[at..];
        let scheme_len = if rest.len() >= 8 && rest[..8].eq_ignore_ascii_case(b"https://") {
            8
        } else if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case(b"http://") {
            7
        } else {
            pos = at + 1;
            continue;
        };
        // "xhttp://" inside a word is not a link start.
        if at > 0 && tb[at - 1].is_ascii_alphanumeric() {
            pos = at + 1;
            continue;
        }
        let url_end = url_end(tok, at + scheme_len);
        let trimmed = trim_url(&tok[at..url_end]);
        if trimmed.len() > scheme_len && host_ok(&trimmed[scheme_len..]) {
            out.push(start + at..start + at + trimmed.len());
            found_any = true;
        }
        pos = url_end.max(at + 1);
    }
    if found_any {
        return;
    }
    // Bare forms at the token start, after opening punctuation.
    let lead = tok
        .char_indices()
        .find(|&(_, c)| !matches!(c, '(' | '[' | '«' | '"' | '\'' | '“' | '„' | '<' | '‘'))
        .map_or(tok.len(), |(j, _)| j);
    let body_start = lead;
    let body_end = url_end(tok, body_start);
    let cand = trim_url(&tok[body_start..body_end]);
    if cand.len() < 4 {
        return;
    }
    let cb = cand.as_bytes();
    let www = cb.len() > 4 && cb[..4].eq_ignore_ascii_case(b"www.");
    let host_end = cand.find(['/', '?', '#', ':']).unwrap_or(cand.len());
    let host = &cand[..host_end];
    if !host_ok(host) {
        return;
    }
    let has_path = cand[host_end..].starts_with('/') && cand.len() > host_end + 1;
    if !(www || has_path) {
        return;
    }
    if !has_known_suffix(host) {
        return;
    }
    out.push(start + body_start..start + body_start + cand.len());
}

/// Where a URL starting at `from` ends inside a token: at characters that never appear
/// unescaped in shared links (quotes, angle brackets, guillemets).
fn url_end(tok: &str, from: usize) -> usize {
    tok[from..]
        .char_indices()
        .find(|&(_, c)| {
            matches!(
                c,
                '"' | '<'
                    | '>'
                    | '«'
                    | '»'
                    | '“'
                    | '”'
                    | '„'
                    | '‘'
                    | '’'
                    | '`'
                    | '{'
                    | '}'
                    | '|'
                    | '\\'
                    | '^'
            ) || c.is_control()
                || is_invisible(c)
        })
        .map_or(tok.len(), |(j, _)| from + j)
}

/// Invisible format characters (zero-width spaces and joiners, the word joiner, bidi marks, the
/// byte-order mark, the soft hyphen): they end a URL and are never part of one.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Trims trailing punctuation and unbalanced closing brackets.
fn trim_url(mut s: &str) -> &str {
    loop {
        let Some(last) = s.chars().next_back() else {
            return s;
        };
        let cut = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '»' | '”' | '\'' | '"' | '…' | '*' => true,
            ')' => s.matches('(').count() < s.matches(')').count(),
            ']' => s.matches('[').count() < s.matches(']').count(),
            _ => false,
        };
        if !cut {
            return s;
        }
        s = &s[..s.len() - last.len_utf8()];
    }
}

/// A plausible host: dotted labels of letters, digits and hyphens (any script), at least one
/// dot, not starting or ending with a dot or hyphen; an optional `:port` is allowed after it.
fn host_ok(after_scheme: &str) -> bool {
    let end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let mut host = &after_scheme[..end];
    if let Some(at) = host.rfind('@') {
        host = &host[at + 1..];
    }
    if let Some((h, port)) = host.rsplit_once(':')
        && port.bytes().all(|b| b.is_ascii_digit())
    {
        host = h;
    }
    if host.starts_with('[') {
        return host.ends_with(']');
    }
    !host.is_empty()
        && host.contains('.')
        && !host.starts_with(['.', '-'])
        && !host.ends_with(['.', '-'])
        && !host.contains("..")
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
}

/// Whether the host ends in a suffix the Public Suffix List knows (not just the `*` default
/// rule), and has a label in front of it.
fn has_known_suffix(host: &str) -> bool {
    let Some(ascii) = ascii_host(host) else {
        return false;
    };
    match psl::suffix(ascii.as_bytes()) {
        Some(s) => s.is_known() && s.as_bytes().len() < ascii.len(),
        None => false,
    }
}

#[cfg(test)]
mod tests;
