//! The TAXII list queries (objects, manifest, one object, versions): parameter parsing, the
//! read-time TLP filter, version selection, `added_after`, and pagination with opaque `next`
//! tokens bound to the filter set that made them.

use std::collections::BTreeMap;

use serde_json::json;
use skydas_share::tlp::{Tlp, may_release};
use skydas_store::accounts::User;
use skydas_store::sharing::{Collection, Grant, ObjectRow};

use super::{NEXT_TTL_S, TResult, TaxiiError, max_page_size, reader_audience};
use crate::App;

pub use skydas_model::time::{fmt_micros, parse_micros};

/// Microseconds since the epoch, now.
pub fn now_micros() -> i64 {
    skydas_model::Clock::now_micros(&skydas_model::SystemClock)
}

/// One `match[version]` selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSel {
    Last,
    First,
    All,
    At(i64),
}

/// The parameters of a list request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListQuery {
    pub added_after: Option<i64>,
    pub limit: Option<usize>,
    pub next: Option<String>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    /// Empty means the default, `last`.
    pub versions: Vec<VersionSel>,
    pub spec_versions: Vec<String>,
}

fn list(v: &str) -> impl Iterator<Item = String> + '_ {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl ListQuery {
    /// Parses the query string pairs; `allowed` names the parameters this endpoint takes. An
    /// unknown `match[…]` field, a bad timestamp or limit is a 400; other unknown parameters are
    /// ignored.
    pub fn parse(p: &[(String, String)], allowed: &[&str]) -> TResult<ListQuery> {
        let mut q = ListQuery::default();
        for (k, v) in p {
            if !allowed.contains(&k.as_str()) {
                if k.starts_with("match[") {
                    return Err(TaxiiError::bad_request(format!("unsupported filter {k}")));
                }
                continue;
            }
            match k.as_str() {
                "added_after" => {
                    q.added_after = Some(parse_micros(v).ok_or_else(|| {
                        TaxiiError::bad_request("added_after is not an RFC 3339 timestamp")
                    })?);
                }
                "limit" => {
                    let n = v
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| {
                            TaxiiError::bad_request("limit must be a positive integer")
                        })?;
                    q.limit = Some(n);
                }
                "next" => q.next = Some(v.clone()),
                "match[id]" => q.ids.extend(list(v).map(|s| s.to_lowercase())),
                "match[type]" => q.types.extend(list(v)),
                "match[spec_version]" => q.spec_versions.extend(list(v)),
                "match[version]" => {
                    for s in list(v) {
                        q.versions.push(match s.as_str() {
                            "last" => VersionSel::Last,
                            "first" => VersionSel::First,
                            "all" => VersionSel::All,
                            t => VersionSel::At(parse_micros(t).ok_or_else(|| {
                                TaxiiError::bad_request(format!(
                                    "match[version] {t:?} is not first, last, all or a timestamp"
                                ))
                            })?),
                        });
                    }
                }
                _ => {}
            }
        }
        Ok(q)
    }

    /// What a `next` token is bound to: every filter (not `limit`, which clients lower when a
    /// server pages smaller, and not `next`).
    fn key(&self, kind: &str, collection: &str, org: &str, oid: Option<&str>) -> String {
        let mut ids = self.ids.clone();
        ids.sort();
        let mut types = self.types.clone();
        types.sort();
        let versions: Vec<String> = self.versions.iter().map(|v| format!("{v:?}")).collect();
        json!([
            kind,
            collection,
            org,
            oid,
            self.added_after,
            ids,
            types,
            versions,
            self.spec_versions
        ])
        .to_string()
    }
}

/// One page of a list query.
#[derive(Debug, Default)]
pub struct Selected {
    pub rows: Vec<ObjectRow>,
    pub more: bool,
    pub next: Option<String>,
    pub first_added: Option<i64>,
    pub last_added: Option<i64>,
}

fn random_token() -> TResult<String> {
    crate::auth::random_token().map_err(TaxiiError::internal)
}

/// Whether a version of an object is selected by `match[version]`; `versions` are the object's
/// visible versions, ascending.
fn version_selected(sel: &[VersionSel], versions: &[i64], v: i64) -> bool {
    let default = [VersionSel::Last];
    let sel = if sel.is_empty() { &default[..] } else { sel };
    sel.iter().any(|s| match s {
        VersionSel::Last => versions.last() == Some(&v),
        VersionSel::First => versions.first() == Some(&v),
        VersionSel::All => true,
        VersionSel::At(t) => *t == v,
    })
}

/// Runs a list query for `user` on a collection: `oid` fixes one object (404 when the reader
/// cannot see any version of it). `kind` names the endpoint, for binding `next` tokens.
pub fn select(
    app: &App,
    user: &User,
    c: &Collection,
    g: &Grant,
    kind: &str,
    q: &ListQuery,
    oid: Option<&str>,
) -> TResult<Selected> {
    let oid = oid.map(str::to_lowercase);
    let ids = match &oid {
        Some(o) => vec![o.clone()],
        None => q.ids.clone(),
    };
    let key = q.key(kind, &c.id, &user.org, oid.as_deref());
    let mut db = app.db();
    let cursor = match &q.next {
        None => None,
        Some(t) => match db.sharing.page(t)? {
            Some((k, cur)) if k == key => Some(cur.parse::<i64>().map_err(TaxiiError::internal)?),
            Some(_) => {
                return Err(TaxiiError::bad_request(
                    "next belongs to a different query; repeat the original filters",
                ));
            }
            None => return Err(TaxiiError::bad_request("unknown or expired next")),
        },
    };
    let rows = db.sharing.objects(&c.id, &ids, &q.types)?;
    // TLP at read time: only what this organisation may receive, version by version.
    let visible: Vec<ObjectRow> = rows
        .into_iter()
        .filter(|r| {
            may_release(
                Tlp::parse(&r.tlp),
                reader_audience(g, &user.org, &r.source_org),
            )
            .is_ok()
        })
        .collect();
    if oid.is_some() && visible.is_empty() {
        return Err(TaxiiError::not_found("no such object"));
    }
    let visible: Vec<ObjectRow> = visible
        .into_iter()
        .filter(|r| q.spec_versions.is_empty() || q.spec_versions.contains(&r.spec_version))
        .collect();
    let mut by_id: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for r in &visible {
        by_id.entry(&r.object_id).or_default().push(r.version);
    }
    for v in by_id.values_mut() {
        v.sort_unstable();
    }
    let selected: Vec<&ObjectRow> = visible
        .iter()
        .filter(|r| {
            by_id
                .get(r.object_id.as_str())
                .is_some_and(|vs| version_selected(&q.versions, vs, r.version))
        })
        .filter(|r| q.added_after.is_none_or(|t| r.date_added > t))
        .filter(|r| cursor.is_none_or(|c| r.date_added > c))
        .collect();
    // `objects` returns rows in date_added order already.
    let cap = if kind == "delete" {
        usize::MAX
    } else {
        q.limit.unwrap_or(usize::MAX).min(max_page_size())
    };
    let more = selected.len() > cap;
    let page: Vec<ObjectRow> = selected.into_iter().take(cap).cloned().collect();
    let first_added = page.first().map(|r| r.date_added);
    let last_added = page.last().map(|r| r.date_added);
    let next = match (more, last_added) {
        (true, Some(last)) => {
            let t = random_token()?;
            let expires = (now_micros() / 1_000_000).saturating_add(NEXT_TTL_S);
            db.sharing.put_page(&t, &key, &last.to_string(), expires)?;
            Some(t)
        }
        _ => None,
    };
    drop(db);
    Ok(Selected {
        rows: page,
        more,
        next,
        first_added,
        last_added,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_with_the_shortest_exact_precision() {
        let check = |s: &str, us: Option<i64>, back: &str| {
            assert_eq!(parse_micros(s), us, "{s}");
            if let Some(us) = us {
                assert_eq!(fmt_micros(us), back, "{s}");
            }
        };
        check(
            "2025-03-02T10:00:00.000Z",
            Some(1_740_909_600_000_000),
            "2025-03-02T10:00:00.000Z",
        );
        check(
            "2025-03-02T10:00:00Z",
            Some(1_740_909_600_000_000),
            "2025-03-02T10:00:00.000Z",
        );
        check(
            "2025-03-02T10:00:00.123456Z",
            Some(1_740_909_600_123_456),
            "2025-03-02T10:00:00.123456Z",
        );
        check(
            "2025-03-02T10:00:00.1234569Z",
            Some(1_740_909_600_123_456),
            "2025-03-02T10:00:00.123456Z",
        );
        check(
            "2025-03-02T12:00:00.5+02:00",
            Some(1_740_909_600_500_000),
            "2025-03-02T10:00:00.500Z",
        );
        check("2025-03-02", None, "");
        check("2025-03-02T10:00:00.Z", None, "");
        check("yesterday", None, "");
    }

    #[test]
    fn parameters_parse_or_give_400() {
        let p = |pairs: &[(&str, &str)]| {
            let v: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            ListQuery::parse(
                &v,
                &[
                    "limit",
                    "added_after",
                    "match[type]",
                    "match[version]",
                    "match[id]",
                ],
            )
        };
        let q = p(&[
            ("match[type]", "indicator, note"),
            ("match[version]", "first,last"),
            ("limit", "5"),
        ])
        .unwrap();
        assert_eq!(q.types, vec!["indicator", "note"]);
        assert_eq!(q.versions, vec![VersionSel::First, VersionSel::Last]);
        assert_eq!(q.limit, Some(5));
        assert_eq!(
            p(&[("match[id]", "Indicator--A")]).unwrap().ids,
            vec!["indicator--a"]
        );
        assert!(p(&[("limit", "0")]).is_err());
        assert!(p(&[("limit", "-1")]).is_err());
        assert!(p(&[("added_after", "soon")]).is_err());
        assert!(p(&[("match[version]", "newest")]).is_err());
        assert!(
            p(&[("match[spec_version]", "2.1")]).is_err(),
            "not allowed here"
        );
        assert!(p(&[("unrelated", "x")]).is_ok());
    }

    #[test]
    fn version_selectors() {
        let vs = [1, 5, 9];
        let check = |sel: &[VersionSel], expected: &[i64]| {
            let got: Vec<i64> = vs
                .iter()
                .copied()
                .filter(|v| version_selected(sel, &vs, *v))
                .collect();
            assert_eq!(got, expected, "{sel:?}");
        };
        check(&[], &[9]);
        check(&[VersionSel::First], &[1]);
        check(&[VersionSel::First, VersionSel::Last], &[1, 9]);
        check(&[VersionSel::All], &[1, 5, 9]);
        check(&[VersionSel::At(5)], &[5]);
        check(&[VersionSel::At(4)], &[]);
    }
}
