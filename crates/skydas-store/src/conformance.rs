//! The conformance suite every [`Store`] backend must pass.
//!
//! Each check takes a factory that returns a fresh, empty store, and panics with a message on
//! the first difference. The checks of the sharing tables ([`crate::sharing::SharingStore`]) are
//! in [`sharing`]. A backend's tests declare the whole suite, one test per check so that
//! failures name the check, with [`conformance_tests!`](crate::conformance_tests):
//!
//! ```text
//! fn run_store(check: conformance::Check, name: &str) { check(&|| Box::new(my_store(name))) }
//! fn run_sharing(check: conformance::sharing::Check, name: &str) { … }
//! skydas_store::conformance_tests!(run_store, run_sharing);
//! ```

pub mod sharing;

use std::collections::BTreeMap;

use skydas_model::{
    Actor, ActorKind, Evidence, Finding, FindingActor, FindingKind, Item, ItemKind, ItemUrl,
    KindSpec, Locator, Platform, Provenance, ShareAs, TimeBasis, Tlp, UrlSource,
};

use crate::{
    Change, FileRecord, FileStatus, InsertOutcome, ProtectedRow, Review, ReviewStatus, Revision,
    SearchQuery, Store, StoreError,
};

/// Makes a fresh, empty store.
pub type MakeStore<'a> = &'a dyn Fn() -> Box<dyn Store>;

/// One conformance check.
pub type Check = fn(MakeStore<'_>);

/// Every check with its name, in order.
pub const CHECKS: &[(&str, Check)] = &[
    ("file_status_lifecycle", file_status_lifecycle),
    ("idempotent_insert", idempotent_insert),
    ("two_provenance_dedupe", two_provenance_dedupe),
    ("actor_fill_in", actor_fill_in),
    (
        "stats_by_platform_and_language",
        stats_by_platform_and_language,
    ),
    ("search_diacritics_and_case", search_diacritics_and_case),
    ("search_filters", search_filters),
    ("search_hostile_queries", search_hostile_queries),
    ("corpus_round_trip", corpus_round_trip),
    (
        "findings_replace_preserves_review",
        findings_replace_preserves_review,
    ),
    (
        "findings_keep_their_marking_floor",
        findings_keep_their_marking_floor,
    ),
    (
        "finding_versions_are_numbered_and_kept",
        finding_versions_are_numbered_and_kept,
    ),
    ("protected_crud", protected_crud),
    ("originals_kept_by_hash", originals_kept_by_hash),
];

/// Declares the conformance suite as tests of a backend, in a module `suite`: one `#[test]`
/// per check of [`CHECKS`] calling `$store(check, name)`, one per check of [`sharing::CHECKS`]
/// calling `$sharing(check, name)`, and a test that every check has its test. `$store` and
/// `$sharing` name functions of the calling module.
#[macro_export]
macro_rules! conformance_tests {
    ($store:ident, $sharing:ident $(,)?) => {
        mod suite {
            use super::*;

            $crate::conformance_tests!(@store $store;
                file_status_lifecycle,
                idempotent_insert,
                two_provenance_dedupe,
                actor_fill_in,
                stats_by_platform_and_language,
                search_diacritics_and_case,
                search_filters,
                search_hostile_queries,
                corpus_round_trip,
                findings_replace_preserves_review,
                findings_keep_their_marking_floor,
                finding_versions_are_numbered_and_kept,
                protected_crud,
                originals_kept_by_hash,
            );

            $crate::conformance_tests!(@sharing $sharing;
                collections_and_grants,
                versions_get_increasing_date_added,
                statuses_pages_and_pull_state,
                partner_intel_and_watch_items,
            );
        }
    };
    (@store $run:ident; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $run($crate::conformance::$name, stringify!($name));
            }
        )*

        #[test]
        fn every_store_check_runs() {
            $crate::conformance::assert_all_run(
                &[$(stringify!($name)),*],
                $crate::conformance::CHECKS,
            );
        }
    };
    (@sharing $run:ident; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $run($crate::conformance::sharing::$name, stringify!($name));
            }
        )*

        #[test]
        fn every_sharing_check_runs() {
            $crate::conformance::assert_all_run(
                &[$(stringify!($name)),*],
                $crate::conformance::sharing::CHECKS,
            );
        }
    };
}

/// Fails unless `here` names every check of `checks`, in order ([`conformance_tests!`]
/// (crate::conformance_tests) lists them by hand).
#[doc(hidden)]
pub fn assert_all_run<C>(here: &[&str], checks: &[(&str, C)]) {
    let all: Vec<&str> = checks.iter().map(|c| c.0).collect();
    assert_eq!(here, all.as_slice(), "every conformance check has its test");
}

/// Runs every check against fresh stores from `make`.
pub fn run_all(make: MakeStore<'_>) {
    for (_, check) in CHECKS {
        check(make);
    }
}

/// A SHA-256-shaped key for test file `n`.
pub fn sha(n: u32) -> String {
    format!("{n:064x}")
}

/// A test file record for file `n`.
pub fn file(n: u32) -> FileRecord {
    FileRecord {
        sha256: sha(n),
        path: format!("/data/export-{n}.json"),
        size: 1000 + u64::from(n),
        importer: "test".into(),
        importer_version: 1,
    }
}

/// A normalised item with every field set, found in test file `file` at line `line`.
pub fn item(
    platform: Platform,
    id: &str,
    actor: &str,
    time: i64,
    text: &str,
    file: u32,
    line: u64,
) -> Item {
    let mut it = Item::new(
        platform,
        id,
        Actor {
            platform_id: actor.into(),
            handle: Some(format!("h_{actor}")),
            name: Some(format!("Name {actor}")),
            kind: ActorKind::Channel,
            created_at: Some(1_600_000_000),
            followers: Some(42),
        },
        time,
        text,
        Provenance {
            file_sha256: sha(file),
            importer: "test".into(),
            importer_version: 1,
            locator: Locator::Line(line),
        },
    );
    it.match_text = text.to_lowercase();
    it.lang = "en".into();
    it.lang_conf = 0.75;
    it
}

fn with_lang(mut it: Item, lang: &str) -> Item {
    it.lang = lang.into();
    it
}

/// Items exercising every field: URLs in several forms, tags, references, languages.
pub fn rich_items(file: u32) -> Vec<Item> {
    let mut a = item(
        Platform::Telegram,
        "-100123/7",
        "-100123",
        1_700_000_300,
        "Žinios: NATO pratybos https://t.me/x",
        file,
        3,
    );
    a.kind = ItemKind::Forward;
    a.lang = "lt".into();
    a.lang_hint = Some("lt".into());
    a.repost_of = Some("from:-100999".into());
    a.urls = vec![
        ItemUrl {
            raw: "https://t.co/abc".into(),
            expanded: Some("https://Example.COM/a?utm_source=x".into()),
            hops: vec![
                "https://bit.ly/x".into(),
                "https://go.redir.example/r\"1".into(),
            ],
            source: UrlSource::Entity,
            canonical: "https://example.com/a".into(),
            host: "example.com".into(),
            domain: "example.com".into(),
        },
        ItemUrl {
            raw: "https://пример.рф/п".into(),
            expanded: None,
            hops: Vec::new(),
            source: UrlSource::TextLink,
            canonical: "https://пример.рф/п".into(),
            host: "пример.рф".into(),
            domain: "xn--e1afmkfd.xn--p1ai".into(),
        },
        ItemUrl {
            raw: "not a url".into(),
            source: UrlSource::Text,
            ..ItemUrl::default()
        },
    ];
    a.hashtags = vec!["nato".into(), "žinios".into()];
    a.mentions = vec!["lrt".into(), "we\"ird\\".into()];
    a.time_basis = TimeBasis::LocalTz;
    let mut b = item(
        Platform::X,
        "1750000000000000001",
        "u1",
        1_700_000_100,
        "Учения НАТО у границы",
        file,
        1,
    );
    b.kind = ItemKind::Quote;
    b.lang = "ru".into();
    b.quote_of = Some("1750000000000000000".into());
    b.reply_to = Some("1749999999999999999".into());
    let mut c = item(
        Platform::X,
        "1750000000000000002",
        "u2",
        1_700_000_200,
        "Навчання НАТО: офіційна заява",
        file,
        2,
    );
    c.lang = "uk".into();
    c.lang_conf = 0.5;
    c.actor.handle = None;
    c.actor.created_at = None;
    c.actor.followers = None;
    let mut d = item(
        Platform::Web,
        "https://news.example/article-1",
        "news.example",
        1_700_000_000,
        "",
        file,
        4,
    );
    d.kind = ItemKind::Article;
    d.lang = String::new();
    d.lang_conf = 0.0;
    d.actor.kind = ActorKind::Site;
    d.time_basis = TimeBasis::FeedDate;
    d.author = Some("Jonas Jonaitis".into());
    d.images = vec!["dhash:8f3c0011aa55e0f1".into()];
    vec![a, b, c, d]
}

fn begin(store: &mut dyn Store, n: u32) {
    store.begin_file(&file(n)).expect("begin_file");
}

fn outcome(new_items: u64, duplicates: u64, new_provenance: u64) -> InsertOutcome {
    InsertOutcome {
        new_items,
        duplicates,
        new_provenance,
    }
}

/// None → Partial → Complete; a re-run makes it Partial again until finished; finishing a file
/// nobody began is an error.
pub fn file_status_lifecycle(make: MakeStore<'_>) {
    let mut s = make();
    assert_eq!(s.file_status(&sha(1)).unwrap(), None);
    begin(&mut *s, 1);
    assert_eq!(s.file_status(&sha(1)).unwrap(), Some(FileStatus::Partial));
    begin(&mut *s, 1);
    assert_eq!(
        s.file_status(&sha(1)).unwrap(),
        Some(FileStatus::Partial),
        "begin is idempotent"
    );
    s.finish_file(&sha(1), 10, 2).unwrap();
    assert_eq!(s.file_status(&sha(1)).unwrap(), Some(FileStatus::Complete));
    assert_eq!(s.stats().unwrap().errors, 2);
    begin(&mut *s, 1);
    assert_eq!(
        s.file_status(&sha(1)).unwrap(),
        Some(FileStatus::Partial),
        "a re-run restarts"
    );
    s.finish_file(&sha(1), 10, 1).unwrap();
    assert_eq!(
        s.stats().unwrap().errors,
        1,
        "the last run's error count stands"
    );
    assert_eq!(s.stats().unwrap().files, 1);
    let err = s.finish_file(&sha(9), 0, 0).unwrap_err();
    assert!(matches!(err, StoreError::UnknownFile(_)), "{err}");
}

/// Re-importing a file adds nothing.
pub fn idempotent_insert(make: MakeStore<'_>) {
    let mut s = make();
    let items = rich_items(1);
    begin(&mut *s, 1);
    assert_eq!(s.insert_items(&items).unwrap(), outcome(4, 0, 4));
    assert_eq!(s.insert_items(&items).unwrap(), outcome(0, 4, 0));
    assert_eq!(s.insert_items(&[]).unwrap(), outcome(0, 0, 0));
    let st = s.stats().unwrap();
    assert_eq!((st.items, st.provenance, st.actors, st.files), (4, 4, 4, 1));
}

/// The same post met in two files is stored once, with both provenances; a record repeated
/// inside one batch counts as a duplicate.
pub fn two_provenance_dedupe(make: MakeStore<'_>) {
    let mut s = make();
    begin(&mut *s, 1);
    begin(&mut *s, 2);
    let first = item(Platform::X, "10", "u1", 100, "same post", 1, 5);
    let again = item(Platform::X, "10", "u1", 100, "same post", 2, 9);
    let repeated = item(Platform::X, "10", "u1", 100, "same post", 2, 11);
    let other_platform = item(
        Platform::Telegram,
        "10",
        "u1",
        100,
        "same id elsewhere",
        2,
        12,
    );
    assert_eq!(
        s.insert_items(std::slice::from_ref(&first)).unwrap(),
        outcome(1, 0, 1)
    );
    assert_eq!(
        s.insert_items(&[again.clone(), repeated.clone(), other_platform])
            .unwrap(),
        outcome(1, 2, 3)
    );
    let stored = s.item(Platform::X, "10").unwrap().expect("stored");
    assert_eq!(stored.item, first, "the first provenance is the item's");
    let provs: Vec<_> = stored
        .provenance
        .iter()
        .map(|p| (p.file_sha256.clone(), p.locator))
        .collect();
    assert_eq!(
        provs,
        vec![
            (sha(1), Locator::Line(5)),
            (sha(2), Locator::Line(9)),
            (sha(2), Locator::Line(11))
        ]
    );
    assert!(s.item(Platform::X, "11").unwrap().is_none());
    let st = s.stats().unwrap();
    assert_eq!((st.items, st.provenance, st.actors), (2, 4, 2));
}

/// Later records fill in what earlier ones did not know about an actor, and never overwrite.
pub fn actor_fill_in(make: MakeStore<'_>) {
    let mut s = make();
    begin(&mut *s, 1);
    let mut bare = item(Platform::X, "1", "u1", 100, "a", 1, 1);
    bare.actor = Actor {
        platform_id: "u1".into(),
        ..Actor::default()
    };
    let mut known = item(Platform::X, "2", "u1", 200, "b", 1, 2);
    known.actor.handle = Some("first_handle".into());
    known.actor.followers = Some(7);
    let mut renamed = item(Platform::X, "3", "u1", 300, "c", 1, 3);
    renamed.actor.handle = Some("second_handle".into());
    s.insert_items(&[bare]).unwrap();
    s.insert_items(&[known.clone()]).unwrap();
    s.insert_items(&[renamed]).unwrap();
    let actor = s
        .item(Platform::X, "1")
        .unwrap()
        .expect("stored")
        .item
        .actor;
    assert_eq!(actor.handle.as_deref(), Some("first_handle"));
    assert_eq!(actor.followers, Some(7));
    assert_eq!(actor.name, known.actor.name);
    assert_eq!(actor.created_at, known.actor.created_at);
    assert_eq!(actor.kind, ActorKind::Account, "the kind first seen stays");
    assert_eq!(s.stats().unwrap().actors, 1);
}

/// Counts per platform and language; an empty language counts as `und`.
pub fn stats_by_platform_and_language(make: MakeStore<'_>) {
    let mut s = make();
    begin(&mut *s, 1);
    s.insert_items(&rich_items(1)).unwrap();
    s.insert_items(&[with_lang(item(Platform::X, "5", "u1", 1, "x", 1, 9), "ru")])
        .unwrap();
    s.finish_file(&sha(1), 5, 3).unwrap();
    let st = s.stats().unwrap();
    let map = |v: &[(&str, u64)]| {
        v.iter()
            .map(|(k, n)| (k.to_string(), *n))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        st.by_platform,
        map(&[("telegram", 1), ("web", 1), ("x", 3)])
    );
    assert_eq!(
        st.by_language,
        map(&[("lt", 1), ("ru", 2), ("uk", 1), ("und", 1)])
    );
    assert_eq!(
        (st.items, st.actors, st.files, st.provenance, st.errors),
        (5, 4, 1, 5, 3)
    );
    let json = serde_json::to_value(&st).unwrap();
    assert_eq!(json["record_errors"], 3);
    assert_eq!(json["by_platform"]["x"], 3);
}

fn ids(hits: &[crate::SearchHit]) -> Vec<&str> {
    hits.iter().map(|h| h.id.as_str()).collect()
}

fn search_ids(s: &dyn Store, q: &SearchQuery) -> Vec<String> {
    let hits = s.search(q).unwrap_or_else(|e| panic!("search {q:?}: {e}"));
    ids(&hits).into_iter().map(str::to_string).collect()
}

fn text_ids(s: &dyn Store, text: &str) -> Vec<String> {
    search_ids(s, &SearchQuery::new(text))
}

/// Diacritics and case never matter: `zinios` finds `Žinios`, `нато` finds `НАТО`.
pub fn search_diacritics_and_case(make: MakeStore<'_>) {
    let mut s = make();
    begin(&mut *s, 1);
    s.insert_items(&rich_items(1)).unwrap();
    s.insert_items(&[
        item(
            Platform::Telegram,
            "c/1",
            "c",
            10,
            "Rīga un Tallinn: žurnālisti ziņo",
            1,
            10,
        ),
        item(
            Platform::Telegram,
            "c/2",
            "c",
            11,
            "Zażółć gęślą jaźń, Łódź",
            1,
            11,
        ),
        item(Platform::Telegram, "c/3", "c", 12, "Ääni ja öljy", 1, 12),
    ])
    .unwrap();
    let tg = "-100123/7";
    let (ru, uk) = ("1750000000000000001", "1750000000000000002");
    let cases: &[(&str, &[&str])] = &[
        ("zinios", &[tg]),
        ("ŽINIOS", &[tg]),
        ("žinios nato", &[tg]),
        ("нато", &[ru, uk]),
        ("НАТО учения", &[ru]),
        ("\"учения нато\"", &[ru]),
        ("\"нато учения\"", &[]),
        ("навч*", &[uk]),
        ("riga zurnalisti", &["c/1"]),
        ("zazolc lodz", &["c/2"]),
        ("aani oljy", &["c/3"]),
        ("nothing-here", &[]),
        ("", &[]),
    ];
    for (q, want) in cases {
        let mut got = text_ids(&*s, q);
        got.sort();
        let mut want: Vec<String> = want.iter().map(|w| w.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "query {q:?}");
    }
}

/// Filters by platform, actor (id or handle), language and time; best match first, then
/// oldest; the limit holds.
pub fn search_filters(make: MakeStore<'_>) {
    let mut s = make();
    begin(&mut *s, 1);
    s.insert_items(&[
        with_lang(
            item(
                Platform::X,
                "x1",
                "a1",
                300,
                "flood flood flood report",
                1,
                1,
            ),
            "en",
        ),
        with_lang(
            item(
                Platform::X,
                "x2",
                "a2",
                100,
                "flood report from the region today",
                1,
                2,
            ),
            "en",
        ),
        with_lang(
            item(
                Platform::X,
                "x3",
                "a1",
                200,
                "flood report from the region today",
                1,
                3,
            ),
            "de",
        ),
        with_lang(
            item(
                Platform::Telegram,
                "t1",
                "a1",
                150,
                "flood report from the region today",
                1,
                4,
            ),
            "en",
        ),
        with_lang(
            item(Platform::X, "x4", "a3", 400, "nothing but today", 1, 5),
            "",
        ),
    ])
    .unwrap();
    let q = |f: &dyn Fn(&mut SearchQuery)| {
        let mut q = SearchQuery::new("flood");
        f(&mut q);
        search_ids(&*s, &q)
    };
    assert_eq!(
        q(&|_| {}),
        ["x1", "x2", "t1", "x3"],
        "bm25 first, then time"
    );
    assert_eq!(q(&|q| q.platform = Some(Platform::Telegram)), ["t1"]);
    assert_eq!(q(&|q| q.actor = Some("a2".into())), ["x2"]);
    assert_eq!(
        q(&|q| q.actor = Some("@H_A2".into())),
        ["x2"],
        "handle, any case, @ ignored"
    );
    assert_eq!(q(&|q| q.lang = Some("de".into())), ["x3"]);
    let und = SearchQuery {
        lang: Some("und".into()),
        ..SearchQuery::new("today")
    };
    assert_eq!(
        search_ids(&*s, &und),
        ["x4"],
        "und also matches items without a language"
    );
    assert_eq!(q(&|q| q.since = Some(150)), ["x1", "t1", "x3"]);
    assert_eq!(q(&|q| q.until = Some(150)), ["x2"], "until is exclusive");
    assert_eq!(q(&|q| q.limit = 2), ["x1", "x2"]);
    assert_eq!(q(&|q| q.limit = 0).len(), 4, "0 means no limit");
    assert_eq!(
        q(&|q| {
            q.platform = Some(Platform::X);
            q.actor = Some("a1".into());
            q.since = Some(250);
        }),
        ["x1"]
    );
    let hits = s.search(&SearchQuery::new("region")).unwrap();
    let h = &hits[0];
    assert_eq!(
        (h.platform, h.actor_id.as_str(), h.actor_handle.as_deref()),
        (Platform::X, "a2", Some("h_a2"))
    );
    assert_eq!((h.time, h.lang.as_str()), (100, "en"));
    assert!(
        h.snippet.contains("[region]"),
        "snippet marks the match: {}",
        h.snippet
    );
    assert!(
        hits.windows(2).all(|w| w[0].rank >= w[1].rank),
        "rank is descending"
    );
}

/// Strings that are syntax in full-text engines are plain words here: no query may error.
pub fn search_hostile_queries(make: MakeStore<'_>) {
    let mut s = make();
    begin(&mut *s, 1);
    s.insert_items(&[
        item(
            Platform::X,
            "1",
            "a",
            1,
            "AND OR NOT words \"quoted\" a:b",
            1,
            1,
        ),
        item(Platform::X, "2", "a", 2, "plain", 1, 2),
    ])
    .unwrap();
    let hostile = [
        "\"",
        "\"\"",
        "\"\"\"",
        "AND OR",
        "AND",
        "OR",
        "NOT",
        "NEAR",
        "NEAR(a b)",
        "*",
        "**",
        "a*b",
        "(",
        ")",
        "()",
        "a:b",
        "text:plain",
        "^plain",
        "-plain",
        "+plain",
        "{text}: plain",
        "'",
        "'; DROP TABLE items; --",
        "\\",
        "\0",
        "a\0b",
        "%",
        "_",
        "🙂",
        "- - -",
        "\u{202e}",
        "\"AND\"",
        "plain\"",
        "\"plain",
        "plain OR",
        "OR plain",
        "NOT plain",
    ];
    for q in hostile {
        if let Err(e) = s.search(&SearchQuery::new(q)) {
            panic!("query {q:?} failed: {e}");
        }
    }
    let long = "x ".repeat(5000);
    s.search(&SearchQuery::new(long)).expect("a long query");
    assert_eq!(text_ids(&*s, "AND OR"), ["1"], "operators are words");
    assert_eq!(
        text_ids(&*s, "NOT plain"),
        Vec::<String>::new(),
        "NOT is a word, not negation"
    );
    assert_eq!(
        text_ids(&*s, "\"plain"),
        ["2"],
        "an unclosed quote runs to the end"
    );
    assert_eq!(text_ids(&*s, "a:b"), ["1"]);
    assert_eq!(text_ids(&*s, "\"quoted\""), ["1"]);
}

/// Items come back with every field equal, sorted by time; the corpus holds the same.
pub fn corpus_round_trip(make: MakeStore<'_>) {
    let mut s = make();
    begin(&mut *s, 1);
    let mut items = rich_items(1);
    items.push(item(
        Platform::X,
        "late",
        "u1",
        1_800_000_000,
        "later post",
        1,
        20,
    ));
    s.insert_items(&items).unwrap();
    let mut back = Vec::new();
    s.for_each_item(&mut |it| back.push(it.clone())).unwrap();
    let mut want = items.clone();
    want.sort_by(|a, b| {
        (a.time, a.platform, &a.platform_id).cmp(&(b.time, b.platform, &b.platform_id))
    });
    assert_eq!(back.len(), want.len());
    for (got, want) in back.iter().zip(&want) {
        assert_eq!(got, want);
    }
    for want in &items {
        let got = s
            .item(want.platform, &want.platform_id)
            .unwrap()
            .expect("stored");
        assert_eq!(&got.item, want);
        assert_eq!(got.provenance, vec![want.provenance.clone()]);
    }

    let c = s.load_corpus().unwrap();
    assert_eq!(c.len(), want.len());
    for (i, want) in want.iter().enumerate() {
        let ci = &c.items[i];
        assert_eq!(c.item_id(i), want.platform_id);
        assert_eq!(
            (ci.platform, ci.kind, ci.time),
            (want.platform, want.kind, want.time)
        );
        assert_eq!(c.actor(ci.actor).actor, want.actor);
        assert_eq!(c.texts[i], want.text);
        assert_eq!(c.match_texts[i], want.match_text);
        let lang = if want.lang.is_empty() {
            "und"
        } else {
            &want.lang
        };
        assert_eq!(c.langs.resolve(ci.lang), lang);
        let tags: Vec<&str> = ci.hashtags.iter().map(|&t| c.tags.resolve(t)).collect();
        assert_eq!(tags, want.hashtags);
        let canon: Vec<&str> = ci
            .urls
            .iter()
            .map(|u| c.urls.resolve(u.canonical))
            .collect();
        let want_canon: Vec<&str> = want
            .urls
            .iter()
            .filter(|u| !u.canonical.is_empty())
            .map(|u| u.canonical.as_str())
            .collect();
        assert_eq!(canon, want_canon);
        assert_eq!(
            ci.repost_of.map(|r| c.refs.resolve(r)),
            want.repost_of.as_deref()
        );
        assert_eq!(
            ci.quote_of.map(|r| c.refs.resolve(r)),
            want.quote_of.as_deref()
        );
    }
}

/// A kind of finding about a group of actors, for tests: the store treats kinds as data and
/// knows none of the detectors'.
pub static GROUP: KindSpec = KindSpec {
    name: "group",
    id_prefix: "gr",
    noun: "group",
    plural: "groups",
    disarm: &[],
    share: ShareAs::Actors { sdo: "campaign" },
};

/// A kind of finding about a domain, for tests.
pub static SITE: KindSpec = KindSpec {
    name: "site",
    id_prefix: "si",
    noun: "site",
    plural: "sites",
    disarm: &[],
    share: ShareAs::Domain,
};

/// A finding for tests.
pub fn finding(kind: &'static KindSpec, key: &str, score: f64) -> Finding {
    Finding {
        id: skydas_model::finding_id(kind, &[key]),
        kind: FindingKind::of(kind),
        score,
        disarm: vec!["T0049.003".into()],
        first_seen: 1_700_000_000,
        last_seen: 1_700_003_600,
        summary: format!("finding {key}"),
        actors: vec![FindingActor {
            platform: Platform::Telegram,
            id: "-100123".into(),
            handle: Some("chan".into()),
            name: None,
            role: None,
        }],
        evidence: vec![Evidence {
            platform: Platform::Telegram,
            id: "-100123/7".into(),
            actor: "-100123".into(),
            time: 1_700_000_000,
            url: Some("https://example.com/a".into()),
            text: Some("Žinios".into()),
        }],
        signals: BTreeMap::from([("co-link".to_string(), 3)]),
        edges: Vec::new(),
        domain: (kind.share == ShareAs::Domain).then(|| key.to_string()),
        impersonates: None,
        techniques: Vec::new(),
        tlp: None,
        detector: kind.name.into(),
        detector_version: "1".into(),
        params: serde_json::json!({ "window_s": 60 }),
    }
}

/// Replacing findings of some kinds keeps the analyst's review of findings that survive, drops
/// the ones that do not, and leaves other kinds alone.
/// A finding made of RED indicators is RED from the start, no review lowers it, and a
/// finding without a floor keeps the analyst's choice.
pub fn findings_keep_their_marking_floor(make: MakeStore<'_>) {
    let mut s = make();
    let mut red = finding(&SITE, "known.example", 1.0);
    red.tlp = Some(Tlp::Red);
    let mut strict = finding(&SITE, "strict.example", 1.0);
    strict.tlp = Some(Tlp::AmberStrict);
    let plain = finding(&SITE, "plain.example", 1.0);
    s.replace_findings(&[SITE.name], &[red.clone(), strict.clone(), plain.clone()])
        .unwrap();
    let tlp = |s: &dyn Store, id: &str| s.review(id).unwrap().unwrap().tlp;
    assert_eq!(tlp(&*s, &red.id), Tlp::Red, "RED from the start");
    assert_eq!(tlp(&*s, &strict.id), Tlp::AmberStrict);
    assert_eq!(tlp(&*s, &plain.id), Tlp::Amber);
    assert_eq!(s.finding(&red.id).unwrap().unwrap().tlp, Some(Tlp::Red));
    for (id, want) in [
        (&red.id, Tlp::Red),
        (&strict.id, Tlp::AmberStrict),
        (&plain.id, Tlp::Green),
    ] {
        let lower = Review {
            tlp: Tlp::Green,
            ..Review::default()
        };
        assert!(s.set_review(id, &lower).unwrap());
        assert_eq!(tlp(&*s, id), want, "{id}: never below the floor");
    }
    let up = Review {
        tlp: Tlp::Red,
        ..Review::default()
    };
    assert!(s.set_review(&strict.id, &up).unwrap());
    assert_eq!(
        tlp(&*s, &strict.id),
        Tlp::Red,
        "above the floor is the analyst's"
    );
    // The plain finding now matches a RED list: a re-run raises it; the strict one keeps RED.
    let mut now_red = plain.clone();
    now_red.tlp = Some(Tlp::Red);
    s.replace_findings(&[SITE.name], &[red, strict.clone(), now_red])
        .unwrap();
    assert_eq!(tlp(&*s, &plain.id), Tlp::Red);
    assert_eq!(tlp(&*s, &strict.id), Tlp::Red);
}

pub fn findings_replace_preserves_review(make: MakeStore<'_>) {
    let (co, ld) = (&GROUP, &SITE);
    let mut s = make();
    let (a, b, c) = (
        finding(co, "a", 0.5),
        finding(co, "b", 0.9),
        finding(ld, "c.example", 0.7),
    );
    s.replace_findings(&[GROUP.name, SITE.name], &[a.clone(), b.clone(), c.clone()])
        .unwrap();
    let order: Vec<_> = s.findings().unwrap().into_iter().map(|f| f.id).collect();
    assert_eq!(
        order,
        [b.id.clone(), a.id.clone(), c.id.clone()],
        "kind, then score descending"
    );
    assert_eq!(
        s.finding(&c.id).unwrap().as_ref(),
        Some(&c),
        "body round trip"
    );
    assert_eq!(s.finding("nope").unwrap(), None);
    assert_eq!(s.review(&a.id).unwrap(), Some(Review::default()));
    assert_eq!(Review::default().tlp, Tlp::Amber);

    let confirmed = Review {
        status: ReviewStatus::Confirmed,
        note: "seen in ops".into(),
        tlp: Tlp::Green,
    };
    let dismissed = Review {
        status: ReviewStatus::Dismissed,
        note: String::new(),
        tlp: Tlp::Amber,
    };
    assert!(s.set_review(&a.id, &confirmed).unwrap());
    assert!(s.set_review(&b.id, &dismissed).unwrap());
    assert!(!s.set_review("nope", &confirmed).unwrap());

    let mut a2 = a.clone();
    a2.score = 0.95;
    a2.summary = "rescored".into();
    let d = finding(co, "d", 0.1);
    s.replace_findings(&[GROUP.name], &[a2.clone(), d.clone()])
        .unwrap();
    assert_eq!(
        s.finding(&a.id).unwrap(),
        Some(a2.clone()),
        "the new body replaces the old"
    );
    assert_eq!(
        s.review(&a.id).unwrap(),
        Some(confirmed),
        "review survives a re-run"
    );
    assert_eq!(
        s.finding(&b.id).unwrap(),
        None,
        "a vanished finding is removed"
    );
    assert_eq!(s.review(&b.id).unwrap(), None);
    assert_eq!(s.review(&d.id).unwrap(), Some(Review::default()));
    assert_eq!(
        s.finding(&c.id).unwrap(),
        Some(c.clone()),
        "other kinds are kept"
    );
    let order: Vec<_> = s.findings().unwrap().into_iter().map(|f| f.id).collect();
    assert_eq!(order, [a2.id.clone(), d.id.clone(), c.id.clone()]);

    s.replace_findings(&[SITE.name], &[]).unwrap();
    assert_eq!(s.findings().unwrap().len(), 2);
    let mut bad = finding(co, "nan", 0.0);
    bad.score = f64::NAN;
    assert!(s.replace_findings(&[GROUP.name], &[bad]).is_err());
    assert_eq!(
        s.findings().unwrap().len(),
        2,
        "a failed replace changes nothing"
    );
}

/// A version of a finding for tests: `joined` members in, at `at`.
fn change(at: i64, joined: &[&str], score_before: Option<f64>, score_after: f64) -> Change {
    Change {
        at,
        members_in: joined.iter().map(|m| (*m).to_string()).collect(),
        members_out: Vec::new(),
        evidence_before: u64::from(score_before.is_some()),
        evidence_after: 1,
        score_before,
        score_after,
        split_from: None,
        merged: Vec::new(),
    }
}

/// Versions are numbered from 1 per finding, read back as written, copied reviews land with
/// them (never below the new finding's floor), and a removed finding's versions go with it.
pub fn finding_versions_are_numbered_and_kept(make: MakeStore<'_>) {
    let mut s = make();
    let (a, b) = (finding(&GROUP, "a", 0.5), finding(&GROUP, "b", 0.6));
    let first = Revision {
        copy_review: Vec::new(),
        versions: vec![
            (a.id.clone(), change(100, &["telegram:-100123"], None, 0.5)),
            (b.id.clone(), change(100, &["telegram:-100123"], None, 0.6)),
        ],
    };
    s.revise_findings(&[GROUP.name], &[a.clone(), b.clone()], &first)
        .unwrap();
    let v = s.finding_versions(&a.id).unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].version, 1);
    assert_eq!(v[0].change, first.versions[0].1);
    assert!(s.finding_versions("nope").unwrap().is_empty());
    let confirmed = Review {
        status: ReviewStatus::Confirmed,
        note: "the same network as in March".into(),
        tlp: Tlp::Green,
    };
    assert!(s.set_review(&a.id, &confirmed).unwrap());

    // Re-analysis: `a` grows and takes in `b`, `c` splits off `a`, `d` splits off a finding
    // that is not stored.
    let mut a2 = a.clone();
    a2.score = 0.75;
    let mut c = finding(&GROUP, "c", 0.4);
    c.tlp = Some(Tlp::Red);
    let d = finding(&GROUP, "d", 0.4);
    let grown = Change {
        members_out: vec!["x:9".into()],
        merged: vec![b.id.clone()],
        ..change(200, &["x:1", "x:2"], Some(0.5), 0.75)
    };
    let split = Change {
        split_from: Some(a.id.clone()),
        ..change(200, &["x:3"], None, 0.4)
    };
    let second = Revision {
        copy_review: vec![
            (c.id.clone(), a.id.clone()),
            (d.id.clone(), "gone".to_string()),
        ],
        versions: vec![(a.id.clone(), grown.clone()), (c.id.clone(), split.clone())],
    };
    s.revise_findings(&[GROUP.name], &[a2.clone(), c.clone(), d.clone()], &second)
        .unwrap();
    let v = s.finding_versions(&a.id).unwrap();
    assert_eq!(
        v.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2],
        "numbered on"
    );
    assert_eq!(v[1].change, grown, "every field read back");
    assert_eq!(v[1].predecessors().collect::<Vec<_>>(), [b.id.as_str()]);
    assert_eq!(s.review(&a.id).unwrap(), Some(confirmed.clone()));
    assert_eq!(s.finding(&a.id).unwrap(), Some(a2.clone()));
    let cv = s.finding_versions(&c.id).unwrap();
    assert_eq!((cv.len(), cv[0].version), (1, 1));
    assert_eq!(cv[0].change, split);
    assert_eq!(
        s.review(&c.id).unwrap(),
        Some(Review {
            tlp: Tlp::Red,
            ..confirmed.clone()
        }),
        "the split takes a copy of the review, marked no lower than its floor"
    );
    assert_eq!(
        s.review(&d.id).unwrap(),
        Some(Review::default()),
        "no review to copy"
    );
    assert!(s.finding_versions(&d.id).unwrap().is_empty());
    assert_eq!(s.finding(&b.id).unwrap(), None);
    assert!(
        s.finding_versions(&b.id).unwrap().is_empty(),
        "a removed finding's versions go with it"
    );

    // A plain replace writes no version and keeps those of the findings it keeps.
    s.replace_findings(&[GROUP.name], &[a2.clone(), b.clone()])
        .unwrap();
    assert_eq!(s.finding_versions(&a.id).unwrap().len(), 2);
    assert!(s.finding_versions(&b.id).unwrap().is_empty());
    assert!(s.finding_versions(&c.id).unwrap().is_empty());
    let again = Revision {
        copy_review: Vec::new(),
        versions: vec![(b.id.clone(), change(300, &["x:5"], None, 0.6))],
    };
    s.revise_findings(&[GROUP.name], &[a2.clone(), b.clone()], &again)
        .unwrap();
    assert_eq!(
        s.finding_versions(&b.id).unwrap()[0].version,
        1,
        "a finding back after removal starts again"
    );

    // A failed revision changes nothing.
    let mut bad = finding(&GROUP, "nan", 0.0);
    bad.score = f64::NAN;
    let more = Revision {
        copy_review: Vec::new(),
        versions: vec![(a.id.clone(), change(400, &["x:7"], Some(0.75), 0.8))],
    };
    assert!(
        s.revise_findings(&[GROUP.name], &[a2.clone(), bad], &more)
            .is_err()
    );
    assert_eq!(s.finding_versions(&a.id).unwrap().len(), 2);
}

/// Add, update, list (sorted, normalised) and remove protected domains.
pub fn protected_crud(make: MakeStore<'_>) {
    let mut s = make();
    let row = |d: &str, c: &str, k: &str, n: &str| ProtectedRow {
        domain: d.into(),
        country: c.into(),
        kind: k.into(),
        note: n.into(),
    };
    assert_eq!(s.protected_list().unwrap(), []);
    assert!(
        s.protected_add("LRT.lt.", "LT", "media", "public broadcaster")
            .unwrap()
    );
    assert!(s.protected_add(" delfi.lt ", "LT", "media", "").unwrap());
    assert!(
        !s.protected_add("lrt.lt", "LT", "media", "updated").unwrap(),
        "already listed"
    );
    assert!(s.protected_add("", "LT", "media", "").is_err());
    assert!(s.protected_add(" . ", "LT", "media", "").is_err());
    assert_eq!(
        s.protected_list().unwrap(),
        [
            row("delfi.lt", "LT", "media", ""),
            row("lrt.lt", "LT", "media", "updated")
        ]
    );
    assert!(s.protected_remove("DELFI.LT").unwrap());
    assert!(!s.protected_remove("delfi.lt").unwrap());
    assert!(!s.protected_remove("").unwrap());
    assert_eq!(
        s.protected_list().unwrap(),
        [row("lrt.lt", "LT", "media", "updated")]
    );
}

/// Originals are kept once under their hash, unchanged.
pub fn originals_kept_by_hash(make: MakeStore<'_>) {
    let mut s = make();
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("export.json");
    std::fs::write(&src, b"abc").expect("write");
    let h = crate::sha256_file(&src).expect("hash");
    assert_eq!(s.original_path(&h).unwrap(), None);
    let kept = s.store_original(&src, &h).unwrap();
    assert!(
        kept.ends_with(crate::original_relpath(&h)),
        "{}",
        kept.display()
    );
    assert_eq!(std::fs::read(&kept).unwrap(), b"abc");
    assert_eq!(
        s.store_original(&src, &h).unwrap(),
        kept,
        "a second store is a no-op"
    );
    assert_eq!(s.original_path(&h).unwrap(), Some(kept));
    for bad in ["../../etc/passwd", "ABC", &"A".repeat(64), ""] {
        assert!(s.store_original(&src, bad).is_err(), "{bad:?}");
        assert!(s.original_path(bad).is_err(), "{bad:?}");
    }
}
