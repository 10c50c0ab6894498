//! Every importer over the real files others wrote (`../shared/data/real_formats/`: feedparser's
//! test suite, twarc2 output, Telegram export parsers' fixtures, trimmed CrowdTangle CSVs): no
//! panic, no hang, and per-format expectations. The corpus is read where it lies, never copied:
//! `SKYDAS_REAL_FORMATS` names it, else it is looked for beside the workspace. Without it the
//! tests say so and pass, unless `SKYDAS_REQUIRE_DATA=1` (CI) makes its absence a failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use skydas_ingest::{ColumnMap, Event, ImportOptions, discover, hash_file, import_file};
use skydas_model::{Item, TimeBasis, UrlSource};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("SKYDAS_REAL_FORMATS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/real_formats"),
        PathBuf::from,
    );
    if dir.join("README.md").is_file() {
        return Some(dir);
    }
    let why = format!(
        "no real-file corpus at {} (set SKYDAS_REAL_FORMATS)",
        dir.display()
    );
    assert!(
        std::env::var("SKYDAS_REQUIRE_DATA").as_deref() != Ok("1"),
        "{why}"
    );
    eprintln!("skipping: {why}");
    None
}

/// What importing one file gave.
#[derive(Debug, Default)]
struct Got {
    importer: Option<String>,
    failure: Option<String>,
    items: Vec<Item>,
    errors: Vec<String>,
    warnings: Vec<String>,
}

/// Imports one file on a thread of its own, with a deadline: a hang fails the test.
fn import(path: &Path, options: &ImportOptions) -> Got {
    let (tx, rx) = mpsc::channel();
    let (p, o) = (path.to_path_buf(), options.clone());
    std::thread::spawn(move || {
        let mut got = Got::default();
        let sha = hash_file(&p).map(|h| h.0).unwrap_or_default();
        let res = import_file(&p, &sha, &o, &mut |ev| match ev {
            Event::Item(i) => got.items.push(*i),
            Event::Error(e) => got.errors.push(e.reason),
            Event::Warning(w) => got.warnings.push(w.reason),
        });
        match res {
            Ok(s) => got.importer = Some(s.importer),
            Err(e) => got.failure = Some(e.to_string()),
        }
        let _ = tx.send(got);
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{}: no answer in 60 s (a hang, or a panic)", path.display()))
}

fn import_all(dir: &Path) -> BTreeMap<String, Got> {
    let found = discover(&[dir.to_path_buf()]);
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    let files = found.files;
    let options = ImportOptions {
        // A small record limit: memory per record stays bounded whatever the file.
        max_record: 1 << 20,
        ..ImportOptions::default()
    };
    files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(dir).unwrap_or(f).display().to_string();
            (rel, import(f, &options))
        })
        .collect()
}

fn link(i: &Item) -> Option<&str> {
    i.urls
        .iter()
        .find(|u| u.source == UrlSource::Link)
        .map(|u| u.raw.as_str())
}

#[test]
fn feeds_import_what_a_lenient_parser_recovers() {
    let Some(root) = corpus() else { return };
    let all = import_all(&root.join("feeds"));
    assert!(all.len() > 1300, "{} files", all.len());
    let failed: Vec<(&String, &Option<String>)> = all
        .iter()
        .filter(|(_, g)| g.failure.is_some())
        .map(|(p, g)| (p, &g.failure))
        .collect();
    // Only files that are not feeds at all fail: CDF-less junk, an empty document.
    assert!(failed.len() <= 10, "{failed:#?}");
    let items: usize = all.values().map(|g| g.items.len()).sum();
    assert!(items >= 97, "{items} entries imported");
    // Every refusal is the one named rule: an entry with neither a link nor an id.
    let mut reasons = BTreeMap::<&str, usize>::new();
    for g in all.values() {
        for r in &g.errors {
            *reasons.entry(r.as_str()).or_default() += 1;
        }
    }
    assert_eq!(
        reasons.keys().copied().collect::<Vec<_>>(),
        ["missing link and guid"]
    );
    // Defect classes, one real file each: the entry, its key and what was said about it.
    let find = |rel: &str| {
        all.get(&format!("feedparser/{rel}"))
            .unwrap_or_else(|| panic!("{rel} missing from the corpus"))
    };
    // A DOCTYPE that declares the entity the guid uses.
    let g = find("wellformed/rss/entity_in_doctype.xml");
    assert_eq!(
        g.items[0].platform_id.split_once('#').map(|p| p.1),
        Some("tag:example.com,2006-05-04:/blog/")
    );
    // A bare `&` in a link, and the root's end tag cut short.
    let g = find("entities/query_variable_entry.xml");
    assert_eq!(link(&g.items[0]), Some("http://example/?a=1&b=2&c"));
    assert!(
        g.warnings.iter().any(|w| w == "truncated document"),
        "{:?}",
        g.warnings
    );
    // RSS 1.0: the id is `rdf:about`.
    let g = find("wellformed/rdf/rdf_item_rdf_about.xml");
    assert_eq!(
        g.items[0].platform_id.split_once('#').map(|p| p.1),
        Some("http://example.org/1")
    );
    // Every element prefixed, dated by a Dublin Core module only.
    let g = find("wellformed/namespace/rss2.0NSwithModulesNoDefNS.xml");
    assert_eq!(g.items.len(), 1, "{g:?}");
    assert_eq!(
        skydas_model::time::format_rfc3339(g.items[0].time),
        "2002-09-28T20:01:19Z"
    );
    // A comment before the XML declaration and a file cut short.
    let g = find("illformed/rdf_channel_empty_textinput.xml");
    assert_eq!(g.items.len(), 1);
    // A per-entry author kept as the byline.
    let g = find("wellformed/namespace/rss2.0withAtomNS.xml");
    assert_eq!(g.items[0].author.as_deref(), Some("wearehugh"));
    // UTF-16 and UTF-32 without a byte-order mark are read, not "unrecognised".
    for f in ["encoding/utf-32le.xml", "encoding/u16.xml"] {
        let g = find(f);
        assert!(g.failure.is_none(), "{f}: {:?}", g.failure);
    }
    // An entry without any date takes the file's time, and says so.
    let g = find("wellformed/rss/item_guid.xml");
    assert_eq!(g.items[0].time_basis, TimeBasis::FileTime);
    assert!(g.warnings.iter().any(|w| w == "date from the file"));
    // CDF: the item's link is an attribute, resolved against the channel's base.
    let g = find("wellformed/base/cdf_item_abstract_xml_base.xml");
    assert_eq!(link(&g.items[0]), Some("http://base.example.org/item/1"));
}

#[test]
fn x_responses_as_twarc_writes_them() {
    let Some(root) = corpus() else { return };
    let all = import_all(&root.join("x"));
    let count = |f: &str| all[&format!("twarc-csv/{f}")].items.len();
    assert_eq!(count("2sets.jsonl"), 200);
    assert_eq!(count("flat.jsonl"), 100);
    assert_eq!(count("noflat.jsonl"), 100);
    assert_eq!(count("withheld.jsonl"), 215);
    assert_eq!(count("entities_test.jsonl"), 474);
    // A stream cut by an error line: the good tweets land, the cut line is named.
    let s = &all["twarc-csv/streaming_output_with_error.jsonl"];
    assert_eq!(
        (s.items.len(), s.errors.as_slice()),
        (7, &["truncated json".to_string()][..])
    );
    // Responses without tweets are named for what they are.
    for (f, kind) in [
        ("counts.jsonl", "tweet counts"),
        ("users.jsonl", "users"),
        ("lists.jsonl", "lists"),
        ("tweets_compliance.jsonl", "compliance"),
    ] {
        let fail = all[&format!("twarc-csv/{f}")]
            .failure
            .clone()
            .unwrap_or_default();
        assert!(fail.contains(kind), "{f}: {fail}");
    }
    assert!(
        all["twarc-csv/empty.json"]
            .failure
            .as_deref()
            .is_some_and(|f| f.ends_with("empty file"))
    );
    // A flattened retweet takes the whole original text, not its cut copy and its bogus link.
    let flat = &all["twarc-csv/flat.jsonl"].items;
    let rt = flat
        .iter()
        .find(|i| i.platform_id == "1380242611781386245")
        .expect("the retweet");
    assert!(!rt.text.ends_with('…'), "{}", rt.text);
    assert!(rt.text.starts_with("De manera simultánea"), "{}", rt.text);
    for f in [flat, &all["twarc-csv/noflat.jsonl"].items] {
        assert!(
            f.iter()
                .all(|i| i.urls.iter().all(|u| !u.raw.ends_with('…'))),
            "no URL cut short"
        );
    }
}

#[test]
fn telegram_exports_as_parsers_keep_them() {
    let Some(root) = corpus() else { return };
    let all = import_all(&root.join("telegram"));
    for (f, n) in [
        ("chat-miner_single.json", 2),
        ("chat-miner_batch.json", 2),
        ("chatpack_telegram_export.json", 7),
        ("game-news-aggregator_telegram_export.json", 1),
        ("telegram-export-parser_test_data.json", 7),
    ] {
        let g = &all[f];
        assert_eq!(g.items.len(), n, "{f}: {g:?}");
        assert!(g.errors.is_empty(), "{f}: {:?}", g.errors);
    }
    // Trimmed exports say what they lack.
    let g = &all["chat-miner_single.json"];
    assert_eq!(g.warnings, ["missing chat id", "missing message id"]);
    // Without `date_unixtime` the local date is read as UTC, and said.
    let g = &all["telegram-export-parser_test_data.json"];
    assert!(g.warnings.iter().any(|w| w == "local time"));
    assert!(g.items.iter().all(|i| i.time_basis == TimeBasis::LocalUtc));
    assert_eq!(
        skydas_model::time::format_rfc3339(g.items[0].time),
        "2024-01-15T10:30:00Z"
    );
}

#[test]
fn trimmed_crowdtangle_exports_and_a_mapped_csv() {
    let Some(root) = corpus() else { return };
    let all = import_all(&root.join("crowdtangle"));
    let db1 = &all["crowdtangle-jupyter-nb_db1_rows_with_genocide.csv"];
    assert_eq!(db1.importer.as_deref(), Some("crowdtangle"));
    assert_eq!(db1.items.len(), 2203, "{:?}", db1.errors);
    // `2023-11-13 04:30:36 EST` is 09:30:36 UTC; the page id comes from the post URL.
    assert_eq!(
        skydas_model::time::format_rfc3339(db1.items[0].time),
        "2023-11-13T09:30:36Z"
    );
    assert_eq!(db1.items[0].actor.platform_id, "100069351265250");
    assert_eq!(
        all["crowdtangle-jupyter-nb_db2_rows_with_genocide.csv"]
            .items
            .len(),
        382
    );
    // A list of pages without post times is not posts.
    assert!(
        all["crowdtangle-jupyter-nb_media_outlets_with_fb_page_admin_in_palestine.csv"]
            .failure
            .is_some()
    );
    // The synthetic 4chan CSV imports with a column map, and only with one.
    let chan = root.join("generic/network-inference_sample_4chan.csv");
    assert!(import(&chan, &ImportOptions::default()).failure.is_some());
    let pairs: Vec<String> = [
        "id=no",
        "actor_id=name",
        "time=time",
        "text=body",
        "reply_to=thread_id",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let options = ImportOptions {
        format: Some("generic".into()),
        column_map: ColumnMap::from_pairs(&pairs, Some("other")).expect("a valid map"),
        ..ImportOptions::default()
    };
    let g = import(&chan, &options);
    assert!(g.failure.is_none(), "{:?}", g.failure);
    assert!(g.items.len() > 100, "{}", g.items.len());
    assert!(g.errors.is_empty(), "{:?}", g.errors);
}
