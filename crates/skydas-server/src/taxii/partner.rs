//! The partner-intelligence page (`/partner`): what partners shared, by type, source organisation
//! and marking, and the watch items derived from it. [`watch_section`] is also shown on the
//! domain and actor pages when a partner flagged that domain or account.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::response::Html;
use skydas_store::sharing::WatchItem;

use crate::auth::Authed;
use crate::html::{self, esc, url_part, when};
use crate::{ApiError, App};

/// The TLP label with its colour class.
fn tlp_badge(tlp: &str) -> String {
    format!(
        "<span class=\"tlp tlp-{}\">TLP:{}</span>",
        esc(&tlp.replace('+', "-")),
        esc(&tlp.to_uppercase())
    )
}

/// The Marking, From, Via and time cells that every row of partner intelligence ends with.
fn origin_cells(tlp: &str, source_org: &str, source: &str, at: i64) -> String {
    format!(
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        tlp_badge(tlp),
        esc(source_org),
        esc(source),
        when(at)
    )
}

/// A table of watch items (empty string when there are none).
pub(crate) fn watch_section(items: &[WatchItem]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "<section><h2>Partner watch items</h2><p>Partners flagged this in shared intelligence.</p>\
         <table><thead><tr><th>Kind</th><th>Value</th><th>Label</th><th>Marking</th>\
         <th>From</th><th>Via</th><th>Added</th></tr></thead><tbody>",
    );
    for w in items {
        let value = if w.kind == "domain" {
            format!(
                "<a href=\"/domains/{}\">{}</a>",
                url_part(&w.value),
                esc(&w.value)
            )
        } else {
            esc(&w.value)
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{value}</td><td>{}</td>{}</tr>",
            esc(&w.kind),
            esc(&w.label),
            origin_cells(&w.tlp, &w.source_org, &w.source, w.added_at)
        );
    }
    s.push_str("</tbody></table></section>");
    s
}

/// `GET /partner`: partner objects grouped by type, then the watch items.
pub async fn page(
    State(app): State<Arc<App>>,
    Extension(a): Extension<Authed>,
) -> Result<Html<String>, ApiError> {
    // What other partners shared is for the organisation that runs this server only.
    a.need_home()?;
    let db = app.db();
    let objects = db.sharing.partner_objects(500)?;
    let total = db.sharing.partner_count()?;
    let watch = db.sharing.watch_items()?;
    drop(db);
    let mut by_type: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for o in &objects {
        by_type.entry(&o.object_type).or_default().push(o);
    }
    let mut s = format!(
        "<h1>Partner intelligence</h1><p>{total} objects shared by partners (TAXII, pulls and \
         imported bundles){}. Markings are the partners': respect them when passing anything on.</p>",
        if total as usize > objects.len() {
            format!("; the newest {} shown", objects.len())
        } else {
            String::new()
        }
    );
    if objects.is_empty() {
        s.push_str("<p>Nothing yet.</p>");
    }
    for (ty, rows) in &by_type {
        let _ = write!(
            s,
            "<section><h2>{} <small>{}</small></h2><table><thead><tr><th>Name / value</th>\
             <th>Id</th><th>Marking</th><th>From</th><th>Via</th><th>Received</th></tr></thead><tbody>",
            esc(ty),
            rows.len()
        );
        for o in rows {
            let v: serde_json::Value = serde_json::from_str(&o.body).unwrap_or_default();
            let name = [
                "name",
                "value",
                "abstract",
                "pattern",
                "display_name",
                "account_login",
            ]
            .iter()
            .find_map(|k| v.get(*k).and_then(|x| x.as_str()))
            .unwrap_or("");
            let _ = write!(
                s,
                "<tr><td>{}</td><td><code>{}</code></td>{}</tr>",
                esc(&name.chars().take(160).collect::<String>()),
                esc(&o.object_id),
                origin_cells(&o.tlp, &o.source_org, &o.source, o.received_at)
            );
        }
        s.push_str("</tbody></table></section>");
    }
    s.push_str(&watch_section(&watch));
    Ok(Html(html::page(
        "Partner intelligence",
        Some((&a.user, &a.csrf)),
        &s,
    )))
}
