//! The keyed, hash-chained audit log, whatever the backend: what a row is, how its seal is
//! computed, how the next row is built from the head, and how a chain is verified. Backends
//! keep only the SQL that reads and writes rows and the head (`accounts.rs`, and `PgAccounts`
//! in `skydas-store-pg`), so that every backend chains and judges alike.
//!
//! Each row is sealed with an HMAC-SHA256 over the previous row's seal and its own canonical
//! form, under a key kept outside the database ([`AuditKeys`], the keyring file the
//! application layer keeps): whoever can write the database but does not hold the key cannot
//! edit a row and recompute a chain that verifies. Seals name their key (`k2:…`), so keys can
//! be rotated; the keyring says from which row on each key seals, so that no sealed row can be
//! passed off as an unsealed one. Rows written before the store had a keyring keep their
//! plain SHA-256 chain and are reported as such.

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Result;
use crate::codec::{clamp_u64, count, hex};
use crate::row::from_cells;

/// One key of the keyring: it seals rows from `since` on (until the next key's `since`).
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey {
    pub id: u32,
    pub since: u64,
    pub secret: [u8; 32],
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKey")
            .field("id", &self.id)
            .field("since", &self.since)
            .finish_non_exhaustive()
    }
}

/// The keys that seal the audit log, and how many rows came before the first one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditKeys {
    /// Rows `1..=legacy` were written before keying, with the plain SHA-256 chain.
    pub legacy: u64,
    /// By `since`, ascending.
    pub keys: Vec<AuditKey>,
}

impl AuditKeys {
    /// Whether there is any key (without one, rows get the plain SHA-256 chain).
    pub fn is_keyed(&self) -> bool {
        !self.keys.is_empty()
    }

    /// The key that seals row `seq`: the last one whose `since` it has reached.
    fn for_seq(&self, seq: u64) -> Option<&AuditKey> {
        self.keys.iter().rev().find(|k| seq >= k.since)
    }

    /// A new key `secret`, sealing from row `since` on; the error says why it cannot be.
    pub fn rotate(&mut self, secret: [u8; 32], since: u64) -> std::result::Result<u32, String> {
        if let Some(last) = self.keys.last()
            && since <= last.since
        {
            return Err(format!(
                "key {} already seals from row {}; a new key must start later",
                last.id, last.since
            ));
        }
        let id = self.keys.last().map_or(1, |k| k.id + 1);
        self.keys.push(AuditKey { id, since, secret });
        Ok(id)
    }

    /// The keyring file's text: `legacy N`, then `key ID SINCE HEX` per key.
    pub fn to_text(&self) -> String {
        let mut s = String::from(
            "# Skydas audit keyring. Keep it secret (mode 600), and back it up apart from the\n\
             # database: without it the audit log cannot be verified or written.\n",
        );
        s.push_str(&format!("legacy {}\n", self.legacy));
        for k in &self.keys {
            s.push_str(&format!("key {} {} {}\n", k.id, k.since, hex(&k.secret)));
        }
        s
    }

    /// Parses a keyring file; the error names the line.
    pub fn from_text(text: &str) -> std::result::Result<AuditKeys, String> {
        let mut out = AuditKeys::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |why: &str| format!("line {}: {why}", n + 1);
            let f: Vec<&str> = line.split_whitespace().collect();
            match f.as_slice() {
                ["legacy", n] => out.legacy = n.parse().map_err(|_| bad("legacy needs a count"))?,
                ["key", id, since, secret] => {
                    let id: u32 = id.parse().map_err(|_| bad("a key id is a number"))?;
                    let since: u64 = since.parse().map_err(|_| bad("since is a row number"))?;
                    let bytes = unhex(secret).ok_or_else(|| bad("the secret is 64 hex digits"))?;
                    let secret: [u8; 32] = bytes
                        .try_into()
                        .map_err(|_| bad("the secret is 64 hex digits"))?;
                    if out
                        .keys
                        .last()
                        .is_some_and(|k| k.since >= since || k.id >= id)
                    {
                        return Err(bad("keys must come in order of id and since"));
                    }
                    out.keys.push(AuditKey { id, since, secret });
                }
                _ => return Err(bad("expected `legacy N` or `key ID SINCE SECRET`")),
            }
        }
        if out.keys.first().is_some_and(|k| k.since <= out.legacy) {
            return Err("the first key must start after the legacy rows".into());
        }
        Ok(out)
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

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

// The user's column is `user` in SQLite and `user_name` in PostgreSQL.
from_cells! {
    AuditRecord { seq => count, time, user, org, action, target, detail, prev_hash, hash }
}

impl AuditRecord {
    /// The seal this row must carry under `keys`: the HMAC-SHA256, under the key for its row,
    /// of the previous seal and the row's canonical form (a JSON array of its fields, which
    /// escapes every separator), as `k{id}:{hex}`; for a row before keying, the plain SHA-256.
    pub fn compute_hash(&self, keys: &AuditKeys) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.time,
            self.user,
            self.org,
            self.action,
            self.target,
            self.detail
        ]);
        let body = canonical.to_string();
        match keys.for_seq(self.seq) {
            Some(k) => {
                // HMAC takes a key of any length; 32 bytes cannot fail.
                let mut m = Hmac::<Sha256>::new_from_slice(&k.secret)
                    .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
                m.update(self.prev_hash.as_bytes());
                m.update(b"\n");
                m.update(body.as_bytes());
                format!("k{}:{}", k.id, hex(&m.finalize().into_bytes()))
            }
            None => {
                let mut h = Sha256::new();
                h.update(self.prev_hash.as_bytes());
                h.update(b"\n");
                h.update(body.as_bytes());
                hex(&h.finalize())
            }
        }
    }

    /// The row that follows `head` (the last row's `seq` and hash; `None` for an empty log)
    /// for `ev` at `time` (Unix seconds), its hash computed. A backend stores it and moves the
    /// head to it in one transaction, holding off other appenders meanwhile.
    pub fn next(
        head: Option<(i64, String)>,
        ev: &AuditEvent<'_>,
        time: i64,
        keys: &AuditKeys,
    ) -> AuditRecord {
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
        rec.hash = rec.compute_hash(keys);
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
    /// The chain is whole: `rows` rows, the last with hash `head`; the first `unkeyed` of them
    /// were written before the store had a keyring (plain SHA-256 chain).
    Ok {
        rows: u64,
        head: String,
        #[serde(default)]
        unkeyed: u64,
    },
    /// The first row found edited, inserted or missing, and why.
    Broken { seq: u64, reason: String },
}

/// Recomputes an audit chain, rows in `seq` order, against the recorded head `(seq, hash)`
/// (`None` when no head is recorded). Shared by every backend so that they judge alike.
pub fn verify_chain(
    rows: impl IntoIterator<Item = Result<AuditRecord>>,
    head: Option<(i64, String)>,
    keys: &AuditKeys,
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
        if rec.compute_hash(keys) != rec.hash {
            let reason = match (keys.for_seq(rec.seq), rec.hash.split_once(':')) {
                (Some(k), None) => format!(
                    "it carries no seal, but key {} seals every row from {} on",
                    k.id, k.since
                ),
                (None, Some(_)) if keys.is_keyed() => {
                    "it is sealed, but it comes before the keyring's first key".into()
                }
                (None, Some(_)) => {
                    "it is sealed, and no keyring was given to verify it with".into()
                }
                _ => "its content does not match its seal".into(),
            };
            return Ok(AuditCheck::Broken {
                seq: rec.seq,
                reason,
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
        unkeyed: if keys.is_keyed() {
            keys.legacy.min(rows_seen)
        } else {
            rows_seen
        },
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
                &AuditKeys::default(),
            ));
        }
        rows
    }

    fn head(rows: &[AuditRecord]) -> Option<(i64, String)> {
        rows.last().map(|r| (r.seq_db(), r.hash.clone()))
    }

    fn broken_at(rows: &[AuditRecord], head: Option<(i64, String)>) -> Option<u64> {
        match verify_chain(rows.iter().cloned().map(Ok), head, &AuditKeys::default()).unwrap() {
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
        assert!(
            rows.iter()
                .all(|r| r.compute_hash(&AuditKeys::default()) == r.hash)
        );
        assert_eq!(
            verify_chain(
                rows.iter().cloned().map(Ok),
                head(&rows),
                &AuditKeys::default()
            )
            .unwrap(),
            AuditCheck::Ok {
                rows: 3,
                head: rows[2].hash.clone(),
                unkeyed: 3
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
