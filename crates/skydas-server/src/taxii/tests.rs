//! TAXII router tests: every endpoint driven with `oneshot`, media types, error resources,
//! pagination tokens, filters, grants and TLP at read time.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::{Value, json};
use skydas_store::accounts::{Role, secret_hash};
use skydas_store::sharing::{Grant, NewObject};

use super::client::base64_encode;
use super::{STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE};
use crate::App;

const RW: &str = "11111111-1111-4111-8111-111111111111";
const RO: &str = "22222222-2222-4222-8222-222222222222";
const SECRET: &str = "33333333-3333-4333-8333-333333333333";
const IND: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
const NOTE: &str = "note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061";

struct Fx {
    _dir: tempfile::TempDir,
    app: Arc<App>,
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    json: Value,
}

fn grant(org: &str, r: bool, w: bool, max: &str) -> Grant {
    Grant {
        org: org.into(),
        can_read: r,
        can_write: w,
        max_tlp: max.into(),
    }
}

/// Users `ana` (cert-lt, ours), `eve` (cert-ee, partner) and `nob` (cert-lv, no grants), each
/// with the token `tok-<name>`; collections RW (both orgs read-write), RO (both read-only) and
/// SECRET (cert-lt only).
fn fixture() -> Fx {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path(), crate::Settings::new(skydas_detect::kinds())).unwrap();
    {
        let mut db = app.db();
        for (name, org) in [("ana", "cert-lt"), ("eve", "cert-ee"), ("nob", "cert-lv")] {
            db.accounts
                .add_user(name, Role::Analyst, org, "$argon2id$unused")
                .unwrap();
            db.accounts
                .add_token(name, &secret_hash(&format!("tok-{name}")), "taxii")
                .unwrap();
        }
        let sh = &mut db.sharing;
        sh.add_collection(RW, "Shared", "read-write", Some("shared"))
            .unwrap();
        sh.add_collection(RO, "Published", "", None).unwrap();
        sh.add_collection(SECRET, "Internal", "", None).unwrap();
        for org in ["cert-lt", "cert-ee"] {
            sh.grant(RW, &grant(org, true, true, "amber+strict"))
                .unwrap();
            sh.grant(RO, &grant(org, true, false, "amber+strict"))
                .unwrap();
        }
        sh.grant(SECRET, &grant("cert-lt", true, true, "amber+strict"))
            .unwrap();
    }
    Fx { _dir: dir, app }
}

fn basic(user: &str) -> String {
    format!(
        "Basic {}",
        base64_encode(format!("{user}:tok-{user}").as_bytes())
    )
}

impl Fx {
    async fn send(&self, req: Request<Body>) -> Resp {
        let (status, headers, body) = crate::tests::oneshot(&self.app, req).await;
        let json = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body)
                .unwrap_or(Value::String(String::from_utf8_lossy(&body).into_owned()))
        };
        Resp {
            status,
            headers,
            json,
        }
    }

    async fn get_as(&self, user: &str, path: &str) -> Resp {
        self.send(
            Request::get(path)
                .header(header::AUTHORIZATION, basic(user))
                .header(header::ACCEPT, TAXII_MEDIA_TYPE)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    async fn post_as(&self, user: &str, cid: &str, body: &Value) -> Resp {
        self.send(
            Request::post(format!("/fimi/collections/{cid}/objects/"))
                .header(header::AUTHORIZATION, basic(user))
                .header(header::ACCEPT, TAXII_MEDIA_TYPE)
                .header(header::CONTENT_TYPE, TAXII_MEDIA_TYPE)
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// Stores an object version directly, as a publish or another org's POST would.
    fn put(&self, cid: &str, id: &str, modified: Option<i64>, tlp: &str, source_org: &str) {
        let ty = id.split("--").next().unwrap();
        let body = json!({"type": ty, "id": id, "spec_version": "2.1"});
        self.app
            .db()
            .sharing
            .add_objects(
                cid,
                &[NewObject {
                    id: id.into(),
                    object_type: ty.into(),
                    version: modified,
                    spec_version: "2.1".into(),
                    tlp: tlp.into(),
                    source_org: source_org.into(),
                    body: body.to_string(),
                }],
            )
            .unwrap();
    }
}

fn ids(r: &Resp) -> Vec<String> {
    let mut v: Vec<String> = r.json["objects"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| o["id"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn content_type(r: &Resp) -> &str {
    r.headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn bundle() -> Value {
    let amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
    json!({
        "type": "bundle",
        "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "objects": [
            {"type": "identity", "spec_version": "2.1", "id": "identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283",
             "created": "2025-03-01T10:00:00.000Z", "modified": "2025-03-01T10:00:00.000Z",
             "name": "CERT-EE", "identity_class": "organization", "object_marking_refs": [amber]},
            {"type": "indicator", "spec_version": "2.1", "id": IND,
             "created": "2025-03-01T10:00:00.000Z", "modified": "2025-03-01T10:00:00.000Z",
             "pattern": "[domain-name:value = 'lrt-news.info']", "pattern_type": "stix",
             "valid_from": "2025-03-01T10:00:00Z", "object_marking_refs": [amber],
             "created_by_ref": "identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283"},
            {"type": "note", "spec_version": "2.1", "id": NOTE,
             "created": "2025-03-01T10:00:00.000Z", "modified": "2025-03-01T10:00:00.000Z",
             "content": "clone of lrt.lt", "object_refs": [IND], "object_marking_refs": [amber]},
            {"type": "domain-name", "spec_version": "2.1",
             "id": "domain-name--0ba1d1ff-8d3b-5a3b-9e3c-2a3c1b2d3e4f", "value": "lrt-news.info",
             "object_marking_refs": [amber]},
            {"type": "user-account", "spec_version": "2.1",
             "id": "user-account--1ba1d1ff-8d3b-5a3b-9e3c-2a3c1b2d3e4f", "account_type": "telegram",
             "user_id": "777", "account_login": "Fake_LRT", "object_marking_refs": [amber]}
        ]
    })
}

#[tokio::test]
async fn discovery_api_root_and_collections() {
    let fx = fixture();
    let r = fx.get_as("ana", "/taxii2/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(content_type(&r), TAXII_MEDIA_TYPE);
    assert_eq!(r.json["api_roots"][0], "http://127.0.0.1/fimi/");
    assert_eq!(r.json["default"], "http://127.0.0.1/fimi/");

    let r = fx.get_as("ana", "/fimi/").await;
    assert_eq!(r.json["versions"], json!([TAXII_MEDIA_TYPE]));
    assert!(r.json["max_content_length"].as_u64().unwrap() > 0);
    assert_eq!(content_type(&r), TAXII_MEDIA_TYPE);

    let r = fx.get_as("ana", "/fimi/collections/").await;
    let cols = r.json["collections"].as_array().unwrap();
    assert_eq!(cols.len(), 3);
    let rw = cols.iter().find(|c| c["id"] == RW).unwrap();
    assert_eq!(
        (&rw["can_read"], &rw["can_write"], &rw["alias"]),
        (&json!(true), &json!(true), &json!("shared"))
    );
    assert_eq!(rw["media_types"], json!([STIX_MEDIA_TYPE]));

    // A partner sees only the collections granted to its organisation.
    let r = fx.get_as("eve", "/fimi/collections/").await;
    assert_eq!(r.json["collections"].as_array().unwrap().len(), 2);
    let r = fx.get_as("eve", &format!("/fimi/collections/{RO}/")).await;
    assert_eq!(
        (r.json["can_read"].clone(), r.json["can_write"].clone()),
        (json!(true), json!(false))
    );
    let r = fx
        .get_as("eve", &format!("/fimi/collections/{SECRET}/"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = fx.get_as("nob", "/fimi/collections/").await;
    assert_eq!(r.json, json!({}));
}

#[tokio::test]
async fn authentication_media_types_and_error_codes() {
    let fx = fixture();
    let req = |path: &str, auth: Option<String>, accept: Option<&str>| {
        let mut b = Request::get(path);
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        if let Some(a) = accept {
            b = b.header(header::ACCEPT, a);
        }
        b.body(Body::empty()).unwrap()
    };
    // 401 with a Basic challenge, for no, wrong and mismatched credentials.
    for auth in [
        None,
        Some("Basic !!!".to_string()),
        Some(format!("Basic {}", base64_encode(b"ana:wrong"))),
        Some(format!("Basic {}", base64_encode(b"ana:tok-eve"))),
        Some("Bearer nope".to_string()),
    ] {
        let r = fx
            .send(req("/taxii2/", auth.clone(), Some(TAXII_MEDIA_TYPE)))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert!(
            r.headers[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Basic")
        );
        assert_eq!(content_type(&r), TAXII_MEDIA_TYPE);
        assert_eq!(r.json["http_status"], "401");
    }
    let r = fx
        .send(req("/taxii2/", Some("Bearer tok-ana".into()), None))
        .await;
    assert_eq!(r.status, StatusCode::OK, "bearer tokens work too");

    // Accept: TAXII 2.1 with or without the version, or anything; else 406.
    let check_accept = async |accept: &str, expected: StatusCode| {
        let r = fx
            .send(req("/fimi/", Some(basic("ana")), Some(accept)))
            .await;
        assert_eq!(r.status, expected, "{accept}");
        assert_eq!(content_type(&r), TAXII_MEDIA_TYPE, "{accept}");
    };
    check_accept(TAXII_MEDIA_TYPE, StatusCode::OK).await;
    check_accept("application/taxii+json", StatusCode::OK).await;
    check_accept("application/taxii+json; version=2.1", StatusCode::OK).await;
    check_accept("*/*", StatusCode::OK).await;
    check_accept("application/json", StatusCode::NOT_ACCEPTABLE).await;
    check_accept(
        "application/taxii+json;version=2.0",
        StatusCode::NOT_ACCEPTABLE,
    )
    .await;
    check_accept(
        "application/stix+json;version=2.1",
        StatusCode::NOT_ACCEPTABLE,
    )
    .await;

    // 404 for unknown collections, objects and resources under the API root.
    for path in [
        "/fimi/collections/00000000-0000-4000-8000-000000000000/".to_string(),
        format!("/fimi/collections/{RW}/objects/{IND}/"),
        format!("/fimi/collections/{RW}/objects/{IND}/versions/"),
        "/fimi/status/nope/".to_string(),
        "/fimi/channels/".to_string(),
    ] {
        let r = fx.get_as("ana", &path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.json["http_status"], "404");
        assert_eq!(content_type(&r), TAXII_MEDIA_TYPE);
    }

    // POST: 415 for the wrong label, 403 read-only, 404 not granted, 400 bad JSON, 422
    // unprocessable, 413 too large.
    let post = |cid: &str, ct: &str, body: &str, user: &str| {
        Request::post(format!("/fimi/collections/{cid}/objects/"))
            .header(header::AUTHORIZATION, basic(user))
            .header(header::ACCEPT, TAXII_MEDIA_TYPE)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let ok_body = json!({"objects": []}).to_string();
    let check = async |req: Request<Body>, expected: StatusCode| {
        let r = fx.send(req).await;
        assert_eq!(r.status, expected, "{:?}", r.json);
        assert_eq!(content_type(&r), TAXII_MEDIA_TYPE);
        if expected.as_u16() >= 400 {
            assert_eq!(r.json["http_status"], expected.as_u16().to_string());
            assert!(r.json["title"].is_string());
        }
    };
    check(
        post(RW, STIX_MEDIA_TYPE, &ok_body, "ana"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    check(
        post(RW, "application/json", &ok_body, "ana"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    check(
        post(RW, "application/taxii+json", &ok_body, "ana"),
        StatusCode::ACCEPTED,
    )
    .await;
    check(
        post(RO, TAXII_MEDIA_TYPE, &ok_body, "ana"),
        StatusCode::FORBIDDEN,
    )
    .await;
    check(
        post(SECRET, TAXII_MEDIA_TYPE, &ok_body, "eve"),
        StatusCode::NOT_FOUND,
    )
    .await;
    check(
        post(RW, TAXII_MEDIA_TYPE, "{not json", "ana"),
        StatusCode::BAD_REQUEST,
    )
    .await;
    check(
        post(RW, TAXII_MEDIA_TYPE, "{\"type\":\"x\"}", "ana"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    check(
        post(
            RW,
            TAXII_MEDIA_TYPE,
            &json!({"objects": [{"type": "note"}]}).to_string(),
            "ana",
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    check(
        post(RW, TAXII_MEDIA_TYPE, &json!({"objects": [{"type": "note", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}]}).to_string(), "ana"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let mut big = post(RW, TAXII_MEDIA_TYPE, &ok_body, "ana");
    big.headers_mut().insert(
        header::CONTENT_LENGTH,
        (super::MAX_CONTENT_LENGTH + 1).to_string().parse().unwrap(),
    );
    check(big, StatusCode::PAYLOAD_TOO_LARGE).await;
    let too_long = format!(
        "{{\"objects\": [], \"pad\": \"{}\"}}",
        "x".repeat(super::MAX_CONTENT_LENGTH)
    );
    check(
        post(RW, TAXII_MEDIA_TYPE, &too_long, "ana"),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    // DELETE needs write access.
    fx.put(RO, IND, Some(1), "green", "cert-lt");
    let del = Request::delete(format!("/fimi/collections/{RO}/objects/{IND}/"))
        .header(header::AUTHORIZATION, basic("eve"))
        .header(header::ACCEPT, TAXII_MEDIA_TYPE)
        .body(Body::empty())
        .unwrap();
    check(del, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn post_status_versions_filters_manifest_and_delete() {
    let fx = fixture();
    let b = bundle();
    let r = fx
        .post_as("eve", RW, &json!({"objects": b["objects"]}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(content_type(&r), TAXII_MEDIA_TYPE);
    assert_eq!(r.json["status"], "complete");
    assert_eq!(
        (
            r.json["total_count"].clone(),
            r.json["success_count"].clone()
        ),
        (json!(5), json!(5))
    );
    let ind_success = r.json["successes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == IND)
        .unwrap();
    assert_eq!(ind_success["version"], "2025-03-01T10:00:00.000Z");
    let sid = r.json["id"].as_str().unwrap().to_string();
    let st = fx.get_as("eve", &format!("/fimi/status/{sid}/")).await;
    assert_eq!(st.json, r.json);
    let st = fx.get_as("ana", &format!("/fimi/status/{sid}/")).await;
    assert_eq!(
        st.status,
        StatusCode::NOT_FOUND,
        "another organisation's status"
    );

    // A newer version of the indicator.
    let mut ind2 = b["objects"][1].clone();
    ind2["modified"] = "2025-03-02T10:00:00.000Z".into();
    let r = fx.post_as("eve", RW, &json!({"objects": [ind2]})).await;
    assert_eq!(r.json["success_count"], 1);
    // The same version again is accepted and kept once.
    let r = fx.post_as("eve", RW, &json!({"objects": [ind2]})).await;
    assert_eq!(r.json["success_count"], 1);

    let objects = format!("/fimi/collections/{RW}/objects/");
    // The partner's reads below the collection's objects.
    let eve = |rest: &str| {
        let (fx, path) = (&fx, format!("{objects}{rest}"));
        async move { fx.get_as("eve", &path).await }
    };
    let r = eve("").await;
    assert_eq!(
        r.json["objects"].as_array().unwrap().len(),
        5,
        "latest versions only"
    );
    assert_eq!(r.json["more"], false);
    let first = r.headers["x-taxii-date-added-first"]
        .to_str()
        .unwrap()
        .to_string();
    let last = r.headers["x-taxii-date-added-last"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(first < last, "{first} {last}");
    let latest = r.json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == IND)
        .unwrap()
        .clone();
    assert_eq!(latest["modified"], "2025-03-02T10:00:00.000Z");

    let r = eve("?match[type]=indicator").await;
    assert_eq!(ids(&r), vec![IND]);
    let r = eve("?match[type]=indicator,note").await;
    assert_eq!(ids(&r), vec![IND, NOTE]);
    let r = eve(&format!("?match[id]={IND}&match[version]=all")).await;
    assert_eq!(r.json["objects"].as_array().unwrap().len(), 2);
    let r = eve(&format!("?match[id]={IND}&match[version]=first")).await;
    assert_eq!(r.json["objects"][0]["modified"], "2025-03-01T10:00:00.000Z");
    let r = eve(&format!(
        "?match[id]={IND}&match[version]=2025-03-02T10:00:00.000Z"
    ))
    .await;
    assert_eq!(r.json["objects"].as_array().unwrap().len(), 1);
    let r = eve("?match[spec_version]=2.0").await;
    assert_eq!(r.json, json!({}), "no match is an empty envelope");
    assert!(r.headers.get("x-taxii-date-added-first").is_none());
    let r = eve("?match[type]=campaign").await;
    assert_eq!(r.json, json!({}));

    // added_after filters on date_added: only the second push is newer than the first batch.
    let man = fx
        .get_as("eve", &format!("/fimi/collections/{RW}/manifest/"))
        .await;
    assert_eq!(content_type(&man), TAXII_MEDIA_TYPE);
    let entries = man.json["objects"].as_array().unwrap();
    assert_eq!(entries.len(), 5);
    for m in entries {
        assert_eq!(m["media_type"], STIX_MEDIA_TYPE);
        assert!(m["date_added"].is_string() && m["version"].is_string());
    }
    assert!(man.headers.contains_key("x-taxii-date-added-last"));
    let first_added = entries
        .iter()
        .map(|m| m["date_added"].as_str().unwrap())
        .min()
        .unwrap();
    let r = eve(&format!("?added_after={first_added}")).await;
    let got = ids(&r);
    assert!(got.contains(&IND.to_string()) && got.len() == 4, "{got:?}");
    let r = eve(&format!("?added_after={last}")).await;
    assert_eq!(r.json, json!({}));
    let r = eve("?added_after=yesterday").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // One object, its versions.
    let r = eve(&format!("{IND}/")).await;
    assert_eq!(r.json["objects"].as_array().unwrap().len(), 1);
    assert!(r.headers.contains_key("x-taxii-date-added-first"));
    let r = eve(&format!("{IND}/?match[version]=all")).await;
    assert_eq!(r.json["objects"].as_array().unwrap().len(), 2);
    let r = eve(&format!("{IND}/versions/")).await;
    assert_eq!(content_type(&r), TAXII_MEDIA_TYPE);
    assert_eq!(r.json["more"], false);
    let mut versions: Vec<&str> = r.json["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    versions.sort();
    assert_eq!(
        versions,
        vec!["2025-03-01T10:00:00.000Z", "2025-03-02T10:00:00.000Z"]
    );
    assert!(r.headers.contains_key("x-taxii-date-added-last"));

    // DELETE removes every version; the object is then gone.
    let del = |user: &str| {
        Request::delete(format!("{objects}{NOTE}/"))
            .header(header::AUTHORIZATION, basic(user))
            .header(header::ACCEPT, TAXII_MEDIA_TYPE)
            .body(Body::empty())
            .unwrap()
    };
    let r = fx.send(del("eve")).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = eve(&format!("?match[id]={NOTE}")).await;
    assert_eq!(r.json, json!({}));
    let r = eve(&format!("{NOTE}/")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = fx.send(del("eve")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pagination_tokens_are_bound_to_their_filters() {
    let fx = fixture();
    for i in 0..7 {
        fx.put(
            RW,
            &format!("indicator--00000000-0000-4000-8000-00000000000{i}"),
            Some(1),
            "green",
            "cert-lt",
        );
    }
    let objects = format!("/fimi/collections/{RW}/objects/");
    let mut seen = Vec::new();
    let mut url = format!("{objects}?limit=3&match[type]=indicator");
    let mut pages = 0;
    loop {
        let r = fx.get_as("eve", &url).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        pages += 1;
        seen.extend(ids(&r));
        if r.json["more"] == true {
            let next = r.json["next"].as_str().unwrap();
            // Clients may lower their limit between pages: the token still holds.
            url = format!("{objects}?limit=2&match[type]=indicator&next={next}");
            let rebound = fx.get_as("eve", &format!("{objects}?next={next}")).await;
            assert_eq!(rebound.status, StatusCode::BAD_REQUEST, "other filters");
            let other = fx
                .get_as(
                    "ana",
                    &format!("{objects}?limit=3&match[type]=indicator&next={next}"),
                )
                .await;
            assert_eq!(
                other.status,
                StatusCode::BAD_REQUEST,
                "another organisation"
            );
        } else {
            assert!(r.json.get("next").is_none());
            break;
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!((seen.len(), pages), (7, 3), "3 + 2 + 2");
    let check = async |q: &str| {
        let r = fx.get_as("eve", &format!("{objects}?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(r.json["http_status"], "400");
    };
    check("limit=0").await;
    check("limit=x").await;
    check("next=bogus").await;
    check("match[colour]=red").await;
    check("match[version]=newest").await;
    // The manifest pages the same way.
    let r = fx
        .get_as("eve", &format!("/fimi/collections/{RW}/manifest/?limit=5"))
        .await;
    assert_eq!(
        (
            r.json["objects"].as_array().unwrap().len(),
            r.json["more"].clone()
        ),
        (5, json!(true))
    );
}

#[tokio::test]
async fn organisations_read_exactly_what_tlp_allows() {
    let fx = fixture();
    let id = |n: u32| format!("indicator--00000000-0000-4000-8000-0000000000{n:02}");
    // Our own objects (cert-lt) at every level, and a partner's AMBER+STRICT one.
    for (n, tlp) in [
        (1, "clear"),
        (2, "green"),
        (3, "amber"),
        (4, "amber+strict"),
        (5, "red"),
    ] {
        fx.put(RO, &id(n), Some(1), tlp, "cert-lt");
    }
    fx.put(RO, &id(6), Some(1), "amber+strict", "cert-ee");
    // A newer RED version of an AMBER object: the reader gets the version it may see.
    fx.put(RO, &id(3), Some(2), "red", "cert-lt");
    let objects = format!("/fimi/collections/{RO}/objects/");
    let seen = async |user: &str| -> Vec<String> {
        let r = fx
            .get_as(user, &format!("{objects}?match[version]=all"))
            .await;
        ids(&r)
            .into_iter()
            .map(|s| s[s.len() - 2..].to_string())
            .collect()
    };
    assert_eq!(
        seen("ana").await,
        vec!["01", "02", "03", "04"],
        "own org: no RED"
    );
    assert_eq!(
        seen("eve").await,
        vec!["01", "02", "03", "06"],
        "partner: no RED, own AMBER+STRICT only"
    );
    let r = fx.get_as("eve", &format!("{objects}{}/", id(5))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "RED is never served");
    let r = fx
        .get_as("eve", &format!("{objects}{}/versions/", id(3)))
        .await;
    assert_eq!(r.json["versions"].as_array().unwrap().len(), 1);
    let r = fx
        .get_as("eve", &format!("/fimi/collections/{RO}/manifest/"))
        .await;
    assert_eq!(r.json["objects"].as_array().unwrap().len(), 4);

    // A grant's maximum lowers what an organisation reads.
    fx.app
        .db()
        .sharing
        .grant(RO, &grant("cert-ee", true, false, "green"))
        .unwrap();
    assert_eq!(seen("eve").await, vec!["01", "02"]);
    fx.app
        .db()
        .sharing
        .grant(RO, &grant("cert-ee", false, true, "amber"))
        .unwrap();
    let r = fx.get_as("eve", &objects).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "write-only grant");
}

#[tokio::test]
async fn posted_bundles_become_partner_intelligence_and_are_audited() {
    let fx = fixture();
    let r = fx
        .post_as("eve", RW, &json!({"objects": bundle()["objects"]}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    {
        let db = fx.app.db();
        let po = db.sharing.partner_objects(100).unwrap();
        assert_eq!(po.len(), 5);
        assert!(
            po.iter()
                .all(|o| o.source_org == "cert-ee" && o.tlp == "amber")
        );
        assert_eq!(
            db.sharing.watch_for_domain("lrt-news.info").unwrap().len(),
            1
        );
        assert_eq!(db.sharing.watch_for_actor("777", None).unwrap().len(), 1);
        assert_eq!(
            db.sharing
                .watch_for_actor("1", Some("fake_lrt"))
                .unwrap()
                .len(),
            1
        );
        let audit = db.accounts.audit_list(10).unwrap();
        assert!(
            audit
                .iter()
                .any(|a| a.action == "taxii_post" && a.org == "cert-ee" && a.target == RW)
        );
    }
    let r = fx
        .get_as("ana", &format!("/fimi/collections/{RW}/objects/"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let audit = fx.app.db().accounts.audit_list(1).unwrap();
    assert_eq!(
        (audit[0].action.as_str(), audit[0].user.as_str()),
        ("taxii_read", "ana")
    );
}
