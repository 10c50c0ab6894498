//! The sharing checks every [`SharingStore`] backend must pass: collections and grants, object
//! versions with their `date_added`, status resources, pagination cursors, pull state, partner
//! intelligence and watch items.
//!
//! Each check takes a factory that returns fresh, empty sharing tables, as the store checks do.

use crate::sharing::{Added, Collection, Grant, NewObject, PartnerObject, SharingStore, WatchItem};
use crate::unix_now;

/// Makes fresh, empty sharing tables.
pub type MakeSharing<'a> = &'a dyn Fn() -> Box<dyn SharingStore>;

/// One sharing check.
pub type Check = fn(MakeSharing<'_>);

/// Every sharing check with its name, in order.
pub const CHECKS: &[(&str, Check)] = &[
    ("collections_and_grants", collections_and_grants),
    (
        "versions_get_increasing_date_added",
        versions_get_increasing_date_added,
    ),
    (
        "statuses_pages_and_pull_state",
        statuses_pages_and_pull_state,
    ),
    (
        "partner_intel_and_watch_items",
        partner_intel_and_watch_items,
    ),
];

/// Runs every sharing check against fresh tables from `make`.
pub fn run_all(make: MakeSharing<'_>) {
    for (_, check) in CHECKS {
        check(make);
    }
}

const C1: &str = "365fed99-08fa-fdcd-a1b3-fb247eb41d01";
const C2: &str = "472a0ff4-1d3b-4c9e-8d2f-6a0b1c2d3e4f";
const IND: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
const SCO: &str = "domain-name--b3e2a1d1-3a6c-5a8d-9f0e-1b2c3d4e5f60";

fn obj(id: &str, version: Option<i64>, tlp: &str) -> NewObject {
    NewObject {
        id: id.into(),
        object_type: id.split("--").next().unwrap_or_default().into(),
        version,
        spec_version: "2.1".into(),
        tlp: tlp.into(),
        source_org: "cert-lt".into(),
        body: format!("{{\"id\":\"{id}\"}}"),
    }
}

fn grant(org: &str, max_tlp: &str) -> Grant {
    Grant {
        org: org.into(),
        can_read: true,
        can_write: false,
        max_tlp: max_tlp.into(),
    }
}

fn dates(out: &[Added]) -> Vec<i64> {
    out.iter()
        .filter_map(|a| match a {
            Added::New { date_added } => Some(*date_added),
            Added::Duplicate => None,
        })
        .collect()
}

/// Collections by id or alias, checked ids and titles, unique ids and aliases, grants replaced
/// per organisation and refused for unknown collections or TLP levels.
pub fn collections_and_grants(make: MakeSharing<'_>) {
    let mut sh = make();
    let c = sh
        .add_collection(C1, "  FIMI ", "shared", Some(" fimi "))
        .unwrap();
    assert_eq!(
        (c.id.as_str(), c.title.as_str(), c.alias.as_deref()),
        (C1, "FIMI", Some("fimi")),
        "title and alias are trimmed"
    );
    assert_eq!(sh.collection("fimi").unwrap(), Some(c.clone()));
    assert_eq!(sh.collection(C1).unwrap(), Some(c.clone()));
    assert_eq!(sh.collection("nope").unwrap(), None);
    assert!(
        sh.add_collection(C1, "again", "", None).is_err(),
        "id taken"
    );
    assert!(
        sh.add_collection(C2, "again", "", Some("fimi")).is_err(),
        "alias taken"
    );
    for bad in [
        "365FED99-08FA-FDCD-A1B3-FB247EB41D01",
        "not-a-uuid",
        "",
        "365fed99_08fa-fdcd-a1b3-fb247eb41d01",
    ] {
        assert!(
            make().add_collection(bad, "t", "", None).is_err(),
            "{bad:?}"
        );
    }
    assert!(make().add_collection(C1, "   ", "", None).is_err(), "blank");
    assert!(
        make()
            .add_collection(C1, &"t".repeat(201), "", None)
            .is_err(),
        "long title"
    );
    // The second collection's alias is the first one's id: the id wins. A blank alias is none.
    let c2 = sh.add_collection(C2, "Zeta", "", Some("  ")).unwrap();
    assert_eq!(c2.alias, None);
    assert_eq!(sh.collection(C2).unwrap(), Some(c2.clone()));
    let alpha = "5b0c3d2e-0000-4000-8000-000000000003";
    let a = sh.add_collection(alpha, "alpha", "", Some(C1)).unwrap();
    assert_eq!(sh.collection(C1).unwrap(), Some(c.clone()), "the id wins");
    let order: Vec<Collection> = sh.collections().unwrap();
    assert_eq!(
        order.iter().map(|c| c.title.as_str()).collect::<Vec<_>>(),
        ["FIMI", "Zeta", "alpha"],
        "by title, byte order"
    );
    assert_eq!(order[2], a);

    let g = grant("cert-ee", "amber");
    assert!(sh.grant(C1, &g).unwrap());
    assert!(
        !sh.grant("00000000-0000-0000-0000-000000000000", &g)
            .unwrap(),
        "no such collection"
    );
    assert!(sh.grant(C1, &grant("cert-ee", "purple")).is_err());
    assert!(sh.grant(C1, &grant("  ", "amber")).is_err());
    assert!(sh.grant(C1, &grant(&"o".repeat(65), "amber")).is_err());
    let upgraded = Grant {
        can_write: true,
        ..g.clone()
    };
    assert!(sh.grant(C1, &upgraded).unwrap());
    assert!(sh.grant(C1, &grant(" cert-lv ", "clear")).unwrap());
    assert_eq!(sh.grant_for(C1, "cert-ee").unwrap(), Some(upgraded.clone()));
    assert_eq!(sh.grant_for(C1, "cert-lt").unwrap(), None);
    assert_eq!(
        sh.grants(C1).unwrap(),
        vec![upgraded, grant("cert-lv", "clear")],
        "one grant per organisation, trimmed, by organisation"
    );
    assert_eq!(sh.grants(C2).unwrap(), vec![]);
    assert_eq!(sh.collections().unwrap().len(), 3);
}

/// Every new version gets a `date_added` later than every one before it, across collections
/// and calls; a version held already is a duplicate; a call that fails stores nothing.
pub fn versions_get_increasing_date_added(make: MakeSharing<'_>) {
    let mut sh = make();
    sh.add_collection(C1, "FIMI", "", None).unwrap();
    sh.add_collection(C2, "Other", "", None).unwrap();
    let out = sh
        .add_objects(
            C1,
            &[
                obj(IND, Some(1), "amber"),
                obj(IND, Some(2), "amber"),
                obj(IND, Some(1), "amber"),
                obj(SCO, None, "green"),
            ],
        )
        .unwrap();
    let first = dates(&out);
    assert_eq!(out[2], Added::Duplicate);
    assert_eq!(first.len(), 3);
    assert!(first.windows(2).all(|w| w[0] < w[1]), "{first:?}");
    let rows = sh.objects(C1, &[], &[]).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows.iter().map(|r| r.date_added).collect::<Vec<_>>(),
        first,
        "oldest date_added first"
    );
    assert!(rows.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(
        rows[2].version, rows[2].date_added,
        "SCO version is date_added"
    );
    let r0 = &rows[0];
    assert_eq!(
        (
            r0.object_id.as_str(),
            r0.object_type.as_str(),
            r0.version,
            r0.spec_version.as_str(),
            r0.tlp.as_str(),
            r0.source_org.as_str(),
            r0.body.clone()
        ),
        (
            IND,
            "indicator",
            1,
            "2.1",
            "amber",
            "cert-lt",
            format!("{{\"id\":\"{IND}\"}}")
        )
    );
    assert_eq!(sh.objects(C1, &[IND.into()], &[]).unwrap().len(), 2);
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
    assert_eq!(
        sh.objects(C1, &[IND.into()], &["domain-name".into()])
            .unwrap()
            .len(),
        0,
        "both filters apply"
    );
    assert_eq!(sh.objects(C2, &[], &[]).unwrap().len(), 0);

    // Another collection and a later call still come after; the same version in another
    // collection is no duplicate.
    let other = sh.add_objects(C2, &[obj(IND, Some(1), "clear")]).unwrap();
    assert!(matches!(other[0], Added::New { date_added } if date_added > first[2]));
    let later = sh.add_objects(C1, &[obj(IND, Some(3), "red")]).unwrap();
    assert!(matches!(later[0], Added::New { date_added } if date_added > dates(&other)[0]));

    // All or none: a bad TLP level or an unknown collection stores nothing.
    assert!(
        sh.add_objects(
            C1,
            &[obj(IND, Some(4), "amber"), obj(IND, Some(5), "purple")]
        )
        .is_err()
    );
    assert!(
        sh.add_objects(
            "00000000-0000-0000-0000-000000000000",
            &[obj(IND, Some(6), "amber")]
        )
        .is_err()
    );
    assert_eq!(sh.objects(C1, &[IND.into()], &[]).unwrap().len(), 3);
    assert_eq!(sh.add_objects(C1, &[]).unwrap(), vec![]);

    assert_eq!(sh.delete_object(C1, IND, &[1]).unwrap(), 1);
    assert_eq!(
        sh.delete_object(C1, IND, &[]).unwrap(),
        0,
        "no version named, none goes"
    );
    assert_eq!(sh.delete_object(C1, IND, &[2, 3, 99]).unwrap(), 2);
    assert_eq!(sh.objects(C1, &[IND.into()], &[]).unwrap().len(), 0);
    assert_eq!(sh.objects(C2, &[IND.into()], &[]).unwrap().len(), 1);
    // A deleted version may come again, later.
    let again = sh.add_objects(C1, &[obj(IND, Some(1), "amber")]).unwrap();
    assert!(matches!(again[0], Added::New { date_added } if date_added > dates(&later)[0]));
}

/// Statuses belong to their organisation, tokens expire, pull state moves on.
pub fn statuses_pages_and_pull_state(make: MakeSharing<'_>) {
    let mut sh = make();
    sh.put_status("s1", "cert-lt", "{}").unwrap();
    assert_eq!(sh.status("s1", "cert-lt").unwrap().as_deref(), Some("{}"));
    assert_eq!(sh.status("s1", "cert-ee").unwrap(), None);
    assert_eq!(sh.status("s2", "cert-lt").unwrap(), None);
    sh.put_status("s1", "cert-ee", "{\"n\":2}").unwrap();
    assert_eq!(sh.status("s1", "cert-lt").unwrap(), None, "replaced");
    assert_eq!(
        sh.status("s1", "cert-ee").unwrap().as_deref(),
        Some("{\"n\":2}")
    );

    sh.put_page("t1", "q", "c", unix_now() + 60).unwrap();
    sh.put_page("t2", "q", "c", unix_now() - 1).unwrap();
    assert_eq!(sh.page("t1").unwrap(), Some(("q".into(), "c".into())));
    assert_eq!(sh.page("t2").unwrap(), None, "expired");
    assert_eq!(sh.page("nope").unwrap(), None);
    sh.put_page("t1", "q2", "c2", unix_now() + 60).unwrap();
    assert_eq!(sh.page("t1").unwrap(), Some(("q2".into(), "c2".into())));

    let root = "https://a/taxii2/";
    assert_eq!(sh.pull_state(root, "c").unwrap(), None);
    sh.set_pull_state(root, "c", "2025-01-01T00:00:00.000001Z")
        .unwrap();
    sh.set_pull_state(root, "c", "2025-01-02T00:00:00.000001Z")
        .unwrap();
    sh.set_pull_state(root, "d", "2025-01-03T00:00:00.000001Z")
        .unwrap();
    assert_eq!(
        sh.pull_state(root, "c").unwrap().as_deref(),
        Some("2025-01-02T00:00:00.000001Z")
    );
    assert_eq!(
        sh.pull_state("https://b/taxii2/", "c").unwrap(),
        None,
        "per server"
    );
}

fn partner(id: &str, version: &str, received_at: i64) -> PartnerObject {
    PartnerObject {
        object_id: id.into(),
        version: version.into(),
        object_type: id.split("--").next().unwrap_or_default().into(),
        tlp: "amber".into(),
        source: "file:x.json".into(),
        source_org: "CERT-EE".into(),
        received_at,
        body: "{}".into(),
    }
}

fn watch(kind: &str, value: &str, org: &str) -> WatchItem {
    WatchItem {
        kind: kind.into(),
        value: value.into(),
        label: value.into(),
        tlp: "green".into(),
        source: "file:x.json".into(),
        source_org: org.into(),
        added_at: 1,
        platform: None,
    }
}

/// Partner objects are kept once per version; watch items once per organisation, matched by
/// domain (and parent domains) and by actor id or handle.
pub fn partner_intel_and_watch_items(make: MakeSharing<'_>) {
    let mut sh = make();
    let po = partner("indicator--1", "2025-01-01T00:00:00.000Z", 1);
    let w = |kind: &str, value: &str| watch(kind, value, "CERT-EE");
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
    assert_eq!(sh.partner_objects(10).unwrap(), vec![po.clone()]);

    // All or none.
    let bad_watch = [
        w("ip", "x"),
        w("domain", ""),
        WatchItem {
            tlp: "purple".into(),
            ..w("domain", "x.lt")
        },
    ];
    for bad in bad_watch {
        let fresh = partner("indicator--2", "v", 2);
        assert!(
            sh.add_partner_intel(&[fresh], std::slice::from_ref(&bad))
                .is_err(),
            "{bad:?}"
        );
    }
    let unmarked = PartnerObject {
        tlp: "none".into(),
        ..partner("indicator--3", "v", 3)
    };
    assert!(sh.add_partner_intel(&[unmarked], &[]).is_err());
    assert_eq!(sh.partner_count().unwrap(), 1, "nothing of a failed call");
    assert_eq!(sh.watch_items().unwrap().len(), 3);

    // Newest first, then by type and id; another version is another object; the limit holds.
    let newer = [
        partner("indicator--1", "2025-02-01T00:00:00.000Z", 5),
        partner("threat-actor--9", "v", 5),
        partner("identity--9", "v", 5),
    ];
    assert_eq!(sh.add_partner_intel(&newer, &[]).unwrap(), 3);
    let ids: Vec<(String, String)> = sh
        .partner_objects(10)
        .unwrap()
        .into_iter()
        .map(|p| (p.object_id, p.version))
        .collect();
    assert_eq!(
        ids,
        [
            ("identity--9", "v"),
            ("indicator--1", "2025-02-01T00:00:00.000Z"),
            ("threat-actor--9", "v"),
            ("indicator--1", "2025-01-01T00:00:00.000Z"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(sh.partner_objects(2).unwrap().len(), 2);
    assert_eq!(sh.partner_count().unwrap(), 4);

    let domains = |sh: &dyn SharingStore, d: &str| sh.watch_for_domain(d).unwrap().len();
    assert_eq!(domains(&*sh, "lrt.ltd"), 1);
    assert_eq!(domains(&*sh, " LRT.ltd. "), 1);
    assert_eq!(domains(&*sh, "news.lrt.ltd"), 1);
    assert_eq!(domains(&*sh, "a.news.lrt.ltd"), 1);
    assert_eq!(domains(&*sh, "xlrt.ltd"), 0);
    assert_eq!(domains(&*sh, "lrt.lt"), 0);
    assert_eq!(domains(&*sh, "ltd"), 0);
    let actors =
        |sh: &dyn SharingStore, id: &str, h: Option<&str>| sh.watch_for_actor(id, h).unwrap().len();
    assert_eq!(actors(&*sh, "12345", None), 1);
    assert_eq!(actors(&*sh, "999", Some("@Fake_News")), 1);
    assert_eq!(actors(&*sh, "999", Some("fake_news")), 1);
    assert_eq!(actors(&*sh, "999", Some("other")), 0);
    assert_eq!(actors(&*sh, "lrt.ltd", None), 0, "kinds do not mix");
    assert_eq!(sh.watch_items().unwrap().len(), 3);

    // The same item from another organisation is another item; from the same one it takes the
    // new label, TLP and source and keeps when it was first added.
    let relabelled = WatchItem {
        label: "LRT clone".into(),
        tlp: "amber".into(),
        source: "taxii-pull:https://a/".into(),
        added_at: 99,
        ..w("domain", "lrt.ltd")
    };
    sh.add_partner_intel(
        &[],
        &[relabelled.clone(), watch("domain", "lrt.ltd", "CERT-LV")],
    )
    .unwrap();
    let found = sh.watch_for_domain("news.lrt.ltd").unwrap();
    assert_eq!(
        found,
        vec![
            WatchItem {
                added_at: 1,
                ..relabelled
            },
            watch("domain", "lrt.ltd", "CERT-LV"),
        ],
        "by value, then organisation"
    );
    let all: Vec<(String, String, String)> = sh
        .watch_items()
        .unwrap()
        .into_iter()
        .map(|w| (w.kind, w.value, w.source_org))
        .collect();
    assert_eq!(
        all,
        [
            ("actor", "12345", "CERT-EE"),
            ("actor", "@fake_news", "CERT-EE"),
            ("domain", "lrt.ltd", "CERT-EE"),
            ("domain", "lrt.ltd", "CERT-LV"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );

    // Indicator lists name URLs too, and accounts on one platform.
    let url = watch("url", "https://t.me/rybar", "lists");
    let on_tg = WatchItem {
        platform: Some("telegram".into()),
        ..watch("actor", "@rybar", "lists")
    };
    sh.add_partner_intel(&[], &[url.clone(), on_tg.clone()])
        .unwrap();
    let lists: Vec<WatchItem> = sh
        .watch_items()
        .unwrap()
        .into_iter()
        .filter(|w| w.source_org == "lists")
        .collect();
    assert_eq!(lists, [on_tg.clone(), url]);
    assert_eq!(sh.watch_for_actor("-100", Some("Rybar")).unwrap(), [on_tg]);
}
