//! How item lists are stored, the same in every backend: URLs as compact JSON rows
//! `[raw, expanded, source, canonical, host, domain]`, hashtags and mentions as JSON string
//! lists. Browse queries of both backends rely on this form (the domain is a row's last field).

use std::borrow::Cow;

use skydas_model::{ItemUrl, UrlSource};

use crate::{Result, StoreError};

/// A URL row in the `urls` JSON column: `[raw, expanded, source, canonical, host, domain]`,
/// with `canonical` null when it equals the expanded (or raw) URL, the common case.
type UrlRow<'a> = (
    &'a str,
    Option<&'a str>,
    &'a str,
    Option<&'a str>,
    &'a str,
    &'a str,
);

pub fn urls_to_json(urls: &[ItemUrl]) -> Result<Option<String>> {
    if urls.is_empty() {
        return Ok(None);
    }
    let rows: Vec<UrlRow<'_>> = urls
        .iter()
        .map(|u| {
            let effective = u.expanded.as_deref().unwrap_or(&u.raw);
            let canonical = (u.canonical != effective).then_some(u.canonical.as_str());
            (
                u.raw.as_str(),
                u.expanded.as_deref(),
                u.source.as_str(),
                canonical,
                u.host.as_str(),
                u.domain.as_str(),
            )
        })
        .collect();
    serde_json::to_string(&rows)
        .map(Some)
        .map_err(|e| StoreError::InvalidInput {
            what: "urls",
            value: e.to_string(),
        })
}

/// A URL row as read back: strings borrow from the JSON text unless it had escapes.
#[derive(serde::Deserialize)]
struct UrlRowIn<'a>(
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
);

/// Decodes the `urls` column into `out`, reusing its allocations: the corpus load decodes a
/// million of these.
pub fn urls_from_json(s: &str, out: &mut Vec<ItemUrl>) -> Result<()> {
    let rows: Vec<UrlRowIn<'_>> =
        serde_json::from_str(s).map_err(|e| StoreError::corrupt("urls", e))?;
    out.truncate(rows.len());
    for (i, UrlRowIn(raw, expanded, source, canonical, host, domain)) in
        rows.into_iter().enumerate()
    {
        let source =
            UrlSource::parse(&source).ok_or_else(|| StoreError::corrupt("url source", &source))?;
        if i == out.len() {
            out.push(ItemUrl::default());
        }
        let u = &mut out[i];
        set_str(&mut u.raw, &raw);
        set_opt(&mut u.expanded, expanded.as_deref());
        u.source = source;
        let canonical = canonical.as_deref().or(expanded.as_deref()).unwrap_or(&raw);
        set_str(&mut u.canonical, canonical);
        set_str(&mut u.host, &host);
        set_str(&mut u.domain, &domain);
    }
    Ok(())
}

pub fn list_to_json(list: &[String]) -> Result<Option<String>> {
    if list.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(list)
        .map(Some)
        .map_err(|e| StoreError::InvalidInput {
            what: "list",
            value: e.to_string(),
        })
}

/// A JSON list of strings, borrowed where it can be.
#[derive(serde::Deserialize)]
struct ListIn<'a>(#[serde(borrow)] Vec<Cow<'a, str>>);

/// Decodes a list column into `out`, reusing its allocations.
pub fn list_from_json(s: Option<&str>, out: &mut Vec<String>) -> Result<()> {
    let Some(s) = s else {
        out.clear();
        return Ok(());
    };
    let ListIn(list) = serde_json::from_str(s).map_err(|e| StoreError::corrupt("list", e))?;
    out.truncate(list.len());
    for (i, v) in list.iter().enumerate() {
        match out.get_mut(i) {
            Some(d) => set_str(d, v),
            None => out.push(v.to_string()),
        }
    }
    Ok(())
}

pub(crate) fn set_str(dst: &mut String, src: &str) {
    dst.clear();
    dst.push_str(src);
}

pub(crate) fn set_opt(dst: &mut Option<String>, src: Option<&str>) {
    match (dst.as_mut(), src) {
        (Some(d), Some(s)) => set_str(d, s),
        (_, s) => *dst = s.map(str::to_string),
    }
}
