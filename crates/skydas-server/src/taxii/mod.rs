//! TAXII 2.1 (docs/INTEROP.md §3): discovery at `/taxii2/`, one API root at `/fimi/`, its
//! collections, objects, manifest, versions and status, with the exact media types and error
//! resources partner clients expect.
//!
//! Authentication is HTTP Basic with a user name and one of that user's API tokens as the
//! password (what taxii2-client sends); a bearer token works too. Access is granted per
//! organisation and collection ([`skydas_store::sharing::Grant`]). TLP is enforced at every read,
//! on each stored version: RED is never served, AMBER+STRICT only to the organisation the object
//! came from, and nothing above the reader's granted maximum.
//!
//! `skydas_app::intel` turns partners' bundles (POSTed here, pulled by [`client`], or imported from files)
//! into partner intelligence and watch items.

pub mod client;
pub(crate) mod partner;
mod query;

pub use query::{fmt_micros, parse_micros};

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};
use skydas_share::tlp::{Audience, Tlp};
use skydas_store::accounts::{User, secret_hash};
use skydas_store::sharing::{Added, Collection, Grant, NewObject};

use crate::App;
use query::{ListQuery, Selected};

/// The TAXII media type of every resource we send and of the POST body we accept.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
/// The STIX content type named in collections and manifests.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";
/// The path of the one API root, with its slashes.
pub const API_ROOT: &str = "/fimi/";
/// The largest POST body accepted (also announced as the API root's `max_content_length`).
pub const MAX_CONTENT_LENGTH: usize = 10 * 1024 * 1024;
/// The page size when neither the client nor `SKYDAS_TAXII_PAGE_SIZE` says otherwise.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// How long a `next` token stays valid, in seconds.
pub const NEXT_TTL_S: i64 = 600;

/// The largest page served: `SKYDAS_TAXII_PAGE_SIZE` (1–1000) or [`DEFAULT_PAGE_SIZE`]. Read per
/// request so that tests and deployments can set it without a restart.
pub fn max_page_size() -> usize {
    std::env::var("SKYDAS_TAXII_PAGE_SIZE")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| (1..=1000).contains(n))
        .unwrap_or(DEFAULT_PAGE_SIZE)
}

/// A TAXII error, sent as an error resource (except that 401 also asks for Basic credentials).
#[derive(Debug)]
pub struct TaxiiError {
    status: StatusCode,
    title: &'static str,
    description: String,
}

impl TaxiiError {
    fn new(status: StatusCode, title: &'static str, description: impl Into<String>) -> Self {
        TaxiiError {
            status,
            title,
            description: description.into(),
        }
    }
    fn bad_request(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad request", d)
    }
    fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authentication required",
            "send HTTP Basic credentials: a user name and one of its API tokens",
        )
    }
    fn forbidden(d: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", d)
    }
    fn not_found(d: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not found", d)
    }
    fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!("taxii request failed: {e}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            "internal error",
        )
    }
}

impl From<skydas_store::StoreError> for TaxiiError {
    fn from(e: skydas_store::StoreError) -> Self {
        TaxiiError::internal(e)
    }
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let body = json!({
            "title": self.title,
            "description": self.description,
            "http_status": self.status.as_u16().to_string(),
        });
        let mut r = taxii_json(self.status, &body);
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"skydas-taxii\", charset=\"UTF-8\""),
            );
        }
        r
    }
}

type TResult<T> = Result<T, TaxiiError>;

/// A TAXII JSON response with the exact media type.
fn taxii_json(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(TAXII_MEDIA_TYPE),
    );
    r
}

/// Whether a media type (one entry of Accept or a Content-Type) is TAXII 2.1: the type
/// `application/taxii+json` with `version=2.1` or without a version (the IANA registration makes
/// it optional). Spaces and case in the type are ignored.
fn is_taxii_type(mt: &str) -> bool {
    let mut parts = mt.split(';').map(str::trim);
    let ty = parts.next().unwrap_or("");
    if !ty.eq_ignore_ascii_case("application/taxii+json") {
        return false;
    }
    parts.all(|p| match p.split_once('=') {
        Some((k, v)) if k.trim().eq_ignore_ascii_case("version") => {
            v.trim().trim_matches('"') == "2.1"
        }
        // Other parameters (q=…) do not change the type.
        _ => true,
    })
}

/// 406 unless the client accepts TAXII 2.1 (or anything). A request without Accept takes what
/// it gets.
fn check_accept(h: &HeaderMap) -> TResult<()> {
    let Some(v) = h.get(header::ACCEPT) else {
        return Ok(());
    };
    let v = v.to_str().unwrap_or("");
    let ok = v.split(',').map(str::trim).any(|m| {
        let ty = m.split(';').next().unwrap_or("").trim();
        is_taxii_type(m) || ty == "*/*" || ty.eq_ignore_ascii_case("application/*")
    });
    if ok {
        Ok(())
    } else {
        Err(TaxiiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "not acceptable",
            format!("this server answers only {TAXII_MEDIA_TYPE}"),
        ))
    }
}

/// 415 unless a POST is labelled TAXII 2.1.
fn check_content_type(h: &HeaderMap) -> TResult<()> {
    let v = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if is_taxii_type(v) {
        Ok(())
    } else {
        Err(TaxiiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported media type",
            format!("POST bodies must be {TAXII_MEDIA_TYPE}"),
        ))
    }
}

/// Standard base64 (with or without padding); `None` on anything else.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim().trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The user of a request: Basic `name:token`, or a bearer token. Passwords are not accepted
/// here: machine clients get tokens, which can be revoked one by one.
fn caller(app: &App, h: &HeaderMap) -> TResult<User> {
    let auth = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(TaxiiError::unauthorized)?;
    let (scheme, rest) = auth.split_once(' ').ok_or_else(TaxiiError::unauthorized)?;
    let db = app.db();
    if scheme.eq_ignore_ascii_case("basic") {
        let raw = base64_decode(rest).ok_or_else(TaxiiError::unauthorized)?;
        let raw = String::from_utf8(raw).map_err(|_| TaxiiError::unauthorized())?;
        let (name, token) = raw.split_once(':').ok_or_else(TaxiiError::unauthorized)?;
        match db.accounts.user_by_token(&secret_hash(token))? {
            Some(u) if u.name == name => Ok(u),
            _ => Err(TaxiiError::unauthorized()),
        }
    } else if scheme.eq_ignore_ascii_case("bearer") {
        db.accounts
            .user_by_token(&secret_hash(rest.trim()))?
            .ok_or_else(TaxiiError::unauthorized)
    } else {
        Err(TaxiiError::unauthorized())
    }
}

/// Authenticates and checks Accept: the start of every handler.
fn begin(app: &App, h: &HeaderMap) -> TResult<User> {
    let u = caller(app, h)?;
    check_accept(h)?;
    Ok(u)
}

/// The user of a TAXII request that [`begin`] let in, for the handlers that need nothing else
/// of the request's headers.
struct Caller(User);

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = TaxiiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> TResult<Self> {
        begin(app, &parts.headers).map(Caller)
    }
}

/// `http(s)://host` of the request, for the absolute URLs of discovery.
fn base_url(app: &App, h: &HeaderMap) -> String {
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
        })
        .unwrap_or("127.0.0.1");
    format!("{}://{host}", if app.tls() { "https" } else { "http" })
}

/// The collection and the caller's grant on it; 404 when either is missing, so that a partner
/// cannot learn which collections exist.
fn collection_for(app: &App, user: &User, id: &str) -> TResult<(Collection, Grant)> {
    let db = app.db();
    let c = db
        .sharing
        .collection(id)?
        .filter(|c| c.id == id)
        .ok_or_else(|| TaxiiError::not_found("no such collection"))?;
    let g = db
        .sharing
        .grant_for(&c.id, &user.org)?
        .filter(|g| g.can_read || g.can_write)
        .ok_or_else(|| TaxiiError::not_found("no such collection"))?;
    Ok((c, g))
}

fn need_read(g: &Grant) -> TResult<()> {
    permitted(g.can_read, "your organisation may not read this collection")
}

fn need_write(g: &Grant) -> TResult<()> {
    permitted(
        g.can_write,
        "your organisation may not write to this collection",
    )
}

/// `Ok` when the grant allows it, else 403 with `refusal`.
fn permitted(allowed: bool, refusal: &'static str) -> TResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(TaxiiError::forbidden(refusal))
    }
}

/// Who may receive an object from this collection: the reader's organisation, its granted
/// maximum, and whether it is the organisation the object came from.
pub fn reader_audience(grant: &Grant, reader_org: &str, source_org: &str) -> Audience {
    Audience {
        max: Tlp::parse(&grant.max_tlp).unwrap_or(Tlp::Amber),
        same_org: reader_org == source_org,
    }
}

fn collection_json(c: &Collection, g: &Grant) -> Value {
    let mut v = json!({
        "id": c.id,
        "title": c.title,
        "can_read": g.can_read,
        "can_write": g.can_write,
        "media_types": [STIX_MEDIA_TYPE],
    });
    if !c.description.is_empty() {
        v["description"] = c.description.clone().into();
    }
    if let Some(a) = &c.alias {
        v["alias"] = a.clone().into();
    }
    v
}

/// Every TAXII route. They authenticate themselves (Basic, not the app's session cookie), so
/// they are mounted beside the app's protected routes, not behind its login redirect.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/taxii2/", get(discovery))
        .route(API_ROOT, get(api_root))
        .route("/fimi/status/{id}/", get(status))
        .route("/fimi/collections/", get(collections))
        .route("/fimi/collections/{cid}/", get(collection))
        .route("/fimi/collections/{cid}/manifest/", get(manifest))
        .route(
            "/fimi/collections/{cid}/objects/",
            get(objects).post(add_objects),
        )
        .route(
            "/fimi/collections/{cid}/objects/{oid}/",
            get(object).delete(delete_object),
        )
        .route(
            "/fimi/collections/{cid}/objects/{oid}/versions/",
            get(versions),
        )
        .route("/taxii2/{*rest}", axum::routing::any(unknown))
        .route("/fimi/{*rest}", axum::routing::any(unknown))
        // POST bodies are limited by max_content_length below, with a TAXII 413.
        .layer(DefaultBodyLimit::disable())
}

async fn unknown(_: Caller) -> TResult<Response> {
    Err(TaxiiError::not_found("no such TAXII resource"))
}

async fn discovery(State(app): State<Arc<App>>, h: HeaderMap) -> TResult<Response> {
    begin(&app, &h)?;
    let root = format!("{}{API_ROOT}", base_url(&app, &h));
    Ok(taxii_json(
        StatusCode::OK,
        &json!({
            "title": "Skydas TAXII 2.1",
            "description": "Findings on coordinated information manipulation, shared under TLP 2.0",
            "default": root,
            "api_roots": [root],
        }),
    ))
}

async fn api_root(_: Caller) -> TResult<Response> {
    Ok(taxii_json(
        StatusCode::OK,
        &json!({
            "title": "FIMI",
            "description": "Skydas findings and partner intelligence",
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": MAX_CONTENT_LENGTH,
        }),
    ))
}

async fn status(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Caller(u): Caller,
) -> TResult<Response> {
    let body = app
        .db()
        .sharing
        .status(&id, &u.org)?
        .ok_or_else(|| TaxiiError::not_found("no such status"))?;
    let v: Value = serde_json::from_str(&body).map_err(TaxiiError::internal)?;
    Ok(taxii_json(StatusCode::OK, &v))
}

async fn collections(State(app): State<Arc<App>>, Caller(u): Caller) -> TResult<Response> {
    let db = app.db();
    let mut out = Vec::new();
    for c in db.sharing.collections()? {
        if let Some(g) = db
            .sharing
            .grant_for(&c.id, &u.org)?
            .filter(|g| g.can_read || g.can_write)
        {
            out.push(collection_json(&c, &g));
        }
    }
    drop(db);
    // medallion answers an empty list with `{}`; clients accept both.
    let body = if out.is_empty() {
        json!({})
    } else {
        json!({ "collections": out })
    };
    Ok(taxii_json(StatusCode::OK, &body))
}

async fn collection(
    State(app): State<Arc<App>>,
    Path(cid): Path<String>,
    Caller(u): Caller,
) -> TResult<Response> {
    let (c, g) = collection_for(&app, &u, &cid)?;
    Ok(taxii_json(StatusCode::OK, &collection_json(&c, &g)))
}

/// The query parameters of a request, in order, repeated names included.
type Params = Query<Vec<(String, String)>>;

/// A page of results, with the TAXII date headers.
fn page_response(body: Value, sel: &Selected) -> Response {
    let mut r = taxii_json(StatusCode::OK, &body);
    if let (Some(first), Some(last)) = (sel.first_added, sel.last_added) {
        for (k, v) in [
            ("x-taxii-date-added-first", first),
            ("x-taxii-date-added-last", last),
        ] {
            if let Ok(v) = HeaderValue::from_str(&query::fmt_micros(v)) {
                r.headers_mut().insert(k, v);
            }
        }
    }
    r
}

/// `more`/`next` and the page's items as an envelope-like object (`{}` when empty).
fn paged(sel: &Selected, key: &str, items: Vec<Value>) -> Value {
    if items.is_empty() && !sel.more {
        return json!({});
    }
    with_more(sel, key, items)
}

/// `more`/`next` and the page's items, even when there are none.
fn with_more(sel: &Selected, key: &str, items: Vec<Value>) -> Value {
    let mut v = json!({ "more": sel.more, key: items });
    if let Some(n) = &sel.next {
        v["next"] = n.clone().into();
    }
    v
}

fn audit_read(app: &App, u: &User, cid: &str, what: &str, n: usize) {
    if n > 0 {
        app.db().audit(
            u,
            "taxii_read",
            cid,
            json!({ "resource": what, "objects": n }),
        );
    }
}

/// Query parameters of `objects/` and `manifest/` (INTEROP.md §3.1).
const COLLECTION_LIST_PARAMS: &[&str] = &[
    "added_after",
    "limit",
    "next",
    "match[id]",
    "match[type]",
    "match[version]",
    "match[spec_version]",
];

/// Query parameters of `objects/{id}/`.
const OBJECT_LIST_PARAMS: &[&str] = &[
    "added_after",
    "limit",
    "next",
    "match[version]",
    "match[spec_version]",
];

/// Query parameters of `objects/{id}/versions/`.
const VERSIONS_PARAMS: &[&str] = &["added_after", "limit", "next", "match[spec_version]"];

/// Query parameters of `DELETE objects/{id}/`.
const DELETE_PARAMS: &[&str] = &["match[version]", "match[spec_version]"];

/// The collection, and on the per-object endpoints the object, that a request's path names.
#[derive(Deserialize)]
struct Address {
    cid: String,
    oid: Option<String>,
}

/// A request to one of the endpoints on a collection's contents, taken apart in the order the
/// endpoints need: the path's address, then the query parameters (each rejected as axum rejects
/// it), and the headers.
struct ContentsRequest {
    app: Arc<App>,
    at: Address,
    params: Vec<(String, String)>,
    headers: HeaderMap,
}

impl FromRequestParts<Arc<App>> for ContentsRequest {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        let Path(at) = Path::<Address>::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let Query(params) = Params::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(ContentsRequest {
            app: app.clone(),
            at,
            params,
            headers: parts.headers.clone(),
        })
    }
}

/// One endpoint's selection of stored objects: every such endpoint authenticates, needs read
/// access (and write access for DELETE), parses its own set of query parameters and selects the
/// rows, in that order, so that the same request fails the same way on each of them.
struct Selection {
    /// The endpoint's name, which binds its `next` tokens.
    kind: &'static str,
    /// The query parameters the endpoint accepts.
    params: &'static [&'static str],
    /// Whether every version is selected, whatever `match[version]` would default to.
    all_versions: bool,
    /// Whether the caller's organisation must also be allowed to write.
    write: bool,
}

impl Selection {
    /// The latest versions (unless `match[version]` says otherwise) that a read endpoint serves.
    fn read(kind: &'static str, params: &'static [&'static str]) -> Self {
        Selection {
            kind,
            params,
            all_versions: false,
            write: false,
        }
    }

    /// The caller, the collection and the rows (of the one object, when the path names one)
    /// that this selection asks for.
    fn run(&self, r: &ContentsRequest) -> TResult<(User, Collection, Selected)> {
        let app = &r.app;
        let u = begin(app, &r.headers)?;
        let (c, g) = collection_for(app, &u, &r.at.cid)?;
        need_read(&g)?;
        if self.write {
            need_write(&g)?;
        }
        let mut q = ListQuery::parse(&r.params, self.params)?;
        if self.all_versions {
            q.versions = vec![query::VersionSel::All];
        }
        let sel = query::select(app, &u, &c, &g, self.kind, &q, r.at.oid.as_deref())?;
        Ok((u, c, sel))
    }
}

/// The stored objects themselves, as `objects/` and `objects/{id}/` serve them; reads that return
/// anything are audited under the endpoint's name.
fn serve_objects(r: &ContentsRequest, s: &Selection) -> TResult<Response> {
    let (u, c, sel) = s.run(r)?;
    let items: Vec<Value> = sel
        .rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r.body).ok())
        .collect();
    audit_read(&r.app, &u, &c.id, s.kind, items.len());
    Ok(page_response(paged(&sel, "objects", items), &sel))
}

async fn objects(r: ContentsRequest) -> TResult<Response> {
    serve_objects(&r, &Selection::read("objects", COLLECTION_LIST_PARAMS))
}

async fn manifest(r: ContentsRequest) -> TResult<Response> {
    let (_, _, sel) = Selection::read("manifest", COLLECTION_LIST_PARAMS).run(&r)?;
    let items: Vec<Value> = sel
        .rows
        .iter()
        .map(|r| {
            json!({
                "id": r.object_id,
                "date_added": query::fmt_micros(r.date_added),
                "version": query::fmt_micros(r.version),
                "media_type": STIX_MEDIA_TYPE,
            })
        })
        .collect();
    Ok(page_response(paged(&sel, "objects", items), &sel))
}

async fn object(r: ContentsRequest) -> TResult<Response> {
    serve_objects(&r, &Selection::read("object", OBJECT_LIST_PARAMS))
}

async fn versions(r: ContentsRequest) -> TResult<Response> {
    let s = Selection {
        all_versions: true,
        ..Selection::read("versions", VERSIONS_PARAMS)
    };
    let (_, _, sel) = s.run(&r)?;
    let items: Vec<Value> = sel
        .rows
        .iter()
        .map(|r| query::fmt_micros(r.version).into())
        .collect();
    Ok(page_response(with_more(&sel, "versions", items), &sel))
}

async fn delete_object(r: ContentsRequest) -> TResult<Response> {
    let s = Selection {
        // Without a version filter DELETE removes every version.
        all_versions: r.params.iter().all(|(k, _)| k != "match[version]"),
        write: true,
        ..Selection::read("delete", DELETE_PARAMS)
    };
    let (u, c, sel) = s.run(&r)?;
    // The route always names the object.
    let oid = r.at.oid.as_deref().unwrap_or_default();
    let versions: Vec<i64> = sel.rows.iter().map(|r| r.version).collect();
    if versions.is_empty() {
        return Err(TaxiiError::not_found("no version of the object matches"));
    }
    let mut db = r.app.db();
    let n = db.sharing.delete_object(&c.id, oid, &versions)?;
    db.audit(
        &u,
        "taxii_delete",
        &format!("{}/{oid}", c.id),
        json!({ "versions": n }),
    );
    drop(db);
    let mut done = StatusCode::OK.into_response();
    done.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(TAXII_MEDIA_TYPE),
    );
    Ok(done)
}

pub use skydas_app::accounts::random_uuid;

fn status_id() -> TResult<String> {
    random_uuid().map_err(TaxiiError::internal)
}

/// Whether an id is `<type>--<uuid>` for the object's own type.
fn well_formed_id(ty: &str, id: &str) -> bool {
    id.split_once("--").is_some_and(|(t, u)| {
        t == ty
            && u.len() == 36
            && u.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_hexdigit(),
            })
    })
}

async fn add_objects(
    State(app): State<Arc<App>>,
    Path(cid): Path<String>,
    req: Request,
) -> TResult<Response> {
    let h = req.headers().clone();
    let u = begin(&app, &h)?;
    check_content_type(&h)?;
    let (c, g) = collection_for(&app, &u, &cid)?;
    need_write(&g)?;
    let too_large = || {
        TaxiiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request too large",
            format!("the body exceeds max_content_length ({MAX_CONTENT_LENGTH} bytes)"),
        )
    };
    if h.get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_CONTENT_LENGTH)
    {
        return Err(too_large());
    }
    let body: Bytes = axum::body::to_bytes(req.into_body(), MAX_CONTENT_LENGTH)
        .await
        .map_err(|_| too_large())?;
    let env: Value = serde_json::from_slice(&body)
        .map_err(|e| TaxiiError::bad_request(format!("the body is not JSON: {e}")))?;
    let unprocessable =
        |d: String| TaxiiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable entity", d);
    let Some(list) = env.get("objects").and_then(Value::as_array) else {
        return Err(unprocessable(
            "the body is not an envelope with an objects array".into(),
        ));
    };
    for (i, o) in list.iter().enumerate() {
        let ty = o.get("type").and_then(Value::as_str);
        let id = o.get("id").and_then(Value::as_str);
        match (ty, id) {
            (Some(ty), Some(id)) if well_formed_id(ty, id) => {}
            _ => {
                return Err(unprocessable(format!(
                    "object {i} has no valid type and id"
                )));
            }
        }
    }
    let imported = skydas_share::stix::import_bundle(&json!({ "objects": list }))
        .map_err(|e| unprocessable(e.to_string()))?;
    let request_ts = query::fmt_micros(query::now_micros());
    let mut news = Vec::new();
    let mut failures = Vec::new();
    for (o, tlp) in &imported.objects {
        let id = o.get("id").and_then(Value::as_str).unwrap_or_default();
        let ty = o.get("type").and_then(Value::as_str).unwrap_or_default();
        let spec = o
            .get("spec_version")
            .and_then(Value::as_str)
            .unwrap_or("2.1");
        if spec != "2.1" {
            failures
                .push(json!({ "id": id, "message": format!("spec_version {spec} is not 2.1") }));
            continue;
        }
        let version = ["modified", "created"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str))
            .map(|t| query::parse_micros(t).ok_or(t));
        let version = match version {
            None => None,
            Some(Ok(v)) => Some(v),
            Some(Err(t)) => {
                failures
                    .push(json!({ "id": id, "message": format!("unreadable timestamp {t:?}") }));
                continue;
            }
        };
        news.push(NewObject {
            id: id.to_lowercase(),
            object_type: ty.to_string(),
            version,
            spec_version: spec.to_string(),
            tlp: tlp.as_str().to_string(),
            source_org: u.org.clone(),
            body: o.to_string(),
        });
    }
    let mut db = app.db();
    let added = db.sharing.add_objects(&c.id, &news)?;
    let mut successes = Vec::new();
    for (n, a) in news.iter().zip(&added) {
        let v = match (*a, n.version) {
            (_, Some(v)) => v,
            (Added::New { date_added }, None) => date_added,
            (Added::Duplicate, None) => 0,
        };
        let mut s = json!({ "id": n.id });
        if v > 0 {
            s["version"] = query::fmt_micros(v).into();
        }
        successes.push(s);
    }
    let intel = skydas_app::intel::record(
        db.sharing.as_mut(),
        &env,
        &format!("taxii-post:{}", c.id),
        Some(&u.org),
        app.clock(),
    );
    if let Err(e) = &intel {
        tracing::error!("partner intelligence from a POST: {e}");
    }
    let sid = status_id()?;
    let total = list.len();
    let st = json!({
        "id": sid,
        "status": "complete",
        "request_timestamp": request_ts,
        "total_count": total,
        "success_count": successes.len(),
        "failure_count": failures.len() + imported.skipped,
        "pending_count": 0,
        "successes": successes,
        "failures": failures,
        "pendings": [],
    });
    db.sharing.put_status(&sid, &u.org, &st.to_string())?;
    db.audit(
        &u,
        "taxii_post",
        &c.id,
        json!({
            "status": sid,
            "objects": total,
            "stored": added.iter().filter(|a| matches!(a, Added::New { .. })).count(),
            "failures": st["failure_count"],
        }),
    );
    drop(db);
    Ok(taxii_json(StatusCode::ACCEPTED, &st))
}

#[cfg(test)]
mod tests;
