//! Tests of the feed importer: one probe per defect class of real feeds, written here, plus the
//! project's own fixtures.

use super::super::generic::testutil::*;
use super::*;
use crate::ImportOptions;

fn summary(i: &Item) -> String {
    let urls: Vec<String> = i
        .urls
        .iter()
        .map(|u| format!("{}:{}", u.source.as_str(), u.raw))
        .collect();
    format!(
        "{} {} {} {} {}/{}/{} {} [{}] | {}",
        i.platform,
        i.kind.as_str(),
        i.platform_id,
        skydas_model::time::format_rfc3339(i.time),
        i.actor.platform_id,
        i.actor.name.as_deref().unwrap_or("-"),
        i.actor.kind.as_str(),
        i.provenance.locator,
        urls.join(" "),
        i.text
    )
}

/// Byte offsets of each `needle` in the fixture, for asserting locators.
fn offsets(bytes: &[u8], needle: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&bytes[from..], needle.as_bytes()) {
        out.push((from + i) as u64);
        from += i + 1;
    }
    out
}

fn warned(run: &Run) -> Vec<String> {
    run.warnings.iter().map(|w| w.reason.clone()).collect()
}

/// `(id, link, time, author, basis)` of each item.
fn keys(run: &Run) -> Vec<(String, String, String, String, &'static str)> {
    run.items
        .iter()
        .map(|i| {
            (
                i.platform_id.clone(),
                i.urls
                    .iter()
                    .find(|u| u.source == UrlSource::Link)
                    .map(|u| u.raw.clone())
                    .unwrap_or_default(),
                skydas_model::time::format_rfc3339(i.time),
                i.author.clone().unwrap_or_default(),
                i.time_basis.as_str(),
            )
        })
        .collect()
}

fn key(
    id: &str,
    link: &str,
    time: &str,
    author: &str,
    basis: &'static str,
) -> (String, String, String, String, &'static str) {
    (id.into(), link.into(), time.into(), author.into(), basis)
}

#[test]
fn maps_rss() {
    let bytes = fixture("feed/rss.xml");
    let r = run(&Feed, &bytes);
    assert!(r.result.is_ok(), "{:?}", r.result);
    let at = offsets(&bytes, "<item>");
    let got: Vec<String> = r.items.iter().map(summary).collect();
    let site = "lt.pravda-news.example/Pravda LT & Co/site";
    assert_eq!(
        got,
        [
            format!(
                "web article lt.pravda-news.example#pravda-lt-1001 2024-02-24T06:00:00Z {site} @{} [link:https://lt.pravda-news.example/2024/02/24/a.html field:https://lt.pravda-news.example/img/a.jpg field:https://lrt-lt.example/x?a=1&b=2] | Lithuania\u{2019}s \"news\" & more\nPirmas sakinys.\nŽr. čia",
                at[0]
            ),
            format!(
                "web article lt.pravda-news.example#https://lt.pravda-news.example/2024/02/24/b.html 2024-02-24T06:05:00Z {site} @{} [link:https://lt.pravda-news.example/2024/02/24/b.html field:https://cdn.example/y field:https://lt.pravda-news.example/santykine] | Antras & straipsnis\nTekstas su nuoroda ir santykine",
                at[1]
            ),
            // An unreadable date, and neither the channel nor the entry has another: the
            // file's time, flagged.
            format!(
                "web article lt.pravda-news.example#pravda-lt-1004 2024-03-01T00:00:00Z {site} @{} [] | Bad date",
                at[3]
            ),
            format!(
                "web article lt.pravda-news.example#https://lt.pravda-news.example/c 2024-02-24T06:10:00Z {site} @{} [field:https://t.me/s/channel] | Full content\nThe full text.\nSecond paragraph with a channel.",
                at[4]
            ),
        ]
    );
    assert_eq!(r.items[2].time_basis, TimeBasis::FileTime);
    assert_eq!(
        reasons(&r),
        [(format!("@{}", at[2]), "missing link and guid".to_string())]
    );
    assert_eq!(warned(&r), ["date from the file"]);
}

#[test]
fn maps_atom() {
    let bytes = fixture("feed/atom.xml");
    let r = run(&Feed, &bytes);
    assert!(
        r.result.is_ok() && r.errors.is_empty(),
        "{:?} {:?}",
        r.result,
        r.errors
    );
    let at = offsets(&bytes, "<entry>");
    let got: Vec<String> = r.items.iter().map(summary).collect();
    assert_eq!(
        got,
        [
            format!(
                "web article lsm-lv.example#tag:lsm-lv.example,2024:1 2024-02-24T06:00:00Z lsm-lv.example/LSM klons/site @{} [link:https://lsm-lv.example/zina-1 field:https://lsm-lv.example/a.mp3 field:https://delfi-lv.example/z] | Ziņa viens\nPilns teksts",
                at[0]
            ),
            format!(
                "web article lsm-lv.example#tag:lsm-lv.example,2024:2 2024-02-24T06:00:00Z lsm-lv.example/LSM klons/site @{} [link:https://lsm-lv.example/zina-2] | Ziņa divi\nTikai kopsavilkums",
                at[1]
            ),
        ]
    );
}

#[test]
fn maps_rss_1_0() {
    let r = run(&Feed, &fixture("feed/rdf.xml"));
    assert_eq!(
        keys(&r),
        [key(
            "err-ee.example#https://err-ee.example/1",
            "https://err-ee.example/1",
            "2024-02-24T06:00:00Z",
            "",
            "exact"
        )]
    );
}

#[test]
fn two_sites_that_number_their_posts_never_overwrite_each_other() {
    let feed = |site: &str| {
        format!(
            "<rss><channel><title>{site}</title><link>https://{site}/</link>\
             <item><guid isPermaLink=\"false\">1</guid><title>Post of {site}</title>\
             <pubDate>Sat, 24 Feb 2024 06:00:00 GMT</pubDate></item></channel></rss>"
        )
    };
    let a = run(&Feed, feed("a.example").as_bytes());
    let b = run(&Feed, feed("b.example").as_bytes());
    assert_eq!(a.items[0].platform_id, "a.example#1");
    assert_eq!(b.items[0].platform_id, "b.example#1");
}

#[test]
fn broken_markup_keeps_every_entry_it_can() {
    let bytes = fixture("feed/broken.xml");
    let r = run(&Feed, &bytes);
    assert!(r.result.is_ok(), "{:?}", r.result);
    let ids: Vec<&str> = r.items.iter().map(|i| i.platform_id.as_str()).collect();
    assert_eq!(
        ids,
        ["broken.example#1", "broken.example#2", "broken.example#4"]
    );
    // The third entry lost its guid to the broken tag: named, not silently dropped.
    let three = offsets(&bytes, "<item><title>Three")[0];
    assert_eq!(
        reasons(&r),
        [(format!("@{three}"), "missing link and guid".to_string())]
    );
    // A stray `<` in entry 3 of 25 keeps the other 24.
    let mut doc = String::from("<rss><channel><title>T</title><link>https://t.example/</link>");
    for i in 1..=25 {
        let title = if i == 3 {
            "a < b".to_string()
        } else {
            format!("t{i}")
        };
        doc.push_str(&format!(
            "<item><title>{title}</title><guid>{i}</guid><pubDate>Sat, 24 Feb 2024 06:00:00 GMT</pubDate></item>"
        ));
    }
    doc.push_str("</channel></rss>");
    let r = run(&Feed, doc.as_bytes());
    assert_eq!(r.items.len(), 25, "{:?}", r.errors);
    assert_eq!(r.items[2].text, "a < b");
    assert_eq!(warned(&r), ["broken markup repaired"]);
}

#[test]
fn a_truncated_file_imports_what_it_has_and_says_so() {
    let doc = "<rss><channel><title>T</title><link>https://t.example/</link>\
               <item><guid>1</guid><pubDate>Sat, 24 Feb 2024 06:00:00 GMT</pubDate></item>\
               <item><guid>2</guid><title>cut he";
    let r = run(&Feed, doc.as_bytes());
    let ids: Vec<&str> = r.items.iter().map(|i| i.platform_id.as_str()).collect();
    assert_eq!(ids, ["t.example#1", "t.example#2"]);
    assert!(
        warned(&r).contains(&"truncated document".to_string()),
        "{:?}",
        r.warnings
    );
    // `</rss` without its `>` at the end, the commonest cut in the wild.
    let r = run(
        &Feed,
        b"<rss><channel><link>https://t.example/</link><item><guid>1</guid></item></channel></rss",
    );
    assert_eq!(r.items.len(), 1);
    assert!(warned(&r).contains(&"truncated document".to_string()));
}

#[test]
fn namespaces_decide_not_prefixes() {
    // RSS 2.0 with every element prefixed, and a module date.
    let prefixed = "<r:rss xmlns:r=\"http://backend.userland.com/rss2\" xmlns:t=\"http://purl.org/dc/terms/\">\
        <r:channel><r:title>P</r:title><r:link>https://p.example/</r:link>\
        <r:item><r:link>https://p.example/1</r:link><t:modified>2002-09-28T20:01:19Z</t:modified></r:item>\
        </r:channel></r:rss>";
    let r = run(&Feed, prefixed.as_bytes());
    assert_eq!(
        keys(&r),
        [key(
            "p.example#https://p.example/1",
            "https://p.example/1",
            "2002-09-28T20:01:19Z",
            "",
            "exact"
        )]
    );
    // RSS 1.0 with an `rss:` prefix: the id is `rdf:about`.
    let rss1 = "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:rss=\"http://purl.org/rss/1.0/\" xmlns:d=\"http://purl.org/dc/elements/1.1/\">\
        <rss:channel><rss:title>R</rss:title><rss:link>https://r.example/</rss:link></rss:channel>\
        <rss:item rdf:about=\"https://r.example/1\"><rss:title>One</rss:title><d:creator>Jonas</d:creator><d:date>2024-02-24T06:00:00Z</d:date></rss:item>\
        </rdf:RDF>";
    assert_eq!(Feed.sniff(rss1.as_bytes()), Confidence::Certain);
    let r = run(&Feed, rss1.as_bytes());
    assert_eq!(
        keys(&r),
        [key(
            "r.example#https://r.example/1",
            "",
            "2024-02-24T06:00:00Z",
            "Jonas",
            "exact"
        )]
    );
    // Atom 0.3: `issued`, `modified`, a link with only `href`.
    let atom03 = "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><title>A</title>\
        <link rel=\"alternate\" href=\"https://a.example/\"/>\
        <entry><id>tag:a.example,1</id><link rel=\"alternate\" href=\"https://a.example/1\"/>\
        <issued>2004-01-01T19:48:21Z</issued><author><name>Ann</name><email>ann@a.example</email></author></entry></feed>";
    let r = run(&Feed, atom03.as_bytes());
    assert_eq!(
        keys(&r),
        [key(
            "a.example#tag:a.example,1",
            "https://a.example/1",
            "2004-01-01T19:48:21Z",
            "Ann",
            "exact"
        )]
    );
}

#[test]
fn entries_without_dates_take_the_feeds_or_the_files_and_are_flagged() {
    let doc = "<rss><channel><title>T</title><link>https://t.example/</link>\
        <item><guid>1</guid></item>\
        <lastBuildDate>Sat, 24 Feb 2024 06:00:00 GMT</lastBuildDate></channel></rss>";
    let r = run(&Feed, doc.as_bytes());
    assert_eq!(
        keys(&r),
        [key(
            "t.example#1",
            "",
            "2024-02-24T06:00:00Z",
            "",
            "feed_date"
        )]
    );
    assert_eq!(warned(&r), ["date from the feed"]);
    let bare =
        "<rss><channel><link>https://t.example/</link><item><guid>1</guid></item></channel></rss>";
    let r = run(&Feed, bare.as_bytes());
    assert_eq!(
        keys(&r),
        [key(
            "t.example#1",
            "",
            "2024-03-01T00:00:00Z",
            "",
            "file_time"
        )]
    );
}

#[test]
fn dates_as_feeds_really_write_them() {
    let item = |date: &str| {
        format!(
            "<rss><channel><link>https://t.example/</link><item><guid>1</guid><pubDate>{date}</pubDate></item></channel></rss>"
        )
    };
    for (date, want, basis) in [
        (
            "Sat, Dec 16 2023 02:02:33 PM",
            "2023-12-16T14:02:33Z",
            "local_utc",
        ),
        (
            "Sat, 16 Dec 2023 14:02:33 +00:0",
            "2023-12-16T14:02:33Z",
            "exact",
        ),
        (
            "Wed, 19 Feb 2012 22:40:00 GMT-01:01",
            "2012-02-19T23:41:00Z",
            "exact",
        ),
        (
            "Sun Jul 15 01:16:00 +0000 2012",
            "2012-07-15T01:16:00Z",
            "exact",
        ),
        (
            "2021-03-01 09:34:56 IST",
            "2021-03-01T04:04:56Z",
            "ambiguous_zone",
        ),
    ] {
        let r = run(&Feed, item(date).as_bytes());
        assert_eq!(
            keys(&r),
            [key("t.example#1", "", want, "", basis)],
            "{date}"
        );
    }
    // `--tz` resolves the ambiguous zone and converts the local time.
    let options = ImportOptions {
        tz: Some(skydas_model::zone::Tz::parse("Europe/Dublin").unwrap()),
        ..ImportOptions::default()
    };
    let r = run_with(&Feed, item("2021-03-01 09:34:56 IST").as_bytes(), &options);
    assert_eq!(
        keys(&r),
        [key("t.example#1", "", "2021-03-01T08:34:56Z", "", "exact")]
    );
    assert!(r.warnings.is_empty());
}

#[test]
fn relative_links_resolve_against_xml_base_and_the_feed_link() {
    let doc = "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"https://b.example/blog/\">\
        <title>B</title><link href=\"/\"/>\
        <entry><id>1</id><link href=\"post/1\"/><updated>2024-02-24T06:00:00Z</updated></entry>\
        <entry xml:base=\"https://c.example/x/\"><id>2</id><link href=\"../y\"/><updated>2024-02-24T06:00:00Z</updated></entry>\
        </feed>";
    let r = run(&Feed, doc.as_bytes());
    let links: Vec<String> = keys(&r).into_iter().map(|k| k.1).collect();
    assert_eq!(
        links,
        ["https://b.example/blog/post/1", "https://c.example/y"]
    );
    assert_eq!(r.items[0].actor.platform_id, "b.example");
    let rss = "<rss><channel><link>https://r.example/news/</link><item><link>/relative/uri</link><pubDate>Sat, 24 Feb 2024 06:00:00 GMT</pubDate></item></channel></rss>";
    let r = run(&Feed, rss.as_bytes());
    assert_eq!(keys(&r)[0].1, "https://r.example/relative/uri");
}

#[test]
fn per_entry_authors_are_bylines_and_the_site_stays_the_actor() {
    let doc = "<rss xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Agg</title><link>https://agg.example/</link>\
        <item><guid>1</guid><author>me@example.com (Example editor)</author><pubDate>Sat, 24 Feb 2024 06:00:00 GMT</pubDate></item>\
        <item><guid>2</guid><dc:creator>Rūta</dc:creator><pubDate>Sat, 24 Feb 2024 06:00:00 GMT</pubDate></item>\
        </channel></rss>";
    let r = run(&Feed, doc.as_bytes());
    let authors: Vec<String> = keys(&r).into_iter().map(|k| k.3).collect();
    assert_eq!(authors, ["Example editor", "Rūta"]);
    assert!(r.items.iter().all(|i| i.actor.platform_id == "agg.example"));
}

#[test]
fn encodings_by_mark_pattern_and_declaration() {
    let doc = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss><channel><title>Žinios</title><link>https://z.example/</link><item><guid>1</guid><title>Ąžuolas</title><pubDate>Sat, 24 Feb 2024 06:00:00 GMT</pubDate></item></channel></rss>";
    let le: Vec<u8> = doc.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut be_bom = vec![0xFE, 0xFF];
    be_bom.extend(doc.encode_utf16().flat_map(u16::to_be_bytes));
    let utf32: Vec<u8> = doc.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
    for bytes in [le, be_bom, utf32] {
        assert_eq!(Feed.sniff(&bytes), Confidence::Certain);
        let r = run(&Feed, &bytes);
        assert_eq!(r.items.len(), 1, "{:?}", r.errors);
        assert_eq!(r.items[0].text, "Ąžuolas");
        assert_eq!(r.items[0].actor.name.as_deref(), Some("Žinios"));
    }
    let mut cp1251 =
        b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss><channel><title>".to_vec();
    cp1251.extend_from_slice(&[0xcd, 0xee, 0xe2, 0xee, 0xf1, 0xf2, 0xe8]); // Новости
    cp1251.extend_from_slice(
        b"</title><item><guid>1</guid><pubDate>24 Feb 2024 06:00 GMT</pubDate><title>",
    );
    cp1251.extend_from_slice(&[0xc0, 0xe1, 0xe2, 0xb3]); // Абві
    cp1251.extend_from_slice(b"</title></item></channel></rss>");
    let r = run(&Feed, &cp1251);
    assert_eq!(r.items[0].text, "Абві");
    assert_eq!(r.items[0].actor.platform_id, "Новости");
}

#[test]
fn doctype_entities_expand_and_nothing_external_is_fetched() {
    let doc = "<!DOCTYPE rss [ <!ENTITY id \"tag:example.com,\"> <!ENTITY ext SYSTEM \"http://127.0.0.1:9/x\"> ]>\
        <rss><channel><link>https://e.example/</link><item><guid isPermaLink='false'>&id;2006-05-04:/blog/</guid>\
        <title>caf&eacute; &ext;</title><pubDate>Sat, 24 Feb 2024 06:00:00 GMT</pubDate></item></channel></rss>";
    let r = run(&Feed, doc.as_bytes());
    assert_eq!(
        r.items[0].platform_id,
        "e.example#tag:example.com,2006-05-04:/blog/"
    );
    assert_eq!(r.items[0].text, "café &ext;");
    assert!(warned(&r).contains(&"external entities ignored".to_string()));
}

#[test]
fn guards_memory() {
    let big = "x".repeat(5000);
    let feed = format!(
        "<rss><channel><title>T</title><item><guid>1</guid><pubDate>24 Feb 2024 06:00 GMT</pubDate><description>{big}</description></item><item><guid>2</guid><pubDate>24 Feb 2024 06:00 GMT</pubDate></item></channel></rss>"
    );
    let options = ImportOptions {
        max_record: 1000,
        ..ImportOptions::default()
    };
    // A text node over the limit refuses its entry; the next one lands.
    let r = run_with(&Feed, feed.as_bytes(), &options);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!(r.errors[0].reason, "text too large");
    assert_eq!(r.items.len(), 1);
    assert!(r.result.is_ok());
    // A single unbroken text node far over the limit is dropped as it streams, never
    // buffered: its entry is refused, the file goes on.
    let huge = format!(
        "<rss><channel><title>T</title><item><guid>1</guid><description>{}</description></item>\
         <item><guid>2</guid></item></channel></rss>",
        "y".repeat(300_000)
    );
    let r = run_with(&Feed, huge.as_bytes(), &options);
    assert!(r.result.is_ok());
    assert_eq!(reasons(&r).len(), 1);
    assert_eq!(r.items.len(), 1);
}

#[test]
fn strips_html() {
    let cases = [
        ("a &lt; b", "a < b", vec![]),
        ("<p>one</p><p>two<br/>three</p>", "one\ntwo\nthree", vec![]),
        (
            "x <a HREF=\"https://a.example/?q=1&amp;r=2\">y</a>",
            "x y",
            vec!["https://a.example/?q=1&r=2"],
        ),
        (
            "<a href=https://b.example>b</a>",
            "b",
            vec!["https://b.example"],
        ),
        (
            "<style>p{}</style><!-- c -->t&#x41;&#66;&bogus;",
            "tAB&bogus;",
            vec![],
        ),
        ("3 < 4 and <unclosed", "3 < 4 and <unclosed", vec![]),
    ];
    for (html, text, hrefs) in cases {
        let (t, h) = strip_html(html);
        assert_eq!(
            (t.as_str(), h),
            (
                text,
                hrefs.iter().map(|s| s.to_string()).collect::<Vec<_>>()
            ),
            "{html}"
        );
    }
}

#[test]
fn finds_hosts() {
    let cases = [
        (
            "https://User@WWW.Example.LT:8443/a?b",
            Some("www.example.lt"),
        ),
        ("http://[::1]:80/", Some("::1")),
        ("example.lt", None),
        ("https:///x", None),
    ];
    for (url, want) in cases {
        assert_eq!(host(url).as_deref(), want, "{url}");
    }
}

#[test]
fn sniffs_feeds() {
    let cases: &[(&[u8], Confidence)] = &[
        (
            b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c --><rss version=\"2.0\">",
            Confidence::Certain,
        ),
        (
            b"<?xml version=\"1.0\"?><!DOCTYPE x><feed xmlns=\"http://www.w3.org/2005/Atom\">",
            Confidence::Certain,
        ),
        (
            b"<!DOCTYPE rss [ <!ENTITY a \"b\"> ]><rss>",
            Confidence::Certain,
        ),
        (
            b"<r:rss xmlns:r=\"http://backend.userland.com/rss2\">",
            Confidence::Certain,
        ),
        (b"<feed>", Confidence::Likely),
        (
            b"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">",
            Confidence::Likely,
        ),
        (b"<html><body>rss</body></html>", Confidence::No),
        (b"<?xml version=\"1.0\"", Confidence::No),
    ];
    for (head, want) in cases {
        assert_eq!(Feed.sniff(head), *want, "{}", String::from_utf8_lossy(head));
    }
}

proptest::proptest! {
    #[test]
    fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        let _ = Feed.sniff(&bytes);
        let _ = run(&Feed, &bytes);
    }

    #[test]
    fn never_panics_on_xmlish_text(s in "(<item>|</item>|<entry>|<title>|</title>|<link href=\"h\"/>|<guid>|</guid>|<pubDate>|</pubDate>|&amp;|&#x;|&#99999999;|<!\\[CDATA\\[|\\]\\]>|<a href=x>|<!DOCTYPE r \\[<!ENTITY e \"&e;\">\\]>|&e;|xml:base=\"/\"|[a-z <&]){0,40}") {
        let doc = format!("<rss><channel>{s}</channel></rss>");
        let _ = run(&Feed, doc.as_bytes());
        let _ = strip_html(&s);
    }
}
