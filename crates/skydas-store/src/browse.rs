//! Cheap read-only queries for browsing a store: finding summaries with filters and paging,
//! overview counts, an actor's and a domain's items. The findings list reads the summary
//! columns that triggers keep beside each finding, so listing parses no finding body.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use skydas_model::{Actor, Platform};

use crate::Result;
use crate::codec::{self, clamp_usize as to_i64, count};
use crate::row::{from_cells, sqlite_row};

/// Filters of the findings list; `None` means any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingFilter {
    /// String form of the kind (`coordination`, `lookalike_domain`, …).
    pub kind: Option<String>,
    pub min_score: Option<f64>,
    /// Findings active at or after this time (Unix seconds): `last_seen >= since`.
    pub since: Option<i64>,
    /// Findings active before this time: `first_seen < until`.
    pub until: Option<i64>,
    /// A DISARM technique id the finding must list.
    pub disarm: Option<String>,
    /// `new`, `confirmed` or `dismissed`.
    pub status: Option<String>,
    pub offset: usize,
    /// Most rows to return; 0 means no limit.
    pub limit: usize,
}

/// A finding as the list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingSummary {
    pub id: String,
    pub kind: String,
    pub score: f64,
    #[serde(with = "skydas_model::time::serde_rfc3339")]
    pub first_seen: i64,
    #[serde(with = "skydas_model::time::serde_rfc3339")]
    pub last_seen: i64,
    pub summary: String,
    pub disarm: Vec<String>,
    pub actors: u64,
    pub evidence: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    pub status: String,
}

/// A count of something, for top lists and charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub key: String,
    pub count: u64,
}

/// Items per UTC day of one series (a platform or a language).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaySeries {
    pub key: String,
    /// (days since 1970-01-01, items), sorted by day.
    pub days: Vec<(i64, u64)>,
}

/// What the overview page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Overview {
    pub by_platform: Vec<DaySeries>,
    pub by_language: Vec<DaySeries>,
    pub top_domains: Vec<Count>,
    /// Keys are `platform:id`; [`Overview::actor_handles`] has their handles.
    pub top_actors: Vec<Count>,
    pub actor_handles: Vec<Option<String>>,
    pub top_hashtags: Vec<Count>,
}

/// An item as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    pub platform: Platform,
    pub id: String,
    pub actor_id: String,
    pub actor_handle: Option<String>,
    #[serde(with = "skydas_model::time::serde_rfc3339")]
    pub time: i64,
    pub kind: String,
    pub lang: String,
    pub text: String,
}

/// The browsing queries, whatever the backend: the web app holds a `Box<dyn BrowseStore>`.
/// [`Browse`] is the embedded implementation; its methods document the contract.
pub trait BrowseStore: Send + std::fmt::Debug {
    /// See [`Browse::finding_summaries`].
    fn finding_summaries(&self, f: &FindingFilter) -> Result<(Vec<FindingSummary>, u64)>;
    /// See [`Browse::findings_with_actor`].
    fn findings_with_actor(&self, platform: Platform, id: &str) -> Result<Vec<FindingSummary>>;
    /// See [`Browse::findings_with_domain`].
    fn findings_with_domain(&self, domain: &str) -> Result<Vec<FindingSummary>>;
    /// See [`Browse::actor`].
    fn actor(&self, platform: Platform, id: &str) -> Result<Option<Actor>>;
    /// See [`Browse::actor_items`].
    fn actor_items(&self, platform: Platform, id: &str, limit: usize) -> Result<Vec<ItemRow>>;
    /// See [`Browse::domain_items`].
    fn domain_items(&self, domain: &str, limit: usize) -> Result<Vec<ItemRow>>;
    /// See [`overview`].
    fn overview(&self, n: usize) -> Result<Overview>;
}

impl BrowseStore for Browse {
    fn finding_summaries(&self, f: &FindingFilter) -> Result<(Vec<FindingSummary>, u64)> {
        Browse::finding_summaries(self, f)
    }
    fn findings_with_actor(&self, platform: Platform, id: &str) -> Result<Vec<FindingSummary>> {
        Browse::findings_with_actor(self, platform, id)
    }
    fn findings_with_domain(&self, domain: &str) -> Result<Vec<FindingSummary>> {
        Browse::findings_with_domain(self, domain)
    }
    fn actor(&self, platform: Platform, id: &str) -> Result<Option<Actor>> {
        Browse::actor(self, platform, id)
    }
    fn actor_items(&self, platform: Platform, id: &str, limit: usize) -> Result<Vec<ItemRow>> {
        Browse::actor_items(self, platform, id, limit)
    }
    fn domain_items(&self, domain: &str, limit: usize) -> Result<Vec<ItemRow>> {
        Browse::domain_items(self, domain, limit)
    }
    fn overview(&self, n: usize) -> Result<Overview> {
        overview(self, n)
    }
}

/// Browsing queries over one store, on a connection of their own. See the module docs.
#[derive(Debug)]
pub struct Browse {
    conn: Connection,
}

/// What an overview ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Top {
    /// Actors by items posted; keys are `platform:id`, with the handle beside.
    Actors,
    /// Registrable domains by items linking them.
    Domains,
    /// Hashtags (lowercased) by uses.
    Hashtags,
}

/// The queries an [`Overview`] is made of; each backend answers them with its own SQL and
/// [`overview`] puts them together, so that every backend's overview has the same shape.
pub trait OverviewQueries {
    /// Items per UTC day of each value of an items column (`platform` or `lang`), as
    /// `(value, day, items)` rows sorted by value and day.
    fn day_counts(&self, column: &str) -> Result<Vec<(String, i64, u64)>>;

    /// The `n` largest counts of `what`, highest first (ties by key), each with a handle for
    /// actors.
    fn top(&self, what: Top, n: usize) -> Result<Vec<(Count, Option<String>)>>;
}

/// Volume per day by platform and language, and the `n` top domains, actors and hashtags.
/// Scans every item: callers cache it.
pub fn overview(q: &dyn OverviewQueries, n: usize) -> Result<Overview> {
    let keys =
        |what| -> Result<Vec<Count>> { Ok(q.top(what, n)?.into_iter().map(|c| c.0).collect()) };
    let (top_actors, actor_handles) = q.top(Top::Actors, n)?.into_iter().unzip();
    Ok(Overview {
        by_platform: day_series(q.day_counts("platform")?),
        by_language: day_series(q.day_counts("lang")?),
        top_domains: keys(Top::Domains)?,
        top_actors,
        actor_handles,
        top_hashtags: keys(Top::Hashtags)?,
    })
}

/// Items per day grouped into one series per key, from `(key, day, items)` rows sorted by key
/// and day. Items without a language (an empty key) count as `und`.
fn day_series(rows: Vec<(String, i64, u64)>) -> Vec<DaySeries> {
    let mut out: Vec<DaySeries> = Vec::new();
    for (key, day, n) in rows {
        let key = if key.is_empty() { "und".into() } else { key };
        match out.last_mut() {
            Some(s) if s.key == key => s.days.push((day, n)),
            _ => out.push(DaySeries {
                key,
                days: vec![(day, n)],
            }),
        }
    }
    out
}

fn tokens(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

const SUMMARY_COLS: &str = "s.id, s.kind, s.score, s.first_seen, s.last_seen, s.summary, \
     s.disarm, s.actors, s.evidence, s.domain, f.status \
     FROM finding_summaries s JOIN findings f ON f.id = s.id";

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FindingSummary> {
    Ok(FindingSummary {
        id: r.get(0)?,
        kind: r.get(1)?,
        score: r.get(2)?,
        first_seen: r.get(3)?,
        last_seen: r.get(4)?,
        summary: r.get(5)?,
        disarm: tokens(&r.get::<_, String>(6)?),
        actors: count(r.get(7)?),
        evidence: count(r.get(8)?),
        domain: r.get(9)?,
        status: r.get(10)?,
    })
}

/// kind, handle, name, created_at, followers.
type ActorCols = (
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

/// The columns of an item row as [`ItemRow`] reads them, and their tables.
pub const ITEM_COLS: &str = "i.platform, i.platform_id, a.platform_id, a.handle, i.time, i.kind, \
     i.lang, i.text FROM items i JOIN actors a ON a.id = i.actor_id";

from_cells! {
    ItemRow { platform => platform_or_other, id, actor_id, actor_handle, time, kind, lang, text }
}

/// A platform as stored; one this build does not know is shown as other.
fn platform_or_other(p: String) -> Platform {
    Platform::parse(&p).unwrap_or(Platform::Other)
}

impl Browse {
    /// Opens the store in `dir` for browsing (it must have been opened as a
    /// [`crate::SqliteStore`] once).
    pub fn open(dir: &Path) -> Result<Browse> {
        Ok(Browse {
            conn: crate::accounts::open_conn(dir)?,
        })
    }

    /// One page of finding summaries, highest score first, and how many match in all.
    pub fn finding_summaries(&self, f: &FindingFilter) -> Result<(Vec<FindingSummary>, u64)> {
        let filter = "WHERE (?1 IS NULL OR s.kind = ?1) AND (?2 IS NULL OR s.score >= ?2) \
             AND (?3 IS NULL OR s.last_seen >= ?3) AND (?4 IS NULL OR s.first_seen < ?4) \
             AND (?5 IS NULL OR instr(s.disarm, ' ' || ?5 || ' ') > 0) \
             AND (?6 IS NULL OR f.status = ?6)";
        let disarm = f.disarm.as_deref().map(str::trim).filter(|d| !d.is_empty());
        let args = params![f.kind, f.min_score, f.since, f.until, disarm, f.status];
        let total: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM finding_summaries s JOIN findings f ON f.id = s.id {filter}"
            ))?
            .query_row(args, |r| r.get(0))?;
        let limit = if f.limit == 0 { -1 } else { to_i64(f.limit) };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLS} {filter} ORDER BY s.score DESC, s.id LIMIT ?7 OFFSET ?8"
        ))?;
        let rows = stmt.query_map(
            params![
                f.kind,
                f.min_score,
                f.since,
                f.until,
                disarm,
                f.status,
                limit,
                to_i64(f.offset)
            ],
            summary_row,
        )?;
        Ok((rows.collect::<rusqlite::Result<Vec<_>>>()?, count(total)))
    }

    /// Findings that name an actor (`platform:id`), highest score first.
    pub fn findings_with_actor(&self, platform: Platform, id: &str) -> Result<Vec<FindingSummary>> {
        let key = format!("{}:{id}", platform.as_str());
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLS} WHERE instr(s.actor_keys, ' ' || ?1 || ' ') > 0 \
             ORDER BY s.score DESC, s.id LIMIT 200"
        ))?;
        let rows = stmt.query_map([key], summary_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Findings about a domain (lookalike findings naming it, or naming it as an actor).
    pub fn findings_with_domain(&self, domain: &str) -> Result<Vec<FindingSummary>> {
        let key = format!("web:{domain}");
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLS} WHERE s.domain = ?1 OR instr(s.actor_keys, ' ' || ?2 || ' ') > 0 \
             ORDER BY s.score DESC, s.id LIMIT 200"
        ))?;
        let rows = stmt.query_map([domain, key.as_str()], summary_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// An actor by platform and platform id.
    pub fn actor(&self, platform: Platform, id: &str) -> Result<Option<Actor>> {
        let row: Option<ActorCols> = self
            .conn
            .prepare_cached(
                "SELECT kind, handle, name, created_at, followers FROM actors \
                 WHERE platform = ?1 AND platform_id = ?2",
            )?
            .query_row(params![platform.as_str(), id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        row.map(|(kind, handle, name, created_at, followers)| {
            codec::actor_from_db(id.to_string(), handle, name, &kind, created_at, followers)
        })
        .transpose()
    }

    /// An actor's newest items (at most `limit`).
    pub fn actor_items(&self, platform: Platform, id: &str, limit: usize) -> Result<Vec<ItemRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ITEM_COLS} WHERE a.platform = ?1 AND a.platform_id = ?2 \
             ORDER BY i.time DESC, i.id LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![platform.as_str(), id, to_i64(limit)], sqlite_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The newest items with a URL on a registrable domain (at most `limit`).
    pub fn domain_items(&self, domain: &str, limit: usize) -> Result<Vec<ItemRow>> {
        let needle = codec::domain_needle(domain)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ITEM_COLS} WHERE i.urls IS NOT NULL AND instr(i.urls, ?1) > 0 \
             ORDER BY i.time DESC, i.id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![needle, to_i64(limit)], sqlite_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

impl OverviewQueries for Browse {
    fn day_counts(&self, column: &str) -> Result<Vec<(String, i64, u64)>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {column}, time / 86400 AS day, count(*) FROM items GROUP BY 1, 2 ORDER BY 1, 2"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, count(r.get(2)?))))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn top(&self, what: Top, n: usize) -> Result<Vec<(Count, Option<String>)>> {
        let sql = match what {
            Top::Actors => {
                "SELECT a.platform || ':' || a.platform_id, c.n, a.handle FROM \
                 (SELECT actor_id, count(*) AS n FROM items GROUP BY actor_id ORDER BY n DESC LIMIT ?1) c \
                 JOIN actors a ON a.id = c.actor_id ORDER BY c.n DESC, a.platform_id"
            }
            Top::Domains => {
                "SELECT json_extract(u.value, '$[5]') AS d, count(DISTINCT i.id) AS n, NULL \
                 FROM items i, json_each(i.urls) u WHERE i.urls IS NOT NULL \
                 GROUP BY d ORDER BY n DESC, d LIMIT ?1"
            }
            Top::Hashtags => {
                "SELECT lower(h.value) AS t, count(*) AS n, NULL \
                 FROM items i, json_each(i.hashtags) h WHERE i.hashtags IS NOT NULL \
                 GROUP BY t ORDER BY n DESC, t LIMIT ?1"
            }
        };
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map([to_i64(n)], |r| {
            Ok((
                Count {
                    key: r.get(0)?,
                    count: count(r.get(1)?),
                },
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::{GROUP, SITE};
    use crate::{OpenOptions, SqliteStore, Store};
    use skydas_model::{Finding, FindingActor, FindingKind, KindSpec, ShareAs};

    fn finding(id: &str, kind: &'static KindSpec, score: f64, disarm: &[&str], t: i64) -> Finding {
        Finding {
            id: id.into(),
            kind: FindingKind::of(kind),
            score,
            disarm: disarm.iter().map(|s| s.to_string()).collect(),
            first_seen: t,
            last_seen: t + 100,
            summary: format!("summary of {id}"),
            actors: vec![FindingActor {
                platform: Platform::Telegram,
                id: format!("a-{id}"),
                handle: None,
                name: None,
                role: None,
            }],
            evidence: vec![],
            signals: Default::default(),
            edges: vec![],
            domain: (kind.share == ShareAs::Domain).then(|| "lrt.ltd".to_string()),
            impersonates: None,
            techniques: vec![],
            tlp: None,
            detector: "test".into(),
            detector_version: "1".into(),
            params: serde_json::Value::Null,
        }
    }

    #[test]
    fn summaries_follow_findings_and_filter() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path(), OpenOptions::default()).unwrap();
        // Stored before the summary schema exists: backfilled when it is created.
        store
            .replace_findings(
                &[GROUP.name],
                &[finding("co-1", &GROUP, 0.9, &["T0049.003"], 1000)],
            )
            .unwrap();
        let b = Browse::open(dir.path()).unwrap();
        store
            .replace_findings(
                &[GROUP.name, SITE.name],
                &[
                    finding("co-1", &GROUP, 0.8, &["T0049.003", "T0084.001"], 1000),
                    finding("co-2", &GROUP, 0.5, &["T0084.001"], 5000),
                    finding("ld-1", &SITE, 0.7, &["T0149.003"], 9000),
                ],
            )
            .unwrap();
        let check = |f: FindingFilter, ids: &[&str], total: u64| {
            let (rows, t) = b.finding_summaries(&f).unwrap();
            let got: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            assert_eq!((got.as_slice(), t), (ids, total), "{f:?}");
        };
        check(FindingFilter::default(), &["co-1", "ld-1", "co-2"], 3);
        let kind = |k: &str| FindingFilter {
            kind: Some(k.into()),
            ..FindingFilter::default()
        };
        check(kind(GROUP.name), &["co-1", "co-2"], 2);
        check(kind("other"), &[], 0);
        let f = |d: &str| FindingFilter {
            disarm: Some(d.into()),
            ..FindingFilter::default()
        };
        check(f("T0084.001"), &["co-1", "co-2"], 2);
        check(f("T0084"), &[], 0);
        check(
            FindingFilter {
                min_score: Some(0.6),
                ..FindingFilter::default()
            },
            &["co-1", "ld-1"],
            2,
        );
        check(
            FindingFilter {
                since: Some(5050),
                until: Some(9000),
                ..FindingFilter::default()
            },
            &["co-2"],
            1,
        );
        check(
            FindingFilter {
                offset: 1,
                limit: 1,
                ..FindingFilter::default()
            },
            &["ld-1"],
            3,
        );
        let (rows, _) = b.finding_summaries(&kind(GROUP.name)).unwrap();
        assert_eq!(rows[0].summary, "summary of co-1");
        assert_eq!(rows[0].score, 0.8);
        assert_eq!(rows[0].disarm, vec!["T0049.003", "T0084.001"]);
        assert_eq!((rows[0].actors, rows[0].status.as_str()), (1, "new"));
        let got = b.findings_with_actor(Platform::Telegram, "a-co-2").unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(b.findings_with_domain("lrt.ltd").unwrap()[0].id, "ld-1");

        store.replace_findings(&[GROUP.name], &[]).unwrap();
        check(FindingFilter::default(), &["ld-1"], 1);
    }
}
