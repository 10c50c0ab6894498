//! The router over the PostgreSQL backend (`SKYDAS_TEST_PG`, default
//! `postgres://postgres@127.0.0.1:5432/test`): logins, tokens, the findings list and a
//! finding's page read and write the same database as the items, accounts, audit and TAXII
//! sharing included. Without a server each test says so and skips, unless
//! `SKYDAS_REQUIRE_SERVICES=1` makes it fail.

use std::sync::atomic::{AtomicU32, Ordering};

use skydas_store::accounts::AuditCheck;
use skydas_store_pg::PgStore;

use super::*;

/// A schema of its own per fixture, dropped with it.
pub(super) struct Schema(String);

impl Drop for Schema {
    fn drop(&mut self) {
        // The driver blocks on a runtime of its own: not on the test's.
        std::thread::scope(|s| {
            s.spawn(|| {
                if let Err(e) = PgStore::drop_schema(&self.0) {
                    eprintln!("cannot drop {}: {e}", self.0);
                }
            });
        });
    }
}

/// A fixture over a fresh PostgreSQL schema, `None` when the test skips: the one place these
/// tests check that the server is there. Built on a thread of its own: the driver blocks on a
/// runtime of its own, which may not start on the test's.
fn pg_fixture() -> Option<Fixture> {
    let base = skydas_store_pg::testing::test_postgres()?;
    Some(
        std::thread::spawn(move || build_pg_fixture(&base))
            .join()
            .unwrap(),
    )
}

fn build_pg_fixture(base: &str) -> Fixture {
    static N: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "skydas_test_server_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let url = format!("{base}?schema={schema}");
    PgStore::drop_schema(&url).unwrap();
    let guard = Schema(url.clone());
    let dir = tempfile::tempdir().unwrap();
    let spec = skydas_app::StoreSpec::Postgres {
        url: url.clone(),
        data: dir.path().to_path_buf(),
    };
    let app = App::new(
        spec.backend().unwrap(),
        crate::Settings::new(skydas_detect::kinds()),
    );
    populate(&app);
    Fixture {
        _dir: dir,
        app,
        _pg: Some(guard),
    }
}

#[tokio::test]
async fn pg_login_and_tokens_are_checked_and_audited_in_postgres() {
    let Some(f) = pg_fixture() else { return };
    let r = f.login("ona", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let session = r.set_cookie();
    let page = f.get("/", &[("cookie", &session)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Overview"));
    assert_eq!(
        f.login("ona", "nope").await.status,
        StatusCode::UNAUTHORIZED
    );
    let log = f.app.db().accounts.audit_list(10).unwrap();
    let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["login_failed", "login"]);
    assert!(
        log.iter().all(|r| r.hash.starts_with("k1:")),
        "sealed in PostgreSQL too"
    );
    assert_eq!(
        f.app.db().accounts.audit_verify().unwrap(),
        AuditCheck::Ok {
            rows: 2,
            head: log[0].hash.clone(),
            unkeyed: 0
        }
    );
    // Tokens: a good one reads, a wrong one is refused.
    let ok = f.get_as("vik", "/api/v1/stats").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let bad = f
        .get("/api/v1/stats", &[("authorization", "Bearer token-nobody")])
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn pg_findings_list_and_detail() {
    let Some(f) = pg_fixture() else { return };
    let check = |path: &'static str, want: usize| {
        let f = &f;
        async move {
            let r = f.get_as("vik", path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
            let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            let n = v["findings"].as_array().map_or(0, Vec::len);
            assert_eq!(n, want, "{path}: {v}");
            v
        }
    };
    let v = check("/api/v1/findings", 1).await;
    assert_eq!(v["findings"][0]["id"], "co-1");
    assert_eq!(v["findings"][0]["first_seen"], "2023-11-14T22:13:20Z");
    check("/api/v1/findings?kind=coordination", 1).await;
    check("/api/v1/findings?kind=automation", 0).await;
    let detail = f.get_as("vik", "/api/v1/findings/co-1").await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let d: serde_json::Value = serde_json::from_str(&detail.body).unwrap();
    assert_eq!(d["id"], "co-1");
    assert_eq!(d["actors"][0]["platform"], "telegram");
    assert_eq!(
        f.get_as("vik", "/api/v1/findings/co-404").await.status,
        StatusCode::NOT_FOUND
    );
    // The pages: the list shows the finding, its page shows its actors, the actor's page
    // lists the finding.
    let list = f.get_as("vik", "/findings").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("co-1"), "{}", list.body);
    let page = f.get_as("vik", "/findings/co-1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("chan_1"), "{}", page.body);
}

#[tokio::test]
async fn pg_every_get_route_answers_and_forms_write_postgres() {
    let Some(f) = pg_fixture() else { return };
    for path in protected_gets() {
        let r = f.get_as("vik", path).await;
        assert_viewer_reads(path, &r);
        let none = f.get(path, &[]).await;
        assert!(
            matches!(
                none.status,
                StatusCode::UNAUTHORIZED | StatusCode::SEE_OTHER
            ),
            "{path} without credentials: {}",
            none.status
        );
    }
    let (cookie, csrf) = f.session("ona").await;
    let r = f
        .post(
            "/findings/co-1/status",
            &[("cookie", &cookie), FORM],
            &format!("status=confirmed&note=seen&csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(f.review("co-1"), ("confirmed".into(), "seen".into()));
    let filtered = f.get_as("vik", "/api/v1/findings?status=confirmed").await;
    assert!(filtered.body.contains("co-1"), "{}", filtered.body);
    assert_eq!(
        f.app.db().accounts.audit_list(1).unwrap()[0].action,
        "status"
    );
}

#[tokio::test]
async fn pg_domain_page_and_overview_read_stored_urls() {
    use skydas_model::{Actor, Item, ItemUrl, Locator, Platform, Provenance};
    let Some(f) = pg_fixture() else { return };
    let sha = "ab".repeat(32);
    {
        let mut db = f.app.db();
        db.store
            .begin_file(&skydas_store::FileRecord {
                sha256: sha.clone(),
                path: "posts.jsonl".into(),
                size: 1,
                importer: "x-v2".into(),
                importer_version: 1,
            })
            .unwrap();
        let mut it = Item::new(
            Platform::X,
            "42",
            Actor {
                platform_id: "7".into(),
                ..Actor::default()
            },
            1_700_000_000,
            "read this https://clone-news.example/a",
            Provenance {
                file_sha256: sha.clone(),
                importer: "x-v2".into(),
                importer_version: 1,
                locator: Locator::Line(1),
            },
        );
        it.urls.push(ItemUrl {
            raw: "https://clone-news.example/a".into(),
            canonical: "https://clone-news.example/a".into(),
            host: "clone-news.example".into(),
            domain: "clone-news.example".into(),
            ..ItemUrl::default()
        });
        db.store.insert_items(&[it]).unwrap();
        db.store.finish_file(&sha, 1, 0).unwrap();
    }
    let page = f.get_as("vik", "/domains/clone-news.example").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("read this"), "{}", page.body);
    let overview = f.get_as("vik", "/").await;
    assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
    assert!(
        overview.body.contains("clone-news.example"),
        "{}",
        overview.body
    );
}

#[tokio::test]
async fn pg_taxii_collections_objects_and_partner_intel_live_in_postgres() {
    use crate::taxii::TAXII_MEDIA_TYPE;
    use skydas_store::sharing::Grant;
    const C: &str = "44444444-4444-4444-8444-444444444444";
    const IND: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    let Some(f) = pg_fixture() else { return };
    {
        let mut db = f.app.db();
        db.sharing
            .add_collection(C, "Shared", "", Some("shared"))
            .unwrap();
        let g = Grant {
            org: PARTNER.into(),
            can_read: true,
            can_write: true,
            max_tlp: "amber+strict".into(),
        };
        assert!(db.sharing.grant(C, &g).unwrap());
    }
    let green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
    let envelope = serde_json::json!({"objects": [
        {"type": "indicator", "spec_version": "2.1", "id": IND,
         "created": "2025-03-01T10:00:00.000Z", "modified": "2025-03-01T10:00:00.000Z",
         "pattern": "[domain-name:value = 'lrt-news.info']", "pattern_type": "stix",
         "valid_from": "2025-03-01T10:00:00Z", "object_marking_refs": [green]},
        {"type": "domain-name", "spec_version": "2.1",
         "id": "domain-name--0ba1d1ff-8d3b-5a3b-9e3c-2a3c1b2d3e4f", "value": "lrt-news.info",
         "object_marking_refs": [green]}
    ]});
    // The partner posts; our own analyst reads the domain page.
    let auth = bearer("pia");
    let taxii = [
        ("authorization", auth.as_str()),
        ("accept", TAXII_MEDIA_TYPE),
        ("content-type", TAXII_MEDIA_TYPE),
    ];
    let objects = format!("/fimi/collections/{C}/objects/");
    let r = f.post(&objects, &taxii, &envelope.to_string()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let st: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(st["success_count"], 2, "{st}");
    let status = f
        .get(
            &format!("/fimi/status/{}/", st["id"].as_str().unwrap()),
            &taxii,
        )
        .await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);

    let r = f.get(&objects, &taxii).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let got: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(got["objects"].as_array().map_or(0, Vec::len), 2, "{got}");
    assert!(r.headers.contains_key("x-taxii-date-added-last"));
    let r = f.get("/fimi/collections/", &taxii).await;
    assert!(r.body.contains(C), "{}", r.body);

    // The POST was recorded as partner intelligence too, and the domain page shows it.
    {
        let db = f.app.db();
        assert_eq!(db.sharing.partner_count().unwrap(), 2);
        assert_eq!(
            db.sharing.watch_for_domain("lrt-news.info").unwrap().len(),
            1
        );
    }
    let page = f.get_as("ona", "/domains/lrt-news.info").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Partner watch items"), "{}", page.body);

    // Under PostgreSQL nothing of this is kept in a local SQLite file.
    assert!(
        !f._dir.path().join(skydas_store::DB_FILE).exists(),
        "an embedded store was made beside the PostgreSQL one"
    );
}
