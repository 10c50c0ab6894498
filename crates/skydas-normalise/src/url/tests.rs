use super::*;

/// One case: the input, then `(canonical url, unicode host, ascii registrable domain)`, or
/// `None` for input that must not canonicalise.
type Case = (
    &'static str,
    Option<(&'static str, &'static str, &'static str)>,
);

fn check(cases: &[Case]) {
    for &(input, expected) in cases {
        let got = canonicalise(input).map(|c| (c.url, c.host, c.domain));
        let expected = expected.map(|(u, h, d)| (u.to_string(), h.to_string(), d.to_string()));
        assert_eq!(got, expected, "canonicalise({input:?})");
    }
}

const EXAMPLE: &str = "example.com";

#[test]
fn canonical_forms() {
    check(&[
        (
            "http://www.lrt.lt/naujienos?utm_source=x&id=5#top",
            Some(("http://www.lrt.lt/naujienos?id=5", "www.lrt.lt", "lrt.lt")),
        ),
        (
            "HTTPS://News.BBC.co.uk:443/News/World?utm_medium=social&fbclid=abc",
            Some((
                "https://news.bbc.co.uk/News/World",
                "news.bbc.co.uk",
                "bbc.co.uk",
            )),
        ),
        (
            "https://example.com:8443/a?b=1&gclid=x&c=2&utm_campaign=y&d",
            Some(("https://example.com:8443/a?b=1&c=2&d", EXAMPLE, EXAMPLE)),
        ),
        (
            "https://example.com/a?",
            Some(("https://example.com/a", EXAMPLE, EXAMPLE)),
        ),
        (
            "https://example.com/?_ga=1&_gl=2&yclid=3&igshid=4&mc_cid=5&mc_eid=6&msclkid=7&dclid=8",
            Some(("https://example.com/", EXAMPLE, EXAMPLE)),
        ),
        (
            "https://example.com/p?UTM_Source=a&oly_enc_id=1&vero_id=2&spm=3&ref_src=4&ref_url=5&q=ok",
            Some(("https://example.com/p?q=ok", EXAMPLE, EXAMPLE)),
        ),
        // Percent-encoding of kept parameters is preserved.
        (
            "https://example.com/s?q=%D0%BD%D0%B0%D1%82%D0%BE&utm_term=x",
            Some((
                "https://example.com/s?q=%D0%BD%D0%B0%D1%82%D0%BE",
                EXAMPLE,
                EXAMPLE,
            )),
        ),
    ]);
}

#[test]
fn idn_hosts() {
    check(&[(
        "https://ЛРТ.lt/путь",
        Some((
            "https://xn--k1akg.lt/%D0%BF%D1%83%D1%82%D1%8C",
            "лрт.lt",
            "xn--k1akg.lt",
        )),
    )]);
    // A Cyrillic "а" inside an otherwise Latin brand: punycode keeps it visible.
    let c = canonicalise("https://www.delfі.lt/news").map(|c| (c.host_ascii, c.host));
    assert_eq!(
        c,
        Some((
            "www.xn--delf-o9d.lt".to_string(),
            "www.delfі.lt".to_string()
        ))
    );
    let c = canonicalise("https://президент.рф/").map(|c| (c.domain, c.domain_unicode));
    assert_eq!(
        c,
        Some(("xn--d1abbgf6aiiy.xn--p1ai".into(), "президент.рф".into()))
    );
}

#[test]
fn platform_aliases() {
    let x = |url| Some((url, "x.com", "x.com"));
    let t_me = |url| Some((url, "t.me", "t.me"));
    check(&[
        (
            "https://mobile.twitter.com/user/status/123?s=20&t=abc",
            x("https://x.com/user/status/123"),
        ),
        (
            "https://twitter.com/user/status/1?lang=en",
            x("https://x.com/user/status/1?lang=en"),
        ),
        (
            "https://m.facebook.com/story.php?story_fbid=1&id=2",
            Some((
                "https://facebook.com/story.php?story_fbid=1&id=2",
                "facebook.com",
                "facebook.com",
            )),
        ),
        (
            "https://t.me/s/rian_ru/12345",
            t_me("https://t.me/rian_ru/12345"),
        ),
        (
            "https://telegram.me/rian_ru/5",
            t_me("https://t.me/rian_ru/5"),
        ),
        ("https://t.me/s/", t_me("https://t.me/s/")),
        ("https://t.me/s/s/5", t_me("https://t.me/s/s/5")),
        (
            "https://youtu.be/abc?si=XYZ&t=10",
            Some(("https://youtu.be/abc?t=10", "youtu.be", "youtu.be")),
        ),
        (
            "https://m.youtube.com/watch?v=abc&si=1&feature=share",
            Some((
                "https://www.youtube.com/watch?v=abc",
                "www.youtube.com",
                "youtube.com",
            )),
        ),
        // s= and t= only track on X; elsewhere they select content.
        (
            "https://example.com/search?s=nato&t=5",
            Some(("https://example.com/search?s=nato&t=5", EXAMPLE, EXAMPLE)),
        ),
    ]);
}

#[test]
fn bare_and_odd_forms() {
    check(&[
        (
            "www.lrt.lt/naujienos",
            Some(("https://www.lrt.lt/naujienos", "www.lrt.lt", "lrt.lt")),
        ),
        ("lrt.lt", Some(("https://lrt.lt/", "lrt.lt", "lrt.lt"))),
        (
            "//cdn.example.org/x.js",
            Some((
                "https://cdn.example.org/x.js",
                "cdn.example.org",
                "example.org",
            )),
        ),
        (
            "lrt.lt:8080/x",
            Some(("https://lrt.lt:8080/x", "lrt.lt", "lrt.lt")),
        ),
        (
            "https://EXAMPLE.com./",
            Some(("https://example.com/", EXAMPLE, EXAMPLE)),
        ),
        (
            "https://user:pw@example.com/x",
            Some(("https://example.com/x", EXAMPLE, EXAMPLE)),
        ),
        (
            "http://192.168.0.1:80/a",
            Some(("http://192.168.0.1/a", "192.168.0.1", "192.168.0.1")),
        ),
        ("mailto:someone@example.com", None),
        ("tg://resolve?domain=rian_ru", None),
        ("javascript:alert(1)", None),
        ("ftp://example.com/file", None),
        ("https://", None),
        ("", None),
        ("not a url", None),
        ("https://exa mple.com", None),
    ]);
}

#[test]
fn registrable_domains() {
    let cases = [
        ("news.bbc.co.uk", Some("bbc.co.uk")),
        ("bbc.co.uk", Some("bbc.co.uk")),
        ("spiegel.eu.com", Some("spiegel.eu.com")),
        ("www.spiegel.eu.com", Some("spiegel.eu.com")),
        ("bild.co.com", Some("bild.co.com")),
        ("someone.github.io", Some("someone.github.io")),
        ("news.someone.blogspot.com", Some("someone.blogspot.com")),
        ("www.lrt.lt", Some("lrt.lt")),
        ("WWW.LRT.LT", Some("lrt.lt")),
        ("lrt.lt.", Some("lrt.lt")),
        ("co.uk", None),
        ("github.io", None),
        ("лрт.lt", Some("xn--k1akg.lt")),
        ("", None),
    ];
    for (host, expected) in cases {
        assert_eq!(
            registrable_domain(host).as_deref(),
            expected,
            "registrable_domain({host:?})"
        );
    }
}

#[test]
fn split_domains() {
    let cases = [
        ("spiegel.eu.com", Some(("spiegel", "eu.com")), None),
        ("lrt.lt", Some(("lrt", "lt")), None),
        ("www.bbc.co.uk", Some(("bbc", "co.uk")), Some("www")),
        (
            "lrt.lt.example.net",
            Some(("example", "net")),
            Some("lrt.lt"),
        ),
        (
            "a.b.someone.github.io",
            Some(("someone", "github.io")),
            Some("a.b"),
        ),
        ("co.uk", None, None),
    ];
    for (host, split, sub) in cases {
        let got = split_domain(host);
        let got = got.as_ref().map(|(l, s)| (l.as_str(), s.as_str()));
        assert_eq!(got, split, "split_domain({host:?})");
        assert_eq!(subdomain(host).as_deref(), sub, "subdomain({host:?})");
    }
}

#[test]
fn extraction() {
    let cases: &[(&str, &[&str])] = &[
        ("see https://lrt.lt/a.", &["https://lrt.lt/a"]),
        (
            "(https://en.wikipedia.org/wiki/Foo_(bar))",
            &["https://en.wikipedia.org/wiki/Foo_(bar)"],
        ),
        ("(see https://lrt.lt/a)", &["https://lrt.lt/a"]),
        (
            "«https://ria.ru/2024/x.html»",
            &["https://ria.ru/2024/x.html"],
        ),
        (
            "читайте:https://t.me/rian_ru/1!",
            &["https://t.me/rian_ru/1"],
        ),
        (
            "a http://x.com/1, b HTTPS://Y.com/2?",
            &["http://x.com/1", "HTTPS://Y.com/2"],
        ),
        ("visit www.delfi.lt today", &["www.delfi.lt"]),
        (
            "lrt.lt/naujienos/123 and bbc.co.uk/news",
            &["lrt.lt/naujienos/123", "bbc.co.uk/news"],
        ),
        (
            "https://uk.wikipedia.org/wiki/Київ",
            &["https://uk.wikipedia.org/wiki/Київ"],
        ),
        // Ambiguous bare forms are not taken.
        ("e.g. node.js and lrt.lt alone, file.txt/x", &[]),
        ("mail someone@example.com", &[]),
        ("http:// nothing https://", &[]),
        ("\"https://a.example.org/x\"", &["https://a.example.org/x"]),
        ("https://a.com/x'", &["https://a.com/x"]),
        ("no dots here", &[]),
        ("", &[]),
    ];
    for &(text, expected) in cases {
        assert_eq!(extract_urls(text), expected, "extract_urls({text:?})");
    }
}

#[test]
fn canonical_is_idempotent_on_examples() {
    for s in [
        "https://t.me/s/s/5",
        "https://ЛРТ.lt/путь?a=1&utm_source=2#x",
        "https://example.com/a%20b?q=a+b&x=%zz",
        "http://[::1]:8080/x",
    ] {
        let c = canonicalise(s).expect(s);
        let again = canonicalise(&c.url).expect(&c.url);
        assert_eq!(again.url, c.url, "{s}");
    }
}
