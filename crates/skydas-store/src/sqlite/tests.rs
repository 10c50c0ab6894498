//! The conformance suite (the store and its sharing tables) run against SQLite, plus what only
//! this backend has: crash recovery, migrations, the switchable full-text index.

use std::cell::Cell;

use super::*;
use crate::conformance::{self, file, item, rich_items, sha};
use crate::sharing::SharingStore;
use skydas_model::{ItemKind, ItemUrl, UrlSource};

fn run_store(check: conformance::Check, _name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let n = Cell::new(0u32);
    let make = || -> Box<dyn Store> {
        n.set(n.get() + 1);
        let path = dir.path().join(n.get().to_string());
        Box::new(SqliteStore::open(&path, OpenOptions::default()).unwrap())
    };
    check(&make);
}

fn run_sharing(check: conformance::sharing::Check, _name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let n = Cell::new(0u32);
    let make = || -> Box<dyn SharingStore> {
        n.set(n.get() + 1);
        let path = dir.path().join(n.get().to_string());
        let store = SqliteStore::open(&path, OpenOptions::default()).unwrap();
        Box::new(store.sharing().unwrap())
    };
    check(&make);
}

crate::conformance_tests!(run_store, run_sharing);

/// Many small items of file 1, as an import would produce them.
fn many_items(n: u64) -> Vec<Item> {
    (0..n)
        .map(|i| {
            let mut it = item(
                Platform::X,
                &format!("{i}"),
                &format!("a{}", i % 17),
                1_700_000_000 + i as i64,
                &format!("post number {i} about the weather"),
                1,
                i + 1,
            );
            it.hashtags = vec![format!("t{}", i % 5)];
            it
        })
        .collect()
}

fn open(dir: &Path) -> SqliteStore {
    SqliteStore::open(dir, OpenOptions::default()).unwrap()
}

/// The stats of importing `items` once into a fresh store.
fn single_import_stats(items: &[Item]) -> Stats {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    s.begin_file(&file(1)).unwrap();
    s.insert_items(items).unwrap();
    s.finish_file(&sha(1), items.len() as u64, 0).unwrap();
    s.stats().unwrap()
}

/// The store in `dir` after file 1 was begun and its first `batch` stored, as an import that is
/// about to be interrupted leaves it.
fn begun_with_batch(dir: &Path, batch: &[Item]) -> SqliteStore {
    let mut s = open(dir);
    s.begin_file(&file(1)).unwrap();
    s.insert_items(batch).unwrap();
    s
}

/// Imports file 1's `items` again in batches of `batch` after an interruption and finishes the
/// file; checks that the store ends as one uninterrupted import leaves it, and returns what the
/// batches added.
fn resume_import(s: &mut SqliteStore, items: &[Item], batch: usize) -> InsertOutcome {
    s.begin_file(&file(1)).unwrap();
    let mut total = InsertOutcome::default();
    for b in items.chunks(batch) {
        total += s.insert_items(b).unwrap();
    }
    s.finish_file(&sha(1), items.len() as u64, 0).unwrap();
    assert_eq!(s.stats().unwrap(), single_import_stats(items));
    total
}

#[test]
fn interrupted_import_resumes_to_exact_counts() {
    let items = many_items(600);
    let dir = tempfile::tempdir().unwrap();
    // Dropped without finish_file, as when the process is killed between batches.
    drop(begun_with_batch(dir.path(), &items[..250]));
    let mut s = open(dir.path());
    assert_eq!(s.file_status(&sha(1)).unwrap(), Some(FileStatus::Partial));
    assert_eq!(
        resume_import(&mut s, &items, 200),
        InsertOutcome {
            new_items: 350,
            duplicates: 250,
            new_provenance: 350
        }
    );
    assert_eq!(s.file_status(&sha(1)).unwrap(), Some(FileStatus::Complete));
    assert_eq!(
        s.search(&SearchQuery {
            limit: 0,
            ..SearchQuery::new("weather")
        })
        .unwrap()
        .len(),
        600
    );
}

#[test]
fn uncommitted_batch_vanishes_with_its_connection() {
    let items = many_items(3000);
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = begun_with_batch(dir.path(), &items[..1000]);
        // A tiny page cache makes SQLite spill uncommitted pages into the WAL, as a big batch
        // does, so the rollback below has written frames to discard.
        s.conn.execute_batch("PRAGMA cache_size = 10").unwrap();
        let tx = s.conn.transaction().unwrap();
        let out = write_items(&tx, &mut s.actors, &mut s.files, true, &items[1000..]).unwrap();
        assert_eq!(out.new_items, 2000);
        // Never committed nor rolled back: the connection closes mid-transaction, as when the
        // process dies.
        std::mem::forget(tx);
    }
    let mut s = open(dir.path());
    assert_eq!(
        s.stats().unwrap().items,
        1000,
        "only the committed batch is there"
    );
    assert_eq!(s.stats().unwrap().provenance, 1000);
    assert_eq!(
        resume_import(&mut s, &items, 700),
        InsertOutcome {
            new_items: 2000,
            duplicates: 1000,
            new_provenance: 2000
        }
    );
    let c = s.load_corpus().unwrap();
    assert_eq!(c.len(), 3000);
    assert!(c.items.windows(2).all(|w| w[0].time <= w[1].time));
}

#[test]
fn failed_batch_rolls_back_and_forgets_cached_ids() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    s.begin_file(&file(1)).unwrap();
    s.conn
        .execute_batch(
            "CREATE TEMP TRIGGER boom BEFORE INSERT ON items WHEN NEW.platform_id = 'boom' \
             BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        )
        .unwrap();
    let fresh = item(Platform::X, "1", "new_actor", 10, "first", 1, 1);
    let boom = item(Platform::X, "boom", "u", 11, "fails", 1, 2);
    let other_file = item(Platform::X, "2", "new_actor", 12, "second", 7, 1);
    let err = s
        .insert_items(&[fresh.clone(), other_file.clone(), boom])
        .unwrap_err();
    assert!(err.to_string().contains("boom"), "{err}");
    assert_eq!(s.stats().unwrap().items, 0);
    assert_eq!(
        s.stats().unwrap().actors,
        0,
        "the actor row was rolled back too"
    );
    s.conn.execute_batch("DROP TRIGGER boom").unwrap();
    // Without forgetting the cached ids these would point at rolled-back actor and file rows.
    s.insert_items(&[fresh.clone(), other_file.clone()])
        .unwrap();
    assert_eq!(s.item(Platform::X, "1").unwrap().unwrap().item, fresh);
    let stored = s.item(Platform::X, "2").unwrap().unwrap();
    assert_eq!(stored.item, other_file);
    assert_eq!(
        stored.provenance[0].file_sha256,
        sha(7),
        "an unannounced file is recorded"
    );
    assert_eq!(s.file_status(&sha(7)).unwrap(), Some(FileStatus::Partial));
}

#[test]
fn search_is_refused_without_the_index_and_rebuilt_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let scan = OpenOptions {
        fts: false,
        keep_originals: false,
    };
    {
        let mut s = SqliteStore::open(dir.path(), scan).unwrap();
        s.begin_file(&file(1)).unwrap();
        s.insert_items(&rich_items(1)).unwrap();
        let err = s.search(&SearchQuery::new("nato")).unwrap_err();
        assert!(matches!(err, StoreError::FtsDisabled));
        assert!(err.to_string().contains("index is off"), "{err}");
        let src = dir.path().join("in.json");
        std::fs::write(&src, b"abc").unwrap();
        let h = crate::sha256_file(&src).unwrap();
        assert_eq!(
            s.store_original(&src, &h).unwrap(),
            src,
            "originals not kept"
        );
        assert_eq!(s.original_path(&h).unwrap(), None);
    }
    let s = open(dir.path());
    let hits = s.search(&SearchQuery::new("zinios")).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, "-100123/7");
    let stale: Option<String> = s
        .conn
        .query_row(
            "SELECT value FROM store_meta WHERE key = 'fts_stale'",
            [],
            |r| r.get(0),
        )
        .optional()
        .unwrap();
    assert_eq!(stale, None, "the rebuild clears the mark");
}

#[test]
fn migrations_apply_once_and_refuse_newer_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as u32);
    drop(s);
    let s = open(dir.path());
    let applied: u32 = s
        .conn
        .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        applied,
        MIGRATIONS.len() as u32,
        "reopening applies nothing"
    );
    s.conn
        .execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'x', 0)",
            [],
        )
        .unwrap();
    drop(s);
    let err = SqliteStore::open(dir.path(), OpenOptions::default()).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
        "{err}"
    );
}

#[test]
fn migration_5_scopes_feed_ids_to_their_site_and_adds_meta() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    s.begin_file(&file(1)).unwrap();
    let mut feed = item(Platform::Web, "guid-1", "site.example", 1, "article", 1, 1);
    feed.kind = ItemKind::Article;
    let post = item(Platform::X, "1", "u1", 2, "post", 1, 2);
    s.insert_items(&[feed, post]).unwrap();
    // Back to a version-4 store as an older release left it.
    s.conn
        .execute_batch(
            "DELETE FROM schema_migrations WHERE version >= 5; ALTER TABLE items DROP COLUMN meta; \
             ALTER TABLE findings DROP COLUMN tlp_floor; DROP TABLE finding_versions;",
        )
        .unwrap();
    drop(s);
    let s = open(dir.path());
    assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as u32);
    assert!(s.item(Platform::Web, "guid-1").unwrap().is_none());
    let moved = s
        .item(Platform::Web, "site.example#guid-1")
        .unwrap()
        .expect("renamed");
    assert_eq!(moved.item.text, "article");
    assert!(
        s.item(Platform::X, "1").unwrap().is_some(),
        "other platforms keep their ids"
    );
}

#[test]
fn migration_7_gives_stored_findings_a_first_version() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let mut f = conformance::finding(&conformance::GROUP, "a", 0.5);
    f.actors.push(skydas_model::FindingActor {
        platform: Platform::X,
        id: "42".into(),
        handle: None,
        name: None,
        role: None,
    });
    s.replace_findings(&[conformance::GROUP.name], std::slice::from_ref(&f))
        .unwrap();
    // Back to a version-6 store, its findings stored before versions existed.
    s.conn
        .execute_batch(
            "DELETE FROM schema_migrations WHERE version >= 7; DROP TABLE finding_versions; \
             UPDATE findings SET updated_at = 1700000000;",
        )
        .unwrap();
    drop(s);
    let s = open(dir.path());
    let v = s.finding_versions(&f.id).unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].version, 1);
    assert_eq!(
        v[0].change,
        crate::Change {
            at: 1_700_000_000,
            members_in: vec!["telegram:-100123".into(), "x:42".into()],
            members_out: Vec::new(),
            evidence_before: 0,
            evidence_after: 1,
            score_before: None,
            score_after: 0.5,
            split_from: None,
            merged: Vec::new(),
        }
    );
}

#[test]
fn indexed_text_is_folded_alike_on_insert_and_rebuild() {
    assert!(
        MIGRATIONS[0]
            .2
            .contains(&format!("AS ({})", fts_fold_sql("text")))
    );
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    s.begin_file(&file(1)).unwrap();
    s.insert_items(&[item(Platform::X, "1", "a", 1, "Łódź i Białystok", 1, 1)])
        .unwrap();
    // Every spelling finds the item, before and after the index is rebuilt from the table.
    let finds_every_spelling = |s: &SqliteStore| {
        for q in ["lodz bialystok", "ŁÓDŹ", "łodz"] {
            assert_eq!(s.search(&SearchQuery::new(q)).unwrap().len(), 1, "{q}");
        }
    };
    finds_every_spelling(&s);
    s.conn
        .execute_batch("INSERT INTO items_fts (items_fts) VALUES ('rebuild')")
        .unwrap();
    finds_every_spelling(&s);
    s.conn
        .execute_batch("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")
        .unwrap();
}

#[test]
fn migrations_are_numbered_in_order() {
    for (i, m) in MIGRATIONS.iter().enumerate() {
        assert_eq!(m.0 as usize, i + 1, "migration {} out of order", m.1);
    }
}

#[test]
fn url_json_round_trips_and_stays_compact() {
    fn check(urls: Vec<ItemUrl>, json: Option<&str>) {
        let enc = urls_to_json(&urls).unwrap();
        assert_eq!(enc.as_deref(), json);
        // Stale entries in the buffer must not leak into the result.
        let mut back = vec![
            ItemUrl {
                raw: "stale".into(),
                ..ItemUrl::default()
            };
            2
        ];
        match enc {
            Some(s) => codec::urls_from_json(&s, &mut back).unwrap(),
            None => back.clear(),
        }
        assert_eq!(back, urls);
    }
    check(Vec::new(), None);
    let plain = ItemUrl {
        raw: "https://a.lt/x".into(),
        canonical: "https://a.lt/x".into(),
        host: "a.lt".into(),
        domain: "a.lt".into(),
        ..ItemUrl::default()
    };
    check(
        vec![plain.clone()],
        Some(r#"[["https://a.lt/x",null,"entity",null,"a.lt","a.lt"]]"#),
    );
    let expanded = ItemUrl {
        raw: "https://t.co/1".into(),
        expanded: Some("https://a.lt/x?utm=1".into()),
        source: UrlSource::Preview,
        ..plain.clone()
    };
    check(
        vec![expanded],
        Some(
            r#"[["https://t.co/1","https://a.lt/x?utm=1","preview","https://a.lt/x","a.lt","a.lt"]]"#,
        ),
    );
    let escaped = ItemUrl {
        raw: "https://a.lt/\"q\"\\x\u{1}".into(),
        expanded: Some("https://a.lt/ž\\".into()),
        ..plain.clone()
    };
    check(
        vec![escaped.clone(), plain.clone(), escaped],
        Some(concat!(
            r#"[["https://a.lt/\"q\"\\x\u0001","https://a.lt/ž\\","entity","https://a.lt/x","a.lt","a.lt"],"#,
            r#"["https://a.lt/x",null,"entity",null,"a.lt","a.lt"],"#,
            r#"["https://a.lt/\"q\"\\x\u0001","https://a.lt/ž\\","entity","https://a.lt/x","a.lt","a.lt"]]"#
        )),
    );
    let unparsed = ItemUrl {
        raw: "bad".into(),
        source: UrlSource::Text,
        ..ItemUrl::default()
    };
    check(vec![unparsed], Some(r#"[["bad",null,"text","","",""]]"#));
}

#[test]
fn fts_query_quotes_every_term() {
    fn check(input: &str, expected: &str) {
        assert_eq!(fts5_query(&query::parse(input)), expected, "{input:?}");
    }
    check("a b", r#""a" "b""#);
    check(r#"say "x y""#, r#""say" "x y""#);
    check("pre*", r#""pre"*"#);
    check(r#"a"b"#, r#""a" "b""#);
    check("AND", r#""AND""#);
    check("a\0b", r#""a b""#);
    check("it's", r#""it's""#);
}
