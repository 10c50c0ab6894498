//! X API v2: page documents, JSONL of pages and twarc2 flattened lines.

use skydas_model::{ItemKind, Locator, Platform};

use crate::{Outcome, import};

/// `id kind repost_of/quote_of/reply_to actor-handle`, one per item.
fn summary(out: &Outcome) -> Vec<String> {
    out.items
        .iter()
        .map(|i| {
            let target = i
                .repost_of
                .as_deref()
                .or(i.quote_of.as_deref())
                .or(i.reply_to.as_deref());
            format!(
                "{} {} {} {}",
                i.platform_id,
                i.kind.as_str(),
                target.unwrap_or("-"),
                i.actor.handle.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

const EXPECTED: [&str; 3] = [
    "1760000000000000001 repost 1759999999999999999 baltic_voice",
    "1760000000000000002 quote 1759999999999999999 kaunas_real",
    "1760000000000000003 reply 1759999999999999999 baltic_voice",
];

/// Checks what both JSONL shapes give: the expected items, from the lines `lines`, the
/// retweet's text completed from its original (`why` says where that was found).
fn check_jsonl(out: &Outcome, lines: [u64; 3], why: &str) {
    assert_eq!(summary(out), EXPECTED);
    let locs: Vec<Locator> = out.items.iter().map(|i| i.provenance.locator).collect();
    assert_eq!(locs, lines.map(Locator::Line));
    assert!(out.items[0].text.starts_with("Seimas priėmė"), "{why}");
}

#[test]
fn page_document() {
    let out = import("x/x_page.json");
    let s = out.result.as_ref().expect("imports");
    assert_eq!((s.importer.as_str(), s.items, s.errors), ("x-v2", 3, 0));
    assert_eq!(summary(&out), EXPECTED);

    let rt = &out.items[0];
    assert_eq!(rt.platform, Platform::X);
    assert_eq!(
        rt.text,
        "Seimas priėmė sprendimą dėl gynybos biudžeto. Plačiau: https://t.co/AbCdEfGh #Seimas"
    );
    assert_eq!(rt.urls.len(), 1);
    assert_eq!(rt.urls[0].raw, "https://t.co/AbCdEfGh");
    assert_eq!(
        rt.urls[0].expanded.as_deref(),
        Some("https://www.lrt.lt/naujienos/1")
    );
    assert_eq!(rt.hashtags, vec!["Seimas"]);
    assert_eq!(rt.lang_hint.as_deref(), Some("lt"));
    assert_eq!(rt.time, 1_708_754_400);
    assert_eq!(rt.actor.platform_id, "3001");
    assert_eq!(rt.actor.followers, Some(3));
    assert_eq!(rt.actor.created_at, Some(1_708_430_400));
    assert_eq!(rt.provenance.locator, Locator::Record(0));

    let quote = &out.items[1];
    assert_eq!(quote.time, 1_708_754_405);
    assert_eq!(quote.hashtags, vec!["Lietuva"]);
    let reply = &out.items[2];
    assert_eq!(
        reply.urls[0].expanded.as_deref(),
        Some("https://lrt-lt.ltd/naujiena/1"),
        "unwound_url first"
    );
    assert_eq!(reply.kind, ItemKind::Reply);
}

#[test]
fn jsonl_of_pages() {
    let out = import("x/x_pages.jsonl");
    let s = out.result.as_ref().expect("imports");
    assert_eq!((s.items, s.errors), (3, 0));
    check_jsonl(
        &out,
        [1, 1, 2],
        "retweet completed from the line's includes",
    );
}

#[test]
fn twarc2_flattened_with_a_truncated_line() {
    let out = import("x/x_twarc2.jsonl");
    let s = out
        .result
        .as_ref()
        .expect("a bad line does not sink the file");
    assert_eq!((s.importer.as_str(), s.items, s.errors), ("x-v2", 3, 2));
    check_jsonl(&out, [1, 3, 5], "retweet completed from the inlined tweet");

    let errs: Vec<String> = out.errors.iter().map(|e| e.to_string()).collect();
    let path = crate::fixture("x/x_twarc2.jsonl");
    let prefix = |n: u32| format!("{}:{n}: ", path.display());
    assert!(
        errs[0].starts_with(&(prefix(2) + "truncated json")),
        "{}",
        errs[0]
    );
    assert!(
        errs[1].starts_with(&(prefix(6) + "missing author_id")),
        "{}",
        errs[1]
    );
}
