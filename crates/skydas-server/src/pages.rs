//! The server-rendered pages: login, overview, findings list and detail, search, actor and
//! domain pages, downloads, original files and the users page.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::Form;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use skydas_model::{Finding, Kinds, Platform};
use skydas_store::accounts::{Role, secret_hash};
use skydas_store::browse::{Count, FindingFilter, FindingSummary, ItemRow};
use skydas_store::sharing::WatchItem;
use skydas_store::{FindingVersion, Review, ReviewStatus, SearchQuery};

use crate::auth::{self, Authed};
use crate::html::{self, esc, url_part, when};
use crate::{ApiError, App, disarm};

type Params = Query<HashMap<String, String>>;

const LOGIN_CSRF_COOKIE: &str = "skydas_login_csrf";

fn render(a: &Authed, title: &str, body: &str) -> Html<String> {
    Html(html::page(title, Some((&a.user, &a.csrf)), body))
}

fn csrf_field(a: &Authed) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&a.csrf)
    )
}

/// A non-empty query parameter.
fn param<'a>(p: &'a HashMap<String, String>, k: &str) -> Option<&'a str> {
    p.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn time_param(p: &HashMap<String, String>, k: &str) -> Result<Option<i64>, ApiError> {
    param(p, k)
        .map(|s| {
            skydas_model::time::parse_rfc3339(s).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "{k}: {s:?} is not an RFC 3339 date (2024-02-24) or time (2024-02-24T06:00:00Z)"
                ))
            })
        })
        .transpose()
}

/// The findings filter of the list page and the API, from query parameters.
pub(crate) fn finding_filter(
    p: &HashMap<String, String>,
    kinds: &Kinds,
) -> Result<FindingFilter, ApiError> {
    let kind = param(p, "kind")
        .map(|k| {
            kinds
                .get(k)
                .map(|k| k.name.to_string())
                .ok_or_else(|| ApiError::BadRequest("kind: unknown".into()))
        })
        .transpose()?;
    let min_score = param(p, "min_score")
        .map(|s| {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| ApiError::BadRequest("min_score: not a number".into()))
        })
        .transpose()?;
    let status = param(p, "status")
        .map(|s| {
            ReviewStatus::parse(s)
                .map(|s| s.as_str().to_string())
                .ok_or_else(|| ApiError::BadRequest("status: unknown".into()))
        })
        .transpose()?;
    let num = |k: &str, default: usize| -> Result<usize, ApiError> {
        param(p, k).map_or(Ok(default), |s| {
            s.parse()
                .map_err(|_| ApiError::BadRequest(format!("{k}: not a number")))
        })
    };
    Ok(FindingFilter {
        kind,
        min_score,
        since: time_param(p, "since")?,
        until: time_param(p, "until")?,
        disarm: param(p, "disarm").map(str::to_string),
        status,
        offset: num("offset", 0).and_then(|o| {
            if o > i32::MAX as usize {
                Err(ApiError::BadRequest("offset: at most 2147483647".into()))
            } else {
                Ok(o)
            }
        })?,
        limit: limit_param(p, 50)?,
    })
}

/// The `limit` parameter: 1 to 1000 rows, `default` without it; anything else is refused
/// with what is allowed, as the API document says.
fn limit_param(p: &HashMap<String, String>, default: usize) -> Result<usize, ApiError> {
    match param(p, "limit") {
        None => Ok(default),
        Some(s) => match s.parse::<usize>() {
            Ok(n @ 1..=1000) => Ok(n),
            _ => Err(ApiError::BadRequest(format!(
                "limit: {s:?} is not a number from 1 to 1000"
            ))),
        },
    }
}

/// The `<option>`s of a select, the one named `selected` marked so.
fn options<'a>(s: &mut String, names: impl IntoIterator<Item = &'a str>, selected: Option<&str>) {
    for n in names {
        let sel = if selected == Some(n) { " selected" } else { "" };
        let _ = write!(s, "<option{sel}>{n}</option>");
    }
}

/// A table row per count: its key, after `mark` (`#` for hashtags), linked to `href` followed by
/// the key, and the count.
fn count_rows(s: &mut String, counts: &[Count], href: &str, mark: &str) {
    for c in counts {
        let _ = write!(
            s,
            "<tr><td><a href=\"{href}{}\">{mark}{}</a></td><td>{}</td></tr>",
            url_part(&c.key),
            esc(&c.key),
            c.count
        );
    }
}

fn disarm_label(id: &str) -> String {
    match disarm::name(id) {
        Some(n) => format!("<abbr title=\"{}\">{}</abbr>", esc(n), esc(id)),
        None => esc(id),
    }
}

fn summaries_table(rows: &[FindingSummary]) -> String {
    let mut s = String::from(
        "<table class=\"findings\"><tr><th>score</th><th>kind</th><th>summary</th><th>actors</th>\
         <th>evidence</th><th>DISARM</th><th>seen</th><th>status</th></tr>",
    );
    for r in rows {
        let _ = write!(
            s,
            "<tr><td>{:.2}</td><td>{}</td><td><a class=\"finding-link\" href=\"/findings/{}\">{}</a></td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{} – {}</td><td class=\"status-{}\">{}</td></tr>",
            r.score,
            esc(&r.kind),
            url_part(&r.id),
            esc(if r.summary.is_empty() {
                &r.id
            } else {
                &r.summary
            }),
            r.actors,
            r.evidence,
            r.disarm
                .iter()
                .map(|d| disarm_label(d))
                .collect::<Vec<_>>()
                .join(" "),
            when(r.first_seen),
            when(r.last_seen),
            esc(&r.status),
            esc(&r.status)
        );
    }
    s.push_str("</table>");
    s
}

/// The cells a row of items starts with: time, platform, the actor (by handle when known) linked
/// to its page, and language.
fn item_cells(
    time: i64,
    platform: Platform,
    actor_id: &str,
    handle: Option<&str>,
    lang: &str,
) -> String {
    format!(
        "<td>{}</td><td>{platform}</td><td><a href=\"/actors/{platform}/{}\">{}</a></td><td>{}</td>",
        when(time),
        url_part(actor_id),
        esc(handle.unwrap_or(actor_id)),
        esc(lang)
    )
}

fn items_table(rows: &[ItemRow]) -> String {
    let mut s = String::from(
        "<table class=\"items\"><tr><th>time</th><th>platform</th><th>actor</th><th>lang</th><th>text</th></tr>",
    );
    for r in rows {
        let _ = write!(
            s,
            "<tr>{}<td>{}</td></tr>",
            item_cells(
                r.time,
                r.platform,
                &r.actor_id,
                r.actor_handle.as_deref(),
                &r.lang
            ),
            esc(&r.text.chars().take(280).collect::<String>())
        );
    }
    s.push_str("</table>");
    s
}

pub async fn style_css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/style.css"),
    )
        .into_response()
}

pub async fn app_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../assets/app.js"),
    )
        .into_response()
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// Errors of the pages as pages: a handler's [`ApiError`] is JSON for the API, and a person
/// who followed a link (a partner to `/search`, anyone to a finding that is gone) gets the
/// same status and message inside the app's frame, with the way back.
pub async fn html_errors(req: Request, next: axum::middleware::Next) -> Response {
    let page = !req.uri().path().starts_with("/api/");
    let who = req.extensions().get::<Authed>().cloned();
    let r = next.run(req).await;
    let json = r
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let (Some(a), true, true, true) = (who, page, json, r.status().is_client_error()) else {
        return r;
    };
    let status = r.status();
    let body = axum::body::to_bytes(r.into_body(), 64 << 10)
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    let html = format!(
        "<h1>{}</h1><p class=\"error\">{}</p><p><a href=\"/\">Overview</a> · \
         <a href=\"/findings\">Findings</a></p>",
        esc(&title),
        esc(&message)
    );
    (status, render(&a, &title, &html)).into_response()
}

fn login_page(csrf: &str, message: &str) -> String {
    html::page(
        "Log in",
        None,
        &format!(
            "<h1>Log in</h1>{}<form method=\"post\" action=\"/login\" class=\"login\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <label>User <input name=\"user\" autocomplete=\"username\" required autofocus></label>\
             <label>Password <input name=\"password\" type=\"password\" \
             autocomplete=\"current-password\" required></label><button>Log in</button></form>",
            if message.is_empty() {
                String::new()
            } else {
                format!("<p class=\"error\">{}</p>", esc(message))
            },
            esc(csrf)
        ),
    )
}

fn login_response(app: &App, status: StatusCode, message: &str) -> Result<Response, ApiError> {
    // The login form is protected by a double-submit token: a cookie a cross-site page cannot
    // read, repeated in the form.
    let token = auth::random_token().map_err(|e| ApiError::Internal(e.to_string()))?;
    let cookie = format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict{}",
        if app.tls() { "; Secure" } else { "" }
    );
    Ok((
        status,
        [(header::SET_COOKIE, cookie)],
        Html(login_page(&token, message)),
    )
        .into_response())
}

pub async fn login_form(State(app): State<Arc<App>>) -> Result<Response, ApiError> {
    login_response(&app, StatusCode::OK, "")
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn login(State(app): State<Arc<App>>, req: Request) -> Result<Response, ApiError> {
    let ip = auth::client_ip(req.extensions());
    let headers = req.headers().clone();
    let Form(form) = Form::<LoginForm>::from_request(req, &())
        .await
        .map_err(|_| ApiError::BadRequest("malformed login form".into()))?;
    match auth::cookie(&headers, LOGIN_CSRF_COOKIE) {
        Some(c) if !form.csrf.is_empty() && auth::same_secret(c, &form.csrf) => {}
        _ => return Err(ApiError::Csrf),
    }
    let name = form.user.trim();
    let now = Instant::now();
    if app.limiter().blocked(name, ip, now) {
        return Err(ApiError::TooManyRequests);
    }
    let found = app.db().accounts.user_for_login(name)?;
    let ok = match &found {
        Some((_, phc)) => auth::verify_password(&form.password, phc),
        None => {
            // Spend the same time as for a real user, so names cannot be probed by timing.
            let _ = auth::verify_password(&form.password, dummy_hash());
            false
        }
    };
    let mut db = app.db();
    match found {
        Some((user, _)) if ok => {
            app.limiter().succeed(name);
            let sid = auth::random_token().map_err(|e| ApiError::Internal(e.to_string()))?;
            let csrf = auth::random_token().map_err(|e| ApiError::Internal(e.to_string()))?;
            db.accounts
                .create_session(user.id, &secret_hash(&sid), &csrf, auth::SESSION_TTL_S)?;
            db.audit(
                &user,
                "login",
                &user.name,
                serde_json::json!({"ip": ip.map(|i| i.to_string())}),
            );
            let mut r = Redirect::to("/").into_response();
            let cookie = HeaderValue::from_str(&auth::session_cookie(&sid, app.tls()))
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            r.headers_mut().insert(header::SET_COOKIE, cookie);
            Ok(r)
        }
        found => {
            app.limiter().fail(name, ip, now);
            let (uname, org) = found
                .map(|(u, _)| (u.name, u.org))
                .unwrap_or_else(|| ("-".into(), "-".into()));
            let ev = skydas_store::accounts::AuditEvent {
                user: &uname,
                org: &org,
                action: "login_failed",
                target: &name.chars().take(64).collect::<String>(),
                detail: serde_json::json!({"ip": ip.map(|i| i.to_string())}),
            };
            if let Err(e) = db.accounts.audit(&ev) {
                tracing::error!("audit log: {e}");
            }
            drop(db);
            login_response(
                &app,
                StatusCode::UNAUTHORIZED,
                "Wrong user name or password.",
            )
        }
    }
}

/// A hash of a random password, verified against when the user is unknown.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| {
        auth::random_token()
            .ok()
            .and_then(|p| auth::hash_password(&p).ok())
            .unwrap_or_default()
    })
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    a.check_csrf(Some(&form.csrf))?;
    if let Some(sid) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        app.db().accounts.delete_session(&secret_hash(sid))?;
    }
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::clear_cookie(app.tls())) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

pub async fn overview(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
) -> Result<Html<String>, ApiError> {
    let mut db = app.db();
    let (latest, total) = visible_summaries(
        &db,
        &a,
        &FindingFilter {
            limit: 10,
            ..FindingFilter::default()
        },
    )?;
    if !a.is_home() {
        drop(db);
        let s = format!(
            "<h1>Findings released to {}</h1><p class=\"stats\">{total} findings</p>{}\
             <p><a href=\"/findings\">All findings →</a></p>",
            esc(&a.user.org),
            summaries_table(&latest)
        );
        return Ok(render(&a, "Overview", &s));
    }
    let stats = db.store.stats()?;
    let o = db.overview()?;
    drop(db);
    let mut s = format!(
        "<h1>Overview</h1><p class=\"stats\">{} items · {} actors · {} files · {} findings</p>",
        stats.items, stats.actors, stats.files, total
    );
    let _ = write!(
        s,
        "<section><h2>Volume by platform</h2>{}</section><section><h2>Volume by language</h2>{}</section>",
        html::volume_svg(&o.by_platform),
        html::volume_svg(&o.by_language)
    );
    s.push_str("<div class=\"tops\"><section><h2>Top domains</h2><table>");
    count_rows(&mut s, &o.top_domains, "/domains/", "");
    s.push_str("</table></section><section><h2>Top actors</h2><table>");
    for (c, h) in o.top_actors.iter().zip(&o.actor_handles) {
        let (p, id) = c.key.split_once(':').unwrap_or(("other", &c.key));
        let _ = write!(
            s,
            "<tr><td><a href=\"/actors/{}/{}\">{}</a> <small>{}</small></td><td>{}</td></tr>",
            esc(p),
            url_part(id),
            esc(h.as_deref().unwrap_or(id)),
            esc(p),
            c.count
        );
    }
    s.push_str("</table></section><section><h2>Top hashtags</h2><table>");
    count_rows(&mut s, &o.top_hashtags, "/search?q=", "#");
    s.push_str("</table></section></div><section><h2>Latest findings</h2>");
    s.push_str(&summaries_table(&latest));
    s.push_str("<p><a href=\"/findings\">All findings →</a></p></section>");
    Ok(render(&a, "Overview", &s))
}

pub async fn findings(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Query(p): Params,
) -> Result<Html<String>, ApiError> {
    let filter = finding_filter(&p, app.kinds())?;
    let (rows, total) = {
        let db = app.db();
        visible_summaries(&db, &a, &filter)?
    };
    let v = |k: &str| esc(param(&p, k).unwrap_or(""));
    let mut s = String::from(
        "<h1>Findings</h1><form method=\"get\" class=\"filters\"><label>Kind <select name=\"kind\"><option value=\"\">any</option>",
    );
    options(&mut s, app.kinds().names(), filter.kind.as_deref());
    let _ = write!(
        s,
        "</select></label><label>Min score <input name=\"min_score\" size=\"4\" value=\"{}\"></label>\
         <label>Since <input name=\"since\" type=\"date\" value=\"{}\"></label>\
         <label>Until <input name=\"until\" type=\"date\" value=\"{}\"></label>\
         <label>DISARM <input name=\"disarm\" size=\"9\" placeholder=\"T0049.003\" value=\"{}\"></label>\
         <label>Status <select name=\"status\"><option value=\"\">any</option>",
        v("min_score"),
        v("since"),
        v("until"),
        v("disarm")
    );
    options(
        &mut s,
        ["new", "confirmed", "dismissed"],
        filter.status.as_deref(),
    );
    s.push_str("</select></label><button>Filter</button></form>");
    let _ = write!(
        s,
        "<p>{total} findings; showing {}–{}.</p>",
        (filter.offset + 1).min(total as usize),
        filter.offset + rows.len()
    );
    s.push_str(&summaries_table(&rows));
    // Paging links keep the other filters.
    let link = |offset: usize| {
        let mut q: Vec<String> = p
            .iter()
            .filter(|(k, v)| k.as_str() != "offset" && !v.is_empty())
            .map(|(k, v)| format!("{}={}", url_part(k), url_part(v)))
            .collect();
        q.sort();
        q.push(format!("offset={offset}"));
        format!("/findings?{}", q.join("&"))
    };
    s.push_str("<p class=\"pager\">");
    if filter.offset > 0 {
        let _ = write!(
            s,
            "<a href=\"{}\">← previous</a> ",
            esc(&link(filter.offset.saturating_sub(filter.limit)))
        );
    }
    if filter.offset + rows.len() < total as usize {
        let _ = write!(
            s,
            "<a href=\"{}\">next →</a>",
            esc(&link(filter.offset + filter.limit))
        );
    }
    s.push_str("</p>");
    Ok(render(&a, "Findings", &s))
}

/// Drops the summaries a partner user may not see (their TLP is above what partners receive).
/// The page of finding summaries `filter` asks for and the total, as the user may see them:
/// for a partner, findings it may not see are neither listed nor counted, and pages are cut
/// from what it may see.
pub(crate) fn visible_summaries(
    db: &crate::Db,
    a: &Authed,
    filter: &skydas_store::browse::FindingFilter,
) -> Result<(Vec<skydas_store::browse::FindingSummary>, u64), ApiError> {
    if a.user.org == crate::home_org() {
        return Ok(db.browse.finding_summaries(filter)?);
    }
    let all = skydas_store::browse::FindingFilter {
        offset: 0,
        limit: 0,
        ..filter.clone()
    };
    let (mut rows, _) = db.browse.finding_summaries(&all)?;
    retain_visible(db, a, &mut rows)?;
    let total = rows.len() as u64;
    let end = if filter.limit == 0 {
        rows.len()
    } else {
        (filter.offset + filter.limit).min(rows.len())
    };
    let page = rows.drain(filter.offset.min(end)..end).collect();
    Ok((page, total))
}

pub(crate) fn retain_visible(
    db: &crate::Db,
    a: &Authed,
    rows: &mut Vec<skydas_store::browse::FindingSummary>,
) -> Result<(), ApiError> {
    if a.user.org == crate::home_org() {
        return Ok(());
    }
    let mut keep = Vec::with_capacity(rows.len());
    for r in rows.drain(..) {
        let tlp = db.store.review(&r.id)?.unwrap_or_default().tlp;
        if crate::visible_to(&a.user, tlp) {
            keep.push(r);
        }
    }
    *rows = keep;
    Ok(())
}

pub(crate) fn load_finding(app: &App, a: &Authed, id: &str) -> Result<(Finding, Review), ApiError> {
    let db = app.db();
    let f = db.store.finding(id)?.ok_or(ApiError::NotFound)?;
    let r = db.store.review(id)?.unwrap_or_default();
    if !crate::visible_to(&a.user, r.tlp) {
        return Err(ApiError::NotFound);
    }
    Ok((f, r))
}

/// Most versions the finding page lists, newest first; the API has them all.
const MAX_VERSION_ROWS: usize = 10;

/// Member keys (`platform:id`) as links to their actor pages.
fn member_links(keys: &[String]) -> String {
    keys.iter()
        .map(|k| match k.split_once(':') {
            Some((p, id)) => format!(
                "<a href=\"/actors/{}/{}\">{}</a>",
                url_part(p),
                url_part(id),
                esc(k)
            ),
            None => esc(k),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A version's names on a page: members and the finding split from are links, the rest
/// escaped. (Merged findings are gone: their ids are named, not linked.)
struct Linked;

impl skydas_store::versions::Names for Linked {
    fn members(&self, keys: &[String]) -> String {
        member_links(keys)
    }
    fn finding(&self, id: &str) -> String {
        format!("<a href=\"/findings/{}\">{}</a>", url_part(id), esc(id))
    }
    fn text(&self, s: &str) -> String {
        esc(s)
    }
}

/// A finding on a domain: why it matched and why it is not legitimate (when the detector says),
/// the hosts it was seen under, the domains links reached it through and every distinct URL of
/// its evidence, to cite and to take down. Empty for other findings.
fn clone_hosts(f: &Finding) -> String {
    let Some(domain) = f.domain.as_deref() else {
        return String::new();
    };
    let list = |key: &str| -> Vec<String> {
        f.params[key]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).map(esc).collect())
            .unwrap_or_default()
    };
    let mut urls: Vec<&str> = f.evidence.iter().filter_map(|e| e.url.as_deref()).collect();
    urls.sort_unstable();
    urls.dedup();
    let mut s = format!("<section><h2>Hosts and URLs of {}</h2><dl>", esc(domain));
    // Why it alerted, and why it is not a legitimate near-match, as the detector says it.
    for (label, key) in [("match", "explanation"), ("ruled out", "ruled_out")] {
        if let Some(t) = f.params[key].as_str() {
            let _ = write!(s, "<dt>{label}</dt><dd>{}</dd>", esc(t));
        }
    }
    for (label, items) in [
        ("hosts", list("hosts")),
        ("reached through", list("redirectors")),
    ] {
        if !items.is_empty() {
            let _ = write!(s, "<dt>{label}</dt><dd>{}</dd>", items.join(", "));
        }
    }
    let _ = write!(s, "<dt>URLs ({})</dt><dd><ul class=\"urls\">", urls.len());
    for u in urls {
        let _ = write!(s, "<li><code>{}</code></li>", esc(u));
    }
    s.push_str("</ul></dd></dl></section>");
    s
}

/// The finding's recent versions: who joined and left in which, and what else changed.
fn version_history(versions: &[FindingVersion]) -> String {
    if versions.is_empty() {
        return String::new();
    }
    let mut s = String::from("<section><h2>Versions</h2><ol class=\"versions\" reversed>");
    for v in versions.iter().rev().take(MAX_VERSION_ROWS) {
        let c = &v.change;
        let _ = write!(
            s,
            "<li value=\"{}\"><b>v{}</b> {} · {}</li>",
            v.version,
            v.version,
            when(c.at),
            c.describe(&Linked)
        );
    }
    if versions.len() > MAX_VERSION_ROWS {
        let _ = write!(
            s,
            "</ol><p class=\"hint\">… {} earlier versions in the API</p></section>",
            versions.len() - MAX_VERSION_ROWS
        );
    } else {
        s.push_str("</ol></section>");
    }
    s
}

/// Most evidence rows shown with their provenance.
const MAX_EVIDENCE_ROWS: usize = 300;

pub async fn finding(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Path(id): Path<String>,
) -> Result<Html<String>, ApiError> {
    let (f, review) = load_finding(&app, &a, &id)?;
    let mut provenance = Vec::new();
    let versions;
    {
        let db = app.db();
        versions = db.store.finding_versions(&f.id)?;
        for e in f.evidence.iter().take(MAX_EVIDENCE_ROWS) {
            provenance.push(db.store.item(e.platform, &e.id)?.map(|i| i.provenance));
        }
    }
    let idq = url_part(&f.id);
    let mut s = format!(
        "<h1>{} <small>{}</small></h1><p class=\"summary\">{}</p>\
         <p>score {:.2} · {} actors · {} evidence items · {} – {} · detector {} {}</p>\
         <p class=\"downloads\">Download: <a href=\"/findings/{idq}/download/gexf\">GEXF</a> \
         <a href=\"/findings/{idq}/download/csv\">CSV</a> \
         <a href=\"/findings/{idq}/download/json\">JSON</a></p>",
        esc(f.kind.as_str()),
        esc(&f.id),
        esc(&f.summary),
        f.score,
        f.actors.len(),
        f.evidence.len(),
        when(f.first_seen),
        when(f.last_seen),
        esc(&f.detector),
        esc(&f.detector_version)
    );
    if let (Some(d), Some(imp)) = (&f.domain, &f.impersonates) {
        let _ = write!(
            s,
            "<p><a href=\"/domains/{}\">{}</a> impersonates <b>{}</b> ({})</p>",
            url_part(d),
            esc(d),
            esc(imp),
            esc(&f.techniques.join(", "))
        );
    }
    if !f.signals.is_empty() {
        let sig: Vec<String> = f
            .signals
            .iter()
            .map(|(k, v)| format!("{} ×{v}", esc(k)))
            .collect();
        let _ = write!(s, "<p>Signals: {}</p>", sig.join(", "));
    }
    s.push_str("<section><h2>DISARM techniques</h2><ul>");
    for d in &f.disarm {
        let _ = write!(
            s,
            "<li><a href=\"/findings?disarm={}\">{}</a> {}</li>",
            url_part(d),
            esc(d),
            esc(disarm::name(d).unwrap_or("(unknown id)"))
        );
    }
    s.push_str("</ul></section>");
    if !f.actors.is_empty() {
        let _ = write!(
            s,
            "<section class=\"graph-area\"><h2>Actor graph</h2><p class=\"hint\">Hover an edge for \
             why two actors are linked; click it for the item pairs.</p><div class=\"graph-wrap\">\
             <div class=\"graph-box\">{}</div><aside id=\"edge-panel\"><p>Click an edge.</p></aside></div></section>",
            html::graph_svg(&f)
        );
    }
    let _ = write!(
        s,
        "<section><h2>Timeline</h2>{}</section>",
        html::timeline_svg(&f)
    );
    s.push_str(&clone_hosts(&f));
    s.push_str(&version_history(&versions));
    s.push_str(
        "<section><h2>Evidence</h2><table id=\"evidence\" class=\"evidence\"><tr><th>time</th>\
         <th>platform</th><th>item</th><th>actor</th><th>text / url</th><th>provenance</th></tr>",
    );
    let actors: HashMap<(skydas_model::Platform, &str), &skydas_model::FindingActor> = f
        .actors
        .iter()
        .map(|a| ((a.platform, a.id.as_str()), a))
        .collect();
    for (e, prov) in f.evidence.iter().zip(&provenance) {
        let prov_html = match prov {
            Some(ps) => ps
                .iter()
                .map(|p| {
                    format!(
                        "<a href=\"/originals/{}\" title=\"{} v{}\">{}…:{}</a>",
                        esc(&p.file_sha256),
                        esc(&p.importer),
                        p.importer_version,
                        esc(p.file_sha256.get(..12).unwrap_or(&p.file_sha256)),
                        p.locator
                    )
                })
                .collect::<Vec<_>>()
                .join("<br>"),
            None => "not in store".into(),
        };
        let text = e.text.as_deref().or(e.url.as_deref()).unwrap_or("");
        // Handles and names, not platform ids; the id stays in the tooltip.
        let who = actors.get(&(e.platform, e.actor.as_str())).copied();
        let handle = who.and_then(|a| a.handle.as_deref());
        let shown = handle
            .map(|h| format!("@{}", h.trim_start_matches('@')))
            .or_else(|| who.and_then(|a| a.name.clone()))
            .unwrap_or_else(|| e.actor.clone());
        // The original post where the platform has an address for it. (An evidence row's URL
        // is the link the post carried, a clone's for instance: never made a link to follow.)
        let item = match e.platform.post_url(&e.id, handle) {
            Some(u) => format!(
                "<a href=\"{}\" rel=\"noreferrer noopener\" target=\"_blank\">{}</a>",
                esc(&u),
                esc(&e.id)
            ),
            None => esc(&e.id),
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{item}</td><td><a href=\"/actors/{}/{}\" title=\"{}\">{}</a></td><td>{}</td><td class=\"prov\">{}</td></tr>",
            when(e.time),
            e.platform,
            e.platform,
            url_part(&e.actor),
            esc(&e.actor),
            esc(&shown),
            esc(text),
            prov_html
        );
    }
    if f.evidence.len() > MAX_EVIDENCE_ROWS {
        let _ = write!(
            s,
            "<tr><td colspan=\"6\">… {} more in the JSON download</td></tr>",
            f.evidence.len() - MAX_EVIDENCE_ROWS
        );
    }
    s.push_str("</table></section>");
    let disabled = if a.user.role >= Role::Analyst {
        ""
    } else {
        " disabled"
    };
    let _ = write!(
        s,
        "<section><h2>Analyst review</h2><form method=\"post\" action=\"/findings/{idq}/status\" class=\"review\">{}\
         <fieldset{disabled}><label>Status <select name=\"status\">",
        csrf_field(&a)
    );
    options(
        &mut s,
        [
            ReviewStatus::New,
            ReviewStatus::Confirmed,
            ReviewStatus::Dismissed,
        ]
        .map(ReviewStatus::as_str),
        Some(review.status.as_str()),
    );
    let _ = write!(
        s,
        "</select></label><label>Notes<textarea name=\"note\" rows=\"4\">{}</textarea></label>\
         <button>Save</button></fieldset></form></section>",
        esc(&review.note)
    );
    Ok(render(&a, &f.id, &s))
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

/// Records a verdict; shared by the page form and the API.
pub(crate) fn apply_status(
    app: &App,
    a: &Authed,
    id: &str,
    status: &str,
    note: Option<&str>,
) -> Result<Review, ApiError> {
    a.need(Role::Analyst)?;
    let status = ReviewStatus::parse(status.trim())
        .ok_or_else(|| ApiError::BadRequest("status must be new, confirmed or dismissed".into()))?;
    let mut db = app.db();
    let mut review = db.store.review(id)?.ok_or(ApiError::NotFound)?;
    if !crate::visible_to(&a.user, review.tlp) {
        return Err(ApiError::NotFound);
    }
    let before = review.status;
    review.status = status;
    if let Some(n) = note {
        review.note = n.chars().take(10_000).collect();
    }
    db.store.set_review(id, &review)?;
    db.audit(
        &a.user,
        "status",
        id,
        serde_json::json!({"from": before.as_str(), "to": status.as_str()}),
    );
    Ok(review)
}

pub async fn set_status(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, ApiError> {
    a.check_csrf(Some(&form.csrf))?;
    apply_status(&app, &a, &id, &form.status, Some(&form.note))?;
    Ok(Redirect::to(&format!("/findings/{}", url_part(&id))).into_response())
}

pub async fn download(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Path((id, format)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (f, _) = load_finding(&app, &a, &id)?;
    let (body, ctype, ext) = match format.as_str() {
        "json" => (
            serde_json::to_vec_pretty(&skydas_model::FindingsDoc {
                findings: vec![f.clone()],
            })
            .map_err(|e| ApiError::Internal(e.to_string()))?,
            "application/json",
            "json",
        ),
        "gexf" | "csv" => {
            let fmt = skydas_share::graph::GraphFormat::parse(&format).ok_or(ApiError::NotFound)?;
            let mut out = Vec::new();
            skydas_share::graph::write_graph(&[&f], fmt, &mut out)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let ct = if format == "csv" {
                "text/csv"
            } else {
                "application/xml"
            };
            (out, ct, if format == "csv" { "csv" } else { "gexf" })
        }
        _ => return Err(ApiError::NotFound),
    };
    app.db()
        .audit(&a.user, "export", &id, serde_json::json!({"format": ext}));
    let name = format!(
        "attachment; filename=\"{}.{ext}\"",
        id.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
    );
    Ok((
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    )
        .into_response())
}

pub async fn original(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Path(sha): Path<String>,
) -> Result<Response, ApiError> {
    a.need_home()?;
    skydas_store::check_sha256(&sha).map_err(|_| ApiError::NotFound)?;
    let path = app
        .db()
        .store
        .original_path(&sha)?
        .ok_or(ApiError::NotFound)?;
    let body = tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    app.db().audit(
        &a.user,
        "download",
        &sha,
        serde_json::json!({"bytes": body.len()}),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{sha}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// A search query from page or API parameters.
pub(crate) fn search_query(p: &HashMap<String, String>) -> Result<SearchQuery, ApiError> {
    let mut q = SearchQuery::new(param(p, "q").unwrap_or(""));
    q.platform = param(p, "platform")
        .map(|s| Platform::parse(s).ok_or_else(|| ApiError::BadRequest("platform: unknown".into())))
        .transpose()?;
    q.lang = param(p, "lang").map(str::to_string);
    q.actor = param(p, "actor").map(str::to_string);
    q.since = time_param(p, "since")?;
    q.until = time_param(p, "until")?;
    if param(p, "limit").is_some() {
        q.limit = limit_param(p, q.limit)?;
    }
    Ok(q)
}

pub async fn search(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Query(p): Params,
) -> Result<Html<String>, ApiError> {
    a.need_home()?;
    let q = search_query(&p)?;
    let hits = app.db().store.search(&q)?;
    let v = |k: &str| esc(param(&p, k).unwrap_or(""));
    let mut s = format!(
        "<h1>Search</h1><form method=\"get\" class=\"filters\" id=\"search-form\">\
         <input name=\"q\" size=\"40\" value=\"{}\" placeholder=\"words, &quot;a phrase&quot;, prefix*\">\
         <label>Platform <input name=\"platform\" size=\"8\" value=\"{}\"></label>\
         <label>Language <input name=\"lang\" size=\"3\" value=\"{}\"></label>\
         <label>Since <input name=\"since\" type=\"date\" value=\"{}\"></label>\
         <label>Until <input name=\"until\" type=\"date\" value=\"{}\"></label><button>Search</button></form>",
        v("q"),
        v("platform"),
        v("lang"),
        v("since"),
        v("until")
    );
    if !q.text.trim().is_empty() {
        let _ = write!(
            s,
            "<p>{} hits.</p><table id=\"hits\" class=\"items\"><tr><th>time</th><th>platform</th><th>actor</th><th>lang</th><th>excerpt</th></tr>",
            hits.len()
        );
        for h in &hits {
            // Matched terms arrive between the store's markers; mark them after escaping.
            let snippet = esc(&h.snippet)
                .replace(skydas_store::SNIPPET_START, "<mark>")
                .replace(skydas_store::SNIPPET_END, "</mark>");
            let _ = write!(
                s,
                "<tr>{}<td>{snippet}</td></tr>",
                item_cells(
                    h.time,
                    h.platform,
                    &h.actor_id,
                    h.actor_handle.as_deref(),
                    &h.lang
                )
            );
        }
        s.push_str("</table>");
    }
    Ok(render(&a, "Search", &s))
}

/// What the actor and domain pages show below their heading: partners' watch items, the findings
/// it appears in that the reader may see, and its latest items under `latest`.
fn subject_sections(
    watch: &[WatchItem],
    found: &[FindingSummary],
    latest: &str,
    items: &[ItemRow],
) -> String {
    format!(
        "{}<section><h2>Findings</h2>{}</section><section><h2>{latest}</h2>{}</section>",
        crate::taxii::partner::watch_section(watch),
        summaries_table(found),
        items_table(items)
    )
}

fn parse_platform(p: &str) -> Result<Platform, ApiError> {
    Platform::parse(p).ok_or(ApiError::NotFound)
}

pub async fn actor(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Path((platform, id)): Path<(String, String)>,
) -> Result<Html<String>, ApiError> {
    a.need_home()?;
    let platform = parse_platform(&platform)?;
    let db = app.db();
    let actor = db.browse.actor(platform, &id)?.ok_or(ApiError::NotFound)?;
    let items = db.browse.actor_items(platform, &id, 100)?;
    let mut found = db.browse.findings_with_actor(platform, &id)?;
    retain_visible(&db, &a, &mut found)?;
    let watch = db.sharing.watch_for_actor(&id, actor.handle.as_deref())?;
    drop(db);
    let s = format!(
        "<h1>{} <small>{platform}:{}</small></h1><p>{}{}</p>{}",
        esc(actor.handle.as_deref().unwrap_or(&id)),
        esc(&id),
        esc(actor.name.as_deref().unwrap_or("")),
        actor
            .created_at
            .map(|t| format!(" · created {}", when(t)))
            .unwrap_or_default(),
        subject_sections(&watch, &found, "Latest items", &items)
    );
    Ok(render(&a, &id, &s))
}

pub async fn domain(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Path(domain): Path<String>,
) -> Result<Html<String>, ApiError> {
    a.need_home()?;
    let domain = domain.trim().to_lowercase();
    let db = app.db();
    let items = db.browse.domain_items(&domain, 100)?;
    let mut found = db.browse.findings_with_domain(&domain)?;
    retain_visible(&db, &a, &mut found)?;
    let watch = db.sharing.watch_for_domain(&domain)?;
    drop(db);
    let s = format!(
        "<h1>{}</h1>{}",
        esc(&domain),
        subject_sections(&watch, &found, "Latest items linking it", &items)
    );
    Ok(render(&a, &domain, &s))
}

pub async fn users(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
) -> Result<Html<String>, ApiError> {
    a.need(Role::Admin)?;
    let mut list = app.db().accounts.users()?;
    // A partner's administrator manages the partner's own users only.
    if !a.is_home() {
        list.retain(|u| u.org == a.user.org);
    }
    let mut s = String::from(
        "<h1>Users</h1><table><tr><th>name</th><th>organisation</th><th>role</th><th>since</th></tr>",
    );
    for u in &list {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&u.name),
            esc(&u.org),
            u.role.as_str(),
            when(u.created_at)
        );
    }
    let _ = write!(
        s,
        "</table><h2>Add a user</h2><form method=\"post\" action=\"/users\" class=\"review\">{}\
         <label>Name <input name=\"name\" required></label><label>Organisation <input name=\"org\" value=\"{}\"></label>\
         <label>Role <select name=\"role\"><option>viewer</option><option>analyst</option><option>admin</option></select></label>\
         <label>Password <input name=\"password\" type=\"password\" minlength=\"8\" required></label><button>Add</button></form>",
        csrf_field(&a),
        esc(&a.user.org)
    );
    Ok(render(&a, "Users", &s))
}

#[derive(Debug, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

pub async fn add_user(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Form(form): Form<UserForm>,
) -> Result<Response, ApiError> {
    a.check_csrf(Some(&form.csrf))?;
    a.need(Role::Admin)?;
    let org = if form.org.trim().is_empty() {
        a.user.org.clone()
    } else {
        form.org.clone()
    };
    if !a.is_home() && org.trim() != a.user.org {
        return Err(ApiError::Forbidden);
    }
    let mut db = app.db();
    let by = skydas_app::accounts::Actor {
        user: &a.user.name,
        org: &a.user.org,
    };
    skydas_app::accounts::add_user(
        db.accounts.as_mut(),
        by,
        &form.name,
        &form.role,
        &org,
        &form.password,
    )?;
    Ok(Redirect::to("/users").into_response())
}
