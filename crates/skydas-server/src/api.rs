//! The JSON API under `/api/v1/`. `GET /api/v1/findings` returns the findings document of
//! PRODUCT.md; the OpenAPI description is hand-written beside it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::Authed;
use crate::pages::{apply_status, finding_filter, search_query};
use crate::{ApiError, App};

type Params = Query<HashMap<String, String>>;

/// `GET /api/v1/findings`: filters `kind`, `min_score`, `since`, `until`, `disarm`, `status`,
/// paging `offset`, `limit` (default 50). Only the page's findings are read in full.
pub async fn findings(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Query(p): Params,
) -> Result<Response, ApiError> {
    no_empty_values(&p)?;
    let filter = finding_filter(&p, app.kinds())?;
    let db = app.db();
    let (rows, total) = crate::pages::visible_summaries(&db, &a, &filter)?;
    // Under the store's lock only the stored JSON is read; parsing and writing happen after,
    // and not again for a finding whose stored JSON has not changed since.
    let mut bodies = Vec::with_capacity(rows.len());
    for r in &rows {
        if let Some(b) = db.store.finding_body(&r.id)? {
            bodies.push((r.id.clone(), b));
        }
    }
    drop(db);
    let mut parts = Vec::with_capacity(bodies.len());
    for (id, body) in bodies {
        let cached = app.finding_json().get(&id, &body);
        let out = match cached {
            Some(out) => out,
            None => {
                let f = skydas_store::codec::finding_from_json(&body)?;
                let out = Arc::new(
                    serde_json::to_vec(&f).map_err(|e| ApiError::Internal(e.to_string()))?,
                );
                app.finding_json().put(&id, body, Arc::clone(&out));
                out
            }
        };
        parts.push(out);
    }
    // `{"findings": [...], "total": N}`, the findings document with the count of all matches.
    let mut body = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum::<usize>() + 32);
    body.extend_from_slice(b"{\"findings\":[");
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(p);
    }
    body.extend_from_slice(format!("],\"total\":{total}}}").as_bytes());
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `GET /api/v1/findings/{id}`: the finding with the analyst's `review` and its `versions`,
/// oldest first.
pub async fn finding(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (f, review) = crate::pages::load_finding(&app, &a, &id)?;
    let versions = app.db().store.finding_versions(&f.id)?;
    let json =
        |x: serde_json::Result<serde_json::Value>| x.map_err(|e| ApiError::Internal(e.to_string()));
    let mut v = json(serde_json::to_value(&f))?;
    v["review"] = json(serde_json::to_value(&review))?;
    v["versions"] = json(serde_json::to_value(&versions))?;
    Ok(Json(v))
}

#[derive(Debug, Deserialize)]
pub struct StatusBody {
    status: String,
    note: Option<String>,
}

/// `POST /api/v1/findings/{id}/status` with `{"status": "confirmed", "note": "…"}`; analysts
/// and admins only. Cookie-authenticated calls need the `X-CSRF-Token` header.
pub async fn set_status(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    a.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let b: StatusBody = serde_json::from_slice(&body)
        .map_err(|_| ApiError::BadRequest("expected {\"status\": ..., \"note\": ...}".into()))?;
    let review = apply_status(&app, &a, &id, &b.status, b.note.as_deref())?;
    Ok(Json(serde_json::json!({"id": id, "review": review})).into_response())
}

/// `GET /api/v1/items?q=…`: full-text search with `platform`, `lang`, `actor`, `since`,
/// `until`, `limit`.
pub async fn items(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Query(p): Params,
) -> Result<Json<serde_json::Value>, ApiError> {
    a.need_home()?;
    no_empty_values(&p)?;
    if !p.contains_key("q") {
        return Err(ApiError::BadRequest(
            "q: required (words, \"a phrase\", prefix*)".into(),
        ));
    }
    let q = search_query(&p)?;
    let hits = app.db().store.search(&q)?;
    Ok(Json(serde_json::json!({ "items": hits })))
}

/// `GET /api/v1/actors/{platform}/{id}`: the actor, its latest items and its findings.
pub async fn actor(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
    Path((platform, id)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    a.need_home()?;
    let platform = skydas_model::Platform::parse(&platform).ok_or(ApiError::NotFound)?;
    let db = app.db();
    let actor = db.browse.actor(platform, &id)?.ok_or(ApiError::NotFound)?;
    let items = db.browse.actor_items(platform, &id, 100)?;
    let mut found = db.browse.findings_with_actor(platform, &id)?;
    crate::pages::retain_visible(&db, &a, &mut found)?;
    drop(db);
    Ok(Json(serde_json::json!({
        "platform": platform,
        "id": id,
        "handle": actor.handle,
        "name": actor.name,
        "kind": actor.kind,
        "items": items,
        "findings": found,
    })))
}

/// `GET /api/v1/stats`: the `skydas stats --json` document.
pub async fn stats(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
) -> Result<Json<skydas_store::Stats>, ApiError> {
    a.need_home()?;
    Ok(Json(app.db().store.stats()?))
}

/// `GET /api/v1/openapi.json`: the hand-written description, with the values the server
/// itself knows filled in (the kinds the detectors declare, the platforms).
pub async fn openapi(State(app): State<Arc<App>>) -> Result<Response, ApiError> {
    let mut doc: serde_json::Value =
        serde_json::from_str(include_str!("../assets/openapi.json"))
            .map_err(|e| ApiError::Internal(format!("the API description: {e}")))?;
    let kinds: Vec<&str> = app.kinds().names();
    let platforms: Vec<&str> = skydas_model::Platform::ALL
        .iter()
        .map(|p| p.as_str())
        .collect();
    for (_, item) in doc["paths"].as_object_mut().into_iter().flatten() {
        for (_, op) in item.as_object_mut().into_iter().flatten() {
            let prms = op.get_mut("parameters").and_then(|v| v.as_array_mut());
            for prm in prms.into_iter().flatten() {
                let values = match prm["name"].as_str() {
                    Some("kind") => &kinds,
                    Some("platform") => &platforms,
                    _ => continue,
                };
                prm["schema"]["enum"] = serde_json::json!(values);
            }
        }
    }
    Ok(Json(doc).into_response())
}

/// Refuses a query parameter given with an empty value: the API says what each one takes,
/// and an empty one is none of that (web forms, which send empty fields, are not the API).
fn no_empty_values(p: &HashMap<String, String>) -> Result<(), ApiError> {
    match p
        .iter()
        .find(|(k, v)| v.trim().is_empty() && k.as_str() != "q")
    {
        Some((k, _)) => Err(ApiError::BadRequest(format!("{k}: empty"))),
        None => Ok(()),
    }
}
