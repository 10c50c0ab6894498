use proptest::prelude::*;
use skydas_model::{Actor, Item, ItemUrl, Locator, Platform, Provenance, UrlSource};

use super::*;

fn item(text: &str) -> Item {
    Item::new(
        Platform::X,
        "1",
        Actor::default(),
        0,
        text,
        Provenance {
            file_sha256: "0".repeat(64),
            importer: "test".into(),
            importer_version: 1,
            locator: Locator::Line(1),
        },
    )
}

fn url(raw: &str, expanded: Option<&str>, source: UrlSource) -> ItemUrl {
    ItemUrl {
        raw: raw.into(),
        expanded: expanded.map(str::to_string),
        source,
        ..ItemUrl::default()
    }
}

#[test]
fn normalises_an_x_post() {
    let mut it = item(
        "🔥 Читайте: https://t.co/AbC123 и www.lrt.lt/naujienos?utm_source=tw #НАТО #нато @Nexta_TV",
    );
    it.urls.push(url(
        "https://t.co/AbC123",
        Some("https://ria.ru/20240101/nato.html?utm_source=twitter#comments"),
        UrlSource::Entity,
    ));
    it.lang_hint = Some("und".into());
    Normaliser::new().normalise(&mut it);

    let urls: Vec<_> = it
        .urls
        .iter()
        .map(|u| {
            (
                u.raw.as_str(),
                u.source,
                u.canonical.as_str(),
                u.host.as_str(),
                u.domain.as_str(),
            )
        })
        .collect();
    assert_eq!(
        urls,
        [
            (
                "https://t.co/AbC123",
                UrlSource::Entity,
                "https://ria.ru/20240101/nato.html",
                "ria.ru",
                "ria.ru"
            ),
            (
                "www.lrt.lt/naujienos?utm_source=tw",
                UrlSource::Text,
                "https://www.lrt.lt/naujienos",
                "www.lrt.lt",
                "lrt.lt"
            ),
        ]
    );
    assert_eq!(it.hashtags, ["нато"]);
    assert_eq!(it.mentions, ["nexta_tv"]);
    assert_eq!(it.lang, "ru");
    assert!(it.lang_conf > 0.4);
    assert_eq!(
        it.match_text,
        "🔥 читайте: https://t.co/abc123 и www.lrt.lt/naujienos?utm_source=tw #нато #нато @nexta_tv"
    );
}

#[test]
fn text_urls_are_deduplicated() {
    let mut it = item("a https://lrt.lt/x?utm_source=1 b https://LRT.lt/x c https://lrt.lt/x#y");
    it.urls
        .push(url("https://lrt.lt/x", None, UrlSource::TextLink));
    Normaliser::new().normalise(&mut it);
    assert_eq!(it.urls.len(), 1);
    assert_eq!(it.urls[0].source, UrlSource::TextLink);
    assert_eq!(it.urls[0].canonical, "https://lrt.lt/x");
}

#[test]
fn a_url_is_stored_once() {
    // A word joiner (U+2060) after a link, and a zero-width space before a word.
    let mut it = item("Žr. https://www.lrt.lt/naujienos/1\u{2060} ir https://lrt.lt/naujienos/1");
    Normaliser::new().normalise(&mut it);
    let canon: Vec<&str> = it.urls.iter().map(|u| u.canonical.as_str()).collect();
    assert_eq!(canon, ["https://www.lrt.lt/naujienos/1"], "{:?}", it.urls);
    assert!(!it.urls[0].raw.contains('\u{2060}'));
    // A link entity's display text (scheme-less, maybe cut short) is not a second link.
    for display in [
        "lrt.lt/naujienos/2024/02/24/straipsnis",
        "lrt.lt/naujienos/2024/…",
    ] {
        let mut it = item(&format!("Skaitykite {display} dabar"));
        it.urls.push(url(
            "https://www.lrt.lt/naujienos/2024/02/24/straipsnis?utm_source=tg",
            None,
            UrlSource::TextLink,
        ));
        Normaliser::new().normalise(&mut it);
        assert_eq!(it.urls.len(), 1, "{display}: {:?}", it.urls);
    }
    // An importer's URL with an invisible character on its end canonicalises without it.
    let mut it = item("x");
    it.urls
        .push(url("https://delfi.lt/a\u{200b}", None, UrlSource::Entity));
    Normaliser::new().normalise(&mut it);
    assert_eq!(it.urls[0].canonical, "https://delfi.lt/a");
}

#[test]
fn bad_urls_keep_raw_with_empty_canonical() {
    let mut it = item("");
    it.urls
        .push(url("tg://resolve?domain=x", None, UrlSource::Entity));
    it.urls
        .push(url("https://t.co/x", Some("not a url"), UrlSource::Entity));
    Normaliser::new().normalise(&mut it);
    assert_eq!(it.urls[0].raw, "tg://resolve?domain=x");
    assert_eq!(it.urls[0].canonical, "");
    assert_eq!(it.urls[0].domain, "");
    // An unparseable expansion falls back to the raw link.
    assert_eq!(it.urls[1].canonical, "https://t.co/x");
    assert_eq!(it.lang, "und");
}

#[test]
fn importer_tags_win_over_text() {
    let mut it = item("#ignored text");
    it.hashtags = vec!["#Україна".into(), "україна".into()];
    it.mentions = vec!["@Someone".into()];
    Normaliser::new().normalise(&mut it);
    assert_eq!(it.hashtags, ["україна"]);
    assert_eq!(it.mentions, ["someone"]);
}

#[test]
fn normalise_is_idempotent() {
    let mut it = item("Šiandien https://www.lrt.lt/a?fbclid=1 #Lietuva @lrt_lt");
    let n = Normaliser::new();
    n.normalise(&mut it);
    let once = it.clone();
    n.normalise(&mut it);
    assert_eq!(it, once);
}

#[test]
fn normaliser_is_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Normaliser>();
}

/// Strings that stress the parsers: URL-ish fragments, bidi controls, huge labels, mixed scripts.
fn nasty() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "https://",
        "http://",
        "www.",
        ".",
        "/",
        "?",
        "#",
        "@",
        "&",
        "=",
        ":",
        "%",
        "%zz",
        "[",
        "]",
        "(",
        ")",
        "xn--",
        "xn--80a",
        "t.me/s/",
        "twitter.com",
        "co.uk",
        "eu.com",
        "utm_source=1",
        "\u{202E}",
        "\u{200B}",
        "\u{FEFF}",
        "\u{FE0F}",
        "а",
        "і",
        "ў",
        "ą",
        "ß",
        "🔥",
        " ",
        "\n",
        "\u{0301}",
        "ЛРТ",
        "lrt",
        "lt",
        "-",
        "_",
        "0",
        "9",
        "\u{10FFFF}",
        "\u{FFFD}",
        "ǅ",
        "İ",
    ]);
    let long_label = "[a-z]{60,80}".prop_map(|l| format!("https://{l}.{l}.com/"));
    prop_oneof![
        prop::collection::vec(atoms, 0..40).prop_map(|v| v.concat()),
        any::<String>(),
        long_label,
        "\\PC{0,200}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn nothing_panics(s in nasty()) {
        let _ = url::canonicalise(&s);
        let _ = url::extract_urls(&s);
        let _ = url::registrable_domain(&s);
        let _ = url::split_domain(&s);
        let (l, c) = lang::detect(&s);
        prop_assert!(l == "und" || lang::LANGS.contains(&l));
        prop_assert!((0.0..=1.0).contains(&c));
        let m = text::match_text(&s);
        let _ = text::content_text(&m);
        let _ = text::strip_diacritics(&s);
        let mut it = item(&s);
        it.urls.push(url(&s, Some(&s), UrlSource::Entity));
        Normaliser::new().normalise(&mut it);
    }

    #[test]
    fn canonicalise_is_idempotent(s in nasty()) {
        if let Some(c) = url::canonicalise(&s) {
            let again = url::canonicalise(&c.url);
            prop_assert_eq!(again.map(|a| a.url), Some(c.url.clone()), "from {:?}", s);
        }
    }

    #[test]
    fn match_text_is_idempotent(s in nasty()) {
        let m = text::match_text(&s);
        prop_assert_eq!(text::match_text(&m), m.clone());
    }

    #[test]
    fn extracted_urls_are_substrings(s in nasty()) {
        for u in url::extract_urls(&s) {
            prop_assert!(s.contains(u));
            prop_assert!(!u.is_empty());
        }
    }
}
