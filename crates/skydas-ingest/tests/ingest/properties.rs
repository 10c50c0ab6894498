//! Property tests: no input makes an importer panic or loop, and layout never changes results.

use std::io::Write;

use proptest::prelude::*;
use skydas_ingest::formats::{telegram::Telegram, x_v2::XV2};
use skydas_ingest::{Event, FileContext, ImportOptions, Importer};

use crate::{fixture, import_with};

/// Runs an importer over bytes; returns (items, errors, fatal).
fn run(imp: &dyn Importer, bytes: &[u8], opts: &ImportOptions) -> (u64, u64, bool) {
    let ctx = FileContext {
        path: std::path::Path::new("p"),
        sha256: "00",
        options: opts,
        file_time: None,
    };
    let (mut items, mut errors) = (0, 0);
    let res = imp.import(&mut &bytes[..], &ctx, &mut |ev| match ev {
        Event::Item(_) => items += 1,
        Event::Error(_) => errors += 1,
        Event::Warning(_) => {}
    });
    (items, errors, res.is_err())
}

fn fixtures() -> Vec<Vec<u8>> {
    [
        "telegram/telegram_chat.json",
        "telegram/telegram_account.json",
        "x/x_page.json",
        "x/x_pages.jsonl",
        "x/x_twarc2.jsonl",
    ]
    .iter()
    .map(|r| std::fs::read(fixture(r)).expect("fixture"))
    .collect()
}

/// A fixture with a few bytes replaced, inserted or cut.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let edits = prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..8);
    (0..5usize, edits).prop_map(|(which, edits)| {
        let mut b = fixtures().swap_remove(which);
        for (at, op, byte) in edits {
            if b.is_empty() {
                break;
            }
            let i = at.index(b.len());
            match op {
                0 => b[i] = byte,
                1 => b.insert(i, byte),
                _ => b.truncate(i),
            }
        }
        b
    })
}

fn small_opts() -> ImportOptions {
    ImportOptions {
        max_record: 4096,
        ..ImportOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let opts = small_opts();
        run(&Telegram, &bytes, &opts);
        run(&XV2, &bytes, &opts);
    }

    #[test]
    fn json_like_text_never_panics(s in r#"[\[\]{}:,"0-9a-z_ \n\\]{0,400}"#) {
        let opts = small_opts();
        let doc = format!(r#"{{"name":"c","type":"public_channel","id":1,"messages":[{s}"#);
        run(&Telegram, doc.as_bytes(), &opts);
        run(&XV2, s.as_bytes(), &opts);
        let page = format!(r#"{{"data":[{s}"#);
        run(&XV2, page.as_bytes(), &opts);
    }

    #[test]
    fn mutated_fixtures_never_panic(bytes in mutated()) {
        let opts = small_opts();
        run(&Telegram, &bytes, &opts);
        run(&XV2, &bytes, &opts);
    }

    #[test]
    fn layout_does_not_change_the_items(indent in 0usize..4, crlf in any::<bool>()) {
        // The same documents, re-serialised compact or indented, give the same items.
        let opts = ImportOptions::default();
        for (rel, imp, want) in [
            ("telegram/telegram_chat.json", &Telegram as &dyn Importer, 4u64),
            ("telegram/telegram_account.json", &Telegram, 4),
            ("x/x_page.json", &XV2, 3),
        ] {
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(fixture(rel)).expect("fixture")).expect("json");
            let text = if indent == 0 {
                serde_json::to_string(&v).expect("serialises")
            } else {
                let ind = " ".repeat(indent).into_bytes();
                let mut out = Vec::new();
                let fmt = serde_json::ser::PrettyFormatter::with_indent(&ind);
                let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
                serde::Serialize::serialize(&v, &mut ser).expect("serialises");
                String::from_utf8(out).expect("utf-8")
            };
            let text = if crlf { text.replace('\n', "\r\n") } else { text };
            prop_assert_eq!(run(imp, text.as_bytes(), &opts), (want, 0, false), "{}", rel);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn import_file_survives_anything(bytes in prop::collection::vec(any::<u8>(), 0..1024), gz in any::<bool>()) {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        if gz {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(&bytes).expect("in memory");
            f.write_all(&enc.finish().expect("in memory")).expect("write");
        } else {
            f.write_all(&bytes).expect("write");
        }
        let opts = ImportOptions { max_decompressed: 512, ..small_opts() };
        let _ = import_with(f.path(), &opts);
    }
}
