//! Discovery, hashing, gzip and importer choice.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use skydas_ingest::{
    FileError, ImportOptions, discover, hash_file, importer_by_name, sniff_format,
};

use crate::{fixture, import_with};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory")
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().expect("has a parent")).expect("mkdir");
    fs::write(&p, bytes).expect("write");
    p
}

#[test]
fn discover_walks_an_export_folder_by_content_and_names_what_it_skips() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let keep = [
        write(d, "ChatExport_2024/result.json", b"{\"messages\":[]}"),
        write(d, "a/tweets.jsonl.gz", &gzip(b"{}\n")),
        write(d, "a/z.csv", b"id,text\n1,x\n"),
        // A hidden file is data like any other.
        write(d, "a/.hidden.json", b"{}"),
        write(d, "b/feed.xml", b"<rss/>"),
        // The name says page, the content says feed: it is a candidate.
        write(
            d,
            "b/page.html",
            b"<?xml version=\"1.0\"?><rss version=\"2.0\"/>",
        ),
        write(d, "b/noext", b"{}"),
        // Garbage is kept, so that the import names it as unrecognised.
        write(d, "b/garbage.bin", b"\xff\xfe\0\x13\x37"),
    ];
    let skipped = [
        (
            write(d, "ChatExport_2024/messages.html", b"<html>"),
            "HTML page",
        ),
        (
            write(d, "ChatExport_2024/photos/photo_1.jpg", b"\xFF\xD8\xFF\xE0"),
            "media",
        ),
        (write(d, ".git/config", b"[core]"), "hidden folder"),
        (write(d, "b/sticker.webp", b"RIFF"), "RIFF"),
        (
            write(d, "b/picture_without_ext", b"\x89PNG\r\n\x1a\n\0\0"),
            "PNG image",
        ),
    ];
    write(d, "ChatExport_2024/files/doc.json", b"{}");
    write(d, "ChatExport_2024/css/style.css", b"body{}");
    write(
        d,
        "ChatExport_2024/video_files/v.mp4",
        b"\0\0\0\x18ftypmp42",
    );
    let missing = d.join("nope");
    let found = discover(&[d.to_path_buf(), missing.clone()]);
    let mut want = keep.to_vec();
    want.sort();
    assert_eq!(found.files, want);
    assert_eq!(found.errors.len(), 1);
    assert!(matches!(&found.errors[0], FileError::Io { path, .. } if *path == missing));
    // Every skipped file or folder is named with its reason.
    for (path, why) in &skipped {
        let named = found
            .skipped
            .iter()
            .find(|s| path == &s.path || path.starts_with(&s.path));
        let named =
            named.unwrap_or_else(|| panic!("{} is not named: {:?}", path.display(), found.skipped));
        assert!(
            named.reason.contains(why),
            "{}: {}",
            path.display(),
            named.reason
        );
    }
    // Folders of media are named once, not file by file.
    assert_eq!(found.skipped.len(), 8, "{:?}", found.skipped);

    // A file named explicitly is kept whatever it is.
    let html = d.join("ChatExport_2024/messages.html");
    assert_eq!(discover(std::slice::from_ref(&html)).files, vec![html]);
}

#[test]
fn hashes_stream_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = write(tmp.path(), "abc", b"abc");
    let (hex, size) = hash_file(&p).expect("hash");
    assert_eq!(
        hex,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(size, 3);
    // Larger than one chunk.
    let big = write(tmp.path(), "big", &vec![b'a'; (1 << 20) + 5]);
    assert_eq!(hash_file(&big).expect("hash").1, (1 << 20) + 5);
}

#[test]
fn gzip_and_bom_are_transparent() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let raw = fs::read(fixture("x/x_twarc2.jsonl")).expect("fixture");
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(&raw);
    let gz = write(tmp.path(), "t.jsonl.gz", &gzip(&with_bom));
    // Two gzip members back to back are one stream.
    let mut two = gzip(&raw[..100]);
    two.extend(gzip(&raw[100..]));
    let multi = write(tmp.path(), "multi.gz", &two);
    for p in [gz, multi] {
        let out = import_with(&p, &ImportOptions::default());
        let s = out.result.expect("imports");
        assert_eq!(
            (s.importer.as_str(), s.items, s.errors),
            ("x-v2", 3, 2),
            "{}",
            p.display()
        );
    }
}

#[test]
fn a_gzip_bomb_stops_at_the_limit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // 8 MiB of spaces compress to about 8 KiB.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let chunk = vec![b' '; 1 << 20];
    enc.write_all(b"{\"id\":\"1\",\"author_id\":\"2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"t\"}\n")
        .expect("in memory");
    for _ in 0..8 {
        enc.write_all(&chunk).expect("in memory");
    }
    let p = write(tmp.path(), "bomb.gz", &enc.finish().expect("in memory"));
    let opts = ImportOptions {
        max_decompressed: 1 << 20,
        ..ImportOptions::default()
    };
    let out = import_with(&p, &opts);
    assert!(
        matches!(out.result, Err(FileError::TooLarge { limit, .. }) if limit == 1 << 20),
        "{:?}",
        out.result
    );
    // A limit the content fits in is fine.
    let opts = ImportOptions {
        max_decompressed: 9 << 20,
        ..ImportOptions::default()
    };
    assert_eq!(import_with(&p, &opts).result.expect("fits").items, 1);
}

#[test]
fn unknown_and_forced_formats() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = write(tmp.path(), "n.txt", &[0xde, 0xad, 0xbe, 0xef]);
    let out = import_with(&p, &ImportOptions::default());
    match out.result {
        Err(FileError::UnknownFormat { known, .. }) => {
            assert!(
                known.contains("telegram") && known.contains("x-v2"),
                "{known}"
            )
        }
        other => panic!("expected unknown format, got {other:?}"),
    }
    let forced = ImportOptions {
        format: Some("x_v2".into()),
        ..ImportOptions::default()
    };
    let out = import_with(&fixture("x/x_page.json"), &forced);
    assert_eq!(out.result.expect("imports").importer, "x-v2");
    let bogus = ImportOptions {
        format: Some("myspace".into()),
        ..ImportOptions::default()
    };
    let out = import_with(&fixture("x/x_page.json"), &bogus);
    assert!(matches!(out.result, Err(FileError::NoSuchImporter { .. })));
    assert!(matches!(
        import_with(&tmp.path().join("gone"), &forced).result,
        Err(FileError::Io { .. })
    ));
}

#[test]
fn sniffing_picks_the_right_importer() {
    for (rel, want) in [
        ("telegram/telegram_chat.json", "telegram"),
        ("telegram/telegram_account.json", "telegram"),
        ("x/x_page.json", "x-v2"),
        ("x/x_pages.jsonl", "x-v2"),
        ("x/x_twarc2.jsonl", "x-v2"),
    ] {
        let head = fs::read(fixture(rel)).expect("fixture");
        let got = sniff_format(&head).map(|i| i.name());
        assert_eq!(got, Some(want), "{rel}");
    }
    assert_eq!(
        importer_by_name("TELEGRAM").map(|i| i.name()),
        Some("telegram")
    );
    assert!(importer_by_name("nope").is_none());
}
