//! Indicator files: the known infrastructure partners and public reports name, in the forms
//! they come in. The format is decided by content:
//!
//! - a STIX 2.1 bundle: `domain-name`, `url` and `user-account` observables and the
//!   `domain-name:value`, `url:value` and `user-account:` comparisons of indicator patterns,
//!   each with its object's TLP marking;
//! - a MISP event (`{"Event": …}`, a list of them, or a search response): attributes of type
//!   `domain`, `hostname`, `url`, `link`, `uri` and the composite `domain|ip`, `hostname|port`,
//!   and the `username`/`user-id` attributes of account objects, under the event's (or the
//!   attribute's) `tlp:` tag;
//! - a MISP warninglist (`{"name", "list": […], "type"}`): `hostname` and `string` entries;
//! - CSV with a header naming a value column (`value`, `indicator`, `ioc`, `domain`, `url`,
//!   `account`), optionally a `type` column (MISP attribute types or `domain`, `url`, `actor`)
//!   and `label`/`comment`, `platform` and `tlp` columns;
//! - else plain text, one indicator per line, `#` comments.
//!
//! A value's kind, where the format does not say, is read from its shape: `@name` and bare
//! ids are accounts, `t.me/name` and `x.com/name` are the channel or account and its URL,
//! anything with a path or a scheme is a URL, the rest must be a domain. Defanged values
//! (`example[.]com`, `hxxps://`) are refanged. A value that is none of these is skipped with its
//! line and reason; the good ones beside it are kept.

use serde_json::Value;
use skydas_model::{Indicator, IndicatorKind, Platform, Tlp};

use crate::stix::elements;
use crate::stix::import::{UNMARKED_IMPORT, import_bundle};

/// Where a list comes from and how it is marked.
#[derive(Debug, Clone)]
pub struct ListOptions<'a> {
    /// The list's name (`--name`, else the file's stem).
    pub list: &'a str,
    /// `file:<name>`, `taxii-pull:<url>`, …
    pub source: &'a str,
    /// `--tlp`: the marking of a list that has none of its own, and the least marking of one
    /// that has (STIX, MISP). Without it: AMBER for lists, the objects' own markings (unmarked:
    /// AMBER+STRICT) for STIX and MISP.
    pub tlp: Option<Tlp>,
}

/// An entry that is not an indicator Skydas can match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// `line 4`, `attribute 17`, `entry 3`.
    pub at: String,
    pub value: String,
    pub reason: String,
}

/// What one file held.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// `stix`, `misp-event`, `misp-warninglist`, `csv` or `text`.
    pub format: &'static str,
    pub indicators: Vec<Indicator>,
    pub skipped: Vec<Skipped>,
}

/// Why a file could not be read as indicators at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("a JSON document that is no STIX bundle, MISP event or MISP warninglist")]
    UnknownJson,
    #[error("{0}")]
    Stix(String),
    #[error("bad CSV at line {line}: {message}")]
    Csv { line: u64, message: String },
}

/// Undoes the usual defanging of indicators in reports.
pub fn refang(v: &str) -> String {
    let mut s = v.trim().to_string();
    for (from, to) in [
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("(dot)", "."),
        ("[:]", ":"),
        ("[://]", "://"),
        ("[/]", "/"),
    ] {
        s = s.replace(from, to);
    }
    for (from, to) in [("hxxps", "https"), ("hxxp", "http"), ("hXXps", "https")] {
        if let Some(rest) = s.strip_prefix(from) {
            s = format!("{to}{rest}");
        }
    }
    s
}

/// One value read by its shape; more than one indicator for a channel's link (the channel and
/// its URL). The error is the reason it is none.
pub fn classify(raw: &str) -> Result<Vec<(IndicatorKind, String, Option<Platform>)>, String> {
    let v = refang(raw);
    let v = v.trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'');
    if v.is_empty() {
        return Err("empty".into());
    }
    if v.contains(char::is_whitespace) {
        return Err("not a domain, URL or account (it has spaces)".into());
    }
    if let Some(h) = v.strip_prefix('@') {
        if h.is_empty()
            || !h
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            return Err("not an account handle".into());
        }
        return Ok(vec![(IndicatorKind::Actor, format!("@{h}"), None)]);
    }
    let numeric = v.strip_prefix('-').unwrap_or(v);
    if !numeric.is_empty() && numeric.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(vec![(IndicatorKind::Actor, v.to_string(), None)]);
    }
    let has_scheme = v.contains("://");
    let bare = v.split_once("://").map_or(v, |(_, r)| r);
    let (host, path) = bare.split_once('/').unwrap_or((bare, ""));
    let host_l = host.to_ascii_lowercase();
    let host_l = host_l.strip_prefix("www.").unwrap_or(&host_l);
    let path = path
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .trim_end_matches('/');
    // A channel's or account's own address: the account and every link below it.
    let account_on = match host_l {
        "t.me" | "telegram.me" => Some(Platform::Telegram),
        "x.com" | "twitter.com" => Some(Platform::X),
        "vk.com" => Some(Platform::Vk),
        _ => None,
    };
    if let Some(p) = account_on {
        let name = path.strip_prefix("s/").unwrap_or(path);
        let reserved = [
            "joinchat", "share", "i", "intent", "home", "search", "hashtag",
        ];
        if !name.is_empty() && !name.contains('/') && !reserved.contains(&name) {
            return Ok(vec![
                (IndicatorKind::Actor, format!("@{name}"), Some(p)),
                (IndicatorKind::Url, v.to_string(), None),
            ]);
        }
    }
    if has_scheme || !path.is_empty() {
        return Ok(vec![(IndicatorKind::Url, v.to_string(), None)]);
    }
    match skydas_model::normalise_domain(v) {
        Some(d) => Ok(vec![(IndicatorKind::Domain, d, None)]),
        None => Err("not a domain, URL or account".into()),
    }
}

struct Out<'a> {
    opts: &'a ListOptions<'a>,
    parsed: Parsed,
}

impl Out<'_> {
    /// Records an entry that does not become an indicator, and why.
    fn skip(&mut self, at: String, value: String, reason: String) {
        self.parsed.skipped.push(Skipped { at, value, reason });
    }

    /// Adds `raw` read as `kind` (or by its shape when `None`), with `label` and `tlp`.
    fn add(
        &mut self,
        at: String,
        raw: &str,
        kind: Option<IndicatorKind>,
        label: Option<&str>,
        platform: Option<Platform>,
        tlp: Tlp,
    ) {
        let read = match kind {
            None => classify(raw),
            Some(IndicatorKind::Actor) => {
                let v = refang(raw);
                let v = v.trim();
                match classify(v) {
                    Ok(found) if found[0].0 == IndicatorKind::Actor => Ok(found),
                    _ if !v.is_empty() && !v.contains(char::is_whitespace) => {
                        Ok(vec![(IndicatorKind::Actor, format!("@{v}"), None)])
                    }
                    _ => Err("not an account".into()),
                }
            }
            Some(k) => classify(raw).and_then(|found| {
                found
                    .into_iter()
                    .find(|f| f.0 == k || (k == IndicatorKind::Url && f.0 == IndicatorKind::Domain))
                    .map(|(_, v, p)| vec![(k, v, p)])
                    .ok_or_else(|| format!("not a {}", k.as_str()))
            }),
        };
        match read {
            Ok(found) => {
                for (kind, value, p) in found {
                    let value = if kind == IndicatorKind::Url && !value.contains("://") {
                        format!("https://{value}")
                    } else {
                        value
                    };
                    self.parsed.indicators.push(Indicator {
                        kind,
                        label: label
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .unwrap_or(&value)
                            .to_string(),
                        value,
                        platform: platform.or(p),
                        list: self.opts.list.to_string(),
                        source: self.opts.source.to_string(),
                        tlp,
                    });
                }
            }
            Err(reason) => self.skip(at, raw.chars().take(200).collect(), reason),
        }
    }

    /// The marking of a list that has none of its own: `--tlp`, else AMBER.
    fn unmarked(&self) -> Tlp {
        self.opts.tlp.unwrap_or(Tlp::Amber)
    }

    /// A list's own marking raised to `--tlp`.
    fn marked(&self, own: Tlp) -> Tlp {
        self.opts.tlp.map_or(own, |t| t.max(own))
    }
}

/// Reads an indicator file's text. The error is for a file that is not indicators at all;
/// entries that are not are [`Parsed::skipped`].
pub fn parse(text: &str, opts: &ListOptions<'_>) -> Result<Parsed, ListError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut out = Out {
        opts,
        parsed: Parsed::default(),
    };
    let t = text.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        let v: Value = serde_json::from_str(t).map_err(|e| ListError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        json(&v, &mut out)?;
    } else if let Some(cols) = csv_columns(text) {
        out.parsed.format = "csv";
        csv(text, &cols, &mut out)?;
    } else {
        out.parsed.format = "text";
        let tlp = out.unmarked();
        for (n, line) in text.lines().enumerate() {
            let v = line.split(" #").next().unwrap_or("").trim();
            if v.is_empty() || v.starts_with('#') || v.starts_with("//") {
                continue;
            }
            out.add(format!("line {}", n + 1), v, None, None, None, tlp);
        }
    }
    Ok(out.parsed)
}

fn json(v: &Value, out: &mut Out<'_>) -> Result<(), ListError> {
    if v.get("type").and_then(Value::as_str) == Some("bundle") || v.get("objects").is_some() {
        out.parsed.format = "stix";
        return stix(v, out);
    }
    let events: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) if o.contains_key("response") => o["response"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        _ => vec![v],
    };
    let events: Vec<&Value> = events
        .into_iter()
        .filter_map(|e| e.get("Event").or_else(|| e.get("Attribute").map(|_| e)))
        .collect();
    if !events.is_empty() {
        out.parsed.format = "misp-event";
        for e in events {
            misp_event(e, out);
        }
        return Ok(());
    }
    if let (Some(list), Some(_)) = (
        v.get("list").and_then(Value::as_array),
        v.get("name").and_then(Value::as_str),
    ) {
        out.parsed.format = "misp-warninglist";
        let ty = v.get("type").and_then(Value::as_str).unwrap_or("string");
        let tlp = out.unmarked();
        for (n, e) in list.iter().enumerate() {
            let at = format!("entry {}", n + 1);
            let Some(s) = e.as_str() else {
                out.skip(at, e.to_string(), "not a string".into());
                continue;
            };
            match ty {
                "hostname" => out.add(at, s, Some(IndicatorKind::Domain), None, None, tlp),
                "string" => out.add(at, s, None, None, None, tlp),
                other => out.skip(
                    at,
                    s.to_string(),
                    format!("a {other} warninglist entry is not matched by name"),
                ),
            }
        }
        return Ok(());
    }
    Err(ListError::UnknownJson)
}

fn stix(v: &Value, out: &mut Out<'_>) -> Result<(), ListError> {
    let imported = import_bundle(v).map_err(|e| ListError::Stix(e.to_string()))?;
    for (kind, what, values) in [
        (IndicatorKind::Domain, "domain", &imported.domains),
        (IndicatorKind::Url, "url", &imported.urls),
    ] {
        for (v, tlp) in values {
            let t = out.marked(*tlp);
            out.add(format!("{what} {v}"), v, Some(kind), None, None, t);
        }
    }
    for a in &imported.actors {
        let t = out.marked(a.tlp);
        let platform = a.account_type.as_deref().and_then(Platform::parse);
        let label = a.display_name.as_deref();
        if let Some(login) = a.account_login.as_deref() {
            let v = format!("@{}", login.trim_start_matches('@'));
            out.add(
                format!("account {login}"),
                &v,
                Some(IndicatorKind::Actor),
                label,
                platform,
                t,
            );
        }
        if let Some(id) = a.user_id.as_deref() {
            out.add(
                format!("account {id}"),
                id,
                Some(IndicatorKind::Actor),
                label,
                platform,
                t,
            );
        }
    }
    // An unmarked bundle object is held as AMBER+STRICT; said once for the whole file.
    if imported.unmarked > 0 && out.opts.tlp.is_none() {
        out.skip(
            "bundle".into(),
            format!("{} unmarked objects", imported.unmarked),
            format!(
                "kept as TLP:{} (no marking said they may go further)",
                UNMARKED_IMPORT.as_str().to_uppercase()
            ),
        );
    }
    Ok(())
}

/// The most restrictive `tlp:` tag of a MISP event or attribute.
fn misp_tlp(v: &Value) -> Option<Tlp> {
    elements(v, "Tag")
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .filter(|n| n.to_ascii_lowercase().starts_with("tlp:"))
        .filter_map(Tlp::parse)
        .max()
}

fn misp_event(e: &Value, out: &mut Out<'_>) {
    let event_tlp = misp_tlp(e).unwrap_or(UNMARKED_IMPORT);
    let mut n = 0usize;
    let mut attribute = |a: &Value, object: Option<&str>, out: &mut Out<'_>| {
        n += 1;
        let at = format!("attribute {n}");
        let ty = a.get("type").and_then(Value::as_str).unwrap_or("");
        let value = a.get("value").and_then(Value::as_str).unwrap_or("");
        let relation = a.get("object_relation").and_then(Value::as_str);
        let comment = a.get("comment").and_then(Value::as_str);
        let tlp = out.marked(misp_tlp(a).map_or(event_tlp, |t| t.max(event_tlp)));
        let platform = object.and_then(|o| Platform::parse(o.split('-').next().unwrap_or(o)));
        let (kind, v) = match ty {
            "domain" | "hostname" => (Some(IndicatorKind::Domain), value),
            "domain|ip" | "hostname|port" => (
                Some(IndicatorKind::Domain),
                value.split('|').next().unwrap_or(""),
            ),
            "url" | "link" | "uri" => (Some(IndicatorKind::Url), value),
            _ if object.is_some_and(|o| o.ends_with("-account") || o == "microblog")
                && matches!(
                    relation,
                    Some("username" | "user-id" | "id" | "username-quote")
                ) =>
            {
                (Some(IndicatorKind::Actor), value)
            }
            other => {
                out.skip(
                    at,
                    value.chars().take(200).collect(),
                    format!("a {other} attribute is not matched"),
                );
                return;
            }
        };
        out.add(at, v, kind, comment, platform, tlp);
    };
    for a in elements(e, "Attribute") {
        attribute(a, None, out);
    }
    for o in elements(e, "Object") {
        let name = o.get("name").and_then(Value::as_str);
        for a in elements(o, "Attribute") {
            attribute(a, name, out);
        }
    }
}

/// Column positions of an indicator CSV.
struct Cols {
    value: usize,
    /// A value column that says the kind (`domain`, `url`, `account`).
    value_kind: Option<IndicatorKind>,
    kind: Option<usize>,
    label: Option<usize>,
    platform: Option<usize>,
    tlp: Option<usize>,
}

fn csv_columns(text: &str) -> Option<Cols> {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    if !first.contains([',', ';', '\t']) {
        return None;
    }
    let delim = delimiter(first);
    let names: Vec<String> = first
        .split(char::from(delim))
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let find = |cands: &[&str]| names.iter().position(|n| cands.contains(&n.as_str()));
    let (value, value_kind) = if let Some(i) = find(&["value", "indicator", "ioc", "observable"]) {
        (i, None)
    } else if let Some(i) = find(&["domain", "hostname", "host"]) {
        (i, Some(IndicatorKind::Domain))
    } else if let Some(i) = find(&["url", "link"]) {
        (i, Some(IndicatorKind::Url))
    } else if let Some(i) = find(&["account", "channel", "handle", "username", "actor"]) {
        (i, Some(IndicatorKind::Actor))
    } else {
        return None;
    };
    Some(Cols {
        value,
        value_kind,
        kind: find(&["type", "kind", "indicator_type", "attribute_type"]),
        label: find(&["label", "comment", "description", "note", "name"]),
        platform: find(&["platform"]),
        tlp: find(&["tlp", "marking"]),
    })
}

fn delimiter(line: &str) -> u8 {
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| line.bytes().filter(|&b| b == d).count())
        .unwrap_or(b',')
}

fn csv(text: &str, c: &Cols, out: &mut Out<'_>) -> Result<(), ListError> {
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let first = body.lines().next().unwrap_or("");
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter(first))
        .from_reader(body.as_bytes());
    let default_tlp = out.unmarked();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| ListError::Csv {
            line: e.position().map_or(0, csv::Position::line),
            message: e.to_string(),
        })?;
        let line = rec.position().map_or(0, csv::Position::line);
        let at = format!("line {line}");
        let get = |i: Option<usize>| {
            i.and_then(|i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let Some(value) = get(Some(c.value)) else {
            continue;
        };
        let kind = match get(c.kind).map(str::to_ascii_lowercase).as_deref() {
            None => c.value_kind,
            Some("domain" | "hostname" | "domain-name" | "host") => Some(IndicatorKind::Domain),
            Some("url" | "link" | "uri") => Some(IndicatorKind::Url),
            Some("actor" | "account" | "channel" | "handle" | "username" | "user-account") => {
                Some(IndicatorKind::Actor)
            }
            Some(other) => {
                out.skip(
                    at,
                    value.to_string(),
                    format!("type {other:?} is not matched"),
                );
                continue;
            }
        };
        let tlp = match get(c.tlp) {
            Some(t) => match Tlp::parse(t) {
                Some(t) => out.marked(t),
                None => {
                    out.skip(at, value.to_string(), format!("unknown TLP {t:?}"));
                    continue;
                }
            },
            None => default_tlp,
        };
        let platform = get(c.platform).and_then(Platform::parse);
        let label = get(c.label);
        out.add(at, value, kind, label, platform, tlp);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
