//! The web app's browsing queries in PostgreSQL ([`PgBrowse`]): finding summaries read from the
//! parsed finding bodies, actor and domain pages, and the overview's counts (assembled by the
//! shared [`skydas_store::browse::overview`]). A session of its own beside the [`PgStore`],
//! reconnecting by itself after the server restarted.

use postgres::Row;
use skydas_model::{Actor, Platform};
use skydas_store::Result;
use skydas_store::browse::{
    BrowseStore, Count, FindingFilter, FindingSummary, ITEM_COLS, ItemRow, Overview,
    OverviewQueries, Top, overview,
};
use skydas_store::codec::{self, clamp_usize as to_i64, count};

use crate::PgStore;
use crate::row::read;
use crate::session::{Args, Session};

/// The web app's browsing queries in PostgreSQL; see [`BrowseStore`] for the contract.
#[derive(Debug)]
pub struct PgBrowse(Session);

impl PgStore {
    /// The browsing queries of this store, on a session of their own.
    pub fn browse(&self) -> Result<PgBrowse> {
        Ok(PgBrowse(Session::open(self.url())?))
    }
}

/// The list columns of a finding, from its parsed body.
const SUMMARY_SELECT: &str = "SELECT f.id, f.kind, f.score, f.first_seen, f.last_seen, \
                              coalesce(f.doc ->> 'summary', ''), \
                              ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(f.doc -> 'disarm') = 'array' \
                              THEN f.doc -> 'disarm' ELSE '[]'::jsonb END)), \
                              CASE WHEN jsonb_typeof(f.doc -> 'actors') = 'array' \
                              THEN jsonb_array_length(f.doc -> 'actors') ELSE 0 END, \
                              CASE WHEN jsonb_typeof(f.doc -> 'evidence') = 'array' \
                              THEN jsonb_array_length(f.doc -> 'evidence') ELSE 0 END, \
                              f.doc ->> 'domain', f.status FROM findings f";

fn summary_from_row(r: &Row) -> FindingSummary {
    FindingSummary {
        id: r.get(0),
        kind: r.get(1),
        score: r.get(2),
        first_seen: r.get(3),
        last_seen: r.get(4),
        summary: r.get(5),
        disarm: r.get(6),
        actors: u64::try_from(r.get::<_, i32>(7)).unwrap_or(0),
        evidence: u64::try_from(r.get::<_, i32>(8)).unwrap_or(0),
        domain: r.get(9),
        status: r.get(10),
    }
}

/// The JSON a finding's `actors` array must contain to name `platform:id`.
fn actor_probe(platform: &str, id: &str) -> String {
    serde_json::json!([{ "platform": platform, "id": id }]).to_string()
}

impl PgBrowse {
    fn summaries(&self, sql: &str, args: Args<'_>) -> Result<Vec<FindingSummary>> {
        let rows = self.0.query(sql, args)?;
        Ok(rows.iter().map(summary_from_row).collect())
    }
}

impl BrowseStore for PgBrowse {
    fn finding_summaries(&self, f: &FindingFilter) -> Result<(Vec<FindingSummary>, u64)> {
        let filter = "WHERE ($1::text IS NULL OR f.kind = $1) \
                      AND ($2::float8 IS NULL OR f.score >= $2) \
                      AND ($3::int8 IS NULL OR f.last_seen >= $3) \
                      AND ($4::int8 IS NULL OR f.first_seen < $4) \
                      AND ($5::text IS NULL OR f.doc -> 'disarm' ? $5) \
                      AND ($6::text IS NULL OR f.status = $6)";
        let disarm = f.disarm.as_deref().map(str::trim).filter(|d| !d.is_empty());
        let limit = (f.limit > 0).then(|| to_i64(f.limit));
        let offset = to_i64(f.offset);
        let args: [&(dyn postgres::types::ToSql + Sync); 8] = [
            &f.kind,
            &f.min_score,
            &f.since,
            &f.until,
            &disarm,
            &f.status,
            &limit,
            &offset,
        ];
        let total: i64 = self
            .0
            .query_one(
                &format!("SELECT count(*) FROM findings f {filter}"),
                &args[..6],
            )?
            .get(0);
        let page = self.summaries(
            &format!("{SUMMARY_SELECT} {filter} ORDER BY f.score DESC, f.id LIMIT $7 OFFSET $8"),
            &args,
        )?;
        Ok((page, count(total)))
    }

    fn findings_with_actor(&self, platform: Platform, id: &str) -> Result<Vec<FindingSummary>> {
        self.summaries(
            &format!(
                "{SUMMARY_SELECT} WHERE f.doc -> 'actors' @> $1::text::jsonb \
                 ORDER BY f.score DESC, f.id LIMIT 200"
            ),
            &[&actor_probe(platform.as_str(), id)],
        )
    }

    fn findings_with_domain(&self, domain: &str) -> Result<Vec<FindingSummary>> {
        self.summaries(
            &format!(
                "{SUMMARY_SELECT} WHERE f.doc ->> 'domain' = $1 \
                 OR f.doc -> 'actors' @> $2::text::jsonb ORDER BY f.score DESC, f.id LIMIT 200"
            ),
            &[&domain, &actor_probe(Platform::Web.as_str(), domain)],
        )
    }

    fn actor(&self, platform: Platform, id: &str) -> Result<Option<Actor>> {
        let row = self.0.query_opt(
            "SELECT kind, handle, name, created_at, followers FROM actors \
             WHERE platform = $1 AND platform_id = $2",
            &[&platform.as_str(), &id],
        )?;
        row.map(|r| {
            codec::actor_from_db(
                id.to_string(),
                r.get(1),
                r.get(2),
                r.get(0),
                r.get(3),
                r.get(4),
            )
        })
        .transpose()
    }

    fn actor_items(&self, platform: Platform, id: &str, limit: usize) -> Result<Vec<ItemRow>> {
        let rows = self.0.query(
            &format!(
                "SELECT {ITEM_COLS} WHERE a.platform = $1 AND a.platform_id = $2 \
                 ORDER BY i.time DESC, i.id LIMIT $3"
            ),
            &[&platform.as_str(), &id, &to_i64(limit)],
        )?;
        Ok(rows.iter().map(read).collect())
    }

    fn domain_items(&self, domain: &str, limit: usize) -> Result<Vec<ItemRow>> {
        let needle = codec::domain_needle(domain)?;
        let rows = self.0.query(
            &format!(
                "SELECT {ITEM_COLS} WHERE i.urls IS NOT NULL AND strpos(i.urls, $1) > 0 \
                 ORDER BY i.time DESC, i.id LIMIT $2"
            ),
            &[&needle, &to_i64(limit)],
        )?;
        Ok(rows.iter().map(read).collect())
    }

    fn overview(&self, n: usize) -> Result<Overview> {
        overview(self, n)
    }
}

impl OverviewQueries for PgBrowse {
    fn day_counts(&self, column: &str) -> Result<Vec<(String, i64, u64)>> {
        let rows = self.0.query(
            &format!(
                "SELECT {column}, time / 86400 AS day, count(*) FROM items \
                 GROUP BY 1, 2 ORDER BY 1, 2"
            ),
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), count(r.get(2))))
            .collect())
    }

    fn top(&self, what: Top, n: usize) -> Result<Vec<(Count, Option<String>)>> {
        let sql = match what {
            Top::Actors => {
                "SELECT a.platform || ':' || a.platform_id, c.n, a.handle FROM \
                 (SELECT actor_id, count(*) AS n FROM items GROUP BY actor_id \
                 ORDER BY n DESC LIMIT $1) c \
                 JOIN actors a ON a.id = c.actor_id ORDER BY c.n DESC, a.platform_id"
            }
            Top::Domains => {
                "SELECT (u ->> 5) COLLATE \"C\" AS d, count(DISTINCT i.id), NULL::text \
                 FROM items i, jsonb_array_elements(i.urls::jsonb) u \
                 WHERE i.urls IS NOT NULL GROUP BY d ORDER BY 2 DESC, d LIMIT $1"
            }
            Top::Hashtags => {
                "SELECT lower(h) COLLATE \"C\" AS t, count(*), NULL::text \
                 FROM items i, jsonb_array_elements_text(i.hashtags::jsonb) h \
                 WHERE i.hashtags IS NOT NULL GROUP BY t ORDER BY 2 DESC, t LIMIT $1"
            }
        };
        let rows = self.0.query(sql, &[&to_i64(n)])?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    Count {
                        key: r.get(0),
                        count: count(r.get(1)),
                    },
                    r.get(2),
                )
            })
            .collect())
    }
}
