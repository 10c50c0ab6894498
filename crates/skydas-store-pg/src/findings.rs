//! Findings in PostgreSQL: replaced per detector kind with the analyst's review kept, listed in
//! the store's order, and reviewed. Bodies are the shared codec's JSON.

use postgres::Client;
use skydas_model::Finding;
use skydas_store::codec;
use skydas_store::{Result, Review, unix_now};

use crate::{PgResultExt, PgUrl};

/// See [`skydas_store::Store::replace_findings`].
pub(crate) fn replace(
    c: &mut Client,
    url: &PgUrl,
    detector_kinds: &[&str],
    findings: &[Finding],
) -> Result<()> {
    let now = unix_now();
    let mut tx = c.transaction().at(url)?;
    let stmt = tx
        .prepare(&format!(
            "INSERT INTO findings (id, kind, score, first_seen, last_seen, body, updated_at, \
             tlp_floor, tlp) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($8, 'amber')) \
             ON CONFLICT (id) DO UPDATE SET \
             kind = excluded.kind, score = excluded.score, first_seen = excluded.first_seen, \
             last_seen = excluded.last_seen, body = excluded.body, \
             updated_at = excluded.updated_at, tlp_floor = excluded.tlp_floor, tlp = {}",
            codec::tlp_at_least_floor_sql("findings.tlp")
                .replace("tlp_floor", "excluded.tlp_floor")
        ))
        .at(url)?;
    for f in findings {
        let body = codec::finding_to_json(f)?;
        tx.execute(
            &stmt,
            &[
                &f.id,
                &f.kind.as_str(),
                &f.score,
                &f.first_seen,
                &f.last_seen,
                &body,
                &now,
                &codec::tlp_floor(f),
            ],
        )
        .at(url)?;
    }
    let keep: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    tx.execute(
        "DELETE FROM findings WHERE kind = ANY($1) AND NOT (id = ANY($2))",
        &[&detector_kinds, &keep],
    )
    .at(url)?;
    tx.commit().at(url)
}

/// Every finding, ordered by kind, score (highest first), then id.
pub(crate) fn all(c: &mut Client, url: &PgUrl) -> Result<Vec<Finding>> {
    c.query(
        "SELECT body FROM findings ORDER BY kind, score DESC, id",
        &[],
    )
    .at(url)?
    .iter()
    .map(|r| codec::finding_from_json(r.get(0)))
    .collect()
}

/// One finding by id.
pub(crate) fn one(c: &mut Client, url: &PgUrl, id: &str) -> Result<Option<Finding>> {
    c.query_opt("SELECT body FROM findings WHERE id = $1", &[&id])
        .at(url)?
        .map(|r| codec::finding_from_json(r.get(0)))
        .transpose()
}

/// The analyst's review of a finding.
pub(crate) fn review(c: &mut Client, url: &PgUrl, id: &str) -> Result<Option<Review>> {
    c.query_opt(
        "SELECT status, note, tlp FROM findings WHERE id = $1",
        &[&id],
    )
    .at(url)?
    .map(|r| codec::review_from_db(r.get(0), r.get(1), r.get(2)))
    .transpose()
}

/// Records the analyst's review of a finding; `false` if there is no such finding.
pub(crate) fn set_review(c: &mut Client, url: &PgUrl, id: &str, review: &Review) -> Result<bool> {
    let n = c
        .execute(
            &format!(
                "UPDATE findings SET status = $2, note = $3, tlp = {}, updated_at = $5 \
                 WHERE id = $1",
                codec::tlp_at_least_floor_sql("$4::text")
            ),
            &[
                &id,
                &review.status.as_str(),
                &review.note,
                &review.tlp.as_str(),
                &unix_now(),
            ],
        )
        .at(url)?;
    Ok(n > 0)
}
