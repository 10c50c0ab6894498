//! The authorisation matrix: every route × role × organisation (ours, a partner's, none) ×
//! the finding's marking, against the policy stated here once:
//! - without credentials: `401` for the API, a redirect to the login page for pages;
//! - a finding is visible to our own organisation at every marking and to a partner up to
//!   TLP:AMBER; an invisible finding is `404`, never listed and never counted;
//! - changing a status needs an analyst (`403` for viewers, whatever the finding);
//! - the corpus (search, items, actors, domains, originals, its statistics) and other
//!   partners' intelligence are for our own organisation (`403` for partners);
//! - the users page is for administrators, and a partner's administrator manages the
//!   partner's users only.

use skydas_model::Tlp;

use super::*;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Nobody,
    Home(Role),
    Partner(Role),
}

impl Who {
    fn token(self) -> Option<&'static str> {
        Some(match self {
            Who::Nobody => return None,
            Who::Home(Role::Admin) => "ada",
            Who::Home(Role::Analyst) => "ona",
            Who::Home(Role::Viewer) => "vik",
            Who::Partner(Role::Admin) => "pat",
            Who::Partner(Role::Analyst) => "pia",
            Who::Partner(Role::Viewer) => "pev",
        })
    }

    fn role(self) -> Option<Role> {
        match self {
            Who::Nobody => None,
            Who::Home(r) | Who::Partner(r) => Some(r),
        }
    }

    fn home(self) -> bool {
        matches!(self, Who::Home(_))
    }
}

/// What a route is, for the policy.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Lists findings: every signed-in user, invisible findings left out.
    List,
    /// One finding: visible or 404.
    Finding,
    /// Changes a finding's status: an analyst, and the finding visible.
    Status,
    /// The corpus or others' intelligence: our own organisation only.
    Home,
    /// The users page: administrators; adding a user of another organisation is ours only.
    Users,
    /// Anything a signed-in user may fetch (the script, the API description).
    Any,
}

const ROUTES: &[(&str, &str, Kind)] = &[
    ("GET", "/", Kind::List),
    ("GET", "/findings", Kind::List),
    ("GET", "/api/v1/findings", Kind::List),
    ("GET", "/findings/co-1", Kind::Finding),
    ("GET", "/findings/co-1/download/json", Kind::Finding),
    ("GET", "/findings/co-1/download/gexf", Kind::Finding),
    ("GET", "/api/v1/findings/co-1", Kind::Finding),
    ("POST", "/findings/co-1/status", Kind::Status),
    ("POST", "/api/v1/findings/co-1/status", Kind::Status),
    ("GET", "/search?q=x", Kind::Home),
    ("GET", "/api/v1/items?q=x", Kind::Home),
    ("GET", "/actors/telegram/-100123", Kind::Home),
    ("GET", "/api/v1/actors/telegram/-100123", Kind::Home),
    ("GET", "/domains/example.com", Kind::Home),
    ("GET", "/api/v1/stats", Kind::Home),
    ("GET", "/partner", Kind::Home),
    (
        "GET",
        "/originals/0000000000000000000000000000000000000000000000000000000000000000",
        Kind::Home,
    ),
    ("GET", "/users", Kind::Users),
    ("POST", "/users", Kind::Users),
    ("GET", "/static/app.js", Kind::Any),
    ("GET", "/api/v1/openapi.json", Kind::Any),
];

/// The body of a route's sample request: a status change (JSON for the API, a form for the
/// page), a new user named `new{n}`, or nothing.
fn sample_body(method: &str, path: &str, kind: Kind, n: usize) -> String {
    match (method, kind) {
        ("POST", Kind::Status) if path.starts_with("/api/") => {
            r#"{"status":"confirmed","note":"x"}"#.into()
        }
        ("POST", Kind::Status) => "status=confirmed&note=x&csrf=".into(),
        ("POST", Kind::Users) => {
            format!("name=new{n}&role=viewer&password=a+long+passphrase&org=")
        }
        _ => String::new(),
    }
}

fn visible(who: Who, tlp: Tlp) -> bool {
    who.home() || tlp <= Tlp::Amber
}

/// The status the policy expects, or `None` where only "allowed" is fixed (a 2xx or 3xx, or a
/// 404 for a sample that does not exist).
fn expected(method: &str, path: &str, kind: Kind, who: Who, tlp: Tlp) -> StatusCode {
    let Some(role) = who.role() else {
        return if path.starts_with("/api/") {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::SEE_OTHER
        };
    };
    let ok = if method == "POST" && !path.starts_with("/api/") {
        StatusCode::SEE_OTHER
    } else {
        StatusCode::OK
    };
    match kind {
        Kind::List | Kind::Any => StatusCode::OK,
        Kind::Finding if visible(who, tlp) => StatusCode::OK,
        Kind::Finding => StatusCode::NOT_FOUND,
        Kind::Status if role < Role::Analyst => StatusCode::FORBIDDEN,
        Kind::Status if !visible(who, tlp) => StatusCode::NOT_FOUND,
        Kind::Status => ok,
        Kind::Home if !who.home() => StatusCode::FORBIDDEN,
        // Samples that exist nowhere in the store.
        Kind::Home if path.starts_with("/originals/") || path.contains("/actors/") => {
            StatusCode::NOT_FOUND
        }
        Kind::Home => StatusCode::OK,
        Kind::Users if role < Role::Admin => StatusCode::FORBIDDEN,
        Kind::Users => ok,
    }
}

#[tokio::test]
async fn every_route_role_organisation_and_marking() {
    let f = fixture();
    let whos = [
        Who::Nobody,
        Who::Home(Role::Admin),
        Who::Home(Role::Analyst),
        Who::Home(Role::Viewer),
        Who::Partner(Role::Admin),
        Who::Partner(Role::Analyst),
        Who::Partner(Role::Viewer),
    ];
    let mut cases = 0;
    let mut n_user = 0;
    for tlp in Tlp::ALL {
        for &who in &whos {
            for &(method, path, kind) in ROUTES {
                // Keep the marking under test: a status change never touches it.
                {
                    let mut db = f.app.db();
                    let mut review = db.store.review("co-1").unwrap().unwrap();
                    review.tlp = tlp;
                    db.store.set_review("co-1", &review).unwrap();
                }
                let mut b = Request::builder().method(method).uri(path);
                if let Some(t) = who.token() {
                    b = b.header("authorization", bearer(t));
                }
                if path == "/users" && method == "POST" {
                    n_user += 1;
                }
                let body = sample_body(method, path, kind, n_user);
                let ctype = if body.starts_with('{') {
                    "application/json"
                } else {
                    FORM.1
                };
                b = b.header(header::CONTENT_TYPE, ctype);
                let r = f.send(b.body(Body::from(body)).unwrap()).await;
                let want = expected(method, path, kind, who, tlp);
                assert_eq!(
                    r.status, want,
                    "{method} {path} by {who:?} at {tlp:?}: {}",
                    r.body
                );
                if kind == Kind::List && who.role().is_some() {
                    assert_eq!(
                        r.body.contains("co-1"),
                        visible(who, tlp),
                        "{path} by {who:?} at {tlp:?} lists what it may not"
                    );
                    if path.starts_with("/api/") {
                        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
                        assert_eq!(
                            v["total"],
                            u64::from(visible(who, tlp)),
                            "{path} by {who:?} at {tlp:?} counts what it may not see"
                        );
                    }
                }
                if !who.home() && who.role().is_some() && path == "/" {
                    assert!(
                        !r.body.contains(" items · "),
                        "a partner learns the corpus size"
                    );
                }
                cases += 1;
            }
        }
    }
    // A partner's administrator cannot add users to any organisation but its own.
    for org in [crate::home_org(), "cert-ee".to_string()] {
        let r = f
            .post_as(
                "pat",
                "/users",
                FORM,
                &format!("name=intruder&role=admin&password=a+long+passphrase&org={org}&csrf="),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{org}");
    }
    let listed = f.get_as("pat", "/users").await;
    assert!(listed.body.contains("pia") && !listed.body.contains(">ada<"));
    eprintln!("authorization matrix: {cases} cases");
    assert_eq!(cases, 5 * 7 * ROUTES.len());
}
