//! Tests of the sharing tables: collections, grants, versions, cursors, partner intelligence.

use super::*;
use crate::OpenOptions;

const C1: &str = "365fed99-08fa-fdcd-a1b3-fb247eb41d01";

fn setup() -> (tempfile::TempDir, Sharing) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path(), OpenOptions::default()).unwrap();
    let sh = store.sharing().unwrap();
    (dir, sh)
}

fn obj(id: &str, version: Option<i64>, tlp: &str) -> NewObject {
    NewObject {
        id: id.into(),
        object_type: id.split("--").next().unwrap().into(),
        version,
        spec_version: "2.1".into(),
        tlp: tlp.into(),
        source_org: "cert-lt".into(),
        body: format!("{{\"id\":\"{id}\"}}"),
    }
}

#[test]
fn collections_and_grants() {
    let (_d, mut sh) = setup();
    let c = sh
        .add_collection(C1, "FIMI", "shared", Some("fimi"))
        .unwrap();
    assert_eq!(sh.collection("fimi").unwrap(), Some(c.clone()));
    assert_eq!(sh.collection(C1).unwrap(), Some(c));
    assert!(
        sh.add_collection(C1, "again", "", None).is_err(),
        "id taken"
    );
    let check_bad_id = |id: &str| {
        let (_d, mut sh) = setup();
        assert!(sh.add_collection(id, "t", "", None).is_err(), "{id}");
    };
    check_bad_id("365FED99-08FA-FDCD-A1B3-FB247EB41D01");
    check_bad_id("not-a-uuid");
    check_bad_id("");

    let g = Grant {
        org: "cert-ee".into(),
        can_read: true,
        can_write: false,
        max_tlp: "amber".into(),
    };
    assert!(sh.grant(C1, &g).unwrap());
    assert!(
        !sh.grant("00000000-0000-0000-0000-000000000000", &g)
            .unwrap()
    );
    assert!(
        sh.grant(
            C1,
            &Grant {
                max_tlp: "purple".into(),
                ..g.clone()
            }
        )
        .is_err()
    );
    let upgraded = Grant {
        can_write: true,
        ..g.clone()
    };
    assert!(sh.grant(C1, &upgraded).unwrap());
    assert_eq!(sh.grant_for(C1, "cert-ee").unwrap(), Some(upgraded));
    assert_eq!(sh.grant_for(C1, "cert-lv").unwrap(), None);
    assert_eq!(sh.collections().unwrap().len(), 1);
}

#[test]
fn versions_get_increasing_date_added_and_duplicates_are_kept_once() {
    let (_d, mut sh) = setup();
    sh.add_collection(C1, "FIMI", "", None).unwrap();
    let ind = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    let out = sh
        .add_objects(
            C1,
            &[
                obj(ind, Some(1), "amber"),
                obj(ind, Some(2), "amber"),
                obj(ind, Some(1), "amber"),
                obj(
                    "domain-name--b3e2a1d1-3a6c-5a8d-9f0e-1b2c3d4e5f60",
                    None,
                    "green",
                ),
            ],
        )
        .unwrap();
    let dates: Vec<i64> = out
        .iter()
        .filter_map(|a| match a {
            Added::New { date_added } => Some(*date_added),
            Added::Duplicate => None,
        })
        .collect();
    assert_eq!(out[2], Added::Duplicate);
    assert_eq!(dates.len(), 3);
    assert!(dates.windows(2).all(|w| w[0] < w[1]), "{dates:?}");
    let rows = sh.objects(C1, &[], &[]).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[2].version, rows[2].date_added,
        "SCO version is date_added"
    );
    assert_eq!(sh.objects(C1, &[ind.into()], &[]).unwrap().len(), 2);
    assert_eq!(
        sh.objects(C1, &[], &["domain-name".into()]).unwrap().len(),
        1
    );
    assert_eq!(
        sh.objects(C1, &[], &["indicator".into(), "domain-name".into()])
            .unwrap()
            .len(),
        3
    );
    // A later batch still comes after.
    let later = sh.add_objects(C1, &[obj(ind, Some(3), "red")]).unwrap();
    assert!(matches!(later[0], Added::New { date_added } if date_added > dates[2]));
    assert!(sh.add_objects(C1, &[obj(ind, Some(4), "purple")]).is_err());

    assert_eq!(sh.delete_object(C1, ind, &[1]).unwrap(), 1);
    assert_eq!(
        sh.delete_object(C1, ind, &[]).unwrap(),
        0,
        "no version named, none goes"
    );
    assert_eq!(sh.delete_object(C1, ind, &[2, 3]).unwrap(), 2);
    assert_eq!(sh.objects(C1, &[ind.into()], &[]).unwrap().len(), 0);
}

#[test]
fn statuses_belong_to_their_org_and_pages_expire() {
    let (_d, mut sh) = setup();
    sh.put_status("s1", "cert-lt", "{}").unwrap();
    assert_eq!(sh.status("s1", "cert-lt").unwrap().as_deref(), Some("{}"));
    assert_eq!(sh.status("s1", "cert-ee").unwrap(), None);

    sh.put_page("t1", "q", "c", unix_now() + 60).unwrap();
    sh.put_page("t2", "q", "c", unix_now() - 1).unwrap();
    assert_eq!(sh.page("t1").unwrap(), Some(("q".into(), "c".into())));
    assert_eq!(sh.page("t2").unwrap(), None, "expired");
    assert_eq!(sh.page("nope").unwrap(), None);

    assert_eq!(sh.pull_state("https://a/taxii2/", "c").unwrap(), None);
    sh.set_pull_state("https://a/taxii2/", "c", "2025-01-01T00:00:00.000001Z")
        .unwrap();
    sh.set_pull_state("https://a/taxii2/", "c", "2025-01-02T00:00:00.000001Z")
        .unwrap();
    assert_eq!(
        sh.pull_state("https://a/taxii2/", "c").unwrap().as_deref(),
        Some("2025-01-02T00:00:00.000001Z")
    );
}

#[test]
fn partner_intel_and_watch_items_match_domains_and_actors() {
    let (_d, mut sh) = setup();
    let po = PartnerObject {
        object_id: "indicator--1".into(),
        version: "2025-01-01T00:00:00.000Z".into(),
        object_type: "indicator".into(),
        tlp: "amber".into(),
        source: "file:x.json".into(),
        source_org: "CERT-EE".into(),
        received_at: 1,
        body: "{}".into(),
    };
    let w = |kind: &str, value: &str| WatchItem {
        kind: kind.into(),
        value: value.into(),
        label: value.into(),
        tlp: "green".into(),
        source: "file:x.json".into(),
        source_org: "CERT-EE".into(),
        added_at: 1,
    };
    let n = sh
        .add_partner_intel(
            &[po.clone(), po.clone()],
            &[
                w("domain", "lrt.ltd"),
                w("actor", "12345"),
                w("actor", "@fake_news"),
            ],
        )
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(sh.partner_count().unwrap(), 1);
    assert_eq!(sh.partner_objects(10).unwrap(), vec![po]);
    assert!(sh.add_partner_intel(&[], &[w("url", "x")]).is_err());

    let domains = |d: &str| sh.watch_for_domain(d).unwrap().len();
    assert_eq!(domains("lrt.ltd"), 1);
    assert_eq!(domains("LRT.ltd."), 1);
    assert_eq!(domains("news.lrt.ltd"), 1);
    assert_eq!(domains("xlrt.ltd"), 0);
    assert_eq!(domains("lrt.lt"), 0);
    let actors = |id: &str, h: Option<&str>| sh.watch_for_actor(id, h).unwrap().len();
    assert_eq!(actors("12345", None), 1);
    assert_eq!(actors("999", Some("@Fake_News")), 1);
    assert_eq!(actors("999", Some("fake_news")), 1);
    assert_eq!(actors("999", Some("other")), 0);
    assert_eq!(sh.watch_items().unwrap().len(), 3);
}
