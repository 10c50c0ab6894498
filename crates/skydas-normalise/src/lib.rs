//! Normalisation of imported items: everything derived from an item's own fields that
//! detectors compare.
//!
//! Importers produce [`Item`]s with raw text and raw URLs; [`Normaliser::normalise`] fills in
//! canonical URLs with hosts and registrable domains, extracts the URLs written in plain text,
//! normalises hashtags and mentions, identifies the language and builds the matching text. It is
//! a pure function of the item: no IO, no clock, same output on every machine.

pub mod lang;
pub mod tags;
pub mod text;
pub mod url;

use skydas_model::{Item, ItemUrl, UrlSource};

/// Fills the derived fields of items. Holds no per-item state, so one instance can be shared
/// by reference across threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Normaliser {
    _private: (),
}

impl Normaliser {
    /// A normaliser with its lookup tables built.
    pub fn new() -> Self {
        lang::warm_up();
        Normaliser { _private: () }
    }

    /// Fills `urls[].canonical/host/domain` (appending URLs found in the text), `hashtags`,
    /// `mentions`, `lang`, `lang_conf` and `match_text`. Running it twice gives the same item.
    pub fn normalise(&self, item: &mut Item) {
        let spans = url::url_spans(&item.text);
        normalise_urls(item, &spans);

        if item.hashtags.is_empty() {
            item.hashtags = tags::extract_hashtags(&item.text, &spans);
        } else {
            tags::normalise_tags(&mut item.hashtags);
        }
        if item.mentions.is_empty() {
            item.mentions = tags::extract_mentions(&item.text, &spans);
        } else {
            tags::normalise_tags(&mut item.mentions);
        }

        let (lang, conf) = lang::detect_with_hint(&item.text, item.lang_hint.as_deref());
        item.lang.clear();
        item.lang.push_str(lang);
        item.lang_conf = conf;

        item.match_text = text::match_text(&item.text);
    }
}

fn normalise_urls(item: &mut Item, spans: &[std::ops::Range<usize>]) {
    for u in &mut item.urls {
        fill(u);
    }
    for r in spans {
        let raw = &item.text[r.clone()];
        let seen_raw = item
            .urls
            .iter()
            .any(|u| u.raw == raw || u.expanded.as_deref() == Some(raw));
        if seen_raw {
            continue;
        }
        let mut new = ItemUrl {
            raw: raw.to_string(),
            source: UrlSource::Text,
            ..ItemUrl::default()
        };
        fill(&mut new);
        if !new.canonical.is_empty()
            && item
                .urls
                .iter()
                .any(|u| u.canonical == new.canonical || displays(&new.canonical, &u.canonical))
        {
            continue;
        }
        item.urls.push(new);
    }
}

/// Whether a URL found in the text is only the display form of a link the item already has:
/// the same address without scheme and `www.`, or its beginning (display texts are often cut
/// short). A link entity's display text `lrt.lt/news` is not a second link beside its target.
fn displays(text_url: &str, link: &str) -> bool {
    let bare = |u: &str| -> String {
        let u = u.split_once("://").map_or(u, |(_, r)| r);
        let u = u.strip_prefix("www.").unwrap_or(u);
        u.trim_end_matches(['/', '…']).to_ascii_lowercase()
    };
    let (t, l) = (bare(text_url), bare(link));
    // A host alone (`lrt.lt`) may well be a link of its own, to the front page.
    !t.is_empty() && (t == l || (t.contains('/') && l.starts_with(&t)))
}

/// Canonicalises one URL from its expanded form when present, else its raw form. A URL whose
/// expanded form does not parse falls back to the raw one.
fn fill(u: &mut ItemUrl) {
    let clean = |s: &str| -> String {
        s.trim_matches(|c: char| c.is_whitespace() || url::is_invisible(c))
            .to_string()
    };
    if u.source == UrlSource::Domain {
        let host = clean(&u.raw);
        let host = host.split_once("://").map_or(host.as_str(), |(_, r)| r);
        let host = host.split(['/', '?', '#']).next().unwrap_or("");
        let c = url::canonicalise(&format!("https://{host}/"));
        set(u, c);
        return;
    }
    let c = u
        .expanded
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .and_then(|e| url::canonicalise(&clean(e)))
        .or_else(|| url::canonicalise(&clean(&u.raw)));
    set(u, c);
}

fn set(u: &mut ItemUrl, c: Option<url::Canonical>) {
    match c {
        Some(c) => {
            u.canonical = c.url;
            u.host = c.host;
            u.domain = c.domain;
        }
        None => {
            u.canonical.clear();
            u.host.clear();
            u.domain.clear();
        }
    }
}

#[cfg(test)]
mod tests;
