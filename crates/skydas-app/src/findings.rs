//! Findings as an analyst reads them: each with its review, one with its versions and the
//! findings it took over too. The command line's `findings` and `findings show` print these.

use serde::Serialize;
use skydas_model::{Finding, KindSpec};
use skydas_store::{FindingVersion, Review, Store};

use crate::Result;

/// A finding with the analyst's review beside it (`review` in JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reviewed {
    #[serde(flatten)]
    pub finding: Finding,
    pub review: Review,
}

/// The findings document with reviews: `{"findings": [...]}`, each finding with its `review`.
/// It reads back as a plain findings document (the reviews are ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Listed {
    pub findings: Vec<Reviewed>,
}

impl Listed {
    /// The findings without their reviews.
    pub fn plain(&self) -> Vec<Finding> {
        self.findings.iter().map(|r| r.finding.clone()).collect()
    }
}

/// Every stored finding (of `kind` only, when given) with its review, in the store's order.
pub fn list(store: &dyn Store, kind: Option<&KindSpec>) -> Result<Listed> {
    let mut findings = Vec::new();
    for f in store.findings()? {
        if kind.is_some_and(|k| !f.kind.is(k)) {
            continue;
        }
        let review = store.review(&f.id)?.unwrap_or_default();
        findings.push(Reviewed { finding: f, review });
    }
    Ok(Listed { findings })
}

/// One finding with everything the analyst recorded and the store kept about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detail {
    #[serde(flatten)]
    pub finding: Finding,
    pub review: Review,
    /// Oldest first.
    pub versions: Vec<FindingVersion>,
    /// Findings it took over (split from, merged), in the order its versions name them.
    pub predecessors: Vec<String>,
}

impl Detail {
    /// The review for people: `confirmed, TLP:GREEN  the note`.
    pub fn review_line(&self) -> String {
        let r = &self.review;
        format!("{}, {}  {}", r.status.as_str(), r.tlp.name(), r.note)
            .trim_end()
            .to_string()
    }

    /// One line per version for people, oldest first: `v2    2024-02-21T19:01:38Z  joined x:9`.
    pub fn version_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.versions.iter().map(|v| {
            format!(
                "v{:<4} {}  {}",
                v.version,
                skydas_model::time::format_rfc3339(v.change.at),
                v.change.summary()
            )
        })
    }
}

/// One finding by id, `None` if there is none.
pub fn detail(store: &dyn Store, id: &str) -> Result<Option<Detail>> {
    let Some(finding) = store.finding(id)? else {
        return Ok(None);
    };
    let review = store.review(id)?.unwrap_or_default();
    let versions = store.finding_versions(id)?;
    let mut predecessors: Vec<String> = Vec::new();
    for p in versions.iter().flat_map(FindingVersion::predecessors) {
        if !predecessors.iter().any(|q| q == p) {
            predecessors.push(p.to_string());
        }
    }
    Ok(Some(Detail {
        finding,
        review,
        versions,
        predecessors,
    }))
}
