//! Finding versions: what each re-analysis changed in a finding that kept its id (members in
//! and out, evidence and score before and after), and which findings it took over. The app
//! layer decides what changed (`skydas_app::identity`); a store only numbers and keeps it.

use serde::{Deserialize, Serialize};

use crate::{Result, StoreError};

/// What one analysis changed in one finding. A finding met for the first time has everything
/// in `members_in`, no evidence before and no score before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// When the analysis ran, Unix seconds; RFC 3339 in JSON.
    #[serde(with = "skydas_model::time::serde_rfc3339")]
    pub at: i64,
    /// Actors that joined, as `platform:id` (see `FindingActor::key`), sorted.
    pub members_in: Vec<String>,
    /// Actors that left, as `platform:id`, sorted.
    pub members_out: Vec<String>,
    pub evidence_before: u64,
    pub evidence_after: u64,
    /// `None` in a finding's first version.
    pub score_before: Option<f64>,
    pub score_after: f64,
    /// The finding this one split off from; its review was copied here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_from: Option<String>,
    /// Findings that merged into this one and are gone; their ids are not reused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<String>,
}

/// Members listed by name in [`Change::summary`]; more are counted.
const MEMBERS_NAMED: usize = 10;

/// `a, b, c and 3 more`.
fn some_members(keys: &[String]) -> String {
    let mut s = keys
        .iter()
        .take(MEMBERS_NAMED)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if keys.len() > MEMBERS_NAMED {
        s.push_str(&format!(" and {} more", keys.len() - MEMBERS_NAMED));
    }
    s
}

/// `0.75 → 0.81`, with four decimals (the detectors' precision) when two would read alike.
pub fn score_change(before: f64, after: f64) -> String {
    let (b, a) = (format!("{before:.2}"), format!("{after:.2}"));
    if b == a {
        format!("{before:.4} → {after:.4}")
    } else {
        format!("{b} → {a}")
    }
}

/// How a [`Change`]'s names are written: plain for the command line ([`Plain`]), linked and
/// escaped on a page.
pub trait Names {
    /// The members who joined or left.
    fn members(&self, keys: &[String]) -> String;
    /// Another finding's id.
    fn finding(&self, id: &str) -> String;
    /// Any other text (the ids of merged findings, which are gone).
    fn text(&self, s: &str) -> String;
}

/// Names as they are, the first ten members named and the rest counted.
pub struct Plain;

impl Names for Plain {
    fn members(&self, keys: &[String]) -> String {
        some_members(keys)
    }
    fn finding(&self, id: &str) -> String {
        id.to_owned()
    }
    fn text(&self, s: &str) -> String {
        s.to_owned()
    }
}

impl Change {
    /// One line for people: who joined and left, evidence and score, what was taken over. The
    /// command line shows it plain, the web app with links.
    pub fn describe(&self, names: &dyn Names) -> String {
        let mut parts = Vec::new();
        match self.score_before {
            None => parts.push(format!(
                "first seen with {} members, {} evidence items, score {:.2}",
                self.members_in.len(),
                self.evidence_after,
                self.score_after
            )),
            Some(before) => {
                if !self.members_in.is_empty() {
                    parts.push(format!("joined {}", names.members(&self.members_in)));
                }
                if !self.members_out.is_empty() {
                    parts.push(format!("left {}", names.members(&self.members_out)));
                }
                if self.evidence_before != self.evidence_after {
                    parts.push(format!(
                        "evidence {} → {}",
                        self.evidence_before, self.evidence_after
                    ));
                }
                if before.to_bits() != self.score_after.to_bits() {
                    parts.push(format!("score {}", score_change(before, self.score_after)));
                }
            }
        }
        if let Some(from) = &self.split_from {
            parts.push(format!(
                "split from {} (review copied)",
                names.finding(from)
            ));
        }
        if !self.merged.is_empty() {
            parts.push(format!("merged {}", names.text(&self.merged.join(", "))));
        }
        parts.join("; ")
    }

    /// [`Change::describe`] in plain words.
    pub fn summary(&self) -> String {
        self.describe(&Plain)
    }
}

/// One stored version of a finding, numbered from 1 in the order they were written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingVersion {
    pub version: u32,
    #[serde(flatten)]
    pub change: Change,
}

impl FindingVersion {
    /// The findings this version took over: the one it split from, then those merged into it.
    pub fn predecessors(&self) -> impl Iterator<Item = &str> {
        self.change
            .split_from
            .iter()
            .chain(&self.change.merged)
            .map(String::as_str)
    }
}

/// What a re-analysis writes besides the findings themselves, in the same transaction as
/// them (see [`crate::Store::revise_findings`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Revision {
    /// `(new id, old id)`: findings split off from a stored one take a copy of its review
    /// (status, note and marking, never below the new finding's floor).
    pub copy_review: Vec<(String, String)>,
    /// `(finding id, change)`: a new version of each finding that changed.
    pub versions: Vec<(String, Change)>,
}

/// A list of member keys as a store column: a JSON array.
pub fn members_to_db(members: &[String]) -> Result<String> {
    serde_json::to_string(members).map_err(|e| StoreError::InvalidInput {
        what: "members",
        value: e.to_string(),
    })
}

/// A stored list of member keys.
pub fn members_from_db(s: &str) -> Result<Vec<String>> {
    serde_json::from_str(s).map_err(|e| StoreError::corrupt("finding version members", e))
}

/// A stored count, which SQL keeps signed.
pub fn count_from_db(n: i64) -> Result<u64> {
    u64::try_from(n).map_err(|_| StoreError::corrupt("finding version count", n))
}

/// A stored version number.
pub fn version_from_db(n: i64) -> Result<u32> {
    u32::try_from(n).map_err(|_| StoreError::corrupt("finding version", n))
}

/// The columns of a finding version in the order [`version_from_cells`] reads them, and
/// their table.
pub const VERSION_COLS: &str = "version, at, members_in, members_out, evidence_before, \
     evidence_after, score_before, score_after, split_from, merged FROM finding_versions";

/// The cells of a finding version row, as any backend reads them.
pub type VersionCells = (
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    Option<f64>,
    f64,
    Option<String>,
    String,
);

/// A finding version from the cells of [`VERSION_COLS`].
pub fn version_from_cells(c: VersionCells) -> Result<FindingVersion> {
    let (
        version,
        at,
        members_in,
        members_out,
        ev_before,
        ev_after,
        s_before,
        s_after,
        split,
        merged,
    ) = c;
    Ok(FindingVersion {
        version: version_from_db(version)?,
        change: Change {
            at,
            members_in: members_from_db(&members_in)?,
            members_out: members_from_db(&members_out)?,
            evidence_before: count_from_db(ev_before)?,
            evidence_after: count_from_db(ev_after)?,
            score_before: s_before,
            score_after: s_after,
            split_from: split,
            merged: members_from_db(&merged)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change() -> Change {
        Change {
            at: 1_700_000_000,
            members_in: vec!["x:1".into(), "x:2".into()],
            members_out: Vec::new(),
            evidence_before: 0,
            evidence_after: 7,
            score_before: None,
            score_after: 0.912,
            split_from: None,
            merged: Vec::new(),
        }
    }

    #[test]
    fn summaries_say_what_changed() {
        assert_eq!(
            change().summary(),
            "first seen with 2 members, 7 evidence items, score 0.91"
        );
        let later = Change {
            members_in: vec!["x:9".into()],
            members_out: (0..12).map(|i| format!("tg:{i}")).collect(),
            evidence_before: 7,
            evidence_after: 9,
            score_before: Some(0.912),
            merged: vec!["co-b".into()],
            ..change()
        };
        assert_eq!(
            later.summary(),
            "joined x:9; left tg:0, tg:1, tg:2, tg:3, tg:4, tg:5, tg:6, tg:7, tg:8, tg:9 and 2 \
             more; evidence 7 → 9; merged co-b"
        );
        assert_eq!(score_change(0.7512, 0.7534), "0.7512 → 0.7534");
        assert_eq!(score_change(0.7512, 0.8), "0.75 → 0.80");
        let split = Change {
            split_from: Some("co-a".into()),
            ..change()
        };
        assert!(
            split
                .summary()
                .ends_with("; split from co-a (review copied)")
        );
    }

    #[test]
    fn versions_read_as_json_with_their_change_inline() {
        let v = FindingVersion {
            version: 2,
            change: change(),
        };
        let j = serde_json::to_value(&v).unwrap();
        assert_eq!(j["version"], 2);
        assert_eq!(j["at"], "2023-11-14T22:13:20Z");
        assert_eq!(j["members_in"][1], "x:2");
        assert!(j.get("split_from").is_none());
        assert_eq!(serde_json::from_value::<FindingVersion>(j).unwrap(), v);
    }
}
