//! Findings in PostgreSQL: replaced per detector kind with the analyst's review and versions
//! kept, listed in the store's order, reviewed, and their versions read. Bodies are the shared codec's JSON.

use postgres::Client;
use skydas_model::Finding;
use skydas_store::codec;
use skydas_store::versions::{self, FindingVersion, Revision};
use skydas_store::{Result, Review, unix_now};

use crate::{PgResultExt, PgUrl};

/// See [`skydas_store::Store::revise_findings`].
pub(crate) fn revise(
    c: &mut Client,
    url: &PgUrl,
    detector_kinds: &[&str],
    findings: &[Finding],
    revision: &Revision,
) -> Result<()> {
    let now = unix_now();
    let mut tx = c.transaction().at(url)?;
    // Copied reviews are read before anything changes: a split's origin may be replaced or
    // removed below.
    let mut copies = Vec::with_capacity(revision.copy_review.len());
    for (to, from) in &revision.copy_review {
        if let Some(r) = tx
            .query_opt(
                "SELECT status, note, tlp FROM findings WHERE id = $1",
                &[from],
            )
            .at(url)?
        {
            copies.push((
                to,
                r.get::<_, String>(0),
                r.get::<_, String>(1),
                r.get::<_, String>(2),
            ));
        }
    }
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
    let copy = tx
        .prepare(&format!(
            "UPDATE findings SET status = $2, note = $3, tlp = {} WHERE id = $1",
            codec::tlp_at_least_floor_sql("$4::text")
        ))
        .at(url)?;
    for (to, status, note, tlp) in &copies {
        tx.execute(&copy, &[to, status, note, tlp]).at(url)?;
    }
    let keep: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    tx.execute(
        "DELETE FROM finding_versions WHERE finding_id IN \
         (SELECT id FROM findings WHERE kind = ANY($1) AND NOT (id = ANY($2)))",
        &[&detector_kinds, &keep],
    )
    .at(url)?;
    tx.execute(
        "DELETE FROM findings WHERE kind = ANY($1) AND NOT (id = ANY($2))",
        &[&detector_kinds, &keep],
    )
    .at(url)?;
    let add = tx
        .prepare(
            "INSERT INTO finding_versions (finding_id, version, at, members_in, members_out, \
             evidence_before, evidence_after, score_before, score_after, split_from, merged) \
             SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
             FROM finding_versions WHERE finding_id = $1",
        )
        .at(url)?;
    for (id, ch) in &revision.versions {
        tx.execute(
            &add,
            &[
                id,
                &ch.at,
                &versions::members_to_db(&ch.members_in)?,
                &versions::members_to_db(&ch.members_out)?,
                &codec::clamp_u64(ch.evidence_before),
                &codec::clamp_u64(ch.evidence_after),
                &ch.score_before,
                &ch.score_after,
                &ch.split_from,
                &versions::members_to_db(&ch.merged)?,
            ],
        )
        .at(url)?;
    }
    tx.commit().at(url)
}

/// A finding's versions, oldest first.
pub(crate) fn versions(c: &mut Client, url: &PgUrl, id: &str) -> Result<Vec<FindingVersion>> {
    c.query(
        &format!(
            "SELECT {} WHERE finding_id = $1 ORDER BY version",
            versions::VERSION_COLS
        ),
        &[&id],
    )
    .at(url)?
    .iter()
    .map(|r| {
        versions::version_from_cells((
            i64::from(r.get::<_, i32>(0)),
            r.get(1),
            r.get(2),
            r.get(3),
            r.get(4),
            r.get(5),
            r.get(6),
            r.get(7),
            r.get(8),
            r.get(9),
        ))
    })
    .collect()
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
