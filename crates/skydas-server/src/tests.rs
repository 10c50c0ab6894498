//! Router tests: the whole app driven with `oneshot`, no socket.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use skydas_model::{
    EdgeEvidence, Evidence, Finding, FindingActor, FindingKind, ItemPair, Platform,
};
use skydas_store::accounts::{Role, secret_hash};
use tower::ServiceExt;

use crate::{App, PROTECTED_ROUTES, auth, router};

struct Fixture {
    _dir: tempfile::TempDir,
    app: Arc<App>,
    /// The PostgreSQL schema of a fixture over that backend, dropped with it.
    _pg: Option<pg::Schema>,
}

const PASSWORD: &str = "correct horse battery";

fn finding() -> Finding {
    let actor = |id: &str| FindingActor {
        platform: Platform::Telegram,
        id: id.into(),
        handle: Some(format!("chan_{id}")),
        name: None,
        role: None,
    };
    let ev = |id: &str, actor: &str, t: i64| Evidence {
        platform: Platform::Telegram,
        id: id.into(),
        actor: actor.into(),
        time: t,
        url: Some("https://lrt.ltd/a".into()),
        text: Some("<b>same text</b>".into()),
    };
    Finding {
        id: "co-1".into(),
        kind: FindingKind::of(&skydas_detect::coordination::KIND),
        score: 0.9,
        disarm: vec!["T0049.003".into()],
        first_seen: 1_700_000_000,
        last_seen: 1_700_003_600,
        summary: "2 channels forwarded the same posts".into(),
        actors: vec![actor("1"), actor("2")],
        evidence: vec![ev("1/5", "1", 1_700_000_000), ev("2/9", "2", 1_700_000_060)],
        signals: [("co-repost".to_string(), 3)].into_iter().collect(),
        edges: vec![EdgeEvidence {
            acts: None,
            a: "1".into(),
            b: "2".into(),
            weight: 3.0,
            signals: [("co-repost".to_string(), 3)].into_iter().collect(),
            p_value: Some(1e-6),
            pairs: vec![ItemPair {
                signal: "co-repost".into(),
                key: "src/1".into(),
                a: "1/5".into(),
                b: "2/9".into(),
                gap_s: 60,
            }],
        }],
        domain: None,
        impersonates: None,
        techniques: vec![],
        tlp: None,
        detector: skydas_detect::coordination::KIND.name.into(),
        detector_version: "1".into(),
        params: serde_json::json!({}),
    }
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path(), crate::Settings::new(skydas_detect::kinds())).unwrap();
    populate(&app);
    Fixture {
        _dir: dir,
        app,
        _pg: None,
    }
}

/// The partner organisation of the tests.
const PARTNER: &str = "cert-lt";

/// One coordination finding; three users of the organisation running the server (admin,
/// analyst, viewer: ada, ona, vik) and three of a partner (pat, pia, pev), with API tokens.
fn populate(app: &App) {
    {
        let mut db = app.db();
        db.store
            .replace_findings(&[skydas_detect::coordination::KIND.name], &[finding()])
            .unwrap();
        let phc = auth::hash_password(PASSWORD).unwrap();
        let home = crate::home_org();
        for (name, role, org) in [
            ("ada", Role::Admin, home.as_str()),
            ("ona", Role::Analyst, home.as_str()),
            ("vik", Role::Viewer, home.as_str()),
            ("pat", Role::Admin, PARTNER),
            ("pia", Role::Analyst, PARTNER),
            ("pev", Role::Viewer, PARTNER),
        ] {
            db.accounts.add_user(name, role, org, &phc).unwrap();
            db.accounts
                .add_token(name, &secret_hash(&format!("token-{name}")), "test")
                .unwrap();
        }
    }
}

/// Sends a request through the whole app; the status, headers and body of the answer.
pub(crate) async fn oneshot(app: &Arc<App>, req: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
    let r = router(app.clone()).oneshot(req).await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.into_body().collect().await.unwrap().to_bytes();
    (status, headers, body)
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Resp {
    /// The `name=value` of the cookie the response sets, without its attributes.
    fn set_cookie(&self) -> String {
        self.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }
}

/// The Content-Type header of an HTML form's POST.
const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

/// The paths of the GET routes among [`PROTECTED_ROUTES`].
fn protected_gets() -> impl Iterator<Item = &'static str> {
    PROTECTED_ROUTES
        .iter()
        .filter(|(method, _)| *method == "GET")
        .map(|(_, path)| *path)
}

/// Checks a viewer's GET of a protected route: every page answers, but for the actor and
/// original pages of ids that are not in the fixture and the admins' users page.
fn assert_viewer_reads(path: &str, r: &Resp) {
    assert!(
        r.status == StatusCode::OK
            || (r.status == StatusCode::NOT_FOUND
                && (path.contains("/actors/") || path.contains("/originals/")))
            || (r.status == StatusCode::FORBIDDEN && path == "/users"),
        "{path}: {} {}",
        r.status,
        r.body
    );
}

impl Fixture {
    /// The status and note of a finding's review, as stored.
    fn review(&self, id: &str) -> (String, String) {
        let r = self.app.db().store.review(id).unwrap().unwrap();
        (r.status.as_str().to_string(), r.note)
    }

    async fn send(&self, req: Request<Body>) -> Resp {
        let (status, headers, body) = oneshot(&self.app, req).await;
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    async fn get(&self, path: &str, auth: &[(&str, &str)]) -> Resp {
        let mut b = Request::get(path);
        for (k, v) in auth {
            b = b.header(*k, *v);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    /// GET with a user's API token.
    async fn get_as(&self, user: &str, path: &str) -> Resp {
        self.get(path, &[("authorization", &bearer(user))]).await
    }

    /// A viewer's GET of a page that must answer and contain every one of `needles`.
    async fn page_with(&self, path: &str, needles: &[&str]) -> Resp {
        let r = self.get_as("vik", path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        for needle in needles {
            assert!(r.body.contains(needle), "{path} lacks {needle}: {}", r.body);
        }
        r
    }

    /// POST with a user's API token and a content type.
    async fn post_as(&self, user: &str, path: &str, ctype: (&str, &str), body: &str) -> Resp {
        self.post(path, &[("authorization", &bearer(user)), ctype], body)
            .await
    }

    async fn post(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        let mut b = Request::post(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(b.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// Logs in through the form; returns the session cookie and the CSRF token of pages.
    async fn login(&self, user: &str, password: &str) -> Resp {
        let form = self.get("/login", &[]).await;
        let login_csrf = form.set_cookie().split_once('=').unwrap().1.to_string();
        assert!(form.body.contains(&login_csrf));
        self.post(
            "/login",
            &[
                FORM,
                (
                    header::COOKIE.as_str(),
                    &format!("skydas_login_csrf={login_csrf}"),
                ),
            ],
            &format!(
                "user={user}&password={}&csrf={login_csrf}",
                password.replace(' ', "+")
            ),
        )
        .await
    }

    async fn session(&self, user: &str) -> (String, String) {
        let r = self.login(user, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let cookie = r.set_cookie();
        let page = self.get("/findings/co-1", &[("cookie", &cookie)]).await;
        let csrf = page
            .body
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        (cookie, csrf)
    }
}

fn bearer(name: &str) -> String {
    format!("Bearer token-{name}")
}

#[tokio::test]
async fn health_and_login_page_are_public() {
    let f = fixture();
    assert_eq!(f.get("/healthz", &[]).await.status, StatusCode::OK);
    let login = f.get("/login", &[]).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("name=\"password\""));
    assert_eq!(f.get("/static/style.css", &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_protected_route_refuses_without_valid_credentials() {
    let f = fixture();
    for (method, path) in PROTECTED_ROUTES {
        for auth in [None, Some("Bearer wrong"), Some("Basic YWRhOng=")] {
            let mut b = Request::builder().method(*method).uri(*path);
            if let Some(a) = auth {
                b = b.header("authorization", a);
            }
            let r = f.send(b.body(Body::empty()).unwrap()).await;
            let api = path.starts_with("/api/") || auth.is_some_and(|a| a.starts_with("Bearer"));
            if api {
                assert_eq!(
                    r.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} {auth:?}"
                );
                assert_eq!(r.headers[header::WWW_AUTHENTICATE], "Bearer");
            } else {
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{method} {path} {auth:?}");
                assert_eq!(r.headers[header::LOCATION], "/login");
            }
            assert!(!r.body.contains("co-1"), "{path} leaked data");
        }
        // A forged session cookie is refused too.
        let r = f
            .send(
                Request::builder()
                    .method(*method)
                    .uri(*path)
                    .header("cookie", "skydas_session=forged")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(
            matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::SEE_OTHER),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn valid_token_reads_every_get_route() {
    let f = fixture();
    for path in protected_gets() {
        let r = f.get_as("vik", path).await;
        assert_viewer_reads(path, &r);
    }
}

#[tokio::test]
async fn api_findings_has_the_product_shape() {
    let f = fixture();
    let r = f.get_as("vik", "/api/v1/findings?kind=coordination").await;
    assert_eq!(r.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let first = &v["findings"][0];
    for key in [
        "id",
        "kind",
        "score",
        "disarm",
        "first_seen",
        "last_seen",
        "evidence",
        "actors",
        "signals",
    ] {
        assert!(!first[key].is_null(), "missing {key}");
    }
    assert_eq!(first["kind"], skydas_detect::coordination::KIND.name);
    assert_eq!(first["first_seen"], "2023-11-14T22:13:20Z");
    assert_eq!(first["actors"][0]["platform"], "telegram");
    assert_eq!(first["evidence"][0]["actor"], "1");
    assert!(v["total"].as_u64().unwrap() >= 1, "{v}");
    // The list's finding is the detail's, less the review; a second page (from the kept JSON)
    // is the first, byte for byte.
    let id = first["id"].as_str().unwrap();
    let d = f.get_as("vik", &format!("/api/v1/findings/{id}")).await;
    let mut detail: serde_json::Value = serde_json::from_str(&d.body).unwrap();
    detail.as_object_mut().unwrap().remove("review");
    assert_eq!(
        detail.as_object_mut().unwrap().remove("versions"),
        Some(serde_json::json!([]))
    );
    assert_eq!(first, &detail);
    let again = f.get_as("vik", "/api/v1/findings?kind=coordination").await;
    assert_eq!(again.body, r.body);
    let none = f.get_as("vik", "/api/v1/findings?kind=automation").await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&none.body).unwrap()["findings"],
        serde_json::json!([])
    );
    let bad = f.get_as("vik", "/api/v1/findings?min_score=x").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let one = f.get_as("vik", "/api/v1/findings/co-1").await;
    let v: serde_json::Value = serde_json::from_str(&one.body).unwrap();
    assert_eq!(v["review"]["status"], "new");
    let missing = f.get_as("vik", "/api/v1/findings/nope").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let spec = f.get_as("vik", "/api/v1/openapi.json").await;
    let v: serde_json::Value = serde_json::from_str(&spec.body).unwrap();
    assert_eq!(v["openapi"], "3.1.0");
}

#[tokio::test]
async fn the_api_and_the_finding_page_show_its_versions() {
    let f = fixture();
    let change = |at: i64, joined: &[&str], before: Option<f64>| skydas_store::Change {
        at,
        members_in: joined.iter().map(|m| (*m).to_string()).collect(),
        members_out: Vec::new(),
        evidence_before: 1,
        evidence_after: 1,
        score_before: before,
        score_after: 0.9,
        split_from: None,
        merged: Vec::new(),
    };
    let revision = skydas_store::Revision {
        copy_review: Vec::new(),
        versions: vec![
            (
                "co-1".into(),
                change(1_700_000_000, &["telegram:1", "telegram:2"], None),
            ),
            (
                "co-1".into(),
                change(1_700_086_400, &["telegram:3"], Some(0.9)),
            ),
        ],
    };
    f.app
        .db()
        .store
        .revise_findings(
            &[skydas_detect::coordination::KIND.name],
            &[finding()],
            &revision,
        )
        .unwrap();
    let r = f.get_as("vik", "/api/v1/findings/co-1").await;
    assert_eq!(r.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let versions = v["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{v}");
    assert_eq!(versions[1]["version"], 2);
    assert_eq!(versions[1]["members_in"], serde_json::json!(["telegram:3"]));
    assert_eq!(versions[1]["at"], "2023-11-15T22:13:20Z");
    let page = f.get_as("vik", "/findings/co-1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h2>Versions</h2>"), "{}", page.body);
    assert!(
        page.body.contains(
            "<li value=\"2\"><b>v2</b> 2023-11-15 22:13 · joined \
             <a href=\"/actors/telegram/3\">telegram:3</a></li>"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("first seen with 2 members"));
    // Newest first.
    let (v2, v1) = (page.body.find("<b>v2</b>"), page.body.find("<b>v1</b>"));
    assert!(v2 < v1, "{v2:?} {v1:?}");
}

#[tokio::test]
async fn roles_decide_who_may_change_a_status() {
    let f = fixture();
    let body = r#"{"status":"confirmed","note":"seen before"}"#;
    let json = (header::CONTENT_TYPE.as_str(), "application/json");
    let viewer = f
        .post_as("vik", "/api/v1/findings/co-1/status", json, body)
        .await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN);
    let analyst = f
        .post_as("ona", "/api/v1/findings/co-1/status", json, body)
        .await;
    assert_eq!(analyst.status, StatusCode::OK, "{}", analyst.body);
    assert_eq!(f.review("co-1"), ("confirmed".into(), "seen before".into()));
    let bad = f
        .post_as(
            "ona",
            "/api/v1/findings/co-1/status",
            json,
            r#"{"status":"maybe"}"#,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // The change is in the audit log, by the analyst.
    let log = f.app.db().accounts.audit_list(10).unwrap();
    assert!(
        log.iter()
            .any(|r| r.action == "status" && r.user == "ona" && r.target == "co-1")
    );
    // Only admins see the users page.
    let users = f.get_as("ona", "/users").await;
    assert_eq!(users.status, StatusCode::FORBIDDEN);
    assert_eq!(f.get_as("ada", "/users").await.status, StatusCode::OK);
}

#[tokio::test]
async fn good_login_sets_a_strict_http_only_cookie_and_is_audited() {
    let f = fixture();
    let r = f.login("ona", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("skydas_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP");
    let session = cookie.split(';').next().unwrap();
    let page = f.get("/", &[("cookie", session)]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Overview") && page.body.contains("CC BY-SA 4.0"));
    let log = f.app.db().accounts.audit_list(10).unwrap();
    assert_eq!(log[0].action, "login");
    let wrong = f.login("ona", "nope").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        f.app.db().accounts.audit_list(1).unwrap()[0].action,
        "login_failed"
    );
}

#[tokio::test]
async fn login_without_its_csrf_cookie_is_refused() {
    let f = fixture();
    let r = f
        .post(
            "/login",
            &[FORM],
            &format!("user=ona&password={PASSWORD}&csrf=abc"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn login_is_rate_limited() {
    let f = fixture();
    for _ in 0..auth::MAX_FAILURES {
        assert_eq!(
            f.login("ona", "wrong").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password is refused now.
    assert_eq!(
        f.login("ona", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn forms_need_the_session_csrf_token() {
    let f = fixture();
    let (cookie, csrf) = f.session("ona").await;
    let form = FORM;
    let c = ("cookie", cookie.as_str());
    // Without the token, or with a wrong one, the form is refused.
    for body in [
        "status=confirmed&note=x",
        "status=confirmed&note=x&csrf=0000",
    ] {
        let r = f.post("/findings/co-1/status", &[c, form], body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{body}");
    }
    assert_eq!(f.review("co-1").0, "new");
    let good = f
        .post(
            "/findings/co-1/status",
            &[c, form],
            &format!("status=dismissed&note=ok&csrf={csrf}"),
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    assert_eq!(f.review("co-1").0, "dismissed");
    // The JSON API under a cookie needs the token in a header.
    let json = (header::CONTENT_TYPE.as_str(), "application/json");
    let api = f
        .post(
            "/api/v1/findings/co-1/status",
            &[c, json],
            r#"{"status":"new"}"#,
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    let api = f
        .post(
            "/api/v1/findings/co-1/status",
            &[c, json, ("x-csrf-token", &csrf)],
            r#"{"status":"new"}"#,
        )
        .await;
    assert_eq!(api.status, StatusCode::OK);
    // Logging out ends the session.
    let out = f.post("/logout", &[c, form], &format!("csrf={csrf}")).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(f.get("/", &[c]).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_clone_finding_lists_its_hosts_and_urls_unlinked() {
    let f = fixture();
    let mut clone = finding();
    clone.id = "ld-1".into();
    clone.kind = FindingKind::of(&skydas_detect::lookalike::KIND);
    clone.edges.clear();
    clone.domain = Some("lrt.ltd".into());
    clone.params = serde_json::json!({
        "hosts": ["lrt.ltd", "www.lrt.ltd"],
        "redirectors": ["short.example"],
        "explanation": "label 'lrt' equals brand of lrt.lt under suffix 'ltd'",
        "ruled_out": "lrt.ltd is not a protected domain",
    });
    f.app
        .db()
        .store
        .replace_findings(&[skydas_detect::lookalike::KIND.name], &[clone])
        .unwrap();
    let needles = [
        "<h2>Hosts and URLs of lrt.ltd</h2>",
        "<dt>match</dt><dd>label &#39;lrt&#39; equals brand of lrt.lt under suffix &#39;ltd&#39;</dd>",
        "<dt>ruled out</dt><dd>lrt.ltd is not a protected domain</dd>",
        "<dt>hosts</dt><dd>lrt.ltd, www.lrt.ltd</dd>",
        "<dt>reached through</dt><dd>short.example</dd>",
        "<dt>URLs (1)</dt><dd><ul class=\"urls\"><li><code>https://lrt.ltd/a</code></li>",
    ];
    let r = f.page_with("/findings/ld-1", &needles).await;
    // A clone's URLs are shown to be cited, never as links to follow.
    assert!(!r.body.contains("href=\"https://lrt.ltd/a\""));
    // Findings on no domain have no such section.
    let co = f.get_as("vik", "/findings/co-1").await;
    assert!(!co.body.contains("Hosts and URLs"));
}

#[tokio::test]
async fn finding_page_has_graph_timeline_evidence_and_escapes() {
    let f = fixture();
    let needles = [
        "<svg id=\"graph\"",
        "class=\"edge\"",
        "co-repost ×3",
        "id=\"edge-0\"",
        "<svg id=\"timeline\"",
        "id=\"evidence\"",
        "Bots Amplify via Automated Forwarding and Reposting",
        "&lt;b&gt;same text&lt;/b&gt;",
        // Evidence cites the original post and names the actor by handle.
        "<a href=\"https://t.me/chan_1/5\" rel=\"noreferrer noopener\" target=\"_blank\">1/5</a>",
        "<a href=\"/actors/telegram/1\" title=\"1\">@chan_1</a>",
    ];
    let r = f.page_with("/findings/co-1", &needles).await;
    assert!(!r.body.contains("<b>same text</b>"));
    let dl = f.get_as("vik", "/findings/co-1/download/gexf").await;
    assert_eq!(dl.status, StatusCode::OK);
    assert!(dl.body.contains("<gexf"));
    assert!(f.app.db().accounts.audit_list(1).unwrap()[0].action == "export");
    let list = f.get_as("vik", "/findings?disarm=T0049.003").await;
    assert!(list.body.contains("/findings/co-1"));
    let none = f.get_as("vik", "/findings?disarm=T0084.001").await;
    assert!(!none.body.contains("/findings/co-1"));
}

/// Users of another organisation than ours are partners: TLP applies to them on every path.
#[tokio::test]
async fn partners_never_see_red_or_amber_strict_findings() {
    let f = fixture();
    for (tlp, partner_sees) in [
        (skydas_model::Tlp::Green, true),
        (skydas_model::Tlp::Amber, true),
        (skydas_model::Tlp::AmberStrict, false),
        (skydas_model::Tlp::Red, false),
    ] {
        {
            let mut db = f.app.db();
            let mut review = db.store.review("co-1").unwrap().unwrap();
            review.tlp = tlp;
            assert!(db.store.set_review("co-1", &review).unwrap());
        }
        for path in [
            "/api/v1/findings/co-1",
            "/findings/co-1",
            "/findings/co-1/download/json",
        ] {
            let partner = f.get_as("pev", path).await;
            let want = if partner_sees {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(partner.status, want, "{path} at {tlp:?} for a partner");
            let home = f.get_as("vik", path).await;
            assert_eq!(
                home.status,
                StatusCode::OK,
                "{path} at {tlp:?} for our own analyst"
            );
        }
        let list = f.get_as("pev", "/api/v1/findings").await;
        assert_eq!(
            list.body.contains("\"co-1\""),
            partner_sees,
            "list at {tlp:?}"
        );
        for page in ["/findings", "/"] {
            let html = f.get_as("pev", page).await;
            assert_eq!(
                html.body.contains("/findings/co-1"),
                partner_sees,
                "{page} at {tlp:?}"
            );
        }
    }
}

mod authz;
mod pg;

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let f = fixture();
    let mut paths: Vec<(&str, &str, Option<String>)> = vec![
        ("GET", "/healthz", None),
        ("GET", "/login", None),
        ("GET", "/static/style.css", None),
        ("GET", "/no/such/page", None),
        ("GET", "/taxii2/", None),
    ];
    for (m, p) in PROTECTED_ROUTES {
        paths.push((m, p, None));
        paths.push((m, p, Some(bearer("ada"))));
    }
    for (method, path, auth) in &paths {
        let mut b = Request::builder().method(*method).uri(*path);
        if let Some(a) = auth {
            b = b.header("authorization", a.as_str());
        }
        let r = f.send(b.body(Body::empty()).unwrap()).await;
        let h = |k: header::HeaderName| {
            r.headers
                .get(&k)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let csp = h(header::CONTENT_SECURITY_POLICY);
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{method} {path}: {csp:?}"
        );
        assert!(!csp.contains("unsafe-inline"), "{method} {path}");
        assert_eq!(
            h(header::X_CONTENT_TYPE_OPTIONS),
            "nosniff",
            "{method} {path}"
        );
        assert_eq!(h(header::X_FRAME_OPTIONS), "DENY", "{method} {path}");
        assert_eq!(h(header::CACHE_CONTROL), "no-store", "{method} {path}");
        assert_eq!(
            h(header::STRICT_TRANSPORT_SECURITY),
            "",
            "plain HTTP: no HSTS"
        );
        // No page carries an inline script the policy would block.
        assert!(
            !r.body.contains("<script>") && !r.body.contains(" onclick="),
            "{method} {path} has inline script"
        );
    }
    // Under TLS every response also pins HTTPS.
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::Settings::new(skydas_detect::kinds());
    settings.tls = true;
    let app = App::open(dir.path(), settings).unwrap();
    let r = router(app)
        .oneshot(Request::get("/login").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        r.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
}

#[tokio::test]
async fn sessions_expire_and_are_revoked_with_the_tokens() {
    let f = fixture();
    let (cookie, _) = f.session("ona").await;
    assert_eq!(
        f.get("/", &[("cookie", &cookie)]).await.status,
        StatusCode::OK
    );
    // A session past its end is no session.
    {
        let mut db = f.app.db();
        let ona = db.accounts.user("ona").unwrap().unwrap();
        db.accounts
            .create_session(ona.id, &secret_hash("stale"), "c", 0)
            .unwrap();
    }
    let stale = f.get("/", &[("cookie", "skydas_session=stale")]).await;
    assert_eq!(stale.status, StatusCode::SEE_OTHER);
    // Revoking the user ends the live session and withdraws the API token at once.
    assert_eq!(
        f.app.db().accounts.revoke("ona").unwrap(),
        Some((2, 1)),
        "the live session and the stale one, and the token"
    );
    assert_eq!(
        f.get("/", &[("cookie", &cookie)]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        f.get_as("ona", "/api/v1/findings").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(f.app.db().accounts.revoke("nobody").unwrap(), None);
    // The password still works: revocation is not a lockout.
    assert_eq!(f.login("ona", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_page_refused_is_a_page_and_the_api_stays_json() {
    let f = fixture();
    let page = f.get_as("pia", "/search?q=x").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{:?}",
        page.headers
    );
    assert!(
        page.body.contains("<h1>403 Forbidden</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("href=\"/findings\""), "{}", page.body);
    let missing = f.get_as("vik", "/findings/co-none").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.body.contains("<h1>404 Not Found</h1>"),
        "{}",
        missing.body
    );
    let api = f.get_as("pia", "/api/v1/stats").await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&api.body).unwrap()["error"],
        "forbidden"
    );
}
