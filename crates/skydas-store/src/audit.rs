//! The hash-chained audit log, whatever the backend: what a row is, how its hash is computed,
//! how the next row is built from the head, and how a chain is verified. Backends keep only the
//! SQL that reads and writes rows and the head (`accounts.rs`, and `PgAccounts` in
//! `skydas-store-pg`), so that every backend chains and judges alike.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Result;
use crate::codec::{clamp_u64, count, hex};

/// The hash before the first audit row.
pub const AUDIT_GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent<'a> {
    /// The acting user's name (`-` when unknown, e.g. a failed login for no such user).
    pub user: &'a str,
    pub org: &'a str,
    /// What happened: `login`, `login_failed`, `import`, `analyze`, `status`, `export`, ….
    pub action: &'a str,
    /// What it happened to: a finding id, a file, a user name.
    pub target: &'a str,
    pub detail: serde_json::Value,
}

/// One stored audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub seq: u64,
    /// Unix seconds UTC; RFC 3339 in JSON.
    #[serde(with = "skydas_model::time::serde_rfc3339")]
    pub time: i64,
    pub user: String,
    pub org: String,
    pub action: String,
    pub target: String,
    /// Compact JSON.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// The hash this row must carry: SHA-256 over the previous hash and the row's canonical
    /// form (a JSON array of its fields, which escapes every separator).
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.time,
            self.user,
            self.org,
            self.action,
            self.target,
            self.detail
        ]);
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(b"\n");
        h.update(canonical.to_string().as_bytes());
        hex(&h.finalize())
    }

    /// The row that follows `head` (the last row's `seq` and hash; `None` for an empty log)
    /// for `ev` at `time` (Unix seconds), its hash computed. A backend stores it and moves the
    /// head to it in one transaction, holding off other appenders meanwhile.
    pub fn next(head: Option<(i64, String)>, ev: &AuditEvent<'_>, time: i64) -> AuditRecord {
        let (seq, prev_hash) = head.unwrap_or((0, AUDIT_GENESIS.to_string()));
        let mut rec = AuditRecord {
            seq: count(seq) + 1,
            time,
            user: ev.user.to_string(),
            org: ev.org.to_string(),
            action: ev.action.to_string(),
            target: ev.target.to_string(),
            detail: ev.detail.to_string(),
            prev_hash,
            hash: String::new(),
        };
        rec.hash = rec.compute_hash();
        rec
    }

    /// `seq` as a signed database integer.
    pub fn seq_db(&self) -> i64 {
        clamp_u64(self.seq)
    }
}

/// The outcome of verifying a chain ([`verify_chain`], `AccountStore::audit_verify`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum AuditCheck {
    /// The chain is whole: `rows` rows, the last with hash `head`.
    Ok { rows: u64, head: String },
    /// The first row found edited, inserted or missing, and why.
    Broken { seq: u64, reason: String },
}

/// Recomputes an audit chain, rows in `seq` order, against the recorded head `(seq, hash)`
/// (`None` when no head is recorded). Shared by every backend so that they judge alike.
pub fn verify_chain(
    rows: impl IntoIterator<Item = Result<AuditRecord>>,
    head: Option<(i64, String)>,
) -> Result<AuditCheck> {
    let mut expected_seq = 1u64;
    let mut prev = AUDIT_GENESIS.to_string();
    for rec in rows {
        let rec = rec?;
        if rec.seq != expected_seq {
            return Ok(AuditCheck::Broken {
                seq: expected_seq,
                reason: format!("row {expected_seq} is missing (next row is {})", rec.seq),
            });
        }
        if rec.prev_hash != prev {
            return Ok(AuditCheck::Broken {
                seq: rec.seq,
                reason: "its previous hash does not match the row before".into(),
            });
        }
        if rec.compute_hash() != rec.hash {
            return Ok(AuditCheck::Broken {
                seq: rec.seq,
                reason: "its content does not match its hash".into(),
            });
        }
        prev = rec.hash;
        expected_seq += 1;
    }
    let rows_seen = expected_seq - 1;
    let (head_seq, head_hash) = head.unwrap_or((0, AUDIT_GENESIS.to_string()));
    let head_seq = count(head_seq);
    if head_seq != rows_seen {
        return Ok(AuditCheck::Broken {
            seq: rows_seen.min(head_seq) + 1,
            reason: format!("the head records {head_seq} rows but {rows_seen} are present"),
        });
    }
    if head_hash != prev {
        return Ok(AuditCheck::Broken {
            seq: head_seq,
            reason: "the last row does not match the recorded head".into(),
        });
    }
    Ok(AuditCheck::Ok {
        rows: rows_seen,
        head: prev,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An event of user `ona`, as tests append them.
    pub(crate) fn ev(action: &str) -> AuditEvent<'_> {
        AuditEvent {
            user: "ona",
            org: "local",
            action,
            target: "co-1",
            detail: serde_json::json!({"to": "confirmed"}),
        }
    }

    /// A chain of `n` rows as a backend would append them.
    fn chain(n: usize) -> Vec<AuditRecord> {
        let mut rows: Vec<AuditRecord> = Vec::new();
        for i in 0..n {
            let head = rows.last().map(|r| (r.seq_db(), r.hash.clone()));
            rows.push(AuditRecord::next(
                head,
                &ev("status"),
                1_700_000_000 + i as i64,
            ));
        }
        rows
    }

    fn head(rows: &[AuditRecord]) -> Option<(i64, String)> {
        rows.last().map(|r| (r.seq_db(), r.hash.clone()))
    }

    fn broken_at(rows: &[AuditRecord], head: Option<(i64, String)>) -> Option<u64> {
        match verify_chain(rows.iter().cloned().map(Ok), head).unwrap() {
            AuditCheck::Ok { .. } => None,
            AuditCheck::Broken { seq, .. } => Some(seq),
        }
    }

    #[test]
    fn rows_chain_onto_the_head() {
        let rows = chain(3);
        assert_eq!(rows[0].seq, 1);
        assert_eq!(rows[0].prev_hash, AUDIT_GENESIS);
        assert_eq!(rows[2].prev_hash, rows[1].hash);
        assert!(rows.iter().all(|r| r.compute_hash() == r.hash));
        assert_eq!(
            verify_chain(rows.iter().cloned().map(Ok), head(&rows)).unwrap(),
            AuditCheck::Ok {
                rows: 3,
                head: rows[2].hash.clone()
            }
        );
        assert_eq!(broken_at(&[], None), None, "an empty log is whole");
    }

    type Head = Option<(i64, String)>;

    #[test]
    fn the_walk_names_the_first_bad_row() {
        let check = |tamper: &dyn Fn(&mut Vec<AuditRecord>, &mut Head), want: Option<u64>| {
            let mut rows = chain(5);
            let mut h = head(&rows);
            tamper(&mut rows, &mut h);
            assert_eq!(broken_at(&rows, h), want);
        };
        check(&|_, _| {}, None);
        check(&|r, _| r[2].user = "mallory".into(), Some(3));
        check(&|r, _| r[0].detail = "{}".into(), Some(1));
        check(&|r, _| drop(r.remove(1)), Some(2));
        check(&|r, _| drop(r.pop()), Some(5));
        check(&|r, _| r.truncate(3), Some(4));
        check(&|r, _| r.clear(), Some(1));
        check(&|r, _| r[3].hash = "ab".into(), Some(4));
        check(&|_, h| *h = None, Some(1));
        check(
            &|_, h| *h = h.take().map(|(s, _)| (s, "ab".into())),
            Some(5),
        );
    }
}
